import t from 'tap';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/runtime/clock.js';
import { createSource, SourceError } from '../../src/source/index.js';
import { cluster, keys, recordedSource, waitFor } from './fixtures.js';

t.test('a plain directory: content-hash revision, a burst becomes one snapshot, an unchanged write none', async (t) => {
  const dir = t.testdir({ 'cluster.yaml': cluster('store'), 'README.md': 'not config\n' });
  const { source, snapshots, errors, loads } = recordedSource(t, { repo: dir, debounceMs: 100 });

  const first = await source.start();
  t.match(first.revision, /^sha256:[0-9a-f]{64}$/);
  t.equal(first.revision, first.contentHash);
  t.same(keys(first), ['Cluster/store']);
  t.equal(first.displayRoot, '.', 'files are named relative to the checkout');
  t.equal(source.current, first);
  t.same(snapshots, [first], 'the first snapshot goes to onSnapshot too');

  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, 'cluster.yaml'), cluster(`store-${i}`));
  await waitFor(() => snapshots.length >= 2, 'the snapshot after the burst');
  t.same(keys(snapshots[1]), ['Cluster/store-5'], 'the snapshot holds the last write');
  t.not(snapshots[1].revision, first.revision);

  // The same bytes again: read (the loader runs) but not delivered.
  const readsBefore = loads();
  writeFileSync(join(dir, 'cluster.yaml'), cluster('store-5'));
  await waitFor(() => loads() > readsBefore, 'the re-read after the unchanged write');
  t.equal(snapshots.length, 2, 'an unchanged write yields no snapshot (and the burst yielded one)');
  t.equal(await source.refresh(), snapshots[1], 'refresh of unchanged content answers the current snapshot');
  t.equal(snapshots.length, 2);

  writeFileSync(join(dir, 'web.yaml'), cluster('web'));
  await waitFor(() => snapshots.length >= 3, 'the snapshot for a new file');
  t.same(keys(snapshots[2]), ['Cluster/store-5', 'Cluster/web']);
  t.same(errors, []);
});

t.test('an invalid file: the snapshot carries the loader errors, named relative to the checkout', async (t) => {
  const dir = t.testdir({ real: { config: { 'cluster.yaml': cluster('store') } } });
  const link = join(dir, 'checkout');
  symlinkSync(join(dir, 'real'), link);
  const { source, snapshots } = recordedSource(t, { repo: link, path: 'config' });
  const first = await source.start();
  t.equal(first.result.ok, true);
  t.equal(first.root, join(dir, 'real', 'config'), 'root is the resolved directory');
  t.equal(first.displayRoot, 'config');
  if (first.result.ok) t.equal(first.result.state.resources.get('Cluster/store')?.source.file, join('config', 'cluster.yaml'));

  writeFileSync(join(dir, 'real', 'config', 'bad.yaml'), cluster('store').replace('kind: Cluster', 'kind: Clutser'));
  await waitFor(() => snapshots.length >= 2, 'the snapshot with the invalid file');
  const bad = snapshots[1];
  t.equal(bad.result.ok, false, 'the snapshot is delivered; deciding what to do is not the source’s job');
  if (bad.result.ok) return;
  t.match(bad.result.errors, [{ code: 'UNKNOWN_KIND', file: join('config', 'bad.yaml'), line: 2 }]);
});

t.test('the config path vanishing goes to onError, never to a snapshot; it comes back as a snapshot', async (t) => {
  const dir = t.testdir({ config: { 'cluster.yaml': cluster('store') } });
  const { source, snapshots, errors } = recordedSource(t, { repo: dir, path: 'config' });
  await source.start();

  rmSync(join(dir, 'config'), { recursive: true });
  await waitFor(() => errors.length >= 1, 'the error for the vanished path');
  t.equal(snapshots.length, 1, 'no snapshot for a missing directory');
  t.match(errors[0], { name: 'SourceError', code: 'CONFIG_PATH_MISSING' });
  t.match(errors[0].message, join(dir, 'config'));
  await t.rejects(source.refresh(), { code: 'CONFIG_PATH_MISSING' }, 'refresh refuses too');
  t.equal(source.current, snapshots[0], 'the last snapshot stays current');

  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'cluster.yaml'), cluster('again'));
  await waitFor(() => snapshots.length >= 2, 'the snapshot once the path is back');
  t.same(keys(snapshots[1]), ['Cluster/again']);
});

t.test('the whole checkout vanishing goes to onError', async (t) => {
  const dir = t.testdir({ checkout: { 'cluster.yaml': cluster('store') } });
  const { source, snapshots, errors } = recordedSource(t, { repo: join(dir, 'checkout') });
  await source.start();
  rmSync(join(dir, 'checkout'), { recursive: true });
  await waitFor(() => errors.length >= 1, 'the error for the vanished checkout');
  t.equal(snapshots.length, 1);
  t.match(errors[0], { code: 'CONFIG_PATH_MISSING' });
});

t.test('start rejects, leaving nothing running, when the config path does not exist', async (t) => {
  const dir = t.testdir({});
  const snapshots: unknown[] = [];
  const source = createSource({ repo: join(dir, 'nowhere'), onSnapshot: (s) => void snapshots.push(s) });
  const err = await source.start().catch((e: unknown) => e);
  t.ok(err instanceof SourceError);
  t.match(err, { code: 'CONFIG_PATH_MISSING' });
  t.same(snapshots, []);
  t.equal(source.current, undefined);
  await t.rejects(source.refresh(), { code: 'SOURCE_CLOSED' });
});

t.test('the debounce runs on the injected clock: nothing is read until the quiet period has passed on it', async (t) => {
  const dir = t.testdir({ 'cluster.yaml': cluster('store') });
  const clock = new ManualClock();
  const { source, snapshots, loads } = recordedSource(t, { repo: dir, clock, debounceMs: 60_000 });
  const first = await source.start();
  t.equal(first.at, clock.now(), 'snapshot time is the injected clock');
  t.equal(clock.pendingSleeps(), 0, 'nothing scheduled before any change');

  writeFileSync(join(dir, 'cluster.yaml'), cluster('shop'));
  await waitFor(() => clock.pendingSleeps() > 0, 'the debounce timer to be armed by the file event');
  const reads = loads();
  clock.advance(59_000);
  t.equal(loads(), reads, 'still quiet: no read yet');
  t.equal(snapshots.length, 1);
  clock.advance(1_000);
  await waitFor(() => snapshots.length >= 2, 'the snapshot once the minute has passed on the clock');
  t.same(keys(snapshots[1]), ['Cluster/shop']);
  t.equal(snapshots[1].at, first.at + 60_000);
});
