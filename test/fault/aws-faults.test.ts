// AWS misbehaving under the daemon: server errors, slow answers, eventual consistency and
// failing Cloud Map operations, injected by the simulator (throttling: throttling.test.ts). In every
// scenario the daemon converges a generated fleet from empty; then every resource is
// Synced and Healthy in the status API and AWS holds each object exactly once: one ACTIVE
// service per document with no stray record of its name, one task-definition revision per
// family, one namespace and Cloud Map service per document.
import t from 'tap';
import { eventually, faultScenario as scenario, inventory, metricSum } from '../helpers/fault.js';

/** A fleet with several calls of every kind in flight at once. */
const SERVICES = 12;
const attempts = (metrics: string) => metricSum(metrics, 'ecs_gitops_aws_api_request_duration_seconds_count');
const operations = (metrics: string) => metricSum(metrics, 'ecs_gitops_aws_api_calls_total');

t.test(`5 % of calls answered 5xx (seed 7): ${SERVICES} services converge, each created once`, async (t) => {
  const s = await scenario(t, { faults: { errorRate: 0.05, seed: 7 } }, {}, SERVICES);
  const ms = await s.converged(60_000);
  const m = await s.metrics();
  t.ok(attempts(m) > operations(m), `the SDK retried server errors (${attempts(m)} attempts for ${operations(m)} operations)`);
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('100 ms added to every answer: converges, each object created once', async (t) => {
  const s = await scenario(t, { faults: { latencyMs: 100 } }, {}, SERVICES);
  const ms = await s.converged(60_000);
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('eventual consistency: reads miss writes for 1.5 s, and nothing is created twice', async (t) => {
  const s = await scenario(t, { faults: { consistencyLagMs: 1_500 } }, {}, SERVICES);
  const ms = await s.converged(60_000);
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('Cloud Map namespace creation failing for a while: nothing built on it, then converges once it works', async (t) => {
  const s = await scenario(t, { faults: { errorRate: 1, errorOperations: ['CreatePrivateDnsNamespace', 'CreateHttpNamespace'] } }, {}, SERVICES);
  const failing = async () => (await s.daemon.resources()).find((r) => r.key === 'CloudMapNamespace/fleet.local');
  const namespaceFailed = await eventually(async () => (await failing())?.lastError?.reaction === 'retry', 15_000);
  t.ok(namespaceFailed, 'the namespace shows the server error, to be retried');
  t.match(await failing(), { sync: 'OutOfSync', lastError: { code: 'InternalFailure' } });
  // The loop backs off and tries again: wait until it has tried three times, not for a time.
  const namespaceCreatesFailed = async () => metricSum(await s.metrics(), 'ecs_gitops_aws_api_errors_total', (l) => l.includes('operation="CreatePrivateDnsNamespace"'));
  t.ok(await eventually(async () => (await namespaceCreatesFailed()) >= 3, 30_000), 'the namespace create was tried again after backing off, twice');
  const cluster = await eventually(async () => (await s.daemon.resources()).some((r) => r.key === 'Cluster/fleet' && r.sync === 'Synced'), 15_000);
  t.ok(cluster, 'what does not depend on Cloud Map goes ahead (the cluster)');
  const during = await inventory(s.sim);
  t.same(during.namespaces, [], 'no namespace while every create fails');
  t.same(during.services.fleet ?? [], [], 'no ECS service registering in a namespace that does not exist');
  s.sim.faults.set({ errorRate: 0, errorOperations: [] });
  const ms = await s.converged(60_000);
  t.comment(`converged ${ms} ms after start; ${await s.check()}`);
});

t.test('GetOperation and Cloud Map CreateService failing half the time (seed 11): converges on its own', async (t) => {
  const s = await scenario(t, { faults: { errorRate: 0.5, errorOperations: ['GetOperation', 'CreateService'], seed: 11 } }, {}, SERVICES);
  const ms = await s.converged(90_000);
  const m = await s.metrics();
  const failedPolls = metricSum(m, 'ecs_gitops_aws_api_errors_total', (l) => /operation="(GetOperation|CreateService)"/.test(l));
  t.comment(`converged in ${ms} ms with ${failedPolls} operations failed after the SDK's retries; ${await s.check()}`);
});
