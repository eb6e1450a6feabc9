import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cluster, commitAll, git, initRepo, keys, recordedSource, waitFor } from './fixtures.js';

t.test('a git checkout: HEAD, then <sha>-dirty for an uncommitted edit, then the new commit', async (t) => {
  const dir = t.testdir({ 'cluster.yaml': cluster('store') });
  const first = initRepo(dir);
  const { source, snapshots, errors } = recordedSource(t, { repo: dir });

  const snapshot = await source.start();
  t.equal(snapshot.revision, first);
  t.match(snapshot.revision, /^[0-9a-f]{40}$/);
  t.same(keys(snapshot), ['Cluster/store']);

  writeFileSync(join(dir, 'cluster.yaml'), cluster('shop'));
  await waitFor(() => snapshots.length >= 2, 'the snapshot of the uncommitted edit');
  t.equal(snapshots[1].revision, `${first}-dirty`);
  t.same(keys(snapshots[1]), ['Cluster/shop'], 'the working tree is what gets loaded');

  // A second edit on the same commit: same revision, new content, so a new snapshot.
  writeFileSync(join(dir, 'cluster.yaml'), cluster('shop-2'));
  await waitFor(() => snapshots.length >= 3, 'the snapshot of the second edit');
  t.equal(snapshots[2].revision, `${first}-dirty`);
  t.same(keys(snapshots[2]), ['Cluster/shop-2']);

  const second = commitAll(dir, 'shop');
  await waitFor(() => snapshots.length >= 4, 'the snapshot of the commit (no file changed, HEAD moved)');
  t.equal(snapshots[3].revision, second);
  t.same(keys(snapshots[3]), ['Cluster/shop-2']);
  t.same(errors, []);
});

t.test('dirty means changes under the config path only, untracked files included', async (t) => {
  const dir = t.testdir({ config: { 'cluster.yaml': cluster('store') }, 'README.md': 'readme\n' });
  const head = initRepo(dir);
  const { source, snapshots } = recordedSource(t, { repo: dir, path: 'config' });
  await source.start();

  writeFileSync(join(dir, 'README.md'), 'changed outside the config path\n');
  const refreshed = await source.refresh();
  t.equal(refreshed.revision, head, 'an edit outside the config path leaves the revision clean');
  t.equal(snapshots.length, 1);

  writeFileSync(join(dir, 'config', 'web.yaml'), cluster('web'));
  await waitFor(() => snapshots.length >= 2, 'the snapshot with the untracked file');
  t.equal(snapshots[1].revision, `${head}-dirty`);
  t.same(keys(snapshots[1]), ['Cluster/store', 'Cluster/web']);
  t.equal(snapshots[1].displayRoot, 'config');
});

t.test('a plain directory inside some other repository is not taken for a checkout of it', async (t) => {
  const outer = t.testdir({ inner: { 'cluster.yaml': cluster('store') }, 'README.md': 'outer\n' });
  initRepo(outer);
  git(outer, 'rm', '--quiet', '-r', '--cached', 'inner');
  const { source } = recordedSource(t, { repo: join(outer, 'inner') });
  const snapshot = await source.start();
  t.match(snapshot.revision, /^sha256:/, 'the revision is the content hash, not the outer HEAD');
});

t.test('a repository without a commit yet has a content revision', async (t) => {
  const dir = t.testdir({ 'cluster.yaml': cluster('store') });
  git(dir, 'init', '--quiet');
  const { source } = recordedSource(t, { repo: dir });
  const snapshot = await source.start();
  t.match(snapshot.revision, /^sha256:/);
  t.same(keys(snapshot), ['Cluster/store']);
});
