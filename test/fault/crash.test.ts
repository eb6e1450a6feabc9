// Crash safety: the daemon (`node dist/cli.js run`, a child process) is killed with SIGKILL
// over and over during one large cold sync, each time at a write chosen by a seeded PRNG —
// either just before AWS receives it or just after AWS applied it and before the answer
// reaches the daemon — and restarted on what AWS holds. In the end live state equals
// desired state, and nothing was created twice: no duplicate service, no extra
// task-definition revision, no duplicate Cloud Map namespace or service.
//
// Replay a run with FAULT_SEED=<seed> (the seed is in the test name).
import t from 'tap';
import { startSimulator } from '../../src/sim/index.js';
import { FAST_ROLLOUT, checkInventory, crashFront, eventually, inventory, mulberry32, seedFrom, spawnDaemon, writeFleet, type ChildDaemon, type WriteHit } from '../helpers/fault.js';

const SEED = seedFrom('FAULT_SEED', 20_251_122);
/**
 * Each restart costs a process start (1.5–3 s on a busy 2-core machine) and a killed run
 * lands about 8 writes (the gap to the kill plus its calls in flight), so 12 kills span the
 * 113 writes of a cold sync of 36 services, from the cluster to the last ECS service.
 */
const SERVICES = 36;
/** Kill points planned; the sync may converge before the last one or two are reached, but not before 10. */
const KILLS = 12;
const MIN_KILLS = 10;
/** Added to every answer, so several calls are in flight when the plug is pulled. */
const LATENCY_MS = 5;

t.test(`SIGKILL at up to ${KILLS} seeded points of a cold sync of ${SERVICES} services (seed ${SEED}), restart, converge, nothing created twice`, async (t) => {
  const sim = await startSimulator({ rolloutTimings: FAST_ROLLOUT });
  t.teardown(() => sim.close());
  const front = await crashFront(sim, LATENCY_MS);
  t.teardown(() => front.close());
  const fleet = writeFleet(t.testdir(), { services: SERVICES });

  // A cold sync writes each object once: the cluster, two namespaces, the Cloud Map
  // services, one registration and one service per task definition, the instance.
  const coldWrites = 1 + 2 + (SERVICES + 1) + 2 * SERVICES + 1;
  // Each run is killed a seeded 1–3 writes after the writes AWS already holds (the dead
  // run's calls still in flight land too), just before AWS sees that write or just after.
  const random = mulberry32(SEED);
  const plan = Array.from({ length: KILLS }, () => ({ gap: 1 + Math.floor(random() * 3), when: random() < 0.5 ? ('before' as const) : ('after' as const) }));

  const hits: (WriteHit & { landedAfter: number })[] = [];
  let convergedEarly = false;
  for (const point of plan) {
    await front.idle();
    const running: { daemon?: ChildDaemon } = {};
    const hit = front.killAt(front.writes() + point.gap, point.when, () => running.daemon?.killNow());
    const daemon = (running.daemon = spawnDaemon(t, fleet.root, front.endpoint));
    // Bounded: a point the sync no longer reaches (it converged first) ends the loop.
    let over = false;
    const outcome = await Promise.race([
      hit,
      daemon.exited.then(() => 'exited' as const),
      (async () => {
        const client = await daemon.ready();
        const synced = await eventually(async () => over || (await client.allSynced(fleet.documents)), 30_000);
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
    else t.fail(`the run for a kill ${point.gap} writes on ended without reaching it (${outcome}): ${daemon.stderr().slice(-1500)}`);
    break;
  }
  const byOperation: Record<string, number> = {};
  for (const h of hits) byOperation[`${h.operation} ${h.when}`] = (byOperation[`${h.operation} ${h.when}`] ?? 0) + 1;
  t.comment(`kills at writes ${hits.map((h) => `${h.ordinal}${h.when === 'before' ? '<' : '>'}`).join(' ')} (n< = before AWS saw write n, n> = after AWS applied it, answer lost)`);
  t.comment(`kills by operation: ${JSON.stringify(byOperation)}; calls of a killed run that still landed: ${hits.map((h) => h.landedAfter).join(' ')}`);
  t.ok(hits.length >= MIN_KILLS, `${hits.length} SIGKILLs during the sync${convergedEarly ? ' (then it converged before the next point)' : ''}`);
  t.ok(hits.some((h) => h.when === 'after' && h.operation === 'ecs:RegisterTaskDefinition'), 'at least one kill lost the answer of a RegisterTaskDefinition');
  t.ok(hits.some((h) => h.when === 'after' && h.operation === 'ecs:CreateService'), 'at least one kill lost the answer of a CreateService');

  // The last start: it must finish the job from whatever the crashes left behind.
  const started = Date.now();
  const last = spawnDaemon(t, fleet.root, front.endpoint);
  const client = await last.ready();
  t.ok(await eventually(() => client.allSynced(fleet.documents), 45_000), `every one of the ${fleet.documents} resources Synced and Healthy after the last restart`);
  t.comment(`converged ${Date.now() - started} ms after the last start; ${front.writes()} writes in all for a cold sync of ${coldWrites}`);
  await last.kill();

  t.comment(checkInventory(t, await inventory(sim), fleet));
});
