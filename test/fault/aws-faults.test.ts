// AWS misbehaving under the daemon: server errors, slow answers, throttling, eventual
// consistency and failing Cloud Map operations, injected by the simulator. In every
// scenario the daemon converges a generated fleet from empty; then every resource is
// Synced and Healthy in the status API and AWS holds each object exactly once: one ACTIVE
// service per document with no stray record of its name, one task-definition revision per
// family, one namespace and Cloud Map service per document.
import t, { type Test } from 'tap';
import { ManualClock, startSimulator, type FaultSettings, type RunningSimulator, type SimulatorOptions } from '../../src/sim/index.js';
import { FAST_ROLLOUT, checkInventory, eventually, inProcessDaemon, inventory, metricSum, writeFleet, type Fleet, type InProcessDaemon } from '../helpers/fault.js';

/** A fleet with several calls of every kind in flight at once. */
const SERVICES = 12;
/** The throttling scenarios' fleet: more registrations than AWS's burst of 20. */
const OVER_BURST = 24;
const NO_FAULTS: Partial<FaultSettings> = { errorRate: 0, errorOperations: [], latencyMs: 0, throttle: false, consistencyLagMs: 0 };

interface Scenario {
  sim: RunningSimulator;
  fleet: Fleet;
  daemon: InProcessDaemon;
  /** Milliseconds from the daemon's start to every resource Synced and Healthy. */
  converged(timeoutMs: number): Promise<number>;
  /** Lifts every fault, then counts what AWS holds; returns the summary line. */
  check(): Promise<string>;
  metrics(): Promise<string>;
}

async function scenario(t: Test, sim: Pick<SimulatorOptions, 'faults' | 'throttle' | 'rateScale' | 'clock'>, daemon: { rateLimit?: boolean } = {}, services = SERVICES): Promise<Scenario> {
  const simulator = await startSimulator({ rolloutTimings: FAST_ROLLOUT, ...sim });
  t.teardown(() => simulator.close());
  const fleet = writeFleet(t.testdir(), { services });
  const started = Date.now();
  const d = await inProcessDaemon(t, { repo: fleet.root, endpoint: simulator.endpoint, resyncMs: 1_000, ...daemon });
  return {
    sim: simulator,
    fleet,
    daemon: d,
    async converged(timeoutMs) {
      const ok = await eventually(() => d.allSynced(fleet.documents), timeoutMs);
      if (!ok) {
        const stuck = (await d.resources()).filter((r) => r.sync !== 'Synced' || r.health.status !== 'Healthy');
        t.fail(`not converged after ${timeoutMs} ms: ${JSON.stringify(stuck.slice(0, 5))}`);
      }
      return Date.now() - started;
    },
    async check() {
      simulator.faults.set(NO_FAULTS);
      return checkInventory(t, await inventory(simulator), fleet);
    },
    metrics: () => d.metrics(),
  };
}

/**
 * A clock for the simulator that stands still until `release()`, then follows the wall
 * clock: while it stands, AWS's token buckets do not refill, however slowly a busy
 * machine lets the daemon send its calls.
 */
function heldClock(t: Test): { clock: ManualClock; release(): void } {
  const clock = new ManualClock(Date.now());
  let pump: NodeJS.Timeout | undefined;
  t.teardown(() => clearInterval(pump));
  return {
    clock,
    release() {
      let last = Date.now();
      pump = setInterval(() => {
        const now = Date.now();
        clock.advance(now - last);
        last = now;
      }, 10);
    },
  };
}

const attempts = (metrics: string) => metricSum(metrics, 'ecs_gitops_aws_api_request_duration_seconds_count');
const operations = (metrics: string) => metricSum(metrics, 'ecs_gitops_aws_api_calls_total');
const throttles = (metrics: string) => metricSum(metrics, 'ecs_gitops_aws_api_throttles_total');

t.test(`5 % of calls answered 5xx (seed 7): ${SERVICES} services converge, each created once`, async (t) => {
  const s = await scenario(t, { faults: { errorRate: 0.05, seed: 7 } });
  const ms = await s.converged(60_000);
  const m = await s.metrics();
  t.ok(attempts(m) > operations(m), `the SDK retried server errors (${attempts(m)} attempts for ${operations(m)} operations)`);
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('100 ms added to every answer: converges, each object created once', async (t) => {
  const s = await scenario(t, { faults: { latencyMs: 100 } });
  const ms = await s.converged(60_000);
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('AWS throttling, the controller\'s own limiter off: throttled calls are retried until converged', async (t) => {
  // The burst (20 registrations) is AWS's, so the fleet's 24 overflow it while AWS's time
  // stands; then refills at twice AWS's rates keep it short.
  const held = heldClock(t);
  const s = await scenario(t, { throttle: true, rateScale: 2, clock: held.clock }, { rateLimit: false }, OVER_BURST);
  t.ok(await eventually(async () => throttles(await s.metrics()) > 0, 30_000), 'AWS throttled the daemon');
  held.release();
  const ms = await s.converged(60_000);
  const m = await s.metrics();
  t.comment(`converged in ${ms} ms after ${throttles(m)} throttles; ${await s.check()}`);
});

t.test('AWS throttling at its published rates, the controller\'s limiter on: not one call throttled', async (t) => {
  const s = await scenario(t, { throttle: true, rateScale: 1 }, { rateLimit: true }, OVER_BURST);
  const ms = await s.converged(60_000);
  const m = await s.metrics();
  // The client-side buckets have AWS's exact limits and no margin: a call that waited for the
  // refill and reaches AWS a millisecond sooner than the first one did can find AWS's bucket a
  // hair short. So only those calls — the registrations beyond the burst — may be throttled.
  const throttled = m.split('\n').filter((l) => l.startsWith('ecs_gitops_aws_api_throttles_total{') && !l.endsWith(' 0'));
  t.ok(throttled.every((l) => l.includes('operation="RegisterTaskDefinition"')) && throttles(m) <= OVER_BURST - 20,
    `the client-side buckets kept every call under AWS's limits but for refill-bound registrations (throttled: ${throttled.join(', ') || 'none'})`);
  t.ok(ms > (OVER_BURST - 20) * 1_000 * 0.8, `registrations beyond the burst of 20 waited for the 1/s refill (${ms} ms)`);
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('eventual consistency: reads miss writes for 1.5 s, and nothing is created twice', async (t) => {
  const s = await scenario(t, { faults: { consistencyLagMs: 1_500 } });
  const ms = await s.converged(60_000);
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('Cloud Map namespace creation failing for a while: nothing built on it, then converges once it works', async (t) => {
  const s = await scenario(t, { faults: { errorRate: 1, errorOperations: ['CreatePrivateDnsNamespace', 'CreateHttpNamespace'] } });
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
  const s = await scenario(t, { faults: { errorRate: 0.5, errorOperations: ['GetOperation', 'CreateService'], seed: 11 } });
  const ms = await s.converged(90_000);
  const m = await s.metrics();
  const failedPolls = metricSum(m, 'ecs_gitops_aws_api_errors_total', (l) => /operation="(GetOperation|CreateService)"/.test(l));
  t.comment(`converged in ${ms} ms with ${failedPolls} operations failed after the SDK's retries; ${await s.check()}`);
});
