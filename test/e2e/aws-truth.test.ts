// The engine against answers shaped as AWS gives them (the simulator fills in what AWS
// fills in, forgets failed deployments and refuses what AWS refuses), run as a user runs
// it: `ecs-gitops sync` and `diff`, each a fresh start with nothing cached, checked
// through the AWS CLI. The convergence case runs on moto too, where moto can express it.
import t, { type Test } from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { awsCli } from '../helpers/aws-cli.js';
import { motoNetwork } from '../helpers/repo.js';
import { startMoto } from '../helpers/moto.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const SUBNET = 'subnet-0aa1b2c3d4e5f6071';
const SG = 'sg-0a1b2c3d4e5f60001';
const GOOD = 'public.ecr.aws/docker/library/busybox:1.36';
const OTHER = 'public.ecr.aws/docker/library/busybox:1.37';
const BROKEN = 'public.ecr.aws/docker/library/busybox:broken';

interface SyncRun {
  code: number;
  out: string;
  err: string;
}

/** One CLI run: its own clients and caches, as a new process has. */
async function cli(...argv: string[]): Promise<SyncRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), color: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface SyncJson {
  plan: { resources: { key: string; action: string; health: { status: string; message?: string }; message?: string; changes: { path: string }[] }[] };
  calls: Record<string, { calls: number }>;
  writes: number;
}

async function syncJson(dir: string, endpoint: string, ...extra: string[]): Promise<{ code: number; result: SyncJson; err: string }> {
  const run = await cli('sync', dir, '--once', '--endpoint', endpoint, '-o', 'json', ...extra);
  const json = run.out.slice(run.out.indexOf('{'));
  return { code: run.code, result: JSON.parse(json) as SyncJson, err: run.err };
}

const calls = (r: SyncJson, op: string) => r.calls[op]?.calls ?? 0;

async function simulator(t: Test, timings: Record<string, number> = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ rolloutTimings: { ...FAST, ...timings } });
  t.teardown(() => sim.close());
  return sim;
}

function write(dir: string, name: string, yaml: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), yaml);
}

const taskDefinition = (name: string, image: string, fargate = true) => `apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata:
  name: ${name}
spec:
${fargate ? '  requiresCompatibilities: [FARGATE]\n  networkMode: awsvpc\n  cpu: "256"\n  memory: "512"\n' : ''}  containerDefinitions:
    - name: app
      image: ${image}
${fargate ? '' : '      memory: 128\n'}`;

const network = (subnet: string, sg: string) => `  networkConfiguration:
    awsvpcConfiguration:
      subnets: [${subnet}]
      securityGroups: [${sg}]
`;

/** The circuit-breaker service: on FARGATE, or on a strategy of FARGATE; moto stores no circuit breaker. */
function breaker(ids: { subnet: string; sg: string }, { image = GOOD, desiredCount = 2, strategy = false, circuitBreaker = true } = {}): string {
  return `${taskDefinition('pay', image)}---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: breaker
spec:
  cluster: plain
  taskDefinition: pay
  desiredCount: ${desiredCount}
${strategy ? '  capacityProviderStrategy:\n    - capacityProvider: FARGATE\n      weight: 1\n' : '  launchType: FARGATE\n'}${circuitBreaker ? '  deploymentConfiguration:\n    deploymentCircuitBreaker: { enable: true, rollback: true }\n' : ''}${network(ids.subnet, ids.sg)}`;
}

/** The service without a launch type (on EC2, with a bridge-mode task definition), with `fields` added to its spec. */
const worker = (fields: string) => `${taskDefinition('worker', GOOD, false)}---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: no-launch-type
spec:
  cluster: plain
  taskDefinition: worker
${fields}`;

/** A plain cluster (with providers, or none) and, with `inherit`, one whose default strategy is FARGATE_SPOT. */
function clusters({ inherit = true, plainProviders = false } = {}): string {
  return `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata:
  name: plain
spec:${plainProviders ? '\n  capacityProviders: [FARGATE]' : ' {}'}
${inherit ? `---
apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata:
  name: spot
spec:
  capacityProviders: [FARGATE, FARGATE_SPOT]
  defaultCapacityProviderStrategy:
    - capacityProvider: FARGATE_SPOT
      weight: 1
` : ''}`;
}

/**
 * The services a new user writes first: Fargate without a role, one without a launch
 * type, one inheriting its cluster's capacity-provider strategy, one with a circuit
 * breaker. `inherit` false leaves out what moto cannot express (capacity providers).
 */
function ordinaryServices(dir: string, ids: { subnet: string; sg: string }, inherit = true): void {
  write(dir, 'clusters.yaml', clusters({ inherit }));
  write(dir, 'web.yaml', `${taskDefinition('web', GOOD)}---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: fargate-no-role
spec:
  cluster: plain
  taskDefinition: web
  desiredCount: 1
  launchType: FARGATE
${network(ids.subnet, ids.sg)}`);
  write(dir, 'worker.yaml', worker('  desiredCount: 1\n'));
  if (inherit) {
    write(dir, 'batch.yaml', `${taskDefinition('batch', GOOD)}---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: inherits-strategy
spec:
  cluster: spot
  taskDefinition: batch
  desiredCount: 1
${network(ids.subnet, ids.sg)}`);
  }
  write(dir, 'pay.yaml', breaker(ids));
}

/** First sync converges; a second, fresh sync writes nothing and stalls nothing; diff exits 0. */
async function convergesForGood(t: Test, dir: string, endpoint: string, clusters: number): Promise<void> {
  const first = await syncJson(dir, endpoint);
  t.equal(first.code, 0, `first sync converges: ${first.err}`);
  const second = await syncJson(dir, endpoint);
  t.equal(second.code, 0, 'second sync exits 0');
  t.equal(second.result.writes, 0, `a second sync makes no write: ${JSON.stringify(second.result.calls)}`);
  t.equal(calls(second.result, 'ecs:ListServiceDeployments') + calls(second.result, 'ecs:DescribeServiceRevisions'), 0, 'in steady state the deployment history is not read');
  t.equal(calls(second.result, 'ecs:DescribeServices'), clusters, 'one DescribeServices per cluster (fewer than 10 services each)');
  t.same(second.result.plan.resources.filter((r) => r.action !== 'none').map((r) => `${r.key}: ${r.action} ${r.message ?? ''} ${JSON.stringify(r.changes)}`), [], 'nothing stalled or out of sync');
  const diff = await cli('diff', dir, '--endpoint', endpoint);
  t.equal(diff.code, 0, `diff finds nothing:\n${diff.out}`);
}

t.test('simulator: ordinary services converge for good on what AWS fills in', async (t) => {
  const sim = await simulator(t);
  const dir = t.testdir();
  ordinaryServices(dir, { subnet: SUBNET, sg: SG });
  await convergesForGood(t, dir, sim.endpoint, 2);
  const described = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'spot', '--services', 'inherits-strategy'])) as { services: { capacityProviderStrategy?: { capacityProvider: string }[]; launchType?: string }[] };
  t.same(described.services[0].capacityProviderStrategy?.map((s) => s.capacityProvider), ['FARGATE_SPOT'], 'the inherited strategy is left alone');
  const plain = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'plain', '--services', 'fargate-no-role', 'no-launch-type'])) as { services: { serviceName: string; roleArn?: string; launchType?: string }[] };
  t.match(plain.services.find((s) => s.serviceName === 'fargate-no-role')?.roleArn, /AWSServiceRoleForECS$/, 'AWS filled in the service-linked role');
  t.equal(plain.services.find((s) => s.serviceName === 'no-launch-type')?.launchType, 'EC2', 'AWS resolved the launch type to EC2');
});

t.test('simulator: a launch type and a capacity-provider strategy replace each other in place', async (t) => {
  const sim = await simulator(t);
  const dir = t.testdir();
  ordinaryServices(dir, { subnet: SUBNET, sg: SG });
  t.equal((await syncJson(dir, sim.endpoint)).code, 0);
  write(dir, 'pay.yaml', breaker({ subnet: SUBNET, sg: SG }, { strategy: true }));
  // The plain cluster has no providers yet: a strategy naming FARGATE needs them.
  write(dir, 'clusters.yaml', clusters({ plainProviders: true }));
  const toStrategy = await syncJson(dir, sim.endpoint);
  t.equal(toStrategy.code, 0, toStrategy.err);
  t.equal(calls(toStrategy.result, 'ecs:CreateService') + calls(toStrategy.result, 'ecs:DeleteService'), 0, 'no replacement');
  t.equal(calls(toStrategy.result, 'ecs:UpdateService'), 1);
  t.equal((await cli('diff', dir, '--endpoint', sim.endpoint)).code, 0);
  const onStrategy = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'plain', '--services', 'breaker'])) as { services: { capacityProviderStrategy?: { capacityProvider: string }[] }[] };
  t.same(onStrategy.services[0].capacityProviderStrategy?.map((s) => s.capacityProvider), ['FARGATE']);

  // And back: the strategy removed, the launch type it stands for.
  write(dir, 'pay.yaml', breaker({ subnet: SUBNET, sg: SG }));
  const toLaunchType = await syncJson(dir, sim.endpoint);
  t.equal(toLaunchType.code, 0, toLaunchType.err);
  t.equal(calls(toLaunchType.result, 'ecs:CreateService') + calls(toLaunchType.result, 'ecs:DeleteService'), 0, 'no replacement');
  t.equal(calls(toLaunchType.result, 'ecs:UpdateService'), 1);
  const onLaunchType = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'plain', '--services', 'breaker'])) as { services: { launchType?: string; capacityProviderStrategy?: unknown[] }[] };
  t.equal(onLaunchType.services[0].launchType, 'FARGATE');
  t.equal((await cli('diff', dir, '--endpoint', sim.endpoint)).code, 0);
});

t.test('simulator: a rolled-back revision is never deployed again, however many events follow and across restarts', async (t) => {
  const sim = await simulator(t, { steadyStateEventMs: 5 });
  const dir = t.testdir();
  ordinaryServices(dir, { subnet: SUBNET, sg: SG });
  t.equal((await cli('sync', dir, '--once', '--endpoint', sim.endpoint, '--wait', '--wait-timeout', '60s')).code, 0, 'first rollout completes');
  sim.faults.failImage(BROKEN);
  write(dir, 'pay.yaml', breaker({ subnet: SUBNET, sg: SG }, { image: BROKEN }));
  const failing = await cli('sync', dir, '--once', '--endpoint', sim.endpoint, '--wait', '--wait-timeout', '60s');
  t.equal(failing.code, 1);
  t.match(failing.out, /Service\/breaker: Degraded — .*rolled back/);

  // A hundred events later the rollback is no longer among the service's events.
  const rolledBackAt = Date.now();
  for (;;) {
    const d = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'plain', '--services', 'breaker'])) as { services: { events: { message: string; createdAt: string | number }[] }[] };
    const events = d.services[0].events;
    if (events.length >= 100 && !events.some((e) => /roll/i.test(e.message))) break;
    if (Date.now() - rolledBackAt > 60_000) throw new Error('the simulator logged no steady-state events');
    await new Promise((r) => setTimeout(r, 100));
  }

  for (const attempt of [1, 2]) {
    const again = await syncJson(dir, sim.endpoint);
    t.equal(again.code, 1, `restart ${attempt}: sync exits 1`);
    t.equal(calls(again.result, 'ecs:UpdateService'), 0, `restart ${attempt}: no UpdateService to the rolled-back revision`);
    t.equal(calls(again.result, 'ecs:RegisterTaskDefinition'), 0, `restart ${attempt}: nothing registered`);
    t.equal(calls(again.result, 'ecs:ListServiceDeployments'), 1, `restart ${attempt}: the history of the one service not running its revision is read`);
    const breaker = again.result.plan.resources.find((r) => r.key === 'Service/breaker');
    t.equal(breaker?.health.status, 'Degraded');
    t.match(breaker?.message, /rolled back pay:2/);
  }
  const diff = await cli('diff', dir, '--endpoint', sim.endpoint);
  t.equal(diff.code, 1, 'diff still shows the revision git asks for');
  const live = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'plain', '--services', 'breaker'])) as { services: { taskDefinition: string }[] };
  t.match(live.services[0].taskDefinition, /pay:1$/, 'the service still runs the revision it rolled back to');

  // Other fields still converge while the revision waits for a commit.
  write(dir, 'pay.yaml', breaker({ subnet: SUBNET, sg: SG }, { image: BROKEN, desiredCount: 3 }));
  const scaled = await syncJson(dir, sim.endpoint);
  t.equal(scaled.code, 1);
  t.equal(calls(scaled.result, 'ecs:UpdateService'), 1, 'the desired count is applied');
  const after = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'plain', '--services', 'breaker'])) as { services: { taskDefinition: string; desiredCount: number }[] };
  t.equal(after.services[0].desiredCount, 3);
  t.match(after.services[0].taskDefinition, /pay:1$/, 'and only the desired count');

  // A commit that fixes the image deploys again.
  sim.faults.healImage(BROKEN);
  write(dir, 'pay.yaml', breaker({ subnet: SUBNET, sg: SG }, { image: OTHER, desiredCount: 3 }));
  const fixed = await cli('sync', dir, '--once', '--endpoint', sim.endpoint, '--wait', '--wait-timeout', '60s');
  t.equal(fixed.code, 0, fixed.out);
});

t.test('simulator: Cloud Map services change in place only where UpdateService can, and one with instances is never replaced', async (t) => {
  const sim = await simulator(t);
  const dir = t.testdir();
  const external = (description: string, annotations = '') => `apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata:
  name: ext
spec:
  type: HTTP
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapService
metadata:
  name: payments
${annotations}spec:
  namespace: ext
  description: ${description}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapInstance
metadata:
  name: payments-1
spec:
  service: payments
  instanceId: payments-1
  attributes:
    url: https://payments.example.com
`;
  write(dir, 'ext.yaml', external('Payments provider'));
  t.equal((await syncJson(dir, sim.endpoint)).code, 0);

  write(dir, 'ext.yaml', external('The payments provider'));
  const changed = await syncJson(dir, sim.endpoint);
  t.equal(changed.code, 1, 'sync exits 1');
  t.equal(calls(changed.result, 'servicediscovery:UpdateService'), 0, 'no UpdateService on a service in an HTTP namespace');
  const payments = changed.result.plan.resources.find((r) => r.key === 'CloudMapService/payments');
  t.equal(payments?.action, 'stalled');
  t.match(payments?.message, /spec\.description cannot be changed in place/);

  write(dir, 'ext.yaml', external('The payments provider', '  annotations:\n    ecs-gitops.io/allow-replace: "true"\n'));
  const allowed = await syncJson(dir, sim.endpoint);
  t.equal(allowed.code, 1);
  t.equal(calls(allowed.result, 'servicediscovery:DeleteService') + calls(allowed.result, 'servicediscovery:CreateService'), 0, 'a service with instances is not replaced');
  t.match(allowed.result.plan.resources.find((r) => r.key === 'CloudMapService/payments')?.message, /spec\.description .*never replaced: it has 1 registered instance/);
});

t.test('simulator: a private namespace moved to another VPC is seen', async (t) => {
  const sim = await simulator(t);
  const dir = t.testdir();
  const ns = (vpc: string) => `apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata:
  name: internal.local
spec:
  type: DNS_PRIVATE
  vpc: ${vpc}
`;
  write(dir, 'ns.yaml', ns('vpc-0a1b2c3d4e5f67890'));
  t.equal((await syncJson(dir, sim.endpoint)).code, 0);
  t.equal((await cli('diff', dir, '--endpoint', sim.endpoint)).code, 0);
  write(dir, 'ns.yaml', ns('vpc-0ffffffffffffffff'));
  const diff = await cli('diff', dir, '--endpoint', sim.endpoint);
  t.equal(diff.code, 1);
  t.match(diff.out, /spec\.vpc cannot be changed in place/);
});

t.test('simulator: content that a revision already holds reuses that revision', async (t) => {
  const sim = await simulator(t);
  const dir = t.testdir();
  ordinaryServices(dir, { subnet: SUBNET, sg: SG });
  t.equal((await syncJson(dir, sim.endpoint)).code, 0);

  // A hand-made change: a new revision registered and deployed behind the controller's back.
  await awsCli(sim.endpoint, ['ecs', 'register-task-definition', '--family', 'worker', '--container-definitions', JSON.stringify([{ name: 'app', image: OTHER, memory: 128 }])]);
  await awsCli(sim.endpoint, ['ecs', 'update-service', '--cluster', 'plain', '--service', 'no-launch-type', '--task-definition', 'worker:2']);
  const healed = await syncJson(dir, sim.endpoint);
  t.equal(healed.code, 0);
  t.equal(calls(healed.result, 'ecs:RegisterTaskDefinition'), 0, 'healing back registers nothing');
  const service = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'plain', '--services', 'no-launch-type'])) as { services: { taskDefinition: string }[] };
  t.match(service.services[0].taskDefinition, /worker:1$/, 'the service runs the revision that holds the content');

  // A commit back and forth: the second change back reuses the first revision.
  write(dir, 'worker.yaml', readFileSync(join(dir, 'worker.yaml'), 'utf8').replace(GOOD, OTHER));
  const forth = await syncJson(dir, sim.endpoint);
  t.equal(calls(forth.result, 'ecs:RegisterTaskDefinition'), 0, 'the hand-registered revision with this content is reused too');
  write(dir, 'worker.yaml', readFileSync(join(dir, 'worker.yaml'), 'utf8').replace(OTHER, GOOD));
  const back = await syncJson(dir, sim.endpoint);
  t.equal(calls(back.result, 'ecs:RegisterTaskDefinition'), 0);
  const families = (await awsCli(sim.endpoint, ['ecs', 'list-task-definitions', '--family-prefix', 'worker'])) as { taskDefinitionArns: string[] };
  t.equal(families.taskDefinitionArns.length, 2, 'two contents, two revisions');
});

t.test('validate refuses a CODE_DEPLOY or EXTERNAL deployment controller, naming the field', async (t) => {
  const dir = t.testdir();
  ordinaryServices(dir, { subnet: SUBNET, sg: SG }, false);
  write(dir, 'worker.yaml', worker('  deploymentController:\n    type: CODE_DEPLOY\n'));
  const result = await cli('validate', dir);
  t.equal(result.code, 1);
  t.match(`${result.out}\n${result.err}`, /worker\.yaml:\d+:\d+.*deploymentController\.type/);
});

t.test('moto: ordinary services converge for good', async (t) => {
  const moto = await startMoto(t, { MOTO_ECS_SERVICE_RUNNING: '5' });
  if (!moto) return;
  const ids = await motoNetwork(moto.endpoint);
  const dir = t.testdir();
  // moto has no capacity providers to inherit and does not store the circuit breaker (src/sim/README.md lists both).
  ordinaryServices(dir, { subnet: ids[SUBNET], sg: ids[SG] }, false);
  write(dir, 'pay.yaml', breaker({ subnet: ids[SUBNET], sg: ids[SG] }, { circuitBreaker: false }));
  await convergesForGood(t, dir, moto.endpoint, 1);

  // moto does not implement the service deployment history (HTTP 500): a service that no
  // longer runs what the controller deployed is not redeployed blind, and the read goes on.
  await awsCli(moto.endpoint, ['ecs', 'register-task-definition', '--family', 'worker', '--container-definitions', JSON.stringify([{ name: 'app', image: OTHER, memory: 128 }])]);
  await awsCli(moto.endpoint, ['ecs', 'update-service', '--cluster', 'plain', '--service', 'no-launch-type', '--task-definition', 'arn:aws:ecs:us-east-1:123456789012:task-definition/worker:2']);
  const blind = await syncJson(dir, moto.endpoint);
  t.equal(blind.code, 1);
  t.equal(calls(blind.result, 'ecs:UpdateService'), 0);
  t.match(blind.result.plan.resources.find((r) => r.key === 'Service/no-launch-type')?.message, /worker:1 was deployed but is not running, and the service deployment history could not be read/);
});
