// The daemon end to end against the simulator, on how the checkout and its settings
// shape what reaches AWS: self-heal off, a git-sync style link swapped mid-run, and a
// deleted file with pruning on. A change behind the daemon's back is made in-process
// (daemon-sim.test.ts makes one with the AWS CLI).
import t, { type Test } from 'tap';
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { gitRepo, startDaemon, withImageTag, type RunningDaemon } from '../helpers/daemon.js';
import { EXAMPLES } from '../helpers/examples.js';

// Each test has its own simulator, repository and daemon: they run at once.
t.jobs = 3;

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

interface ServiceView {
  status: string;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  deployments: { status: string; taskDefinition: string; rolloutState?: string }[];
}

async function simulator(t: Test) {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  const ecs = <T>(operation: string, input: object): T => {
    const answer = sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input));
    if (answer.status !== 200) throw new Error(`${operation}: ${JSON.stringify(answer.body)}`);
    return answer.body as T;
  };
  const service = (name: string) => ecs<{ services: ServiceView[] }>('DescribeServices', { cluster: 'store', services: [name] }).services[0];
  const rolledOut = (name: string, revision: RegExp) => () => {
    const s = service(name);
    return s.deployments.length === 1 && revision.test(s.deployments[0].taskDefinition) && s.deployments[0].rolloutState === 'COMPLETED' && s.runningCount === s.desiredCount;
  };
  return { sim, ecs, service, rolledOut };
}

async function synced(daemon: RunningDaemon, total = EXAMPLES.total) {
  await daemon.until(async () => {
    const s = await daemon.status();
    return s.ready && s.resources.total === total && s.resources.sync.Synced === total && s.resources.health.Healthy === total;
  }, `all ${total} resources Synced and Healthy`);
}

async function stopped(t: Test, daemon: RunningDaemon) {
  const end = await daemon.stop('SIGTERM');
  t.equal(end.code, 0, 'exits 0 on SIGTERM');
}

t.test('self-heal off: a commit still rolls out; a change made outside git is reported and left', async (t) => {
  const { sim, ecs, service, rolledOut } = await simulator(t);
  const repo = gitRepo(t.testdir());
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, args: ['--no-self-heal'] });
  await synced(daemon);

  repo.edit('store/storefront.yaml', (text) => withImageTag(text, '4.0.0'));
  const sha = repo.commit('storefront 4.0.0');
  await daemon.until(rolledOut('storefront', /storefront:2$/), 'storefront rolled out on storefront:2', 15_000);
  await daemon.until(async () => (await daemon.status()).appliedRevision === sha && (await daemon.resource('Service', 'storefront'))?.sync === 'Synced', 'the status shows it Synced');
  let m = await daemon.metrics();
  t.equal(m.value('ecs_gitops_drift_detected_total', { kind: 'Service' }), 0, `a commit is not drift: ${JSON.stringify(daemon.logged('drift detected'))}`);
  t.equal(m.value('ecs_gitops_git_revision_info', { revision: sha }), 1);

  ecs('UpdateService', { cluster: 'store', service: 'inventory', desiredCount: 4 });
  await daemon.until(async () => (await daemon.resource('Service', 'inventory'))?.sync === 'OutOfSync', 'the drift is shown');
  t.match((await daemon.resource('Service', 'inventory'))?.message, /self-heal is off/);
  m = await daemon.metrics();
  t.ok((m.value('ecs_gitops_drift_detected_total', { kind: 'Service' }) ?? 0) >= 1, 'drift counted');
  t.equal(service('inventory').desiredCount, 4, 'left as it is');
  t.equal(m.sum('ecs_gitops_resources', { kind: 'Service', sync_status: 'OutOfSync' }), 1, 'one service out of sync');
  await stopped(t, daemon);
});

t.test('git-sync style: the checkout link swapped to other worktrees mid-run, old ones removed', async (t) => {
  const { sim, ecs, rolledOut } = await simulator(t);
  const base = t.testdir();
  const origin = gitRepo(join(base, 'origin'));
  const a = origin.head();
  origin.edit('store/inventory.yaml', (text) => withImageTag(text, '3.0.0'));
  const b = origin.commit('inventory 3.0.0');
  origin.edit('store/inventory.yaml', (text) => `# owned by the fulfilment team\n${text}`);
  const c = origin.commit('inventory: a comment');
  for (const [name, commit] of [['rev-a', a], ['rev-b', b], ['rev-c', c]]) origin.git('worktree', 'add', '-q', '--detach', join(base, name), commit);
  const link = join(base, 'current');
  symlinkSync('rev-a', link);
  /** What git-sync does: a new link under a temporary name renamed over the old one, then the old worktree removed. */
  const swap = (to: string, from: string) => {
    symlinkSync(to, `${link}.tmp`);
    renameSync(`${link}.tmp`, link);
    rmSync(join(base, from), { recursive: true, force: true });
  };

  // A long resync: whatever happens below is the link swap's doing.
  const daemon = await startDaemon(t, { repo: link, endpoint: sim.endpoint, resync: '60s' });
  await synced(daemon);
  t.equal((await daemon.status()).appliedRevision, a, 'worktree A is in force');
  const before = await daemon.metrics();
  t.equal(before.value('ecs_gitops_git_revision_info', { revision: a }), 1);

  swap('rev-b', 'rev-a');
  await daemon.until(rolledOut('inventory', /inventory:2$/), 'inventory rolled out from worktree B', 15_000);
  await daemon.until(async () => (await daemon.status()).appliedRevision === b, 'revision B in force');
  const td = ecs<{ taskDefinition: { containerDefinitions: { image: string }[] } }>('DescribeTaskDefinition', { taskDefinition: 'inventory:2' });
  t.match(td.taskDefinition.containerDefinitions[0].image, /store\/inventory:3\.0\.0$/);
  const after = await daemon.metrics();
  const registrations = (m: typeof after) => m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'RegisterTaskDefinition' }) ?? 0;
  t.equal(registrations(after) - registrations(before), 1, 'one registration');
  t.equal(after.value('ecs_gitops_git_revision_info', { revision: b }), 1);
  t.equal(after.value('ecs_gitops_git_revision_info', { revision: a }), undefined);
  t.equal(after.value('ecs_gitops_drift_detected_total', { kind: 'Service' }), 0, `a new worktree is not drift: ${JSON.stringify(daemon.logged('drift detected'))}`);
  const status = await daemon.status();
  t.same(status.loadErrors, [], 'no read error during the swap');
  t.equal(daemon.logged('cannot read the config source; keeping the last valid revision').length, 0, 'the swap never looked like a missing checkout');

  // A revision that changes no resource is in force at once, not at the next resync.
  await synced(daemon); // every write confirmed: nothing more is queued before the resync
  swap('rev-c', 'rev-b');
  await daemon.until(async () => (await daemon.status()).appliedRevision === c, 'the comment-only revision shown as applied', 5_000);
  const last = await daemon.metrics();
  t.equal(last.value('ecs_gitops_git_revision_info', { revision: c }), 1);
  t.equal(registrations(last), registrations(after), 'no registration for a comment');
  t.equal(last.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'UpdateService' }), after.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation: 'UpdateService' }), 'no service update');
  await stopped(t, daemon);
});

t.test('a deleted file with pruning on: the service is scaled to 0, then deleted', async (t) => {
  const { sim, service } = await simulator(t);
  const repo = gitRepo(t.testdir());
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, prune: true });
  await synced(daemon);
  const before = await daemon.metrics();
  const calls = (m: typeof before, service: string, operation: string) => m.sum('ecs_gitops_aws_api_calls_total', { service, operation }) ?? 0;
  t.equal(calls(before, 'ecs', 'DeleteService'), 0);

  rmSync(join(repo.dir, 'store', 'shipping.yaml'));
  const sha = repo.commit('shipping leaves git');
  await daemon.until(() => service('shipping')?.status !== 'ACTIVE', 'the shipping service deleted');
  const gone = service('shipping');
  t.equal(gone?.desiredCount ?? 0, 0, 'scaled to 0 first');
  await synced(daemon, EXAMPLES.total - 3);
  const status = await daemon.status();
  t.equal(status.appliedRevision, sha);
  t.equal(await daemon.resource('Service', 'shipping'), undefined, 'no longer listed once gone from git and AWS');
  t.ok(daemon.logged('applied', { key: 'Service/shipping', step: 'delete Service store/shipping' }).length === 1, 'the delete is logged');
  const after = await daemon.metrics();
  t.equal(calls(after, 'ecs', 'DeleteService'), 1);
  t.equal(calls(after, 'ecs', 'UpdateService') - calls(before, 'ecs', 'UpdateService'), 1, 'one UpdateService: desiredCount 0');
  t.equal(calls(after, 'servicediscovery', 'DeleteService'), 1, 'its Cloud Map service too');
  t.equal(after.value('ecs_gitops_resources', { kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), EXAMPLES.of('Service') - 1);
  t.equal(after.sum('ecs_gitops_resources'), EXAMPLES.total - 3, 'shipping\'s TaskDefinition, Service and CloudMapService are gone');
  t.equal(service('inventory').status, 'ACTIVE', 'nothing else is touched');
  await stopped(t, daemon);
});
