// Notifications from the status store to a local receiver: the store is driven as the
// controller drives it (passes, snapshots, read failures, a healed drift), and what the
// receiver gets is checked the way a receiver would — each event once, signed, none for
// a steady state; retries on a 500 and after Retry-After on a stepped clock; a receiver
// that never answers holds neither the store nor the shutdown beyond its bound.
import t from 'tap';
import type { ResourceKey } from '../../src/api/kinds.js';
import { CallRecorder } from '../../src/aws/clients.js';
import type { Health } from '../../src/core/health.js';
import type { ResourcePlan } from '../../src/core/plan.js';
import type { Finding } from '../../src/load/findings.js';
import { Notifier, notificationSettings, NOTIFICATION_EVENTS, type NotificationSettings } from '../../src/notify/index.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { DRIFT_HEALED, StatusStore, type ResourceOutcome } from '../../src/runtime/status.js';
import { createMetrics } from '../../src/telemetry.js';
import { parseMetrics } from '../helpers/daemon.js';
import { signatureValid, startReceiver, type Receiver } from './receiver.js';

const SECRET = 'notify-secret-for-tests';
const APP = 'github.com/acme/deploy//store';
const HEALTHY: Health = { status: 'Healthy', message: 'web:1: 1/1 tasks running' };

/** A Service's plan as the planner makes it: Synced and Healthy unless told otherwise. */
function service(name: string, over: Partial<ResourcePlan> = {}): ResourcePlan {
  return { key: `Service/${name}` as ResourceKey, kind: 'Service', name, awsName: name, action: 'none', sync: 'Synced', health: HEALTHY, changes: [], ...over };
}

/** One full pass over these resources, recorded as the controller records it. */
function pass(status: StatusStore, resources: (ResourcePlan | { resource: ResourcePlan; error: ResourceOutcome['error'] })[], at = Date.now()): void {
  const outcomes: ResourceOutcome[] = resources.map((r) => {
    if ('resource' in r) return { resource: r.resource, result: 'error', error: r.error, applied: [] };
    return { resource: r, result: r.action === 'stalled' ? 'stalled' : 'success', applied: [] };
  });
  status.recordPass({ at, full: true, plan: { resources: outcomes.map((o) => o.resource), steps: [] }, resources: outcomes, appliedRevision: 'rev1' });
}

/** One turn of the event loop: the notifier judges what a pass changed after it, not inside it. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

const steady = () => [service('a'), service('b'), service('c'), service('d')];
const finding = (line: number): Finding => ({ code: 'SCHEMA', severity: 'error', file: 'store/inventory.yaml', line, column: 19, field: 'spec.desiredCount', message: 'must be integer' });

function setup(t: { teardown(fn: () => unknown): void }, receiver: Receiver, settings: Partial<NotificationSettings> = {}, clock?: ManualClock) {
  const status = new StatusStore();
  const metrics = createMetrics({ status, calls: new CallRecorder() });
  const notifier = new Notifier({ webhook: { url: receiver.url, secret: SECRET }, ...settings }, { metrics, ...(clock ? { clock, random: () => 0 } : {}) });
  clock?.pauseWhile(() => notifier.busy());
  notifier.watch(status, APP);
  t.teardown(() => notifier.close(0));
  const count = async (labels: Record<string, string>) => parseMetrics(await metrics.registry.metrics()).sum('ecs_gitops_notifications_total', labels);
  return { status, notifier, count };
}

t.test('each event once, signed, and nothing for a steady state', async (t) => {
  const receiver = await startReceiver(t);
  const { status, notifier, count } = setup(t, receiver);
  const next = async (n: number) => (await receiver.until(n))[n - 1];

  // Reached and kept: passes that change nothing tell nothing. The first message below is proof no earlier one was sent.
  for (let i = 0; i < 3; i++) pass(status, steady());
  status.recordSnapshot('rev1', []);

  status.recordSnapshot('rev2', [finding(12)]);
  const invalid = await next(1);
  t.equal(invalid.body.event, 'invalid-revision');
  t.match(invalid.body, { application: APP, revision: { applied: 'rev1', attempted: 'rev2' }, loadErrors: [{ file: 'store/inventory.yaml', line: 12, column: 19, field: 'spec.desiredCount' }] });
  t.match(invalid.body.summary, /store\/inventory\.yaml:12:19 spec\.desiredCount/);
  // The same content seen again (at another revision, as a burst of file events can) is not news.
  status.recordSnapshot('rev3', [finding(12)]);
  status.recordSnapshot('rev4', []);
  const valid = await next(2);
  t.match(valid.body, { event: 'recovered', recoveredFrom: ['invalid-revision'], resources: [] });

  const degraded: Health = { status: 'Degraded', reason: 'DeploymentFailed', message: 'deployment of web:2 failed: tasks failed to start' };
  const rolledBack: Health = { status: 'Degraded', reason: 'RolledBack', message: 'the deployment circuit breaker rolled back from web:3 to web:2' };
  const immutable = 'spec.launchType cannot be changed in place; add the annotation ecs-gitops.io/allow-replace: "true" to replace the object';
  const held = 'ECS rolled back web:3; not deploying it again — fix or revert it in git';
  const troubled = () => [
    service('a', { health: degraded }),
    service('b', { health: rolledBack, sync: 'OutOfSync', action: 'stalled', message: held, changes: [{ path: 'spec.taskDefinition', from: 'web:2', to: 'web:3' }] }),
    service('c', { sync: 'OutOfSync', action: 'stalled', message: immutable, changes: [{ path: 'spec.desiredCount', from: 1, to: 2 }, { path: 'spec.launchType', from: 'EC2', to: 'FARGATE' }] }),
    { resource: service('d', { sync: 'OutOfSync', action: 'update' }), error: { code: 'ServerException', reaction: 'retry' as const, message: 'Service unavailable' } },
  ];
  pass(status, troubled());
  const [degradedMsg, stalledMsg, rollbackMsg, failedMsg] = await Promise.all([3, 4, 5, 6].map(next));
  t.same([failedMsg, stalledMsg, degradedMsg, rollbackMsg].map((r) => r.body.event).sort(), ['degraded', 'rollback', 'stalled', 'sync-failed'], 'one message per event');
  const byEvent = new Map(receiver.received.map((r) => [r.body.event, r.body]));
  t.match(byEvent.get('degraded'), { resources: [{ key: 'Service/a', health: 'Degraded', message: /web:2 failed/ }], moreResources: 0 });
  t.match(byEvent.get('rollback'), { resources: [{ key: 'Service/b', message: /from web:3 to web:2/ }] });
  t.match(byEvent.get('stalled'), { resources: [{ key: 'Service/c', field: 'spec.launchType' }] }, 'the stall names the field');
  t.match(byEvent.get('stalled')?.summary, /Service\/c is stalled on spec\.launchType/);
  t.match(byEvent.get('sync-failed'), { resources: [{ key: 'Service/d', error: { code: 'ServerException', reaction: 'retry' } }] });
  t.notOk(receiver.received.some((r) => r.body.event === 'stalled' && r.body.resources?.some((x) => x.key === 'Service/b')), 'the held rolled-back revision is told as the rollback only');

  // Resync after resync of the same trouble: nothing new. A healed drift on a, then, is the next message.
  for (let i = 0; i < 3; i++) pass(status, troubled());
  status.recordEvent('Service/a' as ResourceKey, 'Normal', DRIFT_HEALED, 'reverted spec.desiredCount');
  const drift = await next(7);
  t.match(drift.body, { event: 'drift-healed', resources: [{ key: 'Service/a', message: 'reverted spec.desiredCount' }] });

  // A second rolled-back revision is a new rollback.
  pass(status, troubled().map((r) => ('key' in r && r.key === 'Service/b' ? { ...r, health: { ...rolledBack, message: 'the deployment circuit breaker rolled back from web:4 to web:2' } } : r)));
  t.match((await next(8)).body, { event: 'rollback', resources: [{ key: 'Service/b', message: /from web:4/ }] });

  pass(status, steady());
  const recovered = await next(9);
  t.match(recovered.body, { event: 'recovered', moreResources: 0 });
  t.same(
    recovered.body.resources?.map((r) => [r.key, [...(r.recoveredFrom ?? [])].sort()]),
    [['Service/a', ['degraded']], ['Service/b', ['rollback']], ['Service/c', ['stalled']], ['Service/d', ['sync-failed']]],
    'every resource recovered, in one message',
  );
  for (let i = 0; i < 3; i++) pass(status, steady());
  await notifier.close(5_000);
  t.equal(receiver.received.length, 9, 'nothing after the recovery: a steady state is quiet');

  for (const r of receiver.received) {
    t.ok(signatureValid(SECRET, r), `${r.body.event}: the signature verifies`);
    t.equal(r.headers['x-ecs-gitops-event'], r.body.event);
    t.equal(r.headers['x-ecs-gitops-delivery'], r.body.id);
    t.notOk(signatureValid('another-secret', r), `${r.body.event}: not with another secret`);
  }
  const tampered = { ...receiver.received[0], raw: receiver.received[0].raw.replace('rev2', 'rev9') };
  t.notOk(signatureValid(SECRET, tampered), 'a changed body fails');
  const replayed = { ...receiver.received[0], headers: { ...receiver.received[0].headers, 'x-ecs-gitops-timestamp': String(Math.floor(Date.now() / 1000) + 60) } };
  t.notOk(signatureValid(SECRET, replayed), 'a changed timestamp fails: the timestamp is signed');
  t.notOk(signatureValid(SECRET, receiver.received[0], Date.now() + 3_600_000), 'an hour later the message is refused as a replay');
  t.equal(await count({ sink: 'webhook', result: 'sent' }), 9);
  t.equal(await count({ sink: 'webhook', event: 'recovered', result: 'sent' }), 2);
  t.equal(await count({ result: 'failed' }) + (await count({ result: 'dropped' })), 0);
});

t.test('a read failure of every resource is one message, and so is its recovery', async (t) => {
  const receiver = await startReceiver(t);
  const { status, notifier } = setup(t, receiver);
  const many = Array.from({ length: 30 }, (_, i) => service(`s${i}`));
  pass(status, many);
  status.recordReadFailure({ at: Date.now(), error: { code: 'ThrottlingException', reaction: 'retry', message: 'Rate exceeded' }, resources: many.map((r) => ({ key: r.key, kind: r.kind, name: r.name, awsName: r.awsName })) });
  const [failed] = await receiver.until(1);
  t.match(failed.body, { event: 'sync-failed', moreResources: 10 });
  t.equal(failed.body.resources?.length, 20, 'twenty listed, the rest counted');
  t.match(failed.body.summary, /^sync failed for 30 resources: Service\/s0, /);
  pass(status, many);
  const [, recovered] = await receiver.until(2);
  t.match(recovered.body, { event: 'recovered', moreResources: 10 });
  await notifier.close(5_000);
  t.equal(receiver.received.length, 2);
});

t.test('--notify-events keeps the other events out', async (t) => {
  const receiver = await startReceiver(t);
  const { status, notifier, count } = setup(t, receiver, { events: ['recovered'] });
  pass(status, [service('a')]);
  await tick();
  pass(status, [service('a', { health: { status: 'Degraded', reason: 'DeploymentFailed', message: 'failed' } })]);
  await tick();
  pass(status, [service('a')]);
  const [only] = await receiver.until(1);
  t.equal(only.body.event, 'recovered');
  await notifier.close(5_000);
  t.equal(receiver.received.length, 1);
  t.equal(await count({ event: 'degraded' }), 0, 'a filtered event is not counted');
});

t.test('a 500 then a 200: delivered once, after a backoff on the clock', async (t) => {
  const receiver = await startReceiver(t);
  const clock = new ManualClock({ start: Date.now(), autoAdvance: true });
  const { status, notifier, count } = setup(t, receiver, {}, clock);
  receiver.answer({ status: 500 });
  pass(status, [service('a')]);
  pass(status, [service('a', { health: { status: 'Degraded', reason: 'DeploymentFailed', message: 'failed' } })]);
  const startedAt = clock.now();
  const [first, second] = await receiver.until(2);
  t.equal(first.body.id, second.body.id, 'the same message, retried');
  t.ok(signatureValid(SECRET, second, clock.now()), 'the retry is signed afresh');
  // random() = 0: half the first backoff of 1 s.
  t.ok(clock.now() - startedAt >= 500, `retried after the backoff (${clock.now() - startedAt} ms on the clock)`);
  await notifier.close(1_000);
  t.equal(receiver.received.length, 2, 'delivered once: no third request');
  t.equal(await count({ event: 'degraded', result: 'sent' }), 1);
  t.equal(await count({ result: 'failed' }), 0);
});

t.test('Retry-After is honoured; a 4xx is not retried; attempts are bounded', async (t) => {
  const receiver = await startReceiver(t);
  const clock = new ManualClock({ start: Date.now(), autoAdvance: true });
  const { status, notifier, count } = setup(t, receiver, {}, clock);
  receiver.answer({ status: 429, headers: { 'retry-after': '30' } }, { status: 400 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
  pass(status, [service('a')]);
  const startedAt = clock.now();
  pass(status, [service('a', { health: { status: 'Degraded', reason: 'DeploymentFailed', message: 'failed' } })]);
  await receiver.until(2);
  t.ok(clock.now() - startedAt >= 30_000, `the retry waited for Retry-After (${clock.now() - startedAt} ms)`);
  // The 400 ended the first message; the next one meets five 503s and gives up.
  pass(status, [service('a')]);
  await receiver.until(7);
  await notifier.close(1_000);
  t.equal(receiver.received.length, 7, 'five attempts at most');
  t.equal(await count({ event: 'degraded', result: 'failed' }), 1, '400: failed at once');
  t.equal(await count({ event: 'recovered', result: 'failed' }), 1, 'five 503s: failed');
});

t.test('each sink is paced by its token bucket', async (t) => {
  const clock = new ManualClock({ start: Date.now(), autoAdvance: true });
  const receiver = await startReceiver(t, () => clock.now());
  const status = new StatusStore();
  const notifier = new Notifier({ webhook: { url: receiver.url } }, { clock, tuning: { burst: 2, perSecond: 0.5 } });
  clock.pauseWhile(() => notifier.busy());
  notifier.watch(status, APP);
  t.teardown(() => notifier.close(0));
  pass(status, [service('a')]);
  await tick();
  const startedAt = clock.now();
  for (let i = 0; i < 2; i++) {
    pass(status, [service('a', { health: { status: 'Degraded', reason: 'DeploymentFailed', message: 'failed' } })]);
    await tick();
    pass(status, [service('a')]);
    await tick();
  }
  const arrived = (await receiver.until(4)).map((r) => r.at - startedAt);
  t.same(arrived.slice(0, 2), [0, 0], 'a burst of two goes at once');
  t.ok(arrived[2] >= 2_000 && arrived[3] >= 4_000, `then one every 2 s (${arrived.join(', ')} ms on the clock)`);
  t.same(receiver.received.map((r) => r.body.event), ['degraded', 'recovered', 'degraded', 'recovered'], 'in order');
});

t.test('a receiver that never answers holds neither the store nor the shutdown', async (t) => {
  const receiver = await startReceiver(t);
  const clock = new ManualClock({ start: Date.now() });
  const status = new StatusStore();
  const metrics = createMetrics({ status, calls: new CallRecorder() });
  const notifier = new Notifier({ webhook: { url: receiver.url, secret: SECRET } }, { metrics, clock, tuning: { queueSize: 5 } });
  notifier.watch(status, APP);
  receiver.answer(...Array.from({ length: 50 }, () => 'hang' as const));
  // Twenty state changes, each a message; the first is on the wire and never answered.
  const degraded: Health = { status: 'Degraded', reason: 'DeploymentFailed', message: 'failed' };
  for (let i = 0; i < 10; i++) {
    pass(status, [service('a', { health: degraded })]);
    await tick();
    pass(status, [service('a')]);
    await tick();
  }
  await receiver.until(1);
  t.equal(receiver.received[0].answered, false, 'the receiver holds the first request');
  const count = async (labels: Record<string, string>) => parseMetrics(await metrics.registry.metrics()).sum('ecs_gitops_notifications_total', labels);
  t.equal(await count({ result: 'dropped' }), 20 - 1 - 5, 'the queue holds 5; the oldest waiting were dropped and counted');
  // Shutdown: a bound of 2 s on the clock, then the rest is abandoned.
  let closed = false;
  const closing = notifier.close(2_000).then(() => (closed = true));
  await tick();
  t.equal(closed, false, 'close waits while the queue may still drain');
  clock.advance(2_000);
  await closing;
  t.equal(await count({ result: 'dropped' }), 20, 'what was left is dropped and counted');
  t.equal(await count({ result: 'sent' }), 0);
});

t.test('credentials in the webhook URL go as Basic authentication', async (t) => {
  const receiver = await startReceiver(t);
  const url = receiver.url.replace('http://', 'http://hook%40user:p%3Ass@');
  const status = new StatusStore();
  const notifier = new Notifier({ webhook: { url } });
  notifier.watch(status, APP);
  t.teardown(() => notifier.close(0));
  pass(status, [service('a')]);
  await tick();
  pass(status, [service('a', { health: { status: 'Degraded', reason: 'DeploymentFailed', message: 'failed' } })]);
  const [got] = await receiver.until(1);
  t.equal(got.headers.authorization, `Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`);
  t.equal(got.headers['x-ecs-gitops-signature'], undefined, 'no secret, no signature');
});

t.test('settings: flags and environment; the secret only from the environment', async (t) => {
  const s = notificationSettings({ 'notify-webhook': 'https://hooks.example.com/x', 'notify-events': 'rollback, recovered' }, { ECS_GITOPS_NOTIFY_WEBHOOK_SECRET: 's3' });
  t.same(s, { webhook: { url: 'https://hooks.example.com/x', secret: 's3' }, events: ['rollback', 'recovered'] });
  t.same(notificationSettings({}, {}), {}, 'off by default');
  t.same(notificationSettings({ 'notify-events': 'all' }, {}), {});
  t.throws(() => notificationSettings({ 'notify-events': 'rollback,bogus' }, {}), { code: 'USAGE', message: /--notify-events must list events among invalid-revision, sync-failed/ });
  t.throws(() => notificationSettings({ 'notify-slack': 'ftp://x' }, {}), { code: 'USAGE', message: /--notify-slack must be an http\(s\) URL/ });
  t.equal(NOTIFICATION_EVENTS.length, 7);
  const { daemonConfig } = await import('../../src/commands/run.js');
  const config = daemonConfig(['--repo', '.', '--notify-slack', 'https://hooks.slack.com/services/T/B/X'], { ECS_GITOPS_NOTIFY_WEBHOOK: 'http://127.0.0.1:9/h', ECS_GITOPS_NOTIFY_EVENTS: 'degraded' });
  t.same(config.notifications, { webhook: { url: 'http://127.0.0.1:9/h' }, slack: { url: 'https://hooks.slack.com/services/T/B/X' }, events: ['degraded'] });
});
