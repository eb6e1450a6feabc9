// Git's intent is never lost (issue 12, item 1, "Done when"): the daemon against the
// simulator with 200 ms of latency on every call, and ten image commits, each landing
// while the pass of the one before is running. With self-heal off and on, every commit's
// image is registered and deployed, once, in order, and none is counted as drift.
import t from 'tap';
import { ECS_TARGET_PREFIX, startSimulator } from '../../src/sim/index.js';
import { FAST_ROLLOUT } from '../helpers/fault.js';
import { gitRepo, startDaemon, withImageTag, type LogLine, type Metrics } from '../helpers/daemon.js';

const COMMITS = 10;
const LATENCY_MS = 200;

for (const selfHeal of [false, true]) {
  t.test(`self-heal ${selfHeal ? 'on' : 'off'}: ten image commits under ${LATENCY_MS} ms latency are each deployed, none is drift`, async (t) => {
    const sim = await startSimulator({ rolloutTimings: FAST_ROLLOUT });
    t.teardown(() => sim.close());
    const ecs = <T>(operation: string, input: object): T => {
      const answer = sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input));
      if (answer.status !== 200) throw new Error(`${operation}: ${JSON.stringify(answer.body)}`);
      return answer.body as T;
    };
    const repo = gitRepo(t.testdir());
    const first = repo.head();
    // Debug logs say when a pass starts and at which revision: the commits are stepped by them.
    const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, args: [...(selfHeal ? [] : ['--no-self-heal']), '--log-level', 'debug'] });
    await daemon.until(async () => {
      const s = await daemon.status();
      return s.appliedRevision === first && s.resources.sync.Synced === s.resources.total && s.resources.health.Healthy === s.resources.total;
    }, 'the first commit Synced and Healthy', 30_000);
    const before = await daemon.metrics();

    const faults = await fetch(`${sim.endpoint}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: LATENCY_MS }) });
    t.equal(faults.status, 200, 'latency on');

    const tags = Array.from({ length: COMMITS }, (_, i) => `3.${i}.0`);
    const revisions: string[] = [];
    for (const tag of tags) {
      repo.edit('store/billing.yaml', (text) => withImageTag(text, tag));
      const revision = repo.commit(`billing ${tag}`);
      revisions.push(revision);
      // The next commit is made as soon as a pass planned at this one starts.
      await daemon.until(() => daemon.logged('reconcile started', { revision }).length > 0, `a pass at ${tag} starts`, 60_000);
    }

    const last = revisions.at(-1)!;
    await daemon.until(async () => {
      const s = await daemon.status();
      const billing = await daemon.resource('Service', 'billing');
      return s.appliedRevision === last && billing?.sync === 'Synced' && billing.health.status === 'Healthy';
    }, 'the last commit applied and billing Healthy', 120_000);

    // The log's times say which commits reached the controller while the first pass at the commit before was running.
    const at = (line: LogLine | undefined) => (line ? Date.parse(String(line.time)) : NaN);
    const during = revisions.slice(1).filter((revision, i) => {
      const pass = daemon.logged('reconcile started', { revision: revisions[i] })[0];
      const finished = daemon.logged('reconcile finished', { reconcileId: pass.reconcileId })[0];
      return at(daemon.logged('new snapshot', { revision })[0]) < at(finished);
    }).length;
    t.ok(during >= COMMITS / 2, `${during} of ${COMMITS - 1} commits landed during a pass planned at the commit before`);

    const arns = ecs<{ taskDefinitionArns: string[] }>('ListTaskDefinitions', { familyPrefix: 'billing' }).taskDefinitionArns;
    const images = arns.map((arn) => ecs<{ taskDefinition: { containerDefinitions: { image: string }[] } }>('DescribeTaskDefinition', { taskDefinition: arn }).taskDefinition.containerDefinitions[0].image);
    t.same(images.slice(1).map((image) => image.replace(/^.*:/, '')), tags, 'one task-definition revision per commit, in commit order');
    const service = ecs<{ services: { taskDefinition: string }[] }>('DescribeServices', { cluster: 'store', services: ['billing'] }).services[0];
    t.equal(service.taskDefinition, arns.at(-1), 'billing runs the last commit');

    const after = await daemon.metrics();
    const calls = (m: Metrics, operation: string) => m.sum('ecs_gitops_aws_api_calls_total', { service: 'ecs', operation }) ?? 0;
    t.equal(calls(after, 'UpdateService') - calls(before, 'UpdateService'), COMMITS, 'one UpdateService per commit: each image deployed');
    t.equal(after.sum('ecs_gitops_drift_detected_total'), 0, `no drift counted: ${JSON.stringify(daemon.logged('drift detected').map((l) => [l.name, l.revision]))}`);
    const status = await daemon.status();
    t.equal(status.resources.sync.Synced, status.resources.total, 'everything Synced');
    t.notMatch((await daemon.resource('Service', 'billing'))?.message ?? '', /self-heal is off|not applied yet/, 'nothing held or pending');
  });
}
