// The source on overlays whose base lies beside the config directory: the base's files
// are hashed and watched like the config directory's, named from the top of the
// checkout; a YAML file no overlay reads stays unread.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cluster, commitAll, initRepo, keys, recordedSource, waitFor } from './fixtures.js';

t.test('a change to a base outside the config path is a new snapshot; an unread file is not', async (t) => {
  const dir = t.testdir({
    base: { 'kustomization.yaml': 'resources: [c.yaml]\n', 'c.yaml': cluster('shop') },
    envs: { staging: { 'kustomization.yaml': 'resources: [../../base]\nnamePrefix: staging-\n' } },
    other: { 'c.yaml': cluster('unread') },
  });
  const { source, snapshots, errors, loads } = recordedSource(t, { repo: dir, path: 'envs', debounceMs: 50 });
  const first = await source.start();
  t.same(keys(first), ['Cluster/staging-shop']);
  if (first.result.ok) t.equal(first.result.state.resources.get('Cluster/staging-shop')?.source.file, join('base', 'c.yaml'), 'the base is named from the top of the checkout');

  writeFileSync(join(dir, 'base', 'c.yaml'), cluster('store'));
  await waitFor(() => snapshots.length >= 2, 'the snapshot after the base changed');
  t.same(keys(snapshots[1]), ['Cluster/staging-store']);
  t.not(snapshots[1].contentHash, first.contentHash, 'the base is part of the content hash');

  const reads = loads();
  writeFileSync(join(dir, 'other', 'c.yaml'), cluster('still-unread'));
  writeFileSync(join(dir, 'base', 'c.yaml'), cluster('store'));
  await waitFor(() => loads() > reads, 'a read after the writes');
  t.equal(snapshots.length, 2, 'unchanged content, and a file no overlay reads: no new snapshot');

  writeFileSync(join(dir, 'base', 'c.yaml'), cluster('store').replace('{}', '{bogus: 1}'));
  await waitFor(() => snapshots.length >= 3, 'the snapshot with the broken base');
  t.match(snapshots[2].result, { ok: false, errors: [{ code: 'UNKNOWN_FIELD', file: join('base', 'c.yaml'), line: 4 }] });
  t.same(errors, []);
});

t.test('--path at an overlay itself: its kustomization is the config, and an edit to it is a new snapshot', async (t) => {
  const dir = t.testdir({
    base: { 'c.yaml': cluster('shop') },
    envs: { staging: { 'kustomization.yaml': 'resources: [../../base]\nnamePrefix: staging-\n' } },
  });
  const { source, snapshots, errors } = recordedSource(t, { repo: dir, path: join('envs', 'staging'), debounceMs: 50 });
  const first = await source.start();
  t.same(keys(first), ['Cluster/staging-shop']);
  writeFileSync(join(dir, 'envs', 'staging', 'kustomization.yaml'), 'resources: [../../base]\nnamePrefix: stage-\n');
  await waitFor(() => snapshots.length >= 2, 'the snapshot after the overlay changed');
  t.same(keys(snapshots[1]), ['Cluster/stage-shop']);
  t.same(errors, []);
});

t.test('in git: an uncommitted change to a base beside the config path makes the revision dirty', async (t) => {
  const dir = t.testdir({
    base: { 'c.yaml': cluster('shop') },
    envs: { staging: { 'kustomization.yaml': 'resources: [../../base]\nnamePrefix: staging-\n' } },
  });
  const head = initRepo(dir);
  const { source, snapshots } = recordedSource(t, { repo: dir, path: 'envs', debounceMs: 50 });
  await source.start();
  await waitFor(() => source.current?.revision === head, 'the clean revision');
  writeFileSync(join(dir, 'base', 'c.yaml'), cluster('store'));
  await waitFor(() => snapshots.some((s) => keys(s).includes('Cluster/staging-store')), 'the snapshot of the changed base');
  t.equal(snapshots.at(-1)?.revision, `${head}-dirty`);
  commitAll(dir, 'base: store');
  await waitFor(() => /^[0-9a-f]{40}$/.test(source.current?.revision ?? '') && source.current?.revision !== head, 'the committed revision');
});
