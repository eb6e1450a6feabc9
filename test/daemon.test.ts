// The daemon's composition root, in process: what the source cannot deliver reaches
// status and metrics, not only the log.
import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../src/daemon.js';
import { startSimulator } from '../src/sim/index.js';
import { eventually, inProcessDaemon, openRepo } from './helpers/daemon.js';
import { copyExamples } from './helpers/repo.js';

/** A daemon watching `repo`'s config directory on the simulator at `endpoint`, its logs discarded. */
const daemonOn = (repo: string, endpoint: string) => startDaemon(inProcessDaemon(repo, endpoint));

t.test('a config directory that vanishes is a load error naming the path, in status and metrics', async (t) => {
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 50, taskStopMs: 50, serviceDrainMs: 50, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const repo = t.testdir();
  copyExamples(join(repo, 'config'));
  const daemon = await daemonOn(repo, sim.endpoint);
  t.teardown(() => daemon.stop());
  t.ok(await eventually(() => daemon.status.controllerStatus().appliedRevision !== undefined), 'the first snapshot is applied');
  const applied = daemon.status.controllerStatus().appliedRevision;
  const loadErrorsGauge = async () => /^ecs_gitops_snapshot_load_errors\{application="default"\} (\d+)$/m.exec(await (await fetch(`${daemon.url}/metrics`)).text())?.[1];
  t.equal(await loadErrorsGauge(), '0');

  rmSync(join(repo, 'config'), { recursive: true, force: true });
  t.ok(await eventually(() => daemon.status.controllerStatus().loadErrors.length > 0, 10_000), 'status shows a load error');
  t.match(daemon.status.controllerStatus().loadErrors, [{ severity: 'error', file: 'config', message: /does not exist/ }]);
  t.equal(await loadErrorsGauge(), '1', 'and so does the gauge');
  t.equal(daemon.status.controllerStatus().appliedRevision, applied, 'the last valid revision stays in force');

  copyExamples(join(repo, 'config'));
  t.ok(await eventually(() => daemon.status.controllerStatus().loadErrors.length === 0, 10_000), 'back: the load error goes');
  t.equal(await loadErrorsGauge(), '0');
});

t.test('a commit that removes the config directory is the attempted revision, with a load error naming the directory', async (t) => {
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 50, taskStopMs: 50, serviceDrainMs: 50, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const dir = t.testdir();
  copyExamples(join(dir, 'config'));
  const repo = openRepo(dir);
  repo.git('init', '-q');
  repo.commit('examples');
  const daemon = await daemonOn(dir, sim.endpoint);
  t.teardown(() => daemon.stop());
  const first = repo.head();
  t.ok(await eventually(() => daemon.status.controllerStatus().appliedRevision === first), 'the first commit is applied');

  repo.git('rm', '-r', '-q', 'config');
  const removed = repo.commit('remove the config directory');
  t.ok(await eventually(() => daemon.status.controllerStatus().attemptedRevision === removed, 10_000), 'the removing commit is the attempted revision');
  t.match(daemon.status.controllerStatus().loadErrors, [{ severity: 'error', file: 'config', message: /does not exist/ }]);
  t.equal(daemon.status.controllerStatus().appliedRevision, first, 'the last valid revision stays in force');
});
