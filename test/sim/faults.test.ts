import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, ListClustersCommand,
  RegisterTaskDefinitionCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateHttpNamespaceCommand, ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { ManualClock, startSimulator } from '../../src/sim/index.js';
import { clientConfig, container, errorOf, harness } from './fixtures.js';

t.test('throttling: AWS burst per category, refill on the clock, ThrottlingException', async (t) => {
  const h = await harness(t, { throttle: true });
  await h.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  for (let i = 0; i < 19; i++) await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  const err = await errorOf(() => h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] })));
  t.equal(err.name, 'ThrottlingException', 'the 21st register within a second is throttled (burst 20)');
  t.equal(err.$metadata?.httpStatusCode, 400);
  t.ok(await h.ecs.send(new ListClustersCommand({})), 'other categories have their own bucket');
  h.clock.advance(1000);
  t.ok(await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] })), 'one token per second refills');
  t.equal((await errorOf(() => h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] })))).name, 'ThrottlingException');

  let ok = 0;
  for (let i = 0; i < 101; i++) {
    try {
      await h.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['x'] }));
      ok++;
    } catch (e) {
      t.equal((e as Error).name, 'ThrottlingException');
    }
  }
  t.equal(ok, 100, 'service read burst is 100');
  h.sim.faults.set({ throttle: false });
  t.ok(await h.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['x'] })), 'throttling can be switched off');
});

t.test('rateScale multiplies refill rates', async (t) => {
  const h = await harness(t, { throttle: true, rateScale: 10 });
  for (let i = 0; i < 20; i++) await h.ecs.send(new CreateClusterCommand({ clusterName: `c${i}` }));
  t.equal((await errorOf(() => h.ecs.send(new CreateClusterCommand({ clusterName: 'x' })))).name, 'ThrottlingException');
  h.clock.advance(100);
  t.ok(await h.ecs.send(new CreateClusterCommand({ clusterName: 'x' })), '1/s × 10 refills a token in 100 ms');
});

t.test('error rate answers 5xx that the SDK retries; latency delays answers', async (t) => {
  const h = await harness(t, { faults: { errorRate: 1, errorOperations: ['ListClusters'] } });
  const err = await errorOf(() => h.ecs.send(new ListClustersCommand({})));
  t.equal(err.name, 'ServerException');
  t.equal(err.$metadata?.httpStatusCode, 500);
  t.ok(await h.sd.send(new ListNamespacesCommand({})), 'errorOperations limits the fault to the named operations');
  t.ok(await h.ecs.send(new CreateClusterCommand({ clusterName: 'c' })));
  h.sim.faults.set({ errorOperations: ['ListNamespaces'] });
  t.equal((await errorOf(() => h.sd.send(new ListNamespacesCommand({})))).name, 'InternalFailure', 'Cloud Map answers InternalFailure');

  h.sim.faults.set({ errorRate: 0.5, errorOperations: [], seed: 7 });
  const retrying = new ECSClient(clientConfig(h.sim.endpoint, 10));
  t.teardown(() => retrying.destroy());
  const out = await retrying.send(new ListClustersCommand({}));
  t.ok(Array.isArray(out.clusterArns), 'the SDK retries injected 5xx to success');

  h.sim.faults.set({ errorRate: 0, latencyMs: 60 });
  const start = Date.now();
  await h.ecs.send(new ListClustersCommand({}));
  t.ok(Date.now() - start >= 55, 'latency is added to every call');
});

t.test('eventual consistency: reads lag writes', async (t) => {
  const h = await harness(t, { faults: { consistencyLagMs: 1000 } });
  await h.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx:2')] }));
  await h.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 's', taskDefinition: 'web:1', desiredCount: 0 }));
  const early = await h.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] }));
  t.equal(early.failures?.[0]?.reason, 'MISSING', 'a new service is not yet visible');
  h.clock.advance(1000);
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 's', taskDefinition: 'web:2' }));
  const stale = await h.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] }));
  t.match(stale.services?.[0].taskDefinition, /web:1$/, 'an update shows the previous version for a while');
  h.clock.advance(1000);
  const fresh = await h.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] }));
  t.match(fresh.services?.[0].taskDefinition, /web:2$/);
});

t.test('admin endpoint: faults, state dump, clock, reset', async (t) => {
  const h = await harness(t);
  await h.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  const dump = (await (await fetch(`${h.sim.endpoint}/_sim/state`)).json()) as { clusters: { name: string }[] };
  t.same(dump.clusters.map((c) => c.name), ['c']);
  const faults = (await (await fetch(`${h.sim.endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify({ failingImages: ['bad'] }) })).json()) as { failingImages: string[] };
  t.same(faults.failingImages, ['bad']);
  t.same(h.sim.faults.get().failingImages, ['bad']);
  const adv = (await (await fetch(`${h.sim.endpoint}/_sim/clock/advance?ms=500`, { method: 'POST' })).json()) as { now: number };
  t.equal(adv.now, h.clock.now());
  await fetch(`${h.sim.endpoint}/_sim/reset`, { method: 'POST' });
  t.same((await h.ecs.send(new ListClustersCommand({}))).clusterArns, [], 'reset forgets everything');
  t.equal((await fetch(`${h.sim.endpoint}/_sim/nope`)).status, 404);
});

t.test('state persists to a JSON file and in-flight rollouts resume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stateFile = join(dir, 'state.json');
  const clock = new ManualClock();
  const first = await startSimulator({ clock, stateFile, rolloutTimings: { taskStartMs: 1000 } });
  const ecs1 = new ECSClient(clientConfig(first.endpoint));
  await ecs1.send(new CreateClusterCommand({ clusterName: 'keep' }));
  await ecs1.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  await ecs1.send(new CreateServiceCommand({ cluster: 'keep', serviceName: 's', taskDefinition: 'web', desiredCount: 2 }));
  const sd1 = await startSimulator({ clock, stateFile: join(dir, 'other.json') });
  await sd1.close();
  ecs1.destroy();
  await first.close();
  t.match(readFileSync(stateFile, 'utf8'), /"keep"/, 'written on close');

  const second = await startSimulator({ clock, stateFile, rolloutTimings: { taskStartMs: 1000 } });
  const ecs2 = new ECSClient(clientConfig(second.endpoint));
  t.teardown(async () => {
    ecs2.destroy();
    await second.close();
  });
  t.same((await ecs2.send(new ListClustersCommand({}))).clusterArns, ['arn:aws:ecs:us-east-1:123456789012:cluster/keep']);
  clock.advance(1000);
  const s = await ecs2.send(new DescribeServicesCommand({ cluster: 'keep', services: ['s'] }));
  t.equal(s.services?.[0].runningCount, 2, 'the rollout resumed from the stored due times');
  t.equal(s.services?.[0].deployments?.[0].rolloutState, 'COMPLETED');
});

t.test('concurrent requests are safe', async (t) => {
  const h = await harness(t);
  await Promise.all(Array.from({ length: 40 }, (_, i) => h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', `nginx:${i}`)] }))));
  const dump = h.sim.dump();
  const revisions = dump.taskDefinitions.map((d) => d.revision).sort((a, b) => a - b);
  t.same(revisions, Array.from({ length: 40 }, (_, i) => i + 1), 'every revision exactly once');
  await Promise.all(Array.from({ length: 10 }, (_, i) => h.sd.send(new CreateHttpNamespaceCommand({ Name: `ns${i % 5}` })).catch((e: Error) => e.name)));
  h.clock.advance(5000);
  t.equal((await h.sd.send(new ListNamespacesCommand({}))).Namespaces?.length, 5, 'duplicate names never slip through');
});
