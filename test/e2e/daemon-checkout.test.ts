// The daemon end to end against the simulator, on how the checkout and its settings
// shape what reaches AWS: self-heal off, a git-sync style link swapped mid-run, and a
// deleted file with pruning on.
import t, { type Test } from 'tap';
import { startSimulator, ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { awsCli } from '../helpers/aws-cli.js';
import { gitRepo, startDaemon, withImageTag, type RunningDaemon } from '../helpers/daemon.js';

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

async function synced(daemon: RunningDaemon, total = 19) {
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
  const { sim, service, rolledOut } = await simulator(t);
  const repo = gitRepo(t.testdir());
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, args: ['--no-self-heal'] });
  await synced(daemon);

  repo.edit('store/storefront.yaml', (text) => withImageTag(text, '4.0.0'));
  const sha = repo.commit('storefront 4.0.0');
  await daemon.until(rolledOut('storefront', /storefront:2$/), 'storefront rolled out on storefront:2', 15_000);
  await daemon.until(async () => (await daemon.status()).appliedRevision === sha && (await daemon.resource('Service', 'storefront'))?.sync === 'Synced', 'the status shows it Synced');
  let m = await daemon.metrics();
  t.equal(m.value('ecs_gitops_drift_detected_total', { kind: 'Service' }), 0, 'a commit is not drift');
  t.equal(m.value('ecs_gitops_git_revision_info', { revision: sha }), 1);

  await awsCli(sim.endpoint, ['ecs', 'update-service', '--cluster', 'store', '--service', 'inventory', '--desired-count', '4']);
  await daemon.until(async () => (await daemon.resource('Service', 'inventory'))?.sync === 'OutOfSync', 'the drift is shown');
  t.match((await daemon.resource('Service', 'inventory'))?.message, /self-heal is off/);
  m = await daemon.metrics();
  t.ok((m.value('ecs_gitops_drift_detected_total', { kind: 'Service' }) ?? 0) >= 1, 'drift counted');
  t.equal(service('inventory').desiredCount, 4, 'left as it is');
  t.equal(m.sum('ecs_gitops_resources', { kind: 'Service', sync_status: 'OutOfSync' }), 1, 'one service out of sync');
  await stopped(t, daemon);
});
