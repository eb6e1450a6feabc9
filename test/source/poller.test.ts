import t from 'tap';
import { mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cluster, commitAll, git, keys, recordedSource, waitFor } from './fixtures.js';

/** A bare repository as the "remote", and a clone to push commits from. */
function remote(root: string): { url: string; push(files: Record<string, string>, message: string): string } {
  const url = join(root, 'remote.git');
  git(root, 'init', '--quiet', '--bare', url);
  const work = join(root, 'work');
  mkdirSync(join(work, 'config'), { recursive: true });
  git(work, 'init', '--quiet');
  return {
    url,
    push(files, message) {
      rmSync(join(work, 'config'), { recursive: true, force: true });
      mkdirSync(join(work, 'config'));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(work, 'config', name), text);
      const commit = commitAll(work, message);
      git(work, 'push', '--quiet', url, 'HEAD:refs/heads/main');
      return commit;
    },
  };
}

t.test('built-in poller: clones the branch, then picks up each pushed commit through a worktree swap', async (t) => {
  const root = t.testdir({ cache: {} });
  const origin = remote(root);
  const first = origin.push({ 'cluster.yaml': cluster('a') }, 'a');
  const { source, snapshots, errors } = recordedSource(t, {
    repo: join(root, 'cache'),
    path: 'config',
    gitUrl: origin.url,
    gitBranch: 'main',
    gitIntervalMs: 100,
  });

  const snapshot = await source.start();
  t.equal(snapshot.revision, first);
  t.same(keys(snapshot), ['Cluster/a']);
  const cache = join(root, 'cache', '.ecs-gitops');
  t.match(snapshot.root, join(cache, 'worktrees'), 'read from a worktree in the cache');
  t.equal(snapshot.displayRoot, 'config', 'files are named as in the repository');

  const second = origin.push({ 'cluster.yaml': cluster('b') }, 'b');
  await waitFor(() => snapshots.length >= 2, 'the second commit');
  t.equal(snapshots[1].revision, second);
  t.same(keys(snapshots[1]), ['Cluster/b']);
  t.not(snapshots[1].root, snapshot.root, 'a fresh worktree');
  t.equal(join(cache, readlinkSync(join(cache, 'current')), 'config'), snapshots[1].root, '`current` points at it');

  const third = origin.push({ 'bad.yaml': cluster('c').replace('kind: Cluster', 'kind: Clutser') }, 'c');
  await waitFor(() => snapshots.length >= 3, 'the third commit');
  t.equal(snapshots[2].revision, third);
  t.equal(snapshots[2].result.ok, false);
  if (!snapshots[2].result.ok) t.match(snapshots[2].result.errors, [{ code: 'UNKNOWN_KIND', file: join('config', 'bad.yaml') }]);
  await waitFor(() => readdirSync(join(cache, 'worktrees')).length <= 2, 'old worktrees removed');
  t.equal(readdirSync(join(cache, 'worktrees')).length, 2, 'the current worktree and the one before it are kept');
  t.same(errors, []);
});

t.test('built-in poller: an unreachable remote fails start; a poll that fails later goes to onError', async (t) => {
  const root = t.testdir({ cache: {} });
  const missing = recordedSource(t, { repo: join(root, 'cache'), gitUrl: join(root, 'nowhere.git'), gitIntervalMs: 100 });
  await t.rejects(missing.source.start(), { code: 'GIT_FAILED' });

  const origin = remote(root);
  const first = origin.push({ 'cluster.yaml': cluster('a') }, 'a');
  const { source, snapshots, errors } = recordedSource(t, { repo: join(root, 'cache'), gitUrl: origin.url, path: 'config', gitIntervalMs: 100 });
  t.equal((await source.start()).revision, first, 'the remote HEAD when no branch is named');
  rmSync(origin.url, { recursive: true });
  await waitFor(() => errors.length >= 1, 'the failed poll');
  t.match(errors[0], { name: 'SourceError', code: 'GIT_FAILED' });
  t.equal(snapshots.length, 1, 'the last snapshot stays; nothing was deleted');
});

t.test('built-in poller: refresh (a push webhook) fetches at once, without waiting for the interval', async (t) => {
  const root = t.testdir({ cache: {} });
  const origin = remote(root);
  origin.push({ 'cluster.yaml': cluster('a') }, 'a');
  const { source, snapshots } = recordedSource(t, { repo: join(root, 'cache'), gitUrl: origin.url, gitBranch: 'main', path: 'config', gitIntervalMs: 3_600_000 });
  await source.start();
  const second = origin.push({ 'cluster.yaml': cluster('b') }, 'b');
  const refreshed = await source.refresh();
  t.equal(refreshed.revision, second);
  t.same(keys(refreshed), ['Cluster/b']);
  t.equal(snapshots.at(-1), refreshed, 'delivered to onSnapshot as well');
});

t.test('built-in poller: a branch name that could be read as an option is refused', async (t) => {
  const root = t.testdir({});
  t.throws(() => recordedSource(t, { repo: root, gitUrl: join(root, 'x.git'), gitBranch: '--upload-pack=touch /tmp/x' }), { code: 'POLL_FAILED' });
  t.throws(() => recordedSource(t, { repo: root, gitUrl: '--upload-pack=touch /tmp/x' }), { code: 'POLL_FAILED' });
});
