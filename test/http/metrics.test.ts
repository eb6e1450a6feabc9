import t from 'tap';
import { METRIC_NAMES } from '../../src/telemetry.js';
import { parseExposition, sampleValue } from './exposition.js';
import { populate, setup } from './fixture.js';
import { assertPromtoolAccepts } from './promtool.js';

t.test('/metrics before anything happened: every metric name, zero-valued series, the Prometheus content type', async (t) => {
  const { app } = setup(t);
  const res = await app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const scrape = parseExposition(res.body);
  for (const name of METRIC_NAMES) t.ok(scrape.families.has(name), `${name} is exposed`);
  t.equal(sampleValue(scrape, 'ecs_gitops_aws_api_calls_total', { account: '123456789012', region: 'us-east-1', service: 'ecs', operation: 'CreateService' }), 0);
  t.equal(sampleValue(scrape, 'ecs_gitops_resources', { application: 'default', kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), 0);
  t.equal(sampleValue(scrape, 'ecs_gitops_reconcile_total', { application: 'default', kind: 'Cluster', result: 'error' }), 0);
  t.ok(scrape.families.has('process_cpu_user_seconds_total'), 'default process metrics are there');
  await assertPromtoolAccepts(t, res.body);
});

t.test('/metrics reflects a call recorder event and the status store at the next scrape', async (t) => {
  const { app, calls, status } = setup(t);
  calls.record({ kind: 'operation', service: 'ecs', operation: 'UpdateService', outcome: 'ok', account: '123456789012', region: 'us-east-1' });
  calls.record({ kind: 'attempt', service: 'ecs', operation: 'UpdateService', outcome: 'ThrottlingException', throttled: true, seconds: 0.05, account: '123456789012', region: 'us-east-1' });
  populate(status);
  const res = await app.inject('/metrics');
  const scrape = parseExposition(res.body);
  t.equal(sampleValue(scrape, 'ecs_gitops_aws_api_calls_total', { account: '123456789012', region: 'us-east-1', service: 'ecs', operation: 'UpdateService' }), 1);
  t.equal(sampleValue(scrape, 'ecs_gitops_aws_api_throttles_total', { account: '123456789012', region: 'us-east-1', service: 'ecs', operation: 'UpdateService' }), 1);
  t.equal(sampleValue(scrape, 'ecs_gitops_resources', { application: 'default', kind: 'Service', sync_status: 'OutOfSync', health_status: 'Progressing' }), 1);
  t.equal(sampleValue(scrape, 'ecs_gitops_resources', { application: 'default', kind: 'Service', sync_status: 'Synced', health_status: 'Degraded' }), 1);
  await assertPromtoolAccepts(t, res.body);
});
