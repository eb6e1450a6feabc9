// The daemon end to end against the simulator, driven through a git repository the
// test commits to: first sync, an image change, an invalid commit, drift made with the
// AWS CLI, the webhook and the sync endpoint, a deleted file with pruning off. One
// daemon lives through the steps in order; metrics are read after each.
import t from 'tap';
import { rmSync } from 'node:fs';
import { startSimulator, ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { awsCli } from '../helpers/aws-cli.js';
import { eventually, gitRepo, hubSignature, startDaemon, withImageTag, type Metrics, type RunningDaemon } from '../helpers/daemon.js';
import { EXAMPLES } from '../helpers/examples.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const TOKEN = 'sync-token-for-tests';
const SECRET = 'webhook-secret-for-tests';
const WRITES = ['RegisterTaskDefinition', 'CreateService', 'UpdateService', 'DeleteService', 'TagResource', 'UntagResource', 'CreateCluster', 'DeregisterTaskDefinition'];

interface ServiceView {
  serviceName: string;
  status: string;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  deployments: { status: string; taskDefinition: string; rolloutState?: string; runningCount: number }[];
}

const sim = await startSimulator({ rolloutTimings: FAST });
t.teardown(() => sim.close());

function ecs<T>(operation: string, input: object): T {
  const answer = sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input));
  if (answer.status !== 200) throw new Error(`${operation}: ${JSON.stringify(answer.body)}`);
  return answer.body as T;
}
const service = (name: string) => ecs<{ services: ServiceView[] }>('DescribeServices', { cluster: 'store', services: [name] }).services[0];
const writes = (m: Metrics) => WRITES.reduce((n, operation) => n + (m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation }) ?? 0), 0);
const fullPasses = (d: RunningDaemon) => d.logged('reconcile finished', { full: true }).length;

const repo = gitRepo(t.testdir());
const first = repo.head();
const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, apiToken: TOKEN, webhookSecret: SECRET });
t.teardown(() => daemon.stop('SIGKILL'));

t.test('starts on the repository and reaches Synced/Healthy', async (t) => {
  await daemon.until(async () => {
    const s = await daemon.status();
    return s.ready && s.resources.total === EXAMPLES.total && s.resources.sync.Synced === EXAMPLES.total && s.resources.health.Healthy === EXAMPLES.total;
  }, `all ${EXAMPLES.total} resources Synced and Healthy`);
  const status = await daemon.status();
  t.equal(status.appliedRevision, first, 'the commit is in force');
  t.equal((await daemon.get('/readyz')).status, 200);
  const m = await daemon.metrics();
  t.equal(m.value('ecs_gitops_resources', { kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), EXAMPLES.of('Service'));
  t.equal(m.value('ecs_gitops_resources', { kind: 'TaskDefinition', sync_status: 'Synced', health_status: 'Healthy' }), EXAMPLES.of('TaskDefinition'));
  t.equal(m.sum('ecs_gitops_resources'), EXAMPLES.total);
  t.equal(m.value('ecs_gitops_git_revision_info', { revision: first }), 1);
  t.equal(m.value('ecs_gitops_snapshot_load_failures_total'), 0);
  t.equal(m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'CreateService' }), EXAMPLES.of('Service'), 'one CreateService per service');
  t.equal(m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'RegisterTaskDefinition' }), EXAMPLES.of('TaskDefinition'));
  t.ok((m.value('ecs_gitops_last_successful_sync_timestamp_seconds') ?? 0) > Date.now() / 1000 - 60);
  t.equal(service('billing').runningCount, 2, 'the simulator runs what git asks for');
  t.ok(daemon.logged('ecs-gitops started', { revision: first }).length === 1, 'the start is logged with its revision');
});

t.test('an image change: one new task-definition revision and a rollout within seconds', async (t) => {
  const before = await daemon.metrics();
  repo.edit('store/inventory.yaml', (text) => withImageTag(text, '2.8.0'));
  const committed = Date.now();
  const sha = repo.commit('inventory 2.8.0');
  await daemon.until(() => {
    const s = service('inventory');
    const primary = s.deployments.find((d) => d.status === 'PRIMARY');
    return s.deployments.length === 1 && /inventory:2$/.test(primary?.taskDefinition ?? '') && primary?.rolloutState === 'COMPLETED' && s.runningCount === 2;
  }, 'inventory rolled out on inventory:2', 15_000);
  const seconds = (Date.now() - committed) / 1000;
  t.ok(seconds < 10, `rolled out ${seconds.toFixed(1)} s after the commit`);
  const families = ecs<{ taskDefinitionArns: string[] }>('ListTaskDefinitions', { familyPrefix: 'inventory' });
  t.equal(families.taskDefinitionArns.length, 2, 'exactly one new revision');
  const td = ecs<{ taskDefinition: { containerDefinitions: { image: string }[] } }>('DescribeTaskDefinition', { taskDefinition: 'inventory:2' });
  t.match(td.taskDefinition.containerDefinitions[0].image, /store\/inventory:2\.8\.0$/);

  await daemon.until(async () => (await daemon.status()).appliedRevision === sha && (await daemon.resource('Service', 'inventory'))?.health.status === 'Healthy', 'the status shows the new revision Healthy');
  const view = await daemon.resource('Service', 'inventory');
  t.match(view?.liveSummary?.taskDefinition, /inventory:2$/);
  // One more full pass must not register again.
  const passes = fullPasses(daemon);
  await daemon.until(() => fullPasses(daemon) > passes, 'a resync after the rollout');
  const after = await daemon.metrics();
  const count = (m: Metrics, operation: string) => m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation }) ?? 0;
  t.equal(count(after, 'RegisterTaskDefinition') - count(before, 'RegisterTaskDefinition'), 1, 'RegisterTaskDefinition +1');
  t.equal(count(after, 'UpdateService') - count(before, 'UpdateService'), 1, 'UpdateService +1');
  t.equal(after.value('ecs_gitops_git_revision_info', { revision: sha }), 1);
  t.equal(after.value('ecs_gitops_git_revision_info', { revision: first }), undefined, 'the old revision series is gone');
  t.equal(after.value('ecs_gitops_resources', { kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), EXAMPLES.of('Service'));
});

t.test('an invalid commit changes nothing in AWS; the status names the file and line', async (t) => {
  const applied = (await daemon.status()).appliedRevision;
  const before = await daemon.metrics();
  let line = 0;
  repo.edit('store/inventory.yaml', (text) => {
    const lines = text.split('\n');
    line = lines.findIndex((l) => l.includes('desiredCount: 2')) + 1;
    lines[line - 1] = lines[line - 1].replace('desiredCount: 2', 'desiredCount: two');
    return withImageTag(lines.join('\n'), '6.6.6');
  });
  const bad = repo.commit('inventory: a typo');
  await daemon.until(async () => (await daemon.status()).attemptedRevision === bad, 'the invalid revision is seen');
  const status = await daemon.status();
  t.equal(status.appliedRevision, applied, 'the last valid revision stays in force');
  t.match(status.loadErrors, [{ file: /store\/inventory\.yaml$/, line, field: 'spec.desiredCount' }]);
  t.match(status.loadErrors[0].formatted, new RegExp(`inventory\\.yaml:${line}:\\d+`));
  // A whole resync after the bad commit, and still not one write.
  const passes = fullPasses(daemon);
  await daemon.until(() => fullPasses(daemon) > passes, 'a resync after the invalid commit');
  const after = await daemon.metrics();
  // The edit and the commit may land in one burst of file events or in two (then the
  // invalid content is loaded twice, at the old and at the new revision): at least one.
  const failures = after.value('ecs_gitops_snapshot_load_failures_total') ?? 0;
  t.ok(failures >= 1, 'the failed load is counted');
  t.ok((after.value('ecs_gitops_snapshot_load_errors') ?? 0) >= 1, 'the errors are counted');
  t.equal(after.value('ecs_gitops_git_revision_info', { revision: applied! }), 1, 'the revision in force is still the valid one');
  t.equal(writes(after), writes(before), 'no write to AWS');
  t.equal(service('inventory').desiredCount, 2);
  t.match(service('inventory').taskDefinition, /inventory:2$/);

  repo.git('revert', '--no-edit', 'HEAD');
  const fixed = repo.head();
  await daemon.until(async () => {
    const s = await daemon.status();
    return s.appliedRevision === fixed && s.loadErrors.length === 0;
  }, 'the revert is in force');
  const reverted = await daemon.metrics();
  t.equal(reverted.value('ecs_gitops_snapshot_load_errors'), 0);
  t.equal(reverted.value('ecs_gitops_snapshot_load_failures_total'), failures, 'a counter: the failure stays counted');
  t.equal(writes(reverted), writes(before), 'the revert restores what AWS already runs: no write');
});

t.test('a change behind the controller\'s back is healed at the next resync', async (t) => {
  const before = await daemon.metrics();
  t.equal(before.value('ecs_gitops_drift_detected_total', { kind: 'Service' }), 0, `no drift before: ${JSON.stringify(daemon.logged('drift detected'))}`);
  await awsCli(sim.endpoint, ['ecs', 'update-service', '--cluster', 'store', '--service', 'billing', '--desired-count', '5']);
  const passes = fullPasses(daemon);
  await daemon.until(() => service('billing').desiredCount === 2, 'billing back to 2 tasks');
  t.ok(fullPasses(daemon) - passes <= 2, `by the resync under way or the next one (${fullPasses(daemon) - passes} passes finished)`);
  const after = await daemon.metrics();
  t.ok((after.value('ecs_gitops_drift_detected_total', { kind: 'Service' }) ?? 0) >= 1, 'drift counted');
  t.equal(after.value('ecs_gitops_drift_detected_total', { kind: 'TaskDefinition' }), 0, 'only the service drifted');
  t.ok(daemon.logged('drift detected', { kind: 'Service', name: 'billing' }).length >= 1, 'drift logged with kind and name');
  const updates = (m: Metrics) => m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'UpdateService' }) ?? 0;
  t.equal(updates(after) - updates(before), 1, 'healed with one UpdateService');
});

t.test('the git webhook: a good signature starts a sync, a bad one is refused', async (t) => {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: repo.head() });
  const headers = { 'content-type': 'application/json', 'x-github-event': 'push' };
  const unsigned = await daemon.post('/api/v1/webhooks/git', { headers, body });
  t.equal(unsigned.status, 401, 'no signature');
  const wrong = await daemon.post('/api/v1/webhooks/git', { headers: { ...headers, 'x-hub-signature-256': hubSignature('not-the-secret', body) }, body });
  t.equal(wrong.status, 401, 'signed with another secret');
  const tampered = await daemon.post('/api/v1/webhooks/git', { headers: { ...headers, 'x-hub-signature-256': hubSignature(SECRET, body) }, body: body.replace('main', 'evil') });
  t.equal(tampered.status, 401, 'a body other than the one signed');
  t.equal(daemon.logged('sync requested', { trigger: 'webhook' }).length, 0, 'nothing was triggered');

  const before = await daemon.metrics();
  const good = await daemon.post('/api/v1/webhooks/git', { headers: { ...headers, 'x-hub-signature-256': hubSignature(SECRET, body) }, body });
  t.equal(good.status, 202, good.text);
  await daemon.until(() => daemon.logged('sync requested', { trigger: 'webhook', detail: `refs/heads/main@${repo.head()}` }).length === 1, 'the webhook sync is requested');
  const requested = daemon.logs.findIndex((l) => l.msg === 'sync requested');
  await daemon.until(() => daemon.logs.slice(requested).some((l) => l.msg === 'reconcile finished' && l.full === true), 'a full pass after the webhook');
  const after = await daemon.metrics();
  t.ok(after.sum('ecs_gitops_reconcile_total', { kind: 'Service', result: 'success' }) > before.sum('ecs_gitops_reconcile_total', { kind: 'Service', result: 'success' }), 'services were reconciled');
  t.ok((after.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'ListServices' }) ?? 0) > (before.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'ListServices' }) ?? 0), 'live state was read again');
});

t.test('the sync endpoint wants the token', async (t) => {
  const none = await daemon.post('/api/v1/sync');
  t.equal(none.status, 401, 'no token');
  t.match(none.body, { error: { code: 'UNAUTHORIZED' } });
  const wrong = await daemon.post('/api/v1/sync', { headers: { authorization: 'Bearer not-the-token' } });
  t.equal(wrong.status, 401, 'wrong token');
  t.equal(daemon.logged('sync requested', { trigger: 'api' }).length, 0, 'nothing was triggered');
  const asked = Date.now() / 1000;
  const right = await daemon.post('/api/v1/sync', { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(right.status, 202, right.text);
  t.match(right.body, { accepted: true });
  await daemon.until(() => daemon.logged('sync requested', { trigger: 'api' }).length === 1, 'the sync is requested');
  await daemon.until(async () => ((await daemon.metrics()).value('ecs_gitops_last_successful_sync_timestamp_seconds') ?? 0) >= asked, 'a successful sync after the request');
  const m = await daemon.metrics();
  t.equal(m.value('ecs_gitops_resources', { kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), EXAMPLES.of('Service'), 'still all in sync');
});

t.test('a deleted file with pruning off: the objects stay in AWS, shown as not in git', async (t) => {
  rmSync(`${repo.dir}/store/shipping.yaml`);
  const sha = repo.commit('shipping leaves git');
  await daemon.until(async () => (await daemon.status()).appliedRevision === sha && (await daemon.resource('Service', 'shipping'))?.action === 'prune-skipped', 'shipping shown as kept');
  const view = await daemon.resource('Service', 'shipping');
  t.equal(view?.sync, 'OutOfSync');
  t.match(view?.message, /no longer in git; pruning is off/);
  t.equal((await daemon.resource('CloudMapService', 'shipping'))?.action, 'prune-skipped');
  // Still there after a further resync.
  const passes = fullPasses(daemon);
  await daemon.until(() => fullPasses(daemon) > passes, 'a resync after the delete');
  const live = service('shipping');
  t.equal(live.status, 'ACTIVE');
  t.equal(live.desiredCount, 2, 'not scaled down');
  const m = await daemon.metrics();
  t.equal(m.value('ecs_gitops_resources', { kind: 'Service', sync_status: 'OutOfSync', health_status: 'Healthy' }), 1);
  t.equal(m.value('ecs_gitops_resources', { kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), EXAMPLES.of('Service') - 1);
  t.equal(m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'DeleteService' }), 0);
  t.equal(m.value('ecs_gitops_git_revision_info', { revision: sha }), 1);
  t.ok(await eventually(async () => (await daemon.get('/readyz')).status === 200, 1000), 'still ready');
});

t.test('SIGTERM on an idle daemon: clean exit', async (t) => {
  const end = await daemon.stop('SIGTERM');
  if (!t.same({ code: end.code, signal: end.signal }, { code: 0, signal: null }, 'exit code 0')) t.comment(daemon.stderr().slice(-2000));
  t.ok(end.ms < 5_000, `exited in ${end.ms} ms`);
  t.ok(daemon.logged('shutting down').length === 1);
});
