// Applications are isolated: one whose AWS account throttles every call does not delay
// another. Two simulators stand for two accounts (AWS throttles per account and region);
// each application's target names its own. With the first one's token buckets empty, a
// commit to each: the second rolls out at once, the first reports the throttling and
// catches up once AWS answers again.
import t from 'tap';
import { startSimulator, ECS_TARGET_PREFIX, type RunningSimulator } from '../../src/sim/index.js';
import { ECS_CATEGORIES } from '../../src/sim/throttle.js';
import { applicationRepo, controllerConfig, imageOf } from '../helpers/applications.js';
import { startDaemon } from '../helpers/daemon.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

// The orders account's buckets never refill once throttling is on.
const ordersAws = await startSimulator({ rolloutTimings: FAST, rateScale: 0 });
const catalogAws = await startSimulator({ rolloutTimings: FAST });
t.teardown(() => Promise.all([ordersAws.close(), catalogAws.close()]));

/** The image `app`'s service runs, rolled out, in `sim`. */
function rolledOut(sim: RunningSimulator, app: string): string | undefined {
  const call = (operation: string, input: object): unknown => sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input)).body;
  const service = (call('DescribeServices', { cluster: app, services: [`${app}-web`] }) as { services?: { runningCount: number; deployments: { taskDefinition: string; rolloutState: string }[] }[] }).services?.[0];
  if (!service || service.deployments.length !== 1 || service.deployments[0].rolloutState !== 'COMPLETED' || service.runningCount !== 1) return undefined;
  return (call('DescribeTaskDefinition', { taskDefinition: service.deployments[0].taskDefinition }) as { taskDefinition: { containerDefinitions: { image: string }[] } }).taskDefinition.containerDefinitions[0].image;
}

/** The images of every task-definition revision `sim` holds for `app`, read from its state (past the throttling). */
function registeredImages(sim: RunningSimulator, app: string): string[] {
  return sim
    .dump()
    .taskDefinitions.filter((d) => d.family === `${app}-web`)
    .map((d) => (d.body.containerDefinitions as { image: string }[])[0].image);
}

/** Switches throttling on in `sim` and spends every ECS bucket, as another client of the account would. */
function exhaust(sim: RunningSimulator): void {
  sim.faults.set({ throttle: true });
  for (const category of Object.values(ECS_CATEGORIES)) {
    for (let i = 0; i < 1000; i++) {
      const answer = sim.invoke(`${ECS_TARGET_PREFIX}.${category.actions[0]}`, '{}');
      if (JSON.stringify(answer.body).includes('Throttling')) break;
    }
  }
}

const dir = t.testdir();
const orders = applicationRepo(dir, 'orders');
const catalog = applicationRepo(dir, 'catalog');
const config = controllerConfig(dir, [
  { name: 'orders', dir: orders.dir, target: { endpoint: ordersAws.endpoint } },
  { name: 'catalog', dir: catalog.dir, target: { endpoint: catalogAws.endpoint } },
]);
const daemon = await startDaemon(t, { config, args: ['--no-rate-limit'] });
t.teardown(() => daemon.stop('SIGKILL'));

t.test('a throttled application does not delay another', async (t) => {
  await daemon.until(async () => (await daemon.get('/readyz')).status === 200, 'both applications ready');
  await daemon.until(() => rolledOut(ordersAws, 'orders') === imageOf('orders', '1.0.0') && rolledOut(catalogAws, 'catalog') === imageOf('catalog', '1.0.0'), 'both run 1.0.0');

  exhaust(ordersAws);
  const committed = Date.now();
  orders.write('1.1.0');
  catalog.write('1.1.0');
  await daemon.until(() => rolledOut(catalogAws, 'catalog') === imageOf('catalog', '1.1.0'), 'catalog rolls out 1.1.0', 20_000);
  const seconds = (Date.now() - committed) / 1000;
  t.ok(seconds < 15, `catalog rolled out ${seconds.toFixed(1)} s after the commit`);
  t.same(registeredImages(ordersAws, 'orders'), [imageOf('orders', '1.0.0')], 'orders, throttled, has not even registered its new revision');

  type Item = { key: string; lastError: { code: string } | null };
  await daemon.until(async () => {
    const items = ((await daemon.get('/api/v1/applications/orders/resources')).body as { items: Item[] }).items;
    return items.some((i) => i.lastError?.code === 'ThrottlingException');
  }, 'orders reports the throttling');
  const catalogItems = ((await daemon.get('/api/v1/applications/catalog/resources')).body as { items: Item[] }).items;
  t.ok(catalogItems.every((i) => i.lastError === null), 'catalog has no error');
  t.ok((await daemon.metrics()).sum('ecs_gitops_aws_api_throttles_total') > 0, 'the throttles are counted');

  ordersAws.faults.set({ throttle: false });
  await daemon.until(() => rolledOut(ordersAws, 'orders') === imageOf('orders', '1.1.0'), 'orders catches up once AWS answers again', 60_000);
  t.same(registeredImages(ordersAws, 'orders'), [imageOf('orders', '1.0.0'), imageOf('orders', '1.1.0')]);
});
