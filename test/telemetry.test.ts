import t from 'tap';
import { Writable } from 'node:stream';
import { KINDS } from '../src/api/kinds.js';
import { API_OPERATIONS, CallRecorder } from '../src/aws/clients.js';
import type { ResourcePlan } from '../src/core/plan.js';
import { StatusStore } from '../src/runtime/status.js';
import { DEFAULT_APPLICATION, HEALTH_STATUSES, METRIC_NAMES, MISNAMED_DEFAULT_METRICS, RECONCILE_RESULTS, SYNC_STATUSES, createLogger, createMetrics, reconcileLogger } from '../src/telemetry.js';
import { assertPromtoolAccepts } from './http/promtool.js';
import { parseExposition, sampleValue } from './http/exposition.js';

/** The account and region the recorder's clients call (a target, as the pool names it). */
const T = { account: '123456789012', region: 'us-east-1' };

function setup(t: { teardown(fn: () => unknown): void }) {
  const status = new StatusStore(() => Date.UTC(2025, 0, 2, 3, 4, 5));
  const calls = new CallRecorder();
  calls.addTarget({ ...T, limiter: undefined });
  const metrics = createMetrics({ status, calls });
  t.teardown(() => metrics.close());
  const scrape = async () => parseExposition(await metrics.registry.metrics());
  return { status, calls, metrics, app: metrics.forApplication(DEFAULT_APPLICATION, status), scrape };
}

const plan = (kind: ResourcePlan['kind'], name: string, sync: ResourcePlan['sync'], health: ResourcePlan['health']['status']): ResourcePlan => ({
  key: `${kind}/${name}`,
  kind,
  name,
  awsName: name,
  action: sync === 'Synced' ? 'none' : 'update',
  sync,
  health: { status: health },
  changes: [],
});

t.test('before anything happens, every metric and every label combination is exposed at 0', async (t) => {
  const { scrape } = setup(t);
  const samples = await scrape();
  for (const name of METRIC_NAMES) t.ok(samples.families.has(name), `${name} is exposed`);

  for (const kind of KINDS) {
    for (const result of RECONCILE_RESULTS) {
      t.equal(sampleValue(samples, 'ecs_gitops_reconcile_total', { application: 'default', kind, result }), 0);
      t.equal(sampleValue(samples, 'ecs_gitops_reconcile_duration_seconds_count', { application: 'default', kind, result }), 0);
    }
    t.equal(sampleValue(samples, 'ecs_gitops_drift_detected_total', { application: 'default', kind }), 0);
    for (const sync_status of SYNC_STATUSES) {
      for (const health_status of HEALTH_STATUSES) t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'default', kind, sync_status, health_status }), 0);
    }
  }
  for (const service of ['ecs', 'servicediscovery'] as const) {
    for (const operation of Object.keys(API_OPERATIONS[service])) {
      for (const name of ['ecs_gitops_aws_api_calls_total', 'ecs_gitops_aws_api_errors_total', 'ecs_gitops_aws_api_throttles_total', 'ecs_gitops_aws_api_request_duration_seconds_count']) {
        t.equal(sampleValue(samples, name, { ...T, service, operation }), 0, `${name}{${service},${operation}}`);
      }
    }
  }
  for (const name of ['ecs_gitops_workqueue_depth', 'ecs_gitops_workqueue_retries_total', 'ecs_gitops_workqueue_longest_running_seconds', 'ecs_gitops_last_successful_sync_timestamp_seconds', 'ecs_gitops_snapshot_load_errors', 'ecs_gitops_snapshot_load_failures_total']) {
    t.equal(sampleValue(samples, name, { application: 'default' }), 0, name);
  }
  t.equal(sampleValue(samples, 'ecs_gitops_git_revision_info', { application: 'default', revision: '' }), 0, 'no revision applied yet');
});

t.test("prom-client's default process and Node.js metrics are there, unprefixed, minus the three misnamed gauges", async (t) => {
  const { scrape } = setup(t);
  const samples = await scrape();
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles']) {
    t.ok(samples.families.has(name), `${name} is exposed`);
  }
  for (const name of MISNAMED_DEFAULT_METRICS) t.notOk(samples.families.has(name), `${name} is left out`);
});

t.test('AWS API metrics follow the call recorder: operations count calls and errors, attempts count throttles and duration', async (t) => {
  const { calls, scrape } = setup(t);
  const labels = { ...T, service: 'ecs', operation: 'DescribeServices' };
  calls.record({ kind: 'attempt', service: 'ecs', operation: 'DescribeServices', outcome: 'ThrottlingException', throttled: true, seconds: 0.02, ...T });
  calls.record({ kind: 'attempt', service: 'ecs', operation: 'DescribeServices', outcome: 'ok', throttled: false, seconds: 0.3, ...T });
  calls.record({ kind: 'operation', service: 'ecs', operation: 'DescribeServices', outcome: 'ok', ...T });
  calls.record({ kind: 'operation', service: 'ecs', operation: 'DescribeServices', outcome: 'ServerException', ...T });
  const samples = await scrape();
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_calls_total', labels), 2);
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_errors_total', labels), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_throttles_total', labels), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_request_duration_seconds_count', labels), 2);
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_request_duration_seconds_sum', labels), 0.32);
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_request_duration_seconds_bucket', { ...labels, le: '0.025' }), 1, 'the throttled attempt falls in the 25 ms bucket');
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_calls_total', { ...T, service: 'servicediscovery', operation: 'DescribeServices' }), undefined, 'Cloud Map has no DescribeServices');
  t.equal(sampleValue(samples, 'ecs_gitops_aws_api_calls_total', { ...T, service: 'servicediscovery', operation: 'ListServices' }), 0, 'the same name in the other service is counted apart');
});

t.test('after close() the metrics stop listening to the call recorder', async (t) => {
  const { calls, metrics, scrape } = setup(t);
  metrics.close();
  calls.record({ kind: 'operation', service: 'ecs', operation: 'ListClusters', outcome: 'ok', ...T });
  t.equal(sampleValue(await scrape(), 'ecs_gitops_aws_api_calls_total', { ...T, service: 'ecs', operation: 'ListClusters' }), 0);
});

t.test('resources by kind, sync and health are read from the status store at scrape time', async (t) => {
  const { status, scrape } = setup(t);
  status.recordPlan(plan('Service', 'web', 'OutOfSync', 'Progressing'), {});
  status.recordPlan(plan('Service', 'api', 'OutOfSync', 'Progressing'), {});
  status.recordPlan(plan('Cluster', 'main', 'Synced', 'Healthy'), {});
  let samples = await scrape();
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'default', kind: 'Service', sync_status: 'OutOfSync', health_status: 'Progressing' }), 2);
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'default', kind: 'Cluster', sync_status: 'Synced', health_status: 'Healthy' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'default', kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), 0);

  status.recordPlan(plan('Service', 'web', 'Synced', 'Healthy'), {});
  status.remove('Cluster/main');
  samples = await scrape();
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'default', kind: 'Service', sync_status: 'OutOfSync', health_status: 'Progressing' }), 1, 'a resource moves between series');
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'default', kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'default', kind: 'Cluster', sync_status: 'Synced', health_status: 'Healthy' }), 0, 'a forgotten resource goes back to 0');
});

t.test('reconciles, drift, the work queue, load errors and the last successful sync are recorded in base units', async (t) => {
  const { app, scrape } = setup(t);
  app.observeReconcile('Service', 'success', 1.5);
  app.observeReconcile('Service', 'stalled', 0.2);
  app.driftDetected('TaskDefinition');
  app.queue.setDepth(7);
  app.queue.retried();
  app.queue.retried();
  app.queue.setLongestRunning(42);
  app.setLastSuccessfulSync(Date.UTC(2025, 0, 2, 3, 4, 5, 500));
  app.setLoadErrors(3);
  app.loadFailed();
  const samples = await scrape();
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_total', { application: 'default', kind: 'Service', result: 'success' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_total', { application: 'default', kind: 'Service', result: 'stalled' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_total', { application: 'default', kind: 'Service', result: 'error' }), 0);
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_duration_seconds_sum', { application: 'default', kind: 'Service', result: 'success' }), 1.5);
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_duration_seconds_bucket', { application: 'default', kind: 'Service', result: 'success', le: '1' }), 0);
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_duration_seconds_bucket', { application: 'default', kind: 'Service', result: 'success', le: '2.5' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_drift_detected_total', { application: 'default', kind: 'TaskDefinition' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_workqueue_depth', { application: 'default' }), 7);
  t.equal(sampleValue(samples, 'ecs_gitops_workqueue_retries_total', { application: 'default' }), 2);
  t.equal(sampleValue(samples, 'ecs_gitops_workqueue_longest_running_seconds', { application: 'default' }), 42);
  t.equal(sampleValue(samples, 'ecs_gitops_last_successful_sync_timestamp_seconds', { application: 'default' }), Date.UTC(2025, 0, 2, 3, 4, 5, 500) / 1000, 'seconds, not milliseconds');
  t.equal(sampleValue(samples, 'ecs_gitops_snapshot_load_errors', { application: 'default' }), 3);
  t.equal(sampleValue(samples, 'ecs_gitops_snapshot_load_failures_total', { application: 'default' }), 1);
});

t.test('git_revision_info shows only the revision in force', async (t) => {
  const { app, scrape } = setup(t);
  app.setRevision('1111111');
  let series = (await scrape()).samples.filter((s) => s.name === 'ecs_gitops_git_revision_info');
  t.same(series, [{ name: 'ecs_gitops_git_revision_info', labels: { application: 'default', revision: '1111111' }, value: 1 }], 'the placeholder is gone');
  app.setRevision('2222222');
  app.setRevision('2222222');
  series = (await scrape()).samples.filter((s) => s.name === 'ecs_gitops_git_revision_info');
  t.same(series, [{ name: 'ecs_gitops_git_revision_info', labels: { application: 'default', revision: '2222222' }, value: 1 }], 'the old revision is gone');
});

t.test('each createMetrics has its own registry: two controllers in one process do not collide', async (t) => {
  const a = setup(t);
  const b = setup(t);
  a.app.queue.setDepth(5);
  t.equal(sampleValue(await b.scrape(), 'ecs_gitops_workqueue_depth', { application: 'default' }), 0);
  t.equal(sampleValue(await a.scrape(), 'ecs_gitops_workqueue_depth', { application: 'default' }), 5);
});

t.test('promtool check metrics accepts the exposition, before and after activity', async (t) => {
  const { metrics, app, calls, status } = setup(t);
  await assertPromtoolAccepts(t, await metrics.registry.metrics());
  status.recordPlan(plan('Service', 'web', 'OutOfSync', 'Degraded'), {});
  calls.record({ kind: 'operation', service: 'servicediscovery', operation: 'GetOperation', outcome: 'ok', ...T });
  app.setRevision('abc "quoted" \\ revision');
  app.observeReconcile('CloudMapInstance', 'conflict', 0.01);
  await assertPromtoolAccepts(t, await metrics.registry.metrics());
});

/** A log destination that keeps every line written to it. */
function lineCollector() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

t.test('the logger writes one JSON object per line; a reconcile child carries kind, name, revision and reconcileId', async (t) => {
  const { lines, destination } = lineCollector();
  const logger = createLogger({ level: 'info', destination });
  logger.debug('not written at info');
  logger.info({ trigger: 'api' }, 'sync requested');
  reconcileLogger(logger, { kind: 'Service', name: 'web', revision: 'abc123', reconcileId: 'r-1' }).warn('rollout is slow');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(lines.length, 2);
  const [first, second] = lines.map((l) => JSON.parse(l));
  t.match(first, { level: 'info', msg: 'sync requested', trigger: 'api' });
  t.match(first.time, /^\d{4}-\d\d-\d\dT/, 'ISO time');
  t.match(second, { level: 'warn', msg: 'rollout is slow', kind: 'Service', name: 'web', revision: 'abc123', reconcileId: 'r-1' });
});

t.test('as text, one line per event: time, level, the resource, the message, then the other fields', async (t) => {
  const { lines, destination } = lineCollector();
  const logger = createLogger({ level: 'info', format: 'text', destination });
  logger.info({ trigger: 'api' }, 'sync requested');
  reconcileLogger(logger, { kind: 'Service', name: 'web', revision: 'abc123', reconcileId: 'r-1' }).warn({ err: { message: 'slow' } }, 'rollout is slow');
  logger.info({ key: 'Cluster/store', step: 'create cluster store' }, 'applied');
  await new Promise((resolve) => setImmediate(resolve));
  t.match(lines, [
    /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: sync requested \{"trigger":"api"\}$/,
    /^\[[\d:.]+\] WARN: Service\/web rollout is slow \{"revision":"abc123","reconcileId":"r-1","err":\{.*"message":"slow".*\}\}$/,
    /^\[[\d:.]+\] INFO: Cluster\/store applied \{"step":"create cluster store"\}$/,
  ]);
  t.equal(lines.length, 3, 'an error stays on its line');
});

t.test('run logs text on a terminal and JSON elsewhere, unless --log-format or ECS_GITOPS_LOG_FORMAT says otherwise', async (t) => {
  const { daemonConfig } = await import('../src/commands/run.js');
  const args = ['--repo', 'examples'];
  t.match(daemonConfig(args, {}, true), { logFormat: 'text', logColor: true });
  t.match(daemonConfig(args, { NO_COLOR: '1' }, true), { logFormat: 'text', logColor: false });
  t.match(daemonConfig(args, {}, false), { logFormat: 'json' });
  t.match(daemonConfig([...args, '--log-format', 'json'], {}, true), { logFormat: 'json' });
  t.match(daemonConfig(args, { ECS_GITOPS_LOG_FORMAT: 'text' }, false), { logFormat: 'text', logColor: false });
  t.throws(() => daemonConfig([...args, '--log-format', 'pretty'], {}, true), /--log-format/);
});

t.test('resource_info: one series per resource with its current status; a change moves it, a forgotten resource has none', async (t) => {
  const { status, scrape } = setup(t);
  const info = async () =>
    (await scrape()).samples
      .filter((s) => s.name === 'ecs_gitops_resource_info')
      .map((s) => s.labels)
      .sort((a, b) => a.name.localeCompare(b.name));
  t.same(await info(), [], 'no resource, no series');
  status.recordPlan(plan('Service', 'web', 'Synced', 'Progressing'), {});
  status.recordPlan(plan('Cluster', 'main', 'Synced', 'Healthy'), {});
  t.same(await info(), [
    { application: 'default', kind: 'Cluster', name: 'main', sync_status: 'Synced', health_status: 'Healthy' },
    { application: 'default', kind: 'Service', name: 'web', sync_status: 'Synced', health_status: 'Progressing' },
  ]);
  status.recordPlan(plan('Service', 'web', 'Synced', 'Degraded'), {});
  t.same(
    (await info()).filter((l) => l.name === 'web'),
    [{ application: 'default', kind: 'Service', name: 'web', sync_status: 'Synced', health_status: 'Degraded' }],
    'the Progressing series is gone, not left at 1 or 0',
  );
  status.remove('Service/web');
  t.same((await info()).map((l) => l.name), ['main'], 'a forgotten resource leaves no series');
  t.ok((await scrape()).samples.filter((s) => s.name === 'ecs_gitops_resource_info').every((s) => s.value === 1), 'every series is 1');
});

t.test('two applications in one registry: their series are told apart by the application label', async (t) => {
  const calls = new CallRecorder();
  const metrics = createMetrics({ calls });
  t.teardown(() => metrics.close());
  const shop = new StatusStore();
  const billing = new StatusStore();
  const shopMetrics = metrics.forApplication('shop', shop);
  metrics.forApplication('billing', billing);
  t.equal(metrics.forApplication('shop', shop), shopMetrics, 'asking again gives the same object');
  shop.recordPlan(plan('Service', 'web', 'Synced', 'Healthy'), {});
  billing.recordPlan(plan('Service', 'web', 'OutOfSync', 'Degraded'), {});
  shopMetrics.observeReconcile('Service', 'error', 0.1);
  shopMetrics.setLoadErrors(2);
  const samples = parseExposition(await metrics.registry.metrics());
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'shop', kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'billing', kind: 'Service', sync_status: 'OutOfSync', health_status: 'Degraded' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_resources', { application: 'billing', kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), 0);
  t.equal(sampleValue(samples, 'ecs_gitops_resource_info', { application: 'billing', kind: 'Service', name: 'web', sync_status: 'OutOfSync', health_status: 'Degraded' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_total', { application: 'shop', kind: 'Service', result: 'error' }), 1);
  t.equal(sampleValue(samples, 'ecs_gitops_reconcile_total', { application: 'billing', kind: 'Service', result: 'error' }), 0, 'the other application starts at 0');
  t.equal(sampleValue(samples, 'ecs_gitops_snapshot_load_errors', { application: 'shop' }), 2);
  t.equal(sampleValue(samples, 'ecs_gitops_snapshot_load_errors', { application: 'billing' }), 0);
  t.equal(sampleValue(samples, 'ecs_gitops_snapshot_load_errors', { application: 'default' }), undefined, 'no single application without a status store');
  await assertPromtoolAccepts(t, await metrics.registry.metrics());
});
