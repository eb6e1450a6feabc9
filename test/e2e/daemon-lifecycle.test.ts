// The daemon's life: SIGTERM in the middle of a sync (503 on /readyz, exit 0 within the
// stop bound, nothing half-made that a restart cannot finish) and the embedded simulator.
import t from 'tap';
import { startSimulator, ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { awsCli } from '../helpers/aws-cli.js';
import { eventually, gitRepo, hubSignature, spawnDaemon, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { crashFront } from '../helpers/fault.js';
import { EXAMPLES } from '../helpers/examples.js';

// Each test has its own simulator, repository and daemon: they run at once.
t.jobs = 3;

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const TOKEN = 'sync-token-for-tests';
const SECRET = 'webhook-secret-for-tests';

async function synced(daemon: RunningDaemon, total = EXAMPLES.total) {
  await daemon.until(async () => {
    const s = await daemon.status();
    return s.ready && s.resources.total === total && s.resources.sync.Synced === total && s.resources.health.Healthy === total;
  }, `all ${total} resources Synced and Healthy`);
}

t.test('SIGTERM during a sync: not ready at once, exit 0 within the stop bound, a restart converges', async (t) => {
  // Every API answer takes 500 ms (an endpoint in front of the simulator that counts what
  // is in flight): the first sync, a chain of dependent calls, runs for several seconds.
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  const slow = await crashFront(sim, 500);
  t.teardown(() => slow.close());
  const listServices = () => {
    const answer = sim.invoke(`${ECS_TARGET_PREFIX}.ListServices`, JSON.stringify({ cluster: 'store' }));
    return answer.status === 200 ? (answer.body as { serviceArns: string[] }).serviceArns : [];
  };
  const repo = gitRepo(t.testdir());
  // SIGTERM as soon as AWS has applied the first write: no ECS service can be on its way
  // yet (each needs its cluster, task definition and Cloud Map service first).
  const firstWrite = slow.written(1);
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: slow.endpoint, args: ['--stop-timeout', '1s'], apiToken: TOKEN, webhookSecret: SECRET });
  await firstWrite;
  t.equal(daemon.logged('reconcile finished').length, 0, 'the sync is still running');
  t.equal((await daemon.get('/readyz')).status, 503, 'not ready before the first sync finished');
  const exit = daemon.stop('SIGTERM');
  let sawShuttingDown = false;
  await eventually(async () => {
    const ready = await daemon.get('/readyz');
    if (ready.status === 503 && JSON.stringify(ready.body).includes('shutting down')) sawShuttingDown = true;
    return sawShuttingDown;
  }, 2_000, 20);
  // While it stops, neither trigger may claim a sync will happen.
  const body = JSON.stringify({ ref: 'refs/heads/main', after: repo.head() });
  const [sync, hook] = await Promise.all([
    daemon.post('/api/v1/sync', { headers: { authorization: `Bearer ${TOKEN}` } }).catch((err: Error) => ({ status: 0, text: err.message })),
    daemon.post('/api/v1/webhooks/git', { headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(SECRET, body) }, body }).catch((err: Error) => ({ status: 0, text: err.message })),
  ]);
  const end = await exit;
  t.equal(sync.status, 503, `sync while stopping: ${sync.text}`);
  t.equal(hook.status, 503, `webhook while stopping: ${hook.text}`);
  if (!t.same({ code: end.code, signal: end.signal }, { code: 0, signal: null }, 'exit code 0')) t.comment(daemon.stderr().slice(-2000));
  t.ok(end.ms < 10_000, `exited ${end.ms} ms after SIGTERM (stop timeout 1 s; ECS kills at 30 s)`);
  t.ok(sawShuttingDown, '/readyz answered 503 "shutting down" while the daemon stopped');
  t.ok(daemon.logged('shutting down').length === 1, 'the shutdown is logged');
  t.match(daemon.stderr(), /SIGTERM: shutting down/);

  t.ok(listServices().length < EXAMPLES.of('Service'), `the sync was cut short (${listServices().length} of ${EXAMPLES.of('Service')} services exist)`);
  // Calls abandoned at the deadline had already reached AWS, which applies them after its
  // latency: let every one of them land, then see what the restart finds.
  await slow.idle();
  const created = listServices();
  t.equal(new Set(created).size, created.length, 'no service twice');

  // A new process on the same AWS, answering at once, finishes the job, creating each missing service once.
  const next = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint });
  await synced(next);
  const services = listServices();
  t.equal(services.length, EXAMPLES.of('Service'), 'every service');
  t.same(services.map((arn) => arn.split('/').pop()).sort(), ['api-gateway', 'billing', 'inventory', 'recommendations', 'reviews', 'search', 'shipping', 'storefront']);
  const m = await next.metrics();
  t.equal(m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'CreateService' }), EXAMPLES.of('Service') - created.length, 'the restart creates only what was missing');
  t.equal(m.sum('ecs_gitops_reconcile_total', { result: 'error' }), 0, 'without errors');
  t.equal((await next.stop('SIGTERM')).code, 0);
});

t.test('--embedded-aws: the daemon brings its own simulator, inspectable with the AWS CLI; SIGINT stops it', async (t) => {
  const repo = gitRepo(t.testdir());
  const daemon = await startDaemon(t, { repo: repo.dir, embeddedAws: true });
  await synced(daemon);
  const endpoint = /on the embedded AWS simulator \((http:\/\/127\.0\.0\.1:\d+)\)/.exec(daemon.stderr())?.[1];
  t.ok(endpoint, 'the simulator endpoint is printed');
  t.equal(daemon.logged('embedded AWS simulator started', { endpoint }).length, 1);
  const described = (await awsCli(endpoint!, ['ecs', 'describe-services', '--cluster', 'store', '--services', 'billing'])) as { services: { desiredCount: number; runningCount: number; taskDefinition: string }[] };
  t.match(described.services[0], { desiredCount: 2, runningCount: 2, taskDefinition: /billing:1$/ });
  const m = await daemon.metrics();
  t.equal(m.value('ecs_gitops_resources', { kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), EXAMPLES.of('Service'));
  t.equal(m.value('ecs_gitops_git_revision_info', { revision: repo.head() }), 1);
  const end = await daemon.stop('SIGINT');
  t.same({ code: end.code, signal: end.signal }, { code: 0, signal: null });
  t.match(daemon.stderr(), /SIGINT: shutting down/);
  const gone = await eventually(async () => {
    try {
      await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(500) });
      return false;
    } catch {
      return true;
    }
  }, 2_000);
  t.ok(gone, 'the embedded simulator went with the daemon');
});

t.test('SIGTERM while the daemon is still starting: a clean exit, not death by signal', async (t) => {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  const repo = gitRepo(t.testdir());
  const daemon = spawnDaemon(t, { repo: repo.dir, endpoint: sim.endpoint });
  // The HTTP server is up; the first snapshot is still being read (git, the loader).
  if (!t.ok(await eventually(() => daemon.logged(/^Server listening/).length > 0, 120_000, 2), 'the server started')) t.comment(daemon.tail());
  daemon.kill('SIGTERM');
  const end = await daemon.exited;
  if (!t.same({ code: end.code, signal: end.signal }, { code: 0, signal: null }, 'exit code 0')) t.comment(daemon.tail());
  t.match(daemon.stderr(), /SIGTERM: shutting down/);
  t.equal(daemon.logged('shutting down').length, 1, 'the shutdown ran');
});
