// Contract suite: the same call sequences run against the simulator and against moto
// through the real SDK clients; the observed answers (the fields both are expected to
// agree on, with ids and timestamps normalised) must be equal. Where moto differs from
// AWS (README.md §10) the behaviour is asserted on the simulator only, in the other tests.
import t from 'tap';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand,
  DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListClustersCommand,
  ListServicesCommand, ListTagsForResourceCommand, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand, TagResourceCommand, UntagResourceCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateHttpNamespaceCommand, CreatePrivateDnsNamespaceCommand, CreateServiceCommand as CreateCmServiceCommand, DeleteNamespaceCommand,
  DeleteServiceCommand as DeleteCmServiceCommand, DeregisterInstanceCommand, DiscoverInstancesCommand, GetInstanceCommand,
  GetNamespaceCommand, GetOperationCommand, GetServiceCommand, ListInstancesCommand, ListTagsForResourceCommand as ListCmTagsCommand,
  RegisterInstanceCommand, ServiceDiscoveryClient, UpdateHttpNamespaceCommand, UpdatePrivateDnsNamespaceCommand,
} from '@aws-sdk/client-servicediscovery';
import { ManualClock, startSimulator } from '../../src/sim/index.js';
import { startMoto } from '../helpers/moto.js';
import { clientConfig } from './fixtures.js';

interface Backend {
  ecs: ECSClient;
  sd: ServiceDiscoveryClient;
  /** Lets asynchronous work finish: the simulator steps its clock; moto is synchronous. */
  settle(): void;
}

type Scenario = (b: Backend) => Promise<unknown>;

/** Replaces generated ids and timestamps with placeholders so two backends compare. */
export function normalise(value: unknown): unknown {
  if (value instanceof Date) return '<time>';
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '$metadata').map(([k, v]) => [k, normalise(v)]));
  }
  if (typeof value === 'string') {
    return value
      .replace(/ns-[a-z0-9]{16,}/g, '<ns>')
      .replace(/srv-[a-z0-9]{8,}/g, '<srv>')
      .replace(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, '<uuid>')
      .replace(/ecs-svc\/\d+/g, '<deployment>');
  }
  return value;
}

async function failure(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'no error';
  } catch (err) {
    return (err as Error).name;
  }
}

const pick = <T extends object>(o: T | undefined, keys: (keyof T)[]): Partial<T> =>
  Object.fromEntries(keys.filter((k) => o && o[k] !== undefined).map((k) => [k, (o as T)[k]])) as Partial<T>;

const container = { name: 'web', image: 'nginx:1', memory: 128, portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' as const }] };

const scenarios: Record<string, Scenario> = {
  async clusters({ ecs }) {
    const created = await ecs.send(new CreateClusterCommand({ clusterName: 'alpha', tags: [{ key: 'team', value: 'a' }] }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'beta' }));
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['alpha', 'ghost'], include: ['TAGS'] }));
    const list = await ecs.send(new ListClustersCommand({}));
    const deleted = await ecs.send(new DeleteClusterCommand({ cluster: 'beta' }));
    // moto keeps listing deleted clusters; the simulator lists ACTIVE ones only (ecs.test.ts).
    return {
      created: pick(created.cluster, ['clusterArn', 'clusterName', 'status']),
      described: described.clusters?.map((c) => pick(c, ['clusterArn', 'clusterName', 'status', 'tags'])),
      failures: described.failures,
      list: [...(list.clusterArns ?? [])].sort(),
      deleted: pick(deleted.cluster, ['clusterArn', 'status']),
      missing: await failure(() => ecs.send(new DeleteClusterCommand({ cluster: 'ghost' }))),
    };
  },

  async taskDefinitions({ ecs }) {
    const r1 = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container], tags: [{ key: 'k', value: 'v' }] }));
    const r2 = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ ...container, image: 'nginx:2' }] }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'worker', containerDefinitions: [{ ...container, name: 'w' }] }));
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web', include: ['TAGS'] }));
    const first = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1', include: ['TAGS'] }));
    const dereg = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }));
    const list = await ecs.send(new ListTaskDefinitionsCommand({}));
    const listWeb = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({}));
    const fields = ['taskDefinitionArn', 'family', 'revision', 'status'] as const;
    return {
      r1: pick(r1.taskDefinition, [...fields]),
      r2: pick(r2.taskDefinition, [...fields]),
      image: r2.taskDefinition?.containerDefinitions?.map((c) => pick(c, ['name', 'image', 'memory', 'portMappings'])),
      latest: pick(latest.taskDefinition, [...fields]),
      firstTags: first.tags,
      dereg: pick(dereg.taskDefinition, [...fields]),
      list: list.taskDefinitionArns,
      listWeb: listWeb.taskDefinitionArns,
      families: families.families,
      missing: await failure(() => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'ghost:1' }))),
    };
  },

  async services({ ecs, settle }) {
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    const td = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container] }));
    const tdArn = td.taskDefinition?.taskDefinitionArn;
    const created = await ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'web', taskDefinition: tdArn, desiredCount: 1, launchType: 'EC2', tags: [{ key: 'app', value: 'web' }],
    }));
    // Neither launch type nor strategy, and no default strategy on the cluster: both report EC2.
    await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'other', taskDefinition: tdArn, desiredCount: 0 }));
    settle();
    const fields = ['serviceArn', 'serviceName', 'clusterArn', 'taskDefinition', 'desiredCount', 'status', 'launchType', 'schedulingStrategy'] as const;
    const described = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web', 'ghost'], include: ['TAGS'] }));
    const list = await ecs.send(new ListServicesCommand({ cluster: 'c' }));
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 2 }));
    settle();
    await ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'other' }));
    settle();
    const afterDelete = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['other'] }));
    return {
      created: pick(created.service, [...fields]),
      // moto reports no roleArn where AWS reports the service-linked role (README §10).
      described: described.services?.map((s) => pick(s, [...fields, 'tags', 'deploymentController'])),
      other: pick((await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['other'] }))).services?.[0], ['launchType']),
      failures: described.failures,
      list: [...(list.serviceArns ?? [])].sort(),
      updated: pick(updated.service, ['desiredCount', 'taskDefinition']),
      afterDelete: afterDelete.services?.map((s) => pick(s, ['serviceName', 'status', 'desiredCount'])),
      noCluster: await failure(() => ecs.send(new DescribeServicesCommand({ cluster: 'ghost', services: ['web'] }))),
      noService: await failure(() => ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'ghost', desiredCount: 1 }))),
    };
  },

  async ecsTags({ ecs }) {
    const c = await ecs.send(new CreateClusterCommand({ clusterName: 'tagged' }));
    const arn = c.cluster?.clusterArn;
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }));
    await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a'] }));
    return { tags: (await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags };
  },

  async cloudMap({ sd, settle }) {
    const op = await sd.send(new CreateHttpNamespaceCommand({ Name: 'internal', Description: 'apps', Tags: [{ Key: 'k', Value: 'v' }] }));
    settle();
    const operation = (await sd.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation;
    const nsId = operation?.Targets?.NAMESPACE as string;
    const ns = (await sd.send(new GetNamespaceCommand({ Id: nsId }))).Namespace;
    const nsTags = (await sd.send(new ListCmTagsCommand({ ResourceARN: ns?.Arn }))).Tags;
    const svc = (await sd.send(new CreateCmServiceCommand({ Name: 'api', NamespaceId: nsId, Description: 'api' }))).Service;
    const got = (await sd.send(new GetServiceCommand({ Id: svc?.Id }))).Service;
    await sd.send(new RegisterInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '80' } }));
    settle();
    const instance = (await sd.send(new GetInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-1' }))).Instance;
    const listed = (await sd.send(new ListInstancesCommand({ ServiceId: svc?.Id }))).Instances;
    const found = (await sd.send(new DiscoverInstancesCommand({ NamespaceName: 'internal', ServiceName: 'api' }))).Instances;
    await sd.send(new DeregisterInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-1' }));
    settle();
    const afterDereg = (await sd.send(new ListInstancesCommand({ ServiceId: svc?.Id }))).Instances;
    await sd.send(new DeleteCmServiceCommand({ Id: svc?.Id }));
    const del = await sd.send(new DeleteNamespaceCommand({ Id: nsId }));
    settle();
    return {
      operation: pick(operation, ['Status', 'Type', 'Targets']),
      namespace: pick(ns, ['Id', 'Name', 'Type', 'Description', 'Arn']),
      nsTags,
      service: pick(svc, ['Id', 'Name', 'NamespaceId', 'Description', 'Arn']),
      got: pick(got, ['Id', 'Name', 'NamespaceId']),
      // CreatedByAccount (AWS CLI get-instance / list-instances examples) is not in moto's answers.
      instance: pick(instance, ['Id', 'Attributes']),
      listed: listed?.map((i) => pick(i, ['Id', 'Attributes'])),
      found: found?.map((i) => pick(i, ['InstanceId', 'NamespaceName', 'ServiceName', 'Attributes'])),
      afterDereg: afterDereg?.map((i) => pick(i, ['Id', 'Attributes'])),
      deleteStatus: (await sd.send(new GetOperationCommand({ OperationId: del.OperationId }))).Operation?.Status,
      goneNamespace: await failure(() => sd.send(new GetNamespaceCommand({ Id: nsId }))),
      goneService: await failure(() => sd.send(new GetServiceCommand({ Id: svc?.Id }))),
      noOperation: await failure(() => sd.send(new GetOperationCommand({ OperationId: 'ghost' }))),
    };
  },

  // moto answers UpdateHttpNamespace with `operationId` (lower case) and replaces the whole
  // DnsProperties on a DNS update (README §10), so the operation of the HTTP update and the
  // hosted zone id are compared on the simulator only (cloudmap.test.ts).
  async namespaceUpdates({ sd, settle }) {
    const http = await sd.send(new CreateHttpNamespaceCommand({ Name: 'internal', Description: 'before' }));
    const priv = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'corp.local', Vpc: 'vpc-1', Description: 'before', Properties: { DnsProperties: { SOA: { TTL: 15 } } } }));
    settle();
    const target = async (id: string | undefined) => (await sd.send(new GetOperationCommand({ OperationId: id }))).Operation?.Targets?.NAMESPACE as string;
    const httpId = await target(http.OperationId);
    const privId = await target(priv.OperationId);
    await sd.send(new UpdateHttpNamespaceCommand({ Id: httpId, Namespace: { Description: 'after' } }));
    const dnsOp = await sd.send(new UpdatePrivateDnsNamespaceCommand({ Id: privId, Namespace: { Description: 'after', Properties: { DnsProperties: { SOA: { TTL: 60 } } } } }));
    settle();
    const httpNs = (await sd.send(new GetNamespaceCommand({ Id: httpId }))).Namespace;
    const privNs = (await sd.send(new GetNamespaceCommand({ Id: privId }))).Namespace;
    return {
      http: pick(httpNs, ['Id', 'Name', 'Description']),
      priv: { ...pick(privNs, ['Id', 'Name', 'Description']), soa: privNs?.Properties?.DnsProperties?.SOA },
      dnsOperation: pick((await sd.send(new GetOperationCommand({ OperationId: dnsOp.OperationId }))).Operation, ['Status', 'Type', 'Targets']),
      missing: await failure(() => sd.send(new UpdateHttpNamespaceCommand({ Id: 'ns-ghost', Namespace: { Description: 'x' } }))),
    };
  },
};

t.test('contract: simulator and moto answer the same call sequences alike', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const clock = new ManualClock();
  const sim = await startSimulator({ clock });
  const backends: Record<'sim' | 'moto', Backend> = {
    sim: {
      ecs: new ECSClient(clientConfig(sim.endpoint)),
      sd: new ServiceDiscoveryClient({ ...clientConfig(sim.endpoint), disableHostPrefix: true }),
      settle: () => clock.advance(60_000),
    },
    moto: {
      ecs: new ECSClient(clientConfig(moto.endpoint)),
      sd: new ServiceDiscoveryClient({ ...clientConfig(moto.endpoint), disableHostPrefix: true }),
      settle: () => undefined,
    },
  };
  t.teardown(async () => {
    for (const b of Object.values(backends)) {
      b.ecs.destroy();
      b.sd.destroy();
    }
    await sim.close();
  });
  for (const [name, scenario] of Object.entries(scenarios)) {
    await t.test(name, async (t) => {
      sim.reset();
      await moto.reset();
      const fromSim = normalise(await scenario(backends.sim));
      const fromMoto = normalise(await scenario(backends.moto));
      t.same(fromSim, fromMoto, `${name}: simulator answers as moto does`);
    });
  }
});
