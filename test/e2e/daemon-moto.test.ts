// The daemon end to end against moto, an AWS emulator written by other people: what moto
// can show (objects, revisions, tags, desired counts; no rollouts) after a first sync, an
// image change, an invalid commit and a change made with the AWS CLI. Without
// ECS_GITOPS_API_TOKEN and ECS_GITOPS_WEBHOOK_SECRET the mutating endpoints are off.
// The test polls moto through the SDK (an AWS CLI process per poll costs a second of CPU);
// what the daemon did is checked through the AWS CLI once it has happened.
import t from 'tap';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { awsCli } from '../helpers/aws-cli.js';
import { startMoto } from '../helpers/moto.js';
import { motoNetwork, withoutMotoGaps } from '../helpers/repo.js';
import { gitRepo, hubSignature, startDaemon, withImageTag, type Metrics } from '../helpers/daemon.js';
import { EXAMPLES } from '../helpers/examples.js';

interface ServiceView {
  status: string;
  taskDefinition: string;
  desiredCount: number;
  tags?: { key: string; value: string }[];
}
type CliServices = { services: ServiceView[] };

t.test('moto: first sync, an image change, an invalid commit, drift healed', async (t) => {
  const moto = await startMoto(t, { MOTO_ECS_SERVICE_RUNNING: '5' });
  if (!moto) return;
  const repo = gitRepo(t.testdir(), await motoNetwork(moto.endpoint), withoutMotoGaps);
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: moto.endpoint });
  const ecs = new ECSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  t.teardown(() => ecs.destroy());
  const service = async (name: string) => (await ecs.send(new DescribeServicesCommand({ cluster: 'store', services: [name] }))).services?.[0];
  const cliService = async (name: string) =>
    ((await awsCli(moto.endpoint, ['ecs', 'describe-services', '--cluster', 'store', '--services', name, '--include', 'TAGS'])) as CliServices).services[0];
  const calls = (m: Metrics, operation: string) => m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation }) ?? 0;

  await t.test('reaches Synced: every object exists, tagged as owned', async (t) => {
    await daemon.until(async () => {
      const s = await daemon.status();
      return s.ready && s.resources.total === EXAMPLES.total && s.resources.sync.Synced === EXAMPLES.total;
    }, `all ${EXAMPLES.total} resources Synced`, 30_000);
    const billing = await cliService('billing');
    t.match(billing.taskDefinition, /billing:1$/);
    t.equal(billing.desiredCount, 2);
    t.match(Object.fromEntries((billing.tags ?? []).map((x) => [x.key, x.value])), { 'ecs-gitops.io/owner': 'ecs-gitops', 'ecs-gitops.io/resource': 'Service/billing' });
    const m = await daemon.metrics();
    t.equal(m.sum('ecs_gitops_resources', { kind: 'Service', sync_status: 'Synced' }), EXAMPLES.of('Service'));
    t.equal(calls(m, 'CreateService'), EXAMPLES.of('Service'));
    t.equal(calls(m, 'RegisterTaskDefinition'), EXAMPLES.of('TaskDefinition'));
    t.equal(m.value('ecs_gitops_git_revision_info', { revision: repo.head() }), 1);
    t.equal(m.sum('ecs_gitops_reconcile_total', { result: 'error' }), 0, 'no reconcile failed');
  });

  await t.test('an image change: one new revision, the service pinned to it', async (t) => {
    const before = await daemon.metrics();
    repo.edit('store/billing.yaml', (text) => withImageTag(text, '5.0.0'));
    const sha = repo.commit('billing 5.0.0');
    await daemon.until(async () => /billing:2$/.test((await service('billing'))?.taskDefinition ?? ''), 'billing runs billing:2');
    await daemon.until(async () => (await daemon.status()).appliedRevision === sha, 'the new revision in force');
    const arns = (await awsCli(moto.endpoint, ['ecs', 'list-task-definitions', '--family-prefix', 'billing'])) as { taskDefinitionArns: string[] };
    t.equal(arns.taskDefinitionArns.length, 2, 'exactly one new revision');
    const td = (await awsCli(moto.endpoint, ['ecs', 'describe-task-definition', '--task-definition', 'billing:2'])) as { taskDefinition: { containerDefinitions: { image: string }[] } };
    t.match(td.taskDefinition.containerDefinitions[0].image, /store\/billing:5\.0\.0$/);
    const after = await daemon.metrics();
    t.equal(calls(after, 'RegisterTaskDefinition') - calls(before, 'RegisterTaskDefinition'), 1, 'RegisterTaskDefinition +1');
    t.equal(after.value('ecs_gitops_git_revision_info', { revision: sha }), 1);
    t.equal(after.value('ecs_gitops_drift_detected_total', { kind: 'Service' }), 0, `a commit is not drift: ${JSON.stringify(daemon.logged('drift detected'))}`);
  });

  await t.test('an invalid commit: nothing changes in moto, the status names the file and line', async (t) => {
    const applied = (await daemon.status()).appliedRevision;
    const before = await daemon.metrics();
    repo.edit('store/billing.yaml', (text) => withImageTag(text, '6.0.0').replace('kind: Service', 'kind: Servce'));
    const line = repo.git('show', 'HEAD:store/billing.yaml').split('\n').findIndex((l) => l === 'kind: Service') + 1;
    const bad = repo.commit('billing: a typo in the kind');
    await daemon.until(async () => (await daemon.status()).attemptedRevision === bad, 'the invalid revision is seen');
    const status = await daemon.status();
    t.equal(status.appliedRevision, applied);
    t.match(status.loadErrors, [{ file: /store\/billing\.yaml$/, line }]);
    const passes = daemon.logged('reconcile finished', { full: true }).length;
    await daemon.until(() => daemon.logged('reconcile finished', { full: true }).length > passes, 'a resync after the invalid commit');
    const after = await daemon.metrics();
    // The edit and the commit may land in one burst of file events or in two (then the
    // invalid content is loaded twice, at the old and at the new revision): at least one.
    t.ok((after.value('ecs_gitops_snapshot_load_failures_total') ?? 0) - (before.value('ecs_gitops_snapshot_load_failures_total') ?? 0) >= 1, 'the failed load is counted');
    t.equal(calls(after, 'RegisterTaskDefinition'), calls(before, 'RegisterTaskDefinition'), 'no registration');
    t.equal(calls(after, 'UpdateService'), calls(before, 'UpdateService'), 'no service update');
    t.match((await service('billing'))?.taskDefinition, /billing:2$/);
    repo.git('revert', '--no-edit', 'HEAD');
    const fixed = repo.head();
    await daemon.until(async () => (await daemon.status()).appliedRevision === fixed, 'the revert in force');
    t.equal((await daemon.metrics()).value('ecs_gitops_snapshot_load_errors'), 0);
  });

  await t.test('a change made with the AWS CLI is healed at the next resync', async (t) => {
    await awsCli(moto.endpoint, ['ecs', 'update-service', '--cluster', 'store', '--service', 'inventory', '--desired-count', '7']);
    const passes = daemon.logged('reconcile finished', { full: true }).length;
    await daemon.until(async () => (await service('inventory'))?.desiredCount === 2, 'inventory back to 2');
    const took = daemon.logged('reconcile finished', { full: true }).length - passes;
    t.ok(took <= 2, `healed by the resync under way or the next one (${took} passes finished)`);
    const m = await daemon.metrics();
    t.ok((m.value('ecs_gitops_drift_detected_total', { kind: 'Service' }) ?? 0) >= 1, 'drift counted');
  });

  await t.test('without credentials configured, sync and webhook are refused with 403', async (t) => {
    const sync = await daemon.post('/api/v1/sync', { headers: { authorization: 'Bearer anything' } });
    t.equal(sync.status, 403);
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const hook = await daemon.post('/api/v1/webhooks/git', { headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature('anything', body) }, body });
    t.equal(hook.status, 403);
    t.match(hook.body, { error: { code: 'FORBIDDEN' } });
    t.equal(daemon.logged('sync requested').length, 0, 'nothing was triggered');
  });

  await t.test('SIGTERM: clean exit', async (t) => {
    const end = await daemon.stop('SIGTERM');
    t.equal(end.code, 0);
  });
});
