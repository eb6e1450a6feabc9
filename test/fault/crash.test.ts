// Crash safety: the daemon (`node dist/cli.js run`, a child process) is killed with SIGKILL
// over and over during one cold sync — at writes chosen by a seeded PRNG, and at the three
// writes whose lost answer a restart must not turn into a duplicate (a Cloud Map service,
// a task-definition registration, an ECS service) — either just before AWS receives the write or
// just after AWS applied it and before the answer reaches the daemon, and restarted on
// what AWS holds. In the end live state equals desired state, and nothing was created
// twice: no duplicate service, no extra task-definition revision, no duplicate Cloud Map
// namespace or service.
//
// Each restart costs a process start: CPU that a loaded 2-core machine hands out slowly
// (1.5 s quiet, 10 s and more busy), whatever the fleet's size. So the kills are few and
// aimed, and the fleet is as small as keeps several calls of each kind in flight.
//
// Replay a run with FAULT_SEED=<seed> (the seed is in the test name).
import t from 'tap';
import { startSimulator } from '../../src/sim/index.js';
import { FAST_ROLLOUT, checkInventory, crashFront, eventually, inventory, mulberry32, seedFrom, spawnDaemon, writeFleet, type ChildDaemon, type WriteHit } from '../helpers/fault.js';

const SEED = seedFrom('FAULT_SEED', 20_251_122);
const SERVICES = 24;
/** Added to every answer, so several calls are in flight when the plug is pulled. */
const LATENCY_MS = 5;

type KillPoint = { gap: number; when: 'before' | 'after' } | { operation: string; when: 'after' };

// A seeded point kills 1–3 writes after the writes AWS already holds (the dead run's calls
// still in flight land too), just before AWS sees that write or just after. An aimed point
// kills at the next such write AWS applies.
const random = mulberry32(SEED);
const seeded = (): KillPoint => ({ gap: 1 + Math.floor(random() * 3), when: random() < 0.5 ? 'before' : 'after' });
const PLAN: KillPoint[] = [
  seeded(),
  { operation: 'servicediscovery:CreateService', when: 'after' },
  { operation: 'ecs:RegisterTaskDefinition', when: 'after' },
  seeded(),
  { operation: 'ecs:CreateService', when: 'after' },
];

t.test(`SIGKILL at ${PLAN.length} points of a cold sync of ${SERVICES} services (seed ${SEED}), restart, converge, nothing created twice`, async (t) => {
  const sim = await startSimulator({ rolloutTimings: FAST_ROLLOUT });
  t.teardown(() => sim.close());
  const front = await crashFront(sim, LATENCY_MS);
  t.teardown(() => front.close());
  const fleet = writeFleet(t.testdir(), { services: SERVICES });

  // A cold sync writes each object once: the cluster, two namespaces, the Cloud Map
  // services, one registration and one service per task definition, the instance.
  const coldWrites = 1 + 2 + (SERVICES + 1) + 2 * SERVICES + 1;
  const hits: (WriteHit & { landedAfter: number })[] = [];
  let convergedEarly = false;
  for (const point of PLAN) {
    await front.idle();
    const running: { daemon?: ChildDaemon } = {};
    const hit = front.killAt('gap' in point ? front.writes() + point.gap : point.operation, point.when, () => running.daemon?.killNow());
    const daemon = (running.daemon = spawnDaemon(t, fleet.root, front.endpoint));
    // Bounded: a point the sync no longer reaches (it converged first) ends the loop.
    let over = false;
    const outcome = await Promise.race([
      hit,
      daemon.exited.then(() => 'exited' as const),
      (async () => {
        const client = await daemon.ready();
        // Seldom: every poll takes CPU from the daemon under test.
        const synced = await eventually(async () => over || (await client.allSynced(fleet.documents)), 30_000, 500);
        return synced && !over ? ('converged' as const) : ('stuck' as const);
      })().catch(() => 'stuck' as const),
    ]);
    over = true;
    await daemon.kill();
    if (typeof outcome === 'object') {
      await front.idle();
      hits.push({ ...outcome, landedAfter: front.writes() - (outcome.when === 'before' ? outcome.ordinal - 1 : outcome.ordinal) });
      continue;
    }
    front.disarm();
    if (outcome === 'converged') convergedEarly = true;
    else t.fail(`the run for the kill at ${JSON.stringify(point)} ended without reaching it (${outcome}): ${daemon.stderr().slice(-1500)}`);
    break;
  }
  const byOperation: Record<string, number> = {};
  for (const h of hits) byOperation[`${h.operation} ${h.when}`] = (byOperation[`${h.operation} ${h.when}`] ?? 0) + 1;
  t.comment(`kills at writes ${hits.map((h) => `${h.ordinal}${h.when === 'before' ? '<' : '>'}`).join(' ')} (n< = before AWS saw write n, n> = after AWS applied it, answer lost)`);
  t.comment(`kills by operation: ${JSON.stringify(byOperation)}; calls of a killed run that still landed: ${hits.map((h) => h.landedAfter).join(' ')}`);
  t.equal(hits.length, PLAN.length, `${hits.length} SIGKILLs during the sync${convergedEarly ? ' (then it converged before the last point)' : ''}`);
  t.ok(hits.some((h) => h.when === 'after' && h.operation === 'servicediscovery:CreateService'), 'at least one kill lost the answer of a Cloud Map CreateService');
  t.ok(hits.some((h) => h.when === 'after' && h.operation === 'ecs:RegisterTaskDefinition'), 'at least one kill lost the answer of a RegisterTaskDefinition');
  t.ok(hits.some((h) => h.when === 'after' && h.operation === 'ecs:CreateService'), 'at least one kill lost the answer of a CreateService');

  // The last start: it must finish the job from whatever the crashes left behind.
  const started = Date.now();
  const last = spawnDaemon(t, fleet.root, front.endpoint);
  const client = await last.ready();
  t.ok(await eventually(() => client.allSynced(fleet.documents), 45_000, 250), `every one of the ${fleet.documents} resources Synced and Healthy after the last restart`);
  t.comment(`converged ${Date.now() - started} ms after the last start; ${front.writes()} writes in all for a cold sync of ${coldWrites}`);
  await last.kill();

  t.comment(checkInventory(t, await inventory(sim), fleet));
});
