import t from 'tap';
import fc from 'fast-check';
import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { loadConfig } from '../../src/load/index.js';
import { prune } from '../../src/core/normalize.js';
import { canonicalTaskDefinition, cpuUnits, liveTaskDefinitionSpec, memoryMiB, type TaskDefinitionBody } from '../../src/core/kinds/task-definition.js';
import { awsName, specBody } from '../../src/core/desired.js';
import type { ServiceBody } from '../../src/core/kinds/service.js';
import type { Resource } from '../../src/api/kinds.js';
import { startSimulator } from '../../src/sim/index.js';
import { startMoto } from '../helpers/moto.js';

t.test('units: task-level cpu and memory as ECS reports them', async (t) => {
  const cases: [unknown, string | undefined, unknown, string | undefined][] = [
    ['1 vCPU', '1024', '2 GB', '2048'],
    ['0.25 vCPU', '256', '0.5 GB', '512'],
    [256, '256', 512, '512'],
    ['4096', '4096', '30GB', '30720'],
    [undefined, undefined, undefined, undefined],
  ];
  for (const [cpu, wantCpu, memory, wantMemory] of cases) {
    t.equal(cpuUnits(cpu), wantCpu, `cpu ${String(cpu)}`);
    t.equal(memoryMiB(memory), wantMemory, `memory ${String(memory)}`);
  }
});

t.test('prune drops empty values but keeps false and zero', async (t) => {
  t.same(prune({ a: [], b: {}, c: null, d: false, e: 0, f: [{}, { g: 'x' }] }), { d: false, e: 0, f: [{ g: 'x' }] });
});

/** Registers a task definition and returns canonical(desired) and canonical(what came back). */
async function roundTrip(ecs: ECSClient, family: string, spec: TaskDefinitionBody) {
  const input = { ...spec, family, cpu: spec.cpu === undefined ? undefined : String(spec.cpu), memory: spec.memory === undefined ? undefined : String(spec.memory) };
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(input as never));
  const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: registered.taskDefinition!.taskDefinitionArn! }));
  return { desired: canonicalTaskDefinition(spec), live: canonicalTaskDefinition(liveTaskDefinitionSpec(described.taskDefinition!)) };
}

const client = (endpoint: string) => new ECSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });

async function examplesTaskDefinitions() {
  const result = await loadConfig('examples');
  if (!result.ok) throw new Error('examples are invalid');
  return [...result.state.resources.values()].filter((r): r is Resource<'TaskDefinition'> => r.kind === 'TaskDefinition');
}

for (const backend of ['simulator', 'moto'] as const) {
  t.test(`every example task definition reads back equal after normalising (${backend})`, async (t) => {
    let endpoint: string;
    if (backend === 'simulator') {
      const sim = await startSimulator();
      t.teardown(() => sim.close());
      endpoint = sim.endpoint;
    } else {
      const moto = await startMoto(t);
      if (!moto) return;
      endpoint = moto.endpoint;
    }
    const ecs = client(endpoint);
    t.teardown(() => ecs.destroy());
    const docs = await examplesTaskDefinitions();
    t.ok(docs.length >= 5, 'the examples hold the store\'s task definitions');
    for (const doc of docs) {
      const { desired, live } = await roundTrip(ecs, awsName(doc), specBody(doc));
      t.same(live, desired, `${doc.metadata.name}: no perpetual diff`);
    }
  });
}

t.test('property: for any task definition, normalise(desired) equals normalise(registered) on the simulator', async (t) => {
  const sim = await startSimulator();
  const ecs = client(sim.endpoint);
  t.teardown(async () => {
    ecs.destroy();
    await sim.close();
  });
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
  const env = fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[A-Z][A-Z_]{0,8}$/), value: fc.string({ maxLength: 8 }) }), { selector: (e) => e.name, maxLength: 4 });
  const port = fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.option(fc.constantFrom('tcp', 'udp'), { nil: undefined }) }, { requiredKeys: ['containerPort'] });
  const container = fc.record({
    name,
    image: fc.constantFrom('public.ecr.aws/nginx/nginx:1.27.3', 'busybox:1.36'),
    essential: fc.option(fc.boolean(), { nil: undefined }),
    memory: fc.option(fc.integer({ min: 128, max: 512 }), { nil: undefined }),
    portMappings: fc.option(fc.uniqueArray(port, { selector: (p) => `${p.containerPort}/${p.protocol ?? 'tcp'}`, maxLength: 3 }), { nil: undefined }),
    environment: fc.option(env, { nil: undefined }),
    command: fc.option(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), { nil: undefined }),
  }, { requiredKeys: ['name', 'image'] });
  const spec = fc.record({
    networkMode: fc.option(fc.constantFrom('awsvpc', 'bridge', 'host'), { nil: undefined }),
    cpu: fc.option(fc.constantFrom('256', 512, '1 vCPU', '0.5 vCPU'), { nil: undefined }),
    memory: fc.option(fc.constantFrom('512', 1024, '2 GB', '1GB'), { nil: undefined }),
    containerDefinitions: fc.uniqueArray(container, { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
    volumes: fc.option(fc.uniqueArray(fc.record({ name }), { selector: (v) => v.name, maxLength: 2 }), { nil: undefined }),
  }, { requiredKeys: ['containerDefinitions'] });
  let i = 0;
  await fc.assert(
    fc.asyncProperty(spec, async (s) => {
      // At least one essential container, as ECS requires.
      const containers = s.containerDefinitions.map((c, n) => (n === 0 ? { ...c, essential: undefined } : c));
      const { desired, live } = await roundTrip(ecs, `prop-${i++}`, { ...s, containerDefinitions: containers });
      t.same(live, desired);
      return JSON.stringify(live) === JSON.stringify(desired);
    }),
    { numRuns: 60, seed: 4242 },
  );
});

t.test('property: for any service, normalise(desired) equals normalise(created) on the simulator', async (t) => {
  const { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand } = await import('@aws-sdk/client-ecs');
  const { canonicalService, comparableLive, liveServiceSpec } = await import('../../src/core/kinds/service.js');
  const sim = await startSimulator();
  const ecs = client(sim.endpoint);
  t.teardown(async () => {
    ecs.destroy();
    await sim.close();
  });
  await ecs.send(new CreateClusterCommand({ clusterName: 'prop' }));
  const td = await ecs.send(new RegisterTaskDefinitionCommand({
    family: 'prop', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    containerDefinitions: [{ name: 'app', image: 'busybox:1.36', portMappings: [{ containerPort: 8080 }] }],
  }));
  const revision = `prop:${td.taskDefinition!.revision}`;
  const subnet = fc.constantFrom('subnet-0aa1b2c3d4e5f6071', 'subnet-0bb1b2c3d4e5f6072', 'subnet-0cc1b2c3d4e5f6073');
  const spec = fc.record({
    desiredCount: fc.integer({ min: 0, max: 3 }),
    deploymentConfiguration: fc.option(fc.record({
      maximumPercent: fc.option(fc.constantFrom(100, 150, 200), { nil: undefined }),
      minimumHealthyPercent: fc.option(fc.constantFrom(0, 50, 100), { nil: undefined }),
      deploymentCircuitBreaker: fc.option(fc.record({ enable: fc.boolean(), rollback: fc.boolean() }), { nil: undefined }),
    }, { requiredKeys: [] }), { nil: undefined }),
    networkConfiguration: fc.record({
      awsvpcConfiguration: fc.record({
        subnets: fc.uniqueArray(subnet, { minLength: 1, maxLength: 3 }),
        securityGroups: fc.option(fc.uniqueArray(fc.constantFrom('sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002'), { minLength: 1 }), { nil: undefined }),
        assignPublicIp: fc.option(fc.constantFrom('ENABLED', 'DISABLED'), { nil: undefined }),
      }, { requiredKeys: ['subnets'] }),
    }),
    propagateTags: fc.option(fc.constantFrom('SERVICE', 'TASK_DEFINITION', 'NONE'), { nil: undefined }),
    enableECSManagedTags: fc.option(fc.boolean(), { nil: undefined }),
    enableExecuteCommand: fc.option(fc.boolean(), { nil: undefined }),
    healthCheckGracePeriodSeconds: fc.option(fc.constantFrom(0, 30), { nil: undefined }),
    placementStrategy: fc.option(fc.constant([{ type: 'spread', field: 'attribute:ecs.availability-zone' }]), { nil: undefined }),
  }, { requiredKeys: ['desiredCount', 'networkConfiguration'] });
  let i = 0;
  await fc.assert(
    fc.asyncProperty(spec, async (s) => {
      const body = { ...s, taskDefinition: 'prop', launchType: 'FARGATE' } as ServiceBody;
      const created = await ecs.send(new CreateServiceCommand({ cluster: 'prop', serviceName: `svc-${i++}`, ...body, taskDefinition: revision } as never));
      const described = await ecs.send(new DescribeServicesCommand({ cluster: 'prop', services: [created.service!.serviceArn!] }));
      const desired = canonicalService(body, { taskDefinition: revision });
      const mapped = liveServiceSpec(described.services![0], new Map());
      const live = comparableLive(body, canonicalService(mapped.spec, mapped.refs));
      t.same(live, desired);
      return JSON.stringify(live) === JSON.stringify(desired);
    }),
    { numRuns: 40, seed: 1122 },
  );
});
