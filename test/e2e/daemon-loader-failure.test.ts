// A file the loader cannot take whole (issue 12, item 4) is a load error in the daemon's
// status and metrics, naming the file; the daemon keeps the last valid revision and
// still follows later changes.
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startDaemon } from '../../src/daemon.js';
import { startSimulator } from '../../src/sim/index.js';
import { eventually } from '../helpers/daemon.js';
import { copyExamples } from '../helpers/repo.js';

t.test('a list of 150,000 items is a load error naming its file, not a silent stop', async (t) => {
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 50, taskStopMs: 50, serviceDrainMs: 50, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const repo = t.testdir();
  copyExamples(join(repo, 'config'));
  const daemon = await startDaemon({
    repo,
    path: 'config',
    gitIntervalMs: 60_000,
    debounceMs: 50,
    resyncMs: 60_000,
    selfHeal: true,
    prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 },
    aws: { region: 'us-east-1', endpoint: sim.endpoint, controllerId: 'ecs-gitops' },
    embeddedAws: false,
    rateLimit: false,
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    stopGraceMs: 2_000,
    logDestination: new Writable({ write: (_chunk, _enc, done) => done() }),
  });
  t.teardown(() => daemon.stop());
  const controller = () => daemon.status.controllerStatus();
  t.ok(await eventually(() => controller().appliedRevision !== undefined), 'the first snapshot is applied');
  const applied = controller().appliedRevision;
  const loadErrorsGauge = async () => Number(/^ecs_gitops_snapshot_load_errors (\d+)$/m.exec(await (await fetch(`${daemon.url}/metrics`)).text())?.[1]);
  t.equal(await loadErrorsGauge(), 0);

  const huge = join(repo, 'config', 'huge.yaml');
  writeFileSync(huge, `apiVersion: ecs-gitops.io/v1alpha1\nkind: TaskDefinition\nmetadata:\n  name: huge\nspec:\n  containerDefinitions: [${Array(150_000).fill('1').join(',')}]\n`);
  t.ok(await eventually(() => controller().loadErrors.length > 0, 30_000), 'status shows load errors');
  t.ok(controller().loadErrors.every((e) => /config\/huge\.yaml$/.test(e.file)), 'every one names the file');
  t.ok(controller().loadErrors.length <= 200, `${controller().loadErrors.length} of them, not one per item`);
  t.ok((await loadErrorsGauge()) > 0, 'and so does the gauge');
  t.not(controller().attemptedRevision, applied, 'the refused revision is the one attempted');
  t.equal(controller().appliedRevision, applied, 'the last valid revision stays in force');

  rmSync(huge);
  t.ok(await eventually(() => controller().loadErrors.length === 0, 30_000), 'the next change is still followed: the load errors go');
  t.equal(await loadErrorsGauge(), 0);
});
