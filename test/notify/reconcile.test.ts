// A sink that never answers never slows reconciliation: the controller runs against the
// simulator with a notifier whose webhook receiver holds every request open. While the
// receiver holds the drift-healed message, a commit is applied and a later change is
// healed — the passes finish on their own, the request still unanswered — and shutdown
// waits for the sink no longer than its bound.
import t from 'tap';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceKey } from '../../src/api/kinds.js';
import { Notifier } from '../../src/notify/index.js';
import type { ControllerLogger } from '../../src/runtime/controller.js';
import { ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { controllerOnSimulator } from '../helpers/controller.js';
import { withImageTag } from '../helpers/daemon.js';
import { waitFor } from '../helpers/eventually.js';
import { startReceiver } from './receiver.js';
import { EXAMPLES } from '../helpers/examples.js';

t.test('a receiver that never answers: passes finish, commits apply, drift heals', async (t) => {
  const receiver = await startReceiver(t);
  receiver.answer(...Array.from({ length: 100 }, () => 'hang' as const));
  const finished: number[] = [];
  const logger: ControllerLogger = { info: (_o, msg) => void (msg === 'reconcile finished' && finished.push(Date.now())), warn: () => undefined, error: () => undefined, debug: () => undefined };
  const { sim, status, controller, dir, snapshot } = await controllerOnSimulator(t, { logger });
  // Attempts of ten minutes: the first request stays on the wire for the whole test.
  const notifier = new Notifier({ webhook: { url: receiver.url, secret: 's' } }, { tuning: { timeoutMs: 600_000 } });
  notifier.watch(status, 'test');
  const ecs = (operation: string, input: object) => sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input));
  const billing = () => status.get('Service/billing' as ResourceKey);
  const converged = () => status.list().length === EXAMPLES.total && status.list().every((r) => r.sync === 'Synced' && r.health.status === 'Healthy');

  await snapshot('rev1');
  await waitFor(converged, 'the first sync converges', 60_000);

  // Drift, healed: its message goes to the receiver, which holds it.
  ecs('UpdateService', { cluster: 'store', service: 'billing', desiredCount: 5 });
  controller.requestSync('api');
  const [held] = await receiver.until(1);
  t.equal(held.body.event, 'drift-healed');

  // With that request open, a commit is applied and rolled out.
  const path = join(dir, 'store/inventory.yaml');
  writeFileSync(path, withImageTag(readFileSync(path, 'utf8'), '2.8.0'));
  const passes = finished.length;
  const committed = Date.now();
  await snapshot('rev2');
  await waitFor(() => /inventory:2$/.test(String(status.get('Service/inventory' as ResourceKey)?.liveSummary?.taskDefinition)) && converged(), 'rev2 rolled out', 60_000);
  const seconds = (Date.now() - committed) / 1000;
  t.ok(finished.length > passes, `passes finished (${finished.length - passes}) while the receiver held the request`);
  t.equal(status.controllerStatus().appliedRevision, 'rev2');
  t.equal(held.answered, false, 'the first request is still unanswered');
  t.comment(`rev2 applied and rolled out in ${seconds.toFixed(2)} s with the sink hanging`);

  // A second drift, healed too: its message queues behind the first.
  ecs('UpdateService', { cluster: 'store', service: 'billing', desiredCount: 4 });
  controller.requestSync('api');
  await waitFor(() => billing()?.events.filter((e) => e.reason === 'DriftHealed').length === 2, 'the second drift healed');
  t.equal(receiver.received.length, 1, 'the second message waits in the queue, one request on the wire at a time');

  // Shutdown is bounded: the sink gets its bound, not more.
  const closing = Date.now();
  await notifier.close(200);
  t.ok(Date.now() - closing < 5_000, `close returned after ${Date.now() - closing} ms`);
});
