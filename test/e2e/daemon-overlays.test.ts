// The daemon on a repository of overlays (simulator, in process): staging and production
// of one base, each in its own cluster. A change to the base reconciles the documents of
// both environments; a change to one overlay reconciles that environment's only.
import t from 'tap';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { startDaemon } from '../../src/daemon.js';
import { startSimulator } from '../../src/sim/index.js';
import { eventually, inProcessDaemon } from '../helpers/daemon.js';
import { BASE_IMAGE, overlayRepo } from '../helpers/overlays.js';

t.test('a base change reconciles both overlays, an overlay change only its own', async (t) => {
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 20, taskStopMs: 20, serviceDrainMs: 20, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const dir = t.testdir();
  const repo = overlayRepo(dir);
  const logs: { msg?: unknown; changed?: unknown }[] = [];
  const daemon = await startDaemon(inProcessDaemon(dir, sim.endpoint, { path: 'envs', resyncMs: 600_000 }, logs));
  t.teardown(() => daemon.stop());
  const ecs = new ECSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  t.teardown(() => ecs.destroy());
  const service = async (env: string) => (await ecs.send(new DescribeServicesCommand({ cluster: `${env}-shop`, services: [`${env}-web`] }))).services?.[0];
  const container = async (env: string) => {
    const arn = (await service(env))?.taskDefinition;
    return arn ? (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.containerDefinitions?.[0] : undefined;
  };
  const reconciledAt = (key: string) => daemon.status.get(key as never)?.lastReconciledAt ?? 0;
  const snapshots = () => logs.filter((l) => l.msg === 'new snapshot');

  t.ok(await eventually(() => daemon.status.controllerStatus().ready, 30_000), 'the first full pass is done');
  t.same(daemon.status.controllerStatus().loadErrors, []);
  t.match(await service('staging'), { desiredCount: 1 }, 'staging: its own cluster and count');
  t.match(await service('production'), { desiredCount: 2 }, 'production: its own cluster and count');
  t.equal((await container('staging'))?.image, `${BASE_IMAGE}:1.28`);
  t.equal((await container('production'))?.image, `${BASE_IMAGE}:1.27.3`);

  // The base, outside the watched config directory envs/, changes: both environments follow.
  const before = { staging: reconciledAt('Service/staging-web'), production: reconciledAt('Service/production-web') };
  repo.setGreeting('hi from the base');
  t.ok(await eventually(async () => (await container('staging'))?.environment?.[0]?.value === 'hi from the base' && (await container('production'))?.environment?.[0]?.value === 'hi from the base', 20_000), 'a base change rolls out to both environments');
  t.equal(snapshots().at(-1)?.changed, 2, 'the two task definitions rendered from the base changed, nothing else');
  t.ok(reconciledAt('Service/staging-web') > before.staging && reconciledAt('Service/production-web') > before.production, 'both services were reconciled (they pin the new revisions)');
  t.equal((await container('staging'))?.image, `${BASE_IMAGE}:1.28`, 'each keeps its own image');

  // One overlay changes: only its documents are reconciled.
  // A service still rolling out is looked at again on its own; that is no reconcile of the change.
  t.ok(await eventually(() => ['Service/staging-web', 'Service/production-web'].every((k) => daemon.status.get(k as never)?.health.status === 'Healthy'), 20_000), 'both rollouts are done');
  const production = { taskDefinition: reconciledAt('TaskDefinition/production-web'), cluster: reconciledAt('Cluster/production-shop'), deployments: (await service('production'))?.deployments };
  const staged = reconciledAt('Service/staging-web');
  repo.setCount('staging', '1.28', 3);
  t.ok(await eventually(async () => (await service('staging'))?.desiredCount === 3, 20_000), 'staging scales to 3');
  t.equal(snapshots().at(-1)?.changed, 1, 'one document changed');
  t.ok(reconciledAt('Service/staging-web') > staged, 'the staging service was reconciled');
  t.same({ taskDefinition: reconciledAt('TaskDefinition/production-web'), cluster: reconciledAt('Cluster/production-shop'), deployments: (await service('production'))?.deployments }, production, 'nothing of production was: no new deployment either');
  t.match(await service('production'), { desiredCount: 2 });

  // A bad value in the base: named at its file and line from the top of the checkout, and nothing applied.
  repo.setGreeting('5');
  t.ok(await eventually(() => daemon.status.controllerStatus().loadErrors.length > 0, 20_000), 'the revision is refused');
  t.match(daemon.status.controllerStatus().loadErrors, [{ file: 'base/web.yaml', line: 24, field: 'spec.containerDefinitions[0].environment[0].value' }]);
  t.equal(daemon.status.controllerStatus().loadErrors.length, 1, 'found in both environments, listed once');
  t.equal((await container('production'))?.environment?.[0]?.value, 'hi from the base', 'the last valid revision stays in force');
});
