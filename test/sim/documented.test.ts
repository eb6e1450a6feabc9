// AWS's documented outputs, replayed: every example of the AWS CLI's documentation for the
// operations the controller uses (test/fixtures/aws-examples/, extracted from the installed
// AWS CLI by extract.py there) is sent to the simulator through the SDK, after creating
// what the example presupposes, and the answer must carry every field the documented
// output shows. Where the simulator knowingly leaves a documented field out, the field is
// listed below with the reason (and in src/sim/README.md §11).
import { readFileSync } from 'node:fs';
import t from 'tap';
import * as ecsSdk from '@aws-sdk/client-ecs';
import * as sdSdk from '@aws-sdk/client-servicediscovery';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { harness } from './fixtures.js';
import type { Harness } from './fixtures.js';

type Json = Record<string, unknown>;

export interface DocumentedExample {
  file: string;
  example: string;
  command: string;
  operation: string;
  request: Json;
  output: Json;
}

const load = (name: string): DocumentedExample[] =>
  JSON.parse(readFileSync(new URL(`../fixtures/aws-examples/${name}.json`, import.meta.url), 'utf8')) as DocumentedExample[];

/** Documented fields (and all below them) the simulator does not return, each with the reason. */
const NOT_MODELLED: Record<string, string> = {
  'cluster.attachments': 'capacity-provider attachments belong to Auto Scaling, which the simulator does not run',
  'cluster.attachmentsStatus': 'as above',
  'clusters[].attachments': 'as above',
  'clusters[].attachmentsStatus': 'as above',
  'service.deployments[].taskkDefinition': 'a typo in the AWS CLI example (update-service Example 5)',
};
const notModelled = (path: string): boolean => Object.keys(NOT_MODELLED).some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[]`));

/** Every path of a JSON value: object keys joined by dots, array elements as []. */
export function fieldPaths(value: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) fieldPaths(v, `${prefix}[]`, out);
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$metadata') continue;
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      fieldPaths(v, p, out);
    }
  }
  return out;
}

function arnParts(output: unknown): { region: string; accountId: string } {
  const m = /arn:aws:(?:ecs|servicediscovery):([a-z0-9-]+):(\d{12}):/.exec(JSON.stringify(output));
  return m ? { region: m[1], accountId: m[2] } : { region: 'us-east-1', accountId: '123456789012' };
}

const lastSegment = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);

async function send(client: ECSClient | ServiceDiscoveryClient, sdk: Json, operation: string, input: unknown): Promise<Json> {
  const Command = sdk[`${operation}Command`] as new (i: unknown) => never;
  return (await (client as ECSClient).send(new Command(input))) as unknown as Json;
}

// ---------- ECS ----------

const atLaunch = (names: string[]) => names.map((name) => ({ name, configuredAtLaunch: true }));
const volumeNames = (volumes: unknown) => ((volumes ?? []) as { name: string }[]).map((v) => v.name);

const ecs = (h: Harness, operation: string, input: unknown): Promise<Json> => send(h.ecs, ecsSdk as unknown as Json, operation, input);

/**
 * Registers `family` up to `revision`, from the documented task definition when there is
 * one, else made up with the volumes a service configures at launch (`launchVolumes`).
 */
async function taskDefinition(h: Harness, ref: string, fargate: boolean, body?: Json, launchVolumes: string[] = []): Promise<void> {
  const [family, rev] = lastSegment(ref).split(':');
  const revision = Number(rev ?? 1);
  const input: Json = body
    ? Object.fromEntries(Object.entries(body).filter(([k]) => [
      'family', 'containerDefinitions', 'networkMode', 'cpu', 'memory', 'volumes', 'requiresCompatibilities', 'taskRoleArn',
      'executionRoleArn', 'placementConstraints', 'runtimePlatform',
    ].includes(k)))
    : fargate
      ? { family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [{ name: 'app', image: 'nginx' }], volumes: atLaunch(launchVolumes) }
      : { family, containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }], volumes: atLaunch(launchVolumes) };
  for (let i = 0; i < revision; i++) await ecs(h, 'RegisterTaskDefinition', { ...input, family });
}

/** Creates the service a documented output describes (for Update/Describe examples). */
async function serviceAsDocumented(h: Harness, cluster: string, doc: Json): Promise<void> {
  const strategy = doc.capacityProviderStrategy as Json[] | undefined;
  const fargate = doc.launchType === 'FARGATE' || (strategy ?? []).some((s) => String(s.capacityProvider).startsWith('FARGATE'));
  const providers = (strategy ?? []).map((s) => s.capacityProvider as string);
  // EBS volumes the documented deployments carry were configured on the service before.
  const volumes = ((doc.deployments ?? []) as Json[]).map((d) => d.volumeConfigurations).find((v) => Array.isArray(v));
  await ecs(h, 'CreateCluster', { clusterName: cluster, ...(providers.length > 0 ? { capacityProviders: providers } : {}) });
  const ref = (doc.taskDefinition as string | undefined) ?? 'app:1';
  await taskDefinition(h, ref, fargate, undefined, volumeNames(volumes));
  await ecs(h, 'CreateService', {
    cluster,
    serviceName: doc.serviceName,
    taskDefinition: lastSegment(ref),
    desiredCount: doc.desiredCount,
    ...(strategy ? { capacityProviderStrategy: strategy } : { launchType: doc.launchType }),
    ...(doc.networkConfiguration ? { networkConfiguration: doc.networkConfiguration } : {}),
    ...(doc.deploymentConfiguration ? { deploymentConfiguration: doc.deploymentConfiguration } : {}),
    ...(volumes ? { volumeConfigurations: volumes } : {}),
  });
  h.clock.advance(60_000);
}

async function prepareEcs(h: Harness, ex: DocumentedExample): Promise<Json> {
  const req = ex.request;
  const out = ex.output;
  switch (ex.operation) {
    case 'CreateCluster':
    case 'RegisterTaskDefinition':
      return req;
    case 'DescribeClusters':
      for (const c of req.clusters as string[]) await ecs(h, 'CreateCluster', { clusterName: lastSegment(c) });
      return req;
    case 'UpdateCluster': {
      // The cluster as the documented output shows it before the update.
      const doc = out.cluster as Json;
      const defaults = doc.serviceConnectDefaults ? { serviceConnectDefaults: { namespace: 'existing' } } : {};
      await ecs(h, 'CreateCluster', {
        clusterName: req.cluster, capacityProviders: doc.capacityProviders, defaultCapacityProviderStrategy: doc.defaultCapacityProviderStrategy, ...defaults,
      });
      return req;
    }
    case 'DescribeTaskDefinition': {
      const body = out.taskDefinition as Json;
      await taskDefinition(h, req.taskDefinition as string, false, body);
      return req;
    }
    case 'CreateService': {
      const cluster = (req.cluster as string | undefined) ?? 'default';
      await ecs(h, 'CreateCluster', { clusterName: cluster });
      const fargate = req.launchType === 'FARGATE';
      if (req.taskDefinition) await taskDefinition(h, req.taskDefinition as string, fargate || req.networkConfiguration !== undefined, undefined, volumeNames(req.volumeConfigurations));
      return req;
    }
    case 'UpdateService': {
      const doc = out.service as Json;
      await serviceAsDocumented(h, req.cluster as string, { ...doc, taskDefinition: doc.taskDefinition });
      if (typeof req.taskDefinition === 'string') {
        await taskDefinition(h, req.taskDefinition, doc.launchType === 'FARGATE' || doc.networkConfiguration !== undefined, undefined, volumeNames(req.volumeConfigurations));
      }
      return req;
    }
    case 'DescribeServices': {
      const doc = (out.services as Json[])[0];
      await serviceAsDocumented(h, (req.cluster as string | undefined) ?? 'default', doc);
      return req;
    }
    case 'ListServiceDeployments':
    case 'DescribeServiceDeployments':
    case 'DescribeServiceRevisions': {
      const serviceArn = JSON.stringify(out).match(/arn:aws:ecs:[^"]*:service\/([^/"]+)\/([^/"]+)"/) as RegExpMatchArray;
      const [cluster, name] = [serviceArn[1], serviceArn[2]];
      await serviceAsDocumented(h, cluster, {
        serviceName: name, taskDefinition: 'webserver:5', desiredCount: 1,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 0 }],
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } },
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      });
      const listed = await ecs(h, 'ListServiceDeployments', { cluster, service: name });
      const deployment = (listed.serviceDeployments as Json[])[0];
      if (ex.operation === 'ListServiceDeployments') return req;
      if (ex.operation === 'DescribeServiceDeployments') return { serviceDeploymentArns: [deployment.serviceDeploymentArn] };
      return { serviceRevisionArns: [deployment.targetServiceRevisionArn] };
    }
    default:
      throw new Error(`no preparation for ${ex.operation}`);
  }
}

// ---------- Cloud Map ----------

const sd = (h: Harness, operation: string, input: unknown): Promise<Json> => send(h.sd, sdSdk as unknown as Json, operation, input);

async function namespaceAsDocumented(h: Harness, doc: Json): Promise<string> {
  const type = (doc.Type as string | undefined) ?? 'DNS_PRIVATE';
  const op = type === 'HTTP' ? 'CreateHttpNamespace' : type === 'DNS_PUBLIC' ? 'CreatePublicDnsNamespace' : 'CreatePrivateDnsNamespace';
  const created = await sd(h, op, { Name: doc.Name ?? 'example.com', ...(type === 'DNS_PRIVATE' ? { Vpc: 'vpc-1' } : {}), ...(doc.Description ? { Description: doc.Description } : {}) });
  h.clock.advance(10_000);
  const got = await sd(h, 'GetOperation', { OperationId: created.OperationId });
  return ((got.Operation as Json).Targets as Json).NAMESPACE as string;
}

async function serviceOfNamespace(h: Harness, doc: Json, nsType = 'DNS_PRIVATE'): Promise<{ nsId: string; id: string }> {
  const nsId = await namespaceAsDocumented(h, { Type: doc.DnsConfig || nsType !== 'HTTP' ? nsType : 'HTTP', Name: `ns-of-${String(doc.Name ?? 'svc')}.local` });
  const created = await sd(h, 'CreateService', {
    Name: doc.Name ?? 'myservice', NamespaceId: nsId,
    ...(doc.DnsConfig ? { DnsConfig: { ...(doc.DnsConfig as Json), NamespaceId: undefined } } : {}),
    ...(doc.Description ? { Description: doc.Description } : {}),
    ...(doc.HealthCheckCustomConfig ? { HealthCheckCustomConfig: doc.HealthCheckCustomConfig } : {}),
  });
  return { nsId, id: (created.Service as Json).Id as string };
}

async function prepareCloudMap(h: Harness, ex: DocumentedExample): Promise<Json> {
  const req = ex.request;
  const out = ex.output;
  switch (ex.operation) {
    case 'CreateHttpNamespace':
    case 'CreatePrivateDnsNamespace':
    case 'CreatePublicDnsNamespace':
      return req;
    case 'GetNamespace':
      return { Id: await namespaceAsDocumented(h, out.Namespace as Json) };
    case 'ListNamespaces':
      for (const ns of out.Namespaces as Json[]) await namespaceAsDocumented(h, ns);
      return req;
    case 'CreateService':
      return { ...req, NamespaceId: await namespaceAsDocumented(h, { Type: 'DNS_PRIVATE', Name: 'example.com' }) };
    case 'GetService':
      return { Id: (await serviceOfNamespace(h, out.Service as Json)).id };
    case 'ListServices':
      for (const s of out.Services as Json[]) await serviceOfNamespace(h, s, s.Type === 'HTTP' ? 'HTTP' : 'DNS_PRIVATE');
      return req;
    case 'ListInstances': {
      const { id } = await serviceOfNamespace(h, { Name: 'myservice' }, 'HTTP');
      for (const i of out.Instances as Json[]) await sd(h, 'RegisterInstance', { ServiceId: id, InstanceId: i.Id, Attributes: i.Attributes });
      h.clock.advance(10_000);
      return { ServiceId: id };
    }
    case 'GetInstance': {
      const { id } = await serviceOfNamespace(h, { Name: 'myservice' }, 'HTTP');
      const doc = out.Instance as Json;
      await sd(h, 'RegisterInstance', { ServiceId: id, InstanceId: doc.Id, Attributes: doc.Attributes });
      h.clock.advance(10_000);
      return { ServiceId: id, InstanceId: doc.Id };
    }
    case 'RegisterInstance':
      return { ...req, ServiceId: (await serviceOfNamespace(h, { Name: 'myservice' }, 'HTTP')).id };
    case 'UpdateService': {
      const { id } = await serviceOfNamespace(h, { Name: 'myservice', DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 300 }] } }, 'DNS_PUBLIC');
      return { ...req, Id: id };
    }
    default:
      throw new Error(`no preparation for ${ex.operation}`);
  }
}

const ECS_COVERED = new Set([
  'CreateCluster', 'DescribeClusters', 'UpdateCluster', 'RegisterTaskDefinition', 'DescribeTaskDefinition', 'CreateService',
  'UpdateService', 'DescribeServices', 'ListServiceDeployments', 'DescribeServiceDeployments', 'DescribeServiceRevisions',
]);
const CLOUDMAP_COVERED = new Set([
  'CreateHttpNamespace', 'CreatePrivateDnsNamespace', 'CreatePublicDnsNamespace', 'GetNamespace', 'ListNamespaces', 'CreateService',
  'GetService', 'ListServices', 'ListInstances', 'GetInstance', 'RegisterInstance', 'UpdateService',
]);

/** Examples about what the simulator does not model: shared namespaces of other accounts. */
const sharedNamespace = (ex: DocumentedExample): boolean => JSON.stringify(ex.request).includes('OTHER_ACCOUNTS') || 'OwnerAccount' in ex.request;

const cases: { service: 'ecs' | 'cloudmap'; ex: DocumentedExample }[] = [
  ...load('ecs').filter((ex) => ECS_COVERED.has(ex.operation)).map((ex) => ({ service: 'ecs' as const, ex })),
  ...load('servicediscovery').filter((ex) => CLOUDMAP_COVERED.has(ex.operation) && !sharedNamespace(ex)).map((ex) => ({ service: 'cloudmap' as const, ex })),
];

t.test('the fixture set covers every operation it should', async (t) => {
  const ops = new Set(cases.map((c) => `${c.service}:${c.ex.operation}`));
  for (const op of ECS_COVERED) t.ok(ops.has(`ecs:${op}`), `an AWS CLI example of ecs ${op}`);
  for (const op of CLOUDMAP_COVERED) t.ok(ops.has(`cloudmap:${op}`), `an AWS CLI example of servicediscovery ${op}`);
});

for (const { service, ex } of cases) {
  t.test(`${ex.file} ${ex.example || ex.operation}: the simulator answers with every documented field`, async (t) => {
    const h = await harness(t, { ...arnParts(ex.output), rolloutTimings: { taskStartMs: 1000, taskStopMs: 500, cloudMapStepMs: 100 } });
    const input = service === 'ecs' ? await prepareEcs(h, ex) : await prepareCloudMap(h, ex);
    const answer = service === 'ecs' ? await ecs(h, ex.operation, input) : await sd(h, ex.operation, input);
    const got = fieldPaths(answer);
    const missing = [...fieldPaths(ex.output)].filter((p) => !got.has(p) && !notModelled(p));
    t.same(missing, [], `fields of the documented output the simulator left out (${ex.command})`);
  });
}
