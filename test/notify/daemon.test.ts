// Notifications end to end: `ecs-gitops run` against the simulator with a webhook and a
// Slack sink pointed at local receivers, driven through a git repository. The first sync
// and resyncs tell nothing; an invalid commit, an out-of-band change, a create-only field
// a failing image and AWS failing a write each tell their event once, and each fix tells
// `recovered` once.
import t from 'tap';
import { startSimulator, ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { gitRepo, startDaemon, withImageTag, type RunningDaemon } from '../helpers/daemon.js';
import { signatureValid, startReceiver, type Received } from './receiver.js';
import { EXAMPLES } from '../helpers/examples.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const SECRET = 'notify-secret-for-e2e';
const APP = 'shop';

const sim = await startSimulator({ rolloutTimings: FAST });
t.teardown(() => sim.close());
const webhook = await startReceiver(t);
const slack = await startReceiver(t);

function ecs<T>(operation: string, input: object): T {
  const answer = sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input));
  if (answer.status !== 200) throw new Error(`${operation}: ${JSON.stringify(answer.body)}`);
  return answer.body as T;
}
const fullPasses = (d: RunningDaemon) => d.logged('reconcile finished', { full: true }).length;
const events = () => webhook.received.map((r) => `${r.body.event} ${(r.body.resources ?? []).map((x) => x.key).join(',')}`.trim());

const repo = gitRepo(t.testdir());
const daemon = await startDaemon(t, {
  repo: repo.dir,
  endpoint: sim.endpoint,
  resync: '1s',
  args: ['--application', APP, '--notify-webhook', webhook.url, '--notify-slack', slack.url],
  env: { ECS_GITOPS_NOTIFY_WEBHOOK_SECRET: SECRET },
});
t.teardown(() => daemon.stop('SIGKILL'));

/** Waits for the webhook's `n`th message and returns it. */
async function nth(n: number, what: string): Promise<Received> {
  await daemon.until(() => webhook.received.length >= n, `${what} (messages so far: ${JSON.stringify(events())})`, 30_000);
  return webhook.received[n - 1];
}

/** Lets two more full passes run (resyncs that re-read everything). */
async function resyncs(n = 2): Promise<void> {
  const passes = fullPasses(daemon);
  await daemon.until(() => fullPasses(daemon) >= passes + n, `${n} resyncs`);
}

t.test('the first sync and the resyncs after it tell nothing', async (t) => {
  await daemon.until(async () => {
    const s = await daemon.status();
    return s.ready && s.resources.sync.Synced === EXAMPLES.total && s.resources.health.Healthy === EXAMPLES.total;
  }, `all ${EXAMPLES.total} resources Synced and Healthy`);
  await resyncs(3);
  t.same(events(), [], 'no message');
  t.ok(daemon.logged('notifications on').length === 1, 'the start says where notifications go');
  t.notOk(JSON.stringify(daemon.logs).includes(SECRET), 'the secret is never logged');
  t.notOk(JSON.stringify(daemon.logs).includes(new URL(slack.url).pathname), "the Slack webhook's path (its credential) is never logged");
});

t.test('an invalid commit: invalid-revision with file:line, once; the revert: recovered, once', async (t) => {
  let line = 0;
  repo.edit('store/inventory.yaml', (text) => {
    const lines = text.split('\n');
    line = lines.findIndex((l) => l.includes('desiredCount: 2')) + 1;
    lines[line - 1] = lines[line - 1].replace('desiredCount: 2', 'desiredCount: two');
    return lines.join('\n');
  });
  const bad = repo.commit('inventory: a typo');
  const invalid = await nth(1, 'invalid-revision');
  t.match(invalid.body, { event: 'invalid-revision', application: APP, loadErrors: [{ file: /store\/inventory\.yaml$/, line, field: 'spec.desiredCount' }] });
  t.match(invalid.body.summary, new RegExp(`inventory\\.yaml:${line}:\\d+ spec\\.desiredCount`));
  await daemon.until(async () => (await daemon.status()).attemptedRevision === bad, 'the bad revision is seen');
  await resyncs();
  t.equal(webhook.received.length, 1, 'told once, however many resyncs');

  repo.git('revert', '--no-edit', 'HEAD');
  const recovered = await nth(2, 'recovered');
  t.match(recovered.body, { event: 'recovered', recoveredFrom: ['invalid-revision'] });
});

t.test('a change behind the controller\'s back: drift-healed, once', async (t) => {
  ecs('UpdateService', { cluster: 'store', service: 'billing', desiredCount: 5 });
  const healed = await nth(3, 'drift-healed');
  t.match(healed.body, { event: 'drift-healed', resources: [{ key: 'Service/billing', message: /spec\.desiredCount/ }] });
  await resyncs();
  t.same(events().slice(2), ['drift-healed Service/billing'], 'nothing else');
});

t.test('a create-only field changed: stalled naming the field; the revert: recovered', async (t) => {
  repo.edit('store/billing.yaml', (text) => text.replace('launchType: FARGATE', 'launchType: EC2'));
  repo.commit('billing on EC2');
  const stalled = await nth(4, 'stalled');
  t.match(stalled.body, { event: 'stalled', resources: [{ key: 'Service/billing', field: 'spec.launchType' }] });
  await resyncs();
  t.equal(webhook.received.length, 4, 'told once');
  repo.git('revert', '--no-edit', 'HEAD');
  const recovered = await nth(5, 'recovered');
  t.match(recovered.body, { event: 'recovered', resources: [{ key: 'Service/billing', recoveredFrom: ['stalled'] }] });
});

t.test('a failing image: rollback, once; the revert: recovered', async (t) => {
  const image = (text: string) => /image: (\S+)/.exec(text)![1];
  let bad = '';
  repo.edit('store/billing.yaml', (text) => {
    const edited = withImageTag(text, '6.6.6');
    bad = image(edited);
    return edited;
  });
  sim.faults.failImage(bad);
  repo.commit('billing 6.6.6');
  const rollback = await nth(6, 'rollback');
  t.match(rollback.body, { event: 'rollback', resources: [{ key: 'Service/billing', health: 'Degraded', message: /rolled back from billing:2 to billing:1/ }] });
  await resyncs();
  t.same(events().slice(5), ['rollback Service/billing'], 'once, and not also as a stall');

  repo.git('revert', '--no-edit', 'HEAD');
  const recovered = await nth(7, 'recovered');
  t.match(recovered.body, { event: 'recovered', resources: [{ key: 'Service/billing', recoveredFrom: ['rollback'], sync: 'Synced', health: 'Healthy' }] });
});

t.test('AWS failing a write: sync-failed with the error, once; AWS back: recovered', async (t) => {
  sim.faults.set({ errorRate: 1, errorOperations: ['UpdateService'] });
  repo.edit('store/inventory.yaml', (text) => text.replace('desiredCount: 2', 'desiredCount: 3'));
  repo.commit('inventory: 3 tasks');
  const failed = await nth(8, 'sync-failed');
  t.match(failed.body, { event: 'sync-failed', resources: [{ key: 'Service/inventory', error: { code: /\w/, reaction: 'retry' } }] });
  await resyncs();
  t.same(events().slice(7), ['sync-failed Service/inventory'], 'once, however many retries and resyncs');
  sim.faults.set({ errorRate: 0, errorOperations: [] });
  const recovered = await nth(9, 'recovered');
  t.match(recovered.body, { event: 'recovered', resources: [{ key: 'Service/inventory', recoveredFrom: ['sync-failed'] }] });
});

t.test('every message signed and counted; Slack got the same, in its format', async (t) => {
  await resyncs();
  t.same(events(), [
    'invalid-revision',
    'recovered',
    'drift-healed Service/billing',
    'stalled Service/billing',
    'recovered Service/billing',
    'rollback Service/billing',
    'recovered Service/billing',
    'sync-failed Service/inventory',
    'recovered Service/inventory',
  ]);
  for (const r of webhook.received) t.ok(signatureValid(SECRET, r), `${r.body.event}: signature valid`);
  await daemon.until(() => slack.received.length >= webhook.received.length, 'Slack has every message');
  t.equal(slack.received.length, webhook.received.length);
  for (const [i, r] of slack.received.entries()) {
    t.match(r.body, { text: new RegExp(`^\\[${APP}\\] ${webhook.received[i].body.event}: `), blocks: [{ type: 'section' }] }, `Slack ${i + 1}: text and blocks`);
    t.equal(r.headers['x-ecs-gitops-signature'], undefined, 'Slack messages carry no signature');
  }
  t.match((slack.received[0].body as { blocks: { text?: { text: string } }[] }).blocks[1].text?.text, /inventory\.yaml:\d+:\d+/, 'the load error with file:line');
  const m = await daemon.metrics();
  t.equal(m.sum('ecs_gitops_notifications_total', { sink: 'webhook', result: 'sent' }), 9);
  t.equal(m.sum('ecs_gitops_notifications_total', { sink: 'slack', result: 'sent' }), 9);
  t.equal(m.value('ecs_gitops_notifications_total', { sink: 'webhook', event: 'rollback', result: 'sent' }), 1);
  t.equal(m.sum('ecs_gitops_notifications_total', { result: 'failed' }) + m.sum('ecs_gitops_notifications_total', { result: 'dropped' }), 0);
  t.equal(m.value('ecs_gitops_notifications_total', { sink: 'slack', event: 'degraded', result: 'failed' }), 0, 'every series from the first scrape');
});
