// AWS's request throttling under the daemon, as the simulator applies AWS's published token
// buckets: with the controller's own limiter off, AWS throttles and the daemon retries
// until it converges; with it on, no call is throttled. Then every resource is Synced and
// Healthy and AWS holds each object exactly once (test/helpers/fault.ts, checkInventory).
import t, { type Test } from 'tap';
import { ManualClock } from '../../src/sim/index.js';
import { eventually, faultScenario as scenario, metricSum } from '../helpers/fault.js';

/** More registrations than AWS's burst of 20. */
const OVER_BURST = 24;

const throttles = (metrics: string) => metricSum(metrics, 'ecs_gitops_aws_api_throttles_total');

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
