// A commit the loader cannot take whole (issue 12, item 4) is a load error in the
// daemon's status and metrics naming the file, with that commit as the attempted
// revision; the last valid revision stays in force and later commits are still followed.
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/sim/index.js';
import { gitRepo, startDaemon } from '../helpers/daemon.js';

t.test('a commit with a list of 150,000 items is a load error naming its file, not a silent stop', async (t) => {
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 50, taskStopMs: 50, serviceDrainMs: 50, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const repo = gitRepo(t.testdir());
  const first = repo.head();
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, resync: '60s' });
  await daemon.until(async () => (await daemon.status()).appliedRevision === first, 'the first commit is applied');
  const loadErrorsGauge = async () => (await daemon.metrics()).value('ecs_gitops_snapshot_load_errors');
  t.equal(await loadErrorsGauge(), 0);

  writeFileSync(join(repo.dir, 'store', 'huge.yaml'), `apiVersion: ecs-gitops.io/v1alpha1\nkind: TaskDefinition\nmetadata:\n  name: huge\nspec:\n  containerDefinitions: [${Array(150_000).fill('1').join(',')}]\n`);
  const huge = repo.commit('a list of 150,000 items');
  await daemon.until(async () => (await daemon.status()).attemptedRevision === huge, 'the commit is attempted', 60_000);
  const status = await daemon.status();
  t.ok(status.loadErrors.length > 0, 'status shows load errors');
  t.ok(status.loadErrors.every((e) => /store\/huge\.yaml$/.test(e.file)), 'every one names the file');
  t.ok(status.loadErrors.length <= 200, `${status.loadErrors.length} of them, not one per item`);
  t.ok(((await loadErrorsGauge()) ?? 0) > 0, 'and so does the gauge');
  t.equal(status.appliedRevision, first, 'the last valid revision stays in force');

  rmSync(join(repo.dir, 'store', 'huge.yaml'));
  const fixed = repo.commit('remove it');
  await daemon.until(async () => {
    const s = await daemon.status();
    return s.appliedRevision === fixed && s.loadErrors.length === 0;
  }, 'the next commit is still followed: applied, the load errors gone', 60_000);
  t.equal(await loadErrorsGauge(), 0);
});
