import t from 'tap';
import { setImmediate as tick } from 'node:timers/promises';
import { CreateClusterCommand, DescribeServicesCommand, ListClustersCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { API_LIMITS, API_OPERATIONS, CallRecorder, RateLimiter, createAwsClients, destroyAwsClients, isReadOperation } from '../../src/aws/clients.js';
import type { AwsClients, CallEvent } from '../../src/aws/clients.js';
import { COMMANDS, send } from '../../src/aws/operations.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { ManualClock as SimManualClock, startSimulator } from '../../src/sim/index.js';
import type { RunningSimulator, SimulatorOptions } from '../../src/sim/index.js';

async function setup(
  t: { teardown(fn: () => unknown): void },
  simOptions: SimulatorOptions = {},
  clientOptions: { limiter?: RateLimiter; maxAttempts?: number } = {},
): Promise<{ sim: RunningSimulator; simClock: SimManualClock; aws: AwsClients }> {
  const simClock = new SimManualClock();
  const sim = await startSimulator({ clock: simClock, ...simOptions });
  const aws = createAwsClients(
    { region: 'us-east-1', endpoint: sim.endpoint, maxAttempts: clientOptions.maxAttempts },
    clientOptions.limiter ? { limiter: clientOptions.limiter } : {},
  );
  t.teardown(async () => {
    destroyAwsClients(aws);
    await sim.close();
  });
  return { sim, simClock, aws };
}

const register = (aws: AwsClients, family = 'web') =>
  aws.ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] }));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await tick();
  if (!condition()) throw new Error('condition never became true');
}

t.test('the recorder counts operations, not names or pages: one DescribeServices of 10 names is one call', async (t) => {
  const { aws } = await setup(t);
  await aws.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  const names = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
  const answer = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: names }));
  t.equal(answer.failures?.length, 10, 'ten names described in one call');
  await aws.cloudMap.send(new ListNamespacesCommand({}));
  const stats = aws.calls.snapshot();
  t.match(stats['ecs:DescribeServices'], { calls: 1, errors: 0, throttles: 0, attempts: 1 });
  t.match(stats['ecs:CreateCluster'], { calls: 1, attempts: 1 });
  t.match(stats['servicediscovery:ListNamespaces'], { calls: 1, attempts: 1 });
  t.ok(stats['ecs:DescribeServices'].seconds > 0, 'latency is recorded');
  t.equal(aws.calls.total().calls, 3);
  t.equal(aws.calls.total({ service: 'ecs' }).calls, 2);
  t.equal(aws.calls.writes(), 1, 'only CreateCluster writes');

  const err = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: [...names, 'eleventh'] })).catch((e: Error) => e);
  t.equal((err as Error).name, 'InvalidParameterException');
  t.match(aws.calls.snapshot()['ecs:DescribeServices'], { calls: 2, errors: 1, attempts: 2 }, 'a client error is one attempt, not retried');

  aws.calls.reset();
  t.same(aws.calls.snapshot(), {});
  t.equal(aws.calls.total().calls, 0);
});

t.test('a throttled call retried by the SDK is 1 operation, 2 attempts, 1 throttle', async (t) => {
  const { simClock, aws } = await setup(t, { throttle: true });
  for (let i = 0; i < API_LIMITS['cluster-modify'].burst; i++) await aws.ecs.send(new CreateClusterCommand({ clusterName: `c${i}` }));
  t.equal(aws.calls.total({ operation: 'CreateCluster' }).throttles, 0, 'the burst goes through');
  const events: CallEvent[] = [];
  const unsubscribe = aws.calls.onCall((e) => {
    events.push(e);
    // While the SDK backs off, a second passes on the simulator: one token refills.
    if (e.kind === 'attempt' && e.throttled) simClock.advance(1000);
  });
  aws.calls.reset();
  const created = await aws.ecs.send(new CreateClusterCommand({ clusterName: 'late' }));
  t.equal(created.cluster?.clusterName, 'late');
  t.equal(created.$metadata.attempts, 2, 'the SDK saw two attempts');
  t.same(aws.calls.snapshot()['ecs:CreateCluster'], { ...aws.calls.snapshot()['ecs:CreateCluster'], calls: 1, errors: 0, attempts: 2, throttles: 1 });
  t.same(events.map((e) => [e.kind, e.kind === 'wait' ? undefined : e.outcome]), [['attempt', 'ThrottlingException'], ['attempt', 'ok'], ['operation', 'ok']]);
  unsubscribe();
  await aws.ecs.send(new ListClustersCommand({}));
  t.equal(events.length, 3, 'an unsubscribed listener hears nothing more');
});

t.test('maxAttempts bounds the SDK retries of a 5xx', async (t) => {
  const { aws } = await setup(t, { faults: { errorRate: 1, errorOperations: ['ListClusters'] } }, { maxAttempts: 2 });
  const err = await aws.ecs.send(new ListClustersCommand({})).catch((e: Error) => e);
  t.equal((err as Error).name, 'ServerException');
  t.match(aws.calls.snapshot()['ecs:ListClusters'], { calls: 1, errors: 1, attempts: 2, throttles: 0 });
});

t.test('rate limiter: 20 RegisterTaskDefinition at once, the 21st after 1 s of clock', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ clock, headroom: 1 });
  const { sim, aws } = await setup(t, {}, { limiter });
  t.equal(aws.limiter, limiter);
  for (let i = 0; i < 20; i++) await register(aws);
  t.equal(clock.pendingSleeps(), 0, 'the burst of 20 never waited');
  let done = false;
  const late = register(aws).then((r) => {
    done = true;
    return r;
  });
  await until(() => clock.pendingSleeps() === 1);
  t.equal(aws.calls.total({ operation: 'RegisterTaskDefinition' }).attempts, 20, 'the 21st is held before it is sent');
  clock.advance(999);
  await tick();
  t.notOk(done, 'still waiting after 999 ms');
  t.equal(aws.calls.total({ operation: 'RegisterTaskDefinition' }).attempts, 20);
  clock.advance(1);
  t.equal((await late).taskDefinition?.revision, 21);
  t.ok(done);
  t.equal(aws.calls.total({ operation: 'RegisterTaskDefinition' }).attempts, 21);
  t.equal(limiter.delayFor('task-definition-modify'), 1000, 'the bucket is empty again');
  t.equal(limiter.delayFor('service-read'), 0, 'other categories have their own bucket');
  t.equal(sim.dump() !== undefined, true);
});

t.test('the limiter keeps a burst under AWS limits: 30 registrations, no ThrottlingException', async (t) => {
  const clock = new ManualClock({ autoAdvance: true });
  const limiter = new RateLimiter({ clock, headroom: 1 });
  const { simClock, aws } = await setup(t, { throttle: true }, { limiter });
  clock.pauseWhile(() => aws.calls.inFlight() > 0);
  clock.onAdvance((_now, delta) => simClock.advance(delta));
  const start = clock.now();
  const revisions = await Promise.all(Array.from({ length: 30 }, () => register(aws).then((r) => r.taskDefinition?.revision)));
  t.same([...revisions].sort((a, b) => a! - b!), Array.from({ length: 30 }, (_, i) => i + 1));
  t.equal(aws.calls.total().throttles, 0, 'no call was throttled');
  t.equal(clock.now() - start, 10_000, '10 registrations beyond the burst take 10 s at 1/s');
});

t.test('scale multiplies refill rates', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ clock, scale: 10, headroom: 1 });
  for (let i = 0; i < 20; i++) await limiter.acquire('cluster-modify');
  t.equal(limiter.delayFor('cluster-modify'), 100, 'one token per 100 ms at 10×');
  const waiting = limiter.acquire('cluster-modify');
  const second = limiter.acquire('cluster-modify');
  let order: string[] = [];
  void waiting.then(() => (order = [...order, 'first']));
  void second.then(() => (order = [...order, 'second']));
  clock.advance(100);
  await tick();
  t.same(order, ['first'], 'waiters are served in arrival order');
  clock.advance(100);
  await tick();
  t.same(order, ['first', 'second']);
});

t.test('send runs plain-data calls through the operation table', async (t) => {
  const { aws } = await setup(t);
  t.same(Object.keys(COMMANDS.ecs).sort(), Object.keys(API_OPERATIONS.ecs).sort(), 'every ECS operation has a command');
  t.same(Object.keys(COMMANDS.servicediscovery).sort(), Object.keys(API_OPERATIONS.servicediscovery).sort(), 'every Cloud Map operation has a command');
  const created = await send(aws, 'ecs', 'CreateCluster', { clusterName: 'plain' });
  t.equal((created.cluster as { clusterName: string }).clusterName, 'plain');
  t.notOk('$metadata' in created, 'the answer is data only');
  const op = await send(aws, 'servicediscovery', 'CreateHttpNamespace', { Name: 'app' });
  t.match(op.OperationId, /^[a-z0-9-]+$/);
  await t.rejects(send(aws, 'ecs', 'RunTask', {}), { name: 'UnsupportedOperation', message: /ecs:RunTask is not an operation ecs-gitops calls/ });
  await t.rejects(send(aws, 'ecs', 'toString', {}), { name: 'UnsupportedOperation' });
  t.equal(aws.calls.total().calls, 2, 'refused operations never reach AWS');
  t.ok(isReadOperation('DescribeServices') && isReadOperation('GetOperation') && !isReadOperation('TagResource'));
});

t.test('a recorder can be shared by several client sets', async (t) => {
  const calls = new CallRecorder();
  const sim = await startSimulator({ clock: new SimManualClock() });
  const a = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint }, { calls });
  const b = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint }, { calls });
  t.teardown(async () => {
    destroyAwsClients(a);
    destroyAwsClients(b);
    await sim.close();
  });
  await a.ecs.send(new ListClustersCommand({}));
  await b.ecs.send(new ListClustersCommand({}));
  t.equal(calls.snapshot()['ecs:ListClusters'].calls, 2);
  t.equal(a.limiter, undefined, 'no limiter unless asked for');
});

t.test('by default the limiter keeps a little under the published rate, against clock skew with AWS', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ clock });
  for (let i = 0; i < 20; i++) await limiter.acquire('task-definition-modify');
  t.equal(limiter.delayFor('task-definition-modify'), Math.ceil(1000 / 0.97), 'the 21st registration waits 1.031 s, not 1 s');
});
