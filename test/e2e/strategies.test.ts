// The traffic-shifting deployment strategies (BLUE_GREEN, LINEAR, CANARY) as a user sees
// them: `sync` deploys, `diff` reports health, the simulator runs the deployment on a
// clock the test moves. Health says where the deployment is (its lifecycle stage and
// traffic, read from the service deployment), Healthy only once the old revision is gone
// after the bake time, and Degraded after a rollback — which is never deployed again.
import t, { type Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { syncCommand } from '../../src/commands/sync.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { startSimulator } from '../../src/sim/index.js';
import { awsCli } from '../helpers/aws-cli.js';
import { fargateTaskDefinition } from '../helpers/documents.js';

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:smoke-test';
const HOOK_ROLE = 'arn:aws:iam::123456789012:role/ecs-hooks';
const IMAGE = (tag: string) => `public.ecr.aws/docker/library/nginx:${tag}`;

interface PlanJson {
  resources: { key: string; action: string; health: { status: string; message?: string } }[];
}

async function onSimulatorClock(t: Test) {
  const clock = new ManualClock({ autoAdvance: true });
  const sim = await startSimulator({ clock });
  t.teardown(() => sim.close());
  /** A sync that must succeed, unless `stalls` says a stalled resource is expected (exit 1). */
  const sync = async (dir: string, stalls = false) => {
    const out: string[] = [];
    const code = await syncCommand([dir, '--endpoint', sim.endpoint, '-o', 'json'], { out: (l) => out.push(l), err: (l) => out.push(l), color: false }, clock);
    const text = out.join('\n');
    if (code !== (stalls ? 1 : 0)) throw new Error(`sync exited ${code}: ${text}`);
    return JSON.parse(text.slice(text.indexOf('{'))) as { calls: Record<string, { calls: number }>; writes: number; plan: PlanJson };
  };
  const health = async (dir: string) => {
    const out: string[] = [];
    await main(['diff', dir, '--endpoint', sim.endpoint, '-o', 'json'], { out: (l) => out.push(l), err: () => undefined, color: false });
    const plan = JSON.parse(out.join('\n')) as PlanJson;
    return plan.resources.find((r) => r.key === 'Service/web')?.health;
  };
  return { sim, clock, sync, health };
}

function write(dir: string, deployment: string, tag: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'web.yaml'), `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata:
  name: shop
spec: {}
---
${fargateTaskDefinition({ name: 'web', image: IMAGE(tag) })}---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: web
spec:
  cluster: shop
  taskDefinition: web
  desiredCount: 2
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [subnet-0aa1b2c3d4e5f6071]
  deploymentConfiguration:
${deployment}`);
}

const BLUE_GREEN = `    strategy: BLUE_GREEN
    bakeTimeInMinutes: 10
`;


type Deployments = { services: { taskDefinition: string; deployments: { status: string; taskDefinition: string; runningCount: number }[] }[] };
const deployments = async (endpoint: string) => ((await awsCli(endpoint, ['ecs', 'describe-services', '--cluster', 'shop', '--services', 'web'])) as Deployments).services[0];

t.test('BLUE_GREEN: Progressing while the new revision takes the traffic and bakes beside the old one, then Healthy', async (t) => {
  const { sim, clock, sync, health } = await onSimulatorClock(t);
  const dir = t.testdir();
  write(dir, BLUE_GREEN, '1.27');
  await sync(dir);
  clock.advance(60_000);
  t.match(await health(dir), { status: 'Healthy' }, 'the first deployment has nothing to shift from');

  write(dir, BLUE_GREEN, '1.28');
  await sync(dir);
  clock.advance(5_000);
  const baking = await health(dir);
  t.match(baking, { status: 'Progressing', message: /^BLUE_GREEN deployment of web:2 at BAKE_TIME, 100% of production traffic on web:2 \(2\/2 tasks running\); the previous revision is kept/ }, 'baking: all traffic moved, still Progressing');
  const both = await deployments(sim.endpoint);
  t.same(both.deployments.map((d) => [d.status, d.taskDefinition.split('/').pop(), d.runningCount]), [['PRIMARY', 'web:2', 2], ['ACTIVE', 'web:1', 2]], 'blue keeps all its tasks while green bakes');

  clock.advance(10 * 60_000);
  const done = await health(dir);
  t.match(done, { status: 'Healthy', message: /^web:2: 2\/2 tasks running$/ }, 'Healthy once the bake time is over and blue is gone');
  t.equal((await deployments(sim.endpoint)).deployments.length, 1);
});

t.test('BLUE_GREEN with a failing lifecycle hook: rolled back, Degraded, and the failed revision is not deployed again', async (t) => {
  const { sim, clock, sync, health } = await onSimulatorClock(t);
  const dir = t.testdir();
  const hooked = `${BLUE_GREEN}    lifecycleHooks:
      - hookTargetArn: ${LAMBDA}
        roleArn: ${HOOK_ROLE}
        lifecycleStages: [POST_TEST_TRAFFIC_SHIFT]
`;
  write(dir, hooked, '1.27');
  await sync(dir);
  clock.advance(60_000);
  sim.faults.set({ failingHooks: [LAMBDA] });
  write(dir, hooked, 'broken');
  await sync(dir);
  clock.advance(2_000);
  const waiting = await health(dir);
  t.match(waiting, { status: 'Progressing', message: new RegExp(`at POST_TEST_TRAFFIC_SHIFT, 0% of production traffic on web:2 .*waiting on lifecycle hook ${LAMBDA}`) }, 'waiting on the hook, no production traffic yet');

  clock.advance(5_000);
  const rolledBack = await health(dir);
  t.match(rolledBack, { status: 'Degraded', message: /^ECS \(BLUE_GREEN\) rolled back from web:2 to web:1/ }, 'Degraded: ECS rolled back');
  const service = await deployments(sim.endpoint);
  t.same(service.deployments.map((d) => [d.status, d.taskDefinition.split('/').pop()]), [['PRIMARY', 'web:1']], 'blue is the PRIMARY again; green is gone');

  const again = await sync(dir, true);
  t.equal(again.writes, 0, 'the rolled-back revision is not deployed again');
  t.match(again.plan.resources.find((r) => r.key === 'Service/web'), { action: 'stalled' }, 'the service waits for a commit');
  clock.advance(60_000);
  t.match(await health(dir), { status: 'Degraded' }, 'and it stays Degraded until git changes');
});

t.test('LINEAR and CANARY: the traffic moves in steps, and health says how much has moved', async (t) => {
  const { clock, sync, health } = await onSimulatorClock(t);
  const dir = t.testdir();
  const linear = `    strategy: LINEAR
    linearConfiguration:
      stepPercent: 25
      stepBakeTimeInMinutes: 2
`;
  write(dir, linear, '1.27');
  await sync(dir);
  clock.advance(60_000);
  write(dir, linear, '1.28');
  await sync(dir);
  clock.advance(5_000);
  t.match(await health(dir), { status: 'Progressing', message: /at PRODUCTION_TRAFFIC_SHIFT, 25% of production traffic on web:2/ }, 'first step');
  clock.advance(2 * 60_000);
  t.match(await health(dir), { status: 'Progressing', message: /, 50% of production traffic on web:2/ }, 'a step every two minutes');
  clock.advance(4 * 60_000);
  t.match(await health(dir), { status: 'Healthy' }, 'all traffic moved, no bake time: Healthy');

  const canary = `    strategy: CANARY
    canaryConfiguration:
      canaryPercent: 10
      canaryBakeTimeInMinutes: 5
`;
  write(dir, canary, '1.29');
  await sync(dir);
  clock.advance(5_000);
  t.match(await health(dir), { status: 'Progressing', message: /CANARY deployment of web:3 at PRODUCTION_TRAFFIC_SHIFT, 10% of production traffic on web:3/ }, 'the canary');
  clock.advance(5 * 60_000);
  t.match(await health(dir), { status: 'Healthy', message: /^web:3:/ }, 'the rest follows after the canary bake time');
});
