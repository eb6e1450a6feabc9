// AWS's documented answers read back: every example of the AWS CLI's documentation in
// test/fixtures/aws-examples/ whose request is a document's content (create and update
// of services and clusters, task-definition registration, Cloud Map service creation)
// has its documented output read as the reader reads a live object and normalised by
// the kind's module; the result must equal the documented request normalised as a
// document. A field AWS fills in that the engine does not know is a diff here — and a
// perpetual diff, stall or write on real AWS.
//
// Not paired: Describe*/List*/Get* examples carry no request body to compare with, and
// Cloud Map's namespace creates and updates answer with an operation id only.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Cluster, Service as EcsService, TaskDefinition } from '@aws-sdk/client-ecs';
import type { ServiceSummary } from '@aws-sdk/client-servicediscovery';
import { diffObjects } from '../../src/core/diff.js';
import { revisionOf } from '../../src/core/live.js';
import { camelKeys, type Canonical } from '../../src/core/normalize.js';
import * as service from '../../src/core/kinds/service.js';
import * as cluster from '../../src/core/kinds/cluster.js';
import * as taskDefinition from '../../src/core/kinds/task-definition.js';
import * as cloudMapService from '../../src/core/kinds/cloudmap-service.js';

type Json = Record<string, unknown>;
interface Example {
  file: string;
  example: string;
  operation: string;
  request: Json;
  output: Json;
}

const load = (name: string): Example[] => JSON.parse(readFileSync(new URL(`../fixtures/aws-examples/${name}.json`, import.meta.url), 'utf8')) as Example[];
const ecs = load('ecs');
const servicediscovery = load('servicediscovery');

/** Request fields that name or own the object rather than describe it. */
function without(request: Json, ...keys: string[]): Json {
  const out = { ...request };
  for (const k of keys) delete out[k];
  return out;
}

/** An update sends only what changes: compare only those fields. */
function onlyFields(body: Canonical, fields: Iterable<string>): Canonical {
  const keep = new Set(fields);
  return Object.fromEntries(Object.entries(body).filter(([k]) => keep.has(k)));
}

interface Pair {
  name: string;
  desired: Canonical;
  live: Canonical;
}

function servicePairs(): Pair[] {
  return ecs
    .filter((e) => e.operation === 'CreateService' || e.operation === 'UpdateService')
    .map((e) => {
      const raw = (e.output.service ?? {}) as EcsService;
      const spec = without(e.request, 'cluster', 'serviceName', 'service', 'tags', 'clientToken', 'forceNewDeployment') as service.ServiceBody;
      // A document names its task definition; the engine resolves it to the revision it deploys.
      const named = spec.taskDefinition as string | undefined;
      const running = revisionOf(raw.taskDefinition) ?? '';
      const desired = service.canonicalService(spec, { taskDefinition: named === undefined || named.includes(':') ? (revisionOf(named) ?? running) : running });
      const mapped = service.liveServiceSpec(raw, new Map());
      let live = service.comparableLive(spec, service.canonicalService(mapped.spec, mapped.refs));
      let want = desired;
      if (e.operation === 'UpdateService') {
        const sent = Object.keys(spec);
        want = onlyFields(desired, sent);
        live = onlyFields(live, sent);
      }
      return { name: `${e.file}: ${e.example}`, desired: want, live };
    });
}

function clusterPairs(): Pair[] {
  return ecs
    .filter((e) => e.operation === 'CreateCluster' || e.operation === 'UpdateCluster')
    .map((e) => {
      const spec = without(e.request, 'clusterName', 'cluster', 'tags') as cluster.ClusterBody;
      const raw = (e.output.cluster ?? {}) as Cluster;
      // The documented ARN stands for the namespace the request named.
      const sent = spec.serviceConnectDefaults?.namespace;
      const answered = raw.serviceConnectDefaults?.namespace;
      const namespaces = new Map(sent && answered ? [[answered, sent]] : []);
      let desired = cluster.canonicalCluster(spec, namespaces);
      let live = cluster.canonicalCluster(cluster.comparableLive(spec, cluster.liveClusterSpec(raw)), namespaces);
      if (e.operation === 'UpdateCluster') {
        desired = onlyFields(desired, Object.keys(spec));
        live = onlyFields(live, Object.keys(spec));
      }
      return { name: `${e.file}: ${e.example}`, desired, live };
    });
}

function taskDefinitionPairs(): Pair[] {
  return ecs
    .filter((e) => e.operation === 'RegisterTaskDefinition')
    .map((e) => ({
      name: `${e.file}: ${e.example}`,
      desired: taskDefinition.canonicalTaskDefinition(without(e.request, 'family', 'tags') as taskDefinition.TaskDefinitionBody),
      live: taskDefinition.canonicalTaskDefinition(taskDefinition.liveTaskDefinitionSpec((e.output.taskDefinition ?? {}) as TaskDefinition)),
    }));
}

function cloudMapServicePairs(): Pair[] {
  return servicediscovery
    .filter((e) => e.operation === 'CreateService')
    .map((e) => ({
      name: `${e.file}: ${e.example}`,
      desired: cloudMapService.canonicalCloudMapService(camelKeys(without(e.request, 'Name', 'NamespaceId', 'CreatorRequestId', 'Tags')) as cloudMapService.CloudMapServiceBody),
      live: cloudMapService.canonicalCloudMapService(cloudMapService.liveCloudMapServiceSpec((e.output.Service ?? {}) as ServiceSummary)),
    }));
}

/**
 * Where a documented output contradicts its own request (an example edited by hand), the
 * field is listed with what the documentation shows; nothing else may differ.
 */
const ERRATA: Record<string, string[]> = {
  // The request's container is simple-demo; the output shows the task definition's name.
  'ecs/create-service.rst: Example 4: To create a new service behind a load balancer': ['spec.loadBalancers[0].containerName'],
  // The request asks for FARGATE with a public IP and the volume myEbsVolume; the output
  // shows EC2, DISABLED and (on its deployment) myEBSVolume.
  'ecs/create-service.rst: Example 5: To configure Amazon EBS volumes at service creation': [
    'spec.launchType', 'spec.networkConfiguration.awsvpcConfiguration.assignPublicIp', 'spec.volumeConfigurations[0].name',
  ],
  // The request configures myEbsVolume; the output's PRIMARY deployment shows ebs-volume.
  'ecs/update-service.rst: Example 3: To configure Amazon EBS volumes for attachment at service update': ['spec.volumeConfigurations[0].name'],
};

const groups: [string, Pair[], number][] = [
  ['ECS services (create-service, update-service)', servicePairs(), 10],
  ['ECS clusters (create-cluster, update-cluster)', clusterPairs(), 5],
  ['task definitions (register-task-definition)', taskDefinitionPairs(), 1],
  ['Cloud Map services (create-service)', cloudMapServicePairs(), 2],
];

for (const [group, pairs, expected] of groups) {
  t.test(group, async (t) => {
    t.equal(pairs.length, expected, 'every documented example of the group is replayed');
    for (const pair of pairs) {
      const changes = diffObjects(pair.desired, pair.live).map((c) => c.path);
      t.same(changes, ERRATA[pair.name] ?? [], pair.name);
    }
  });
}
