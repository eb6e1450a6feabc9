// Live objects → documents (src/core/import.ts): what AWS answers, written as the YAML a
// user would have written. AWS's own documented answers (test/fixtures/aws-examples) come
// back as the request that made them, without the defaults AWS filled in.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Service as EcsService, TaskDefinition } from '@aws-sdk/client-ecs';
import type { NamespaceSummary, ServiceSummary } from '@aws-sdk/client-servicediscovery';
import { NAME_PATTERN, importDocuments, withoutImplied, type ImportSource, type ImportedDocument } from '../../src/core/import.js';
import { canonicalTaskDefinition } from '../../src/core/kinds/task-definition.js';
import type { LiveTaskDefinition } from '../../src/core/live.js';
import { KINDS, type Kind } from '../../src/api/kinds.js';
import { SCHEMA_DIR } from '../../src/load/schema.js';

interface Example {
  operation: string;
  example: string;
  request: Record<string, unknown>;
  output: Record<string, unknown>;
}
const ECS_EXAMPLES = JSON.parse(readFileSync('test/fixtures/aws-examples/ecs.json', 'utf8')) as Example[];
const documented = (operation: string, title: RegExp) => {
  const found = ECS_EXAMPLES.find((e) => e.operation === operation && title.test(e.example));
  if (!found) throw new Error(`no documented ${operation} example ${title}`);
  return found;
};

const ACCOUNT = 'arn:aws:ecs:us-east-1:123456789012';
const NS_ARN = 'arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-1';
const SRV_ARN = 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1';

const revision = (raw: TaskDefinition, tags: Record<string, string> = {}): LiveTaskDefinition => ({
  arn: raw.taskDefinitionArn ?? '', family: raw.family ?? '', revision: raw.revision ?? 0, tags, raw,
});

/** A Fargate service as ECS describes it, with every default AWS fills in. */
function webService(overrides: Partial<EcsService> = {}): EcsService {
  return {
    serviceArn: `${ACCOUNT}:service/shop/web`, serviceName: 'web', clusterArn: `${ACCOUNT}:cluster/shop`, status: 'ACTIVE',
    taskDefinition: `${ACCOUNT}:task-definition/web:7`, desiredCount: 2, runningCount: 2, pendingCount: 0, launchType: 'FARGATE', platformVersion: 'LATEST', platformFamily: 'Linux',
    roleArn: 'arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS',
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false }, alarms: { alarmNames: [], enable: false, rollback: false } },
    deploymentController: { type: 'ECS' }, schedulingStrategy: 'REPLICA', healthCheckGracePeriodSeconds: 0, enableECSManagedTags: false, propagateTags: 'NONE', enableExecuteCommand: false,
    loadBalancers: [], placementConstraints: [], placementStrategy: [],
    serviceRegistries: [{ registryArn: SRV_ARN }],
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
    createdAt: new Date(0), deployments: [], events: [],
    ...overrides,
  };
}

const webRevision: TaskDefinition = {
  taskDefinitionArn: `${ACCOUNT}:task-definition/web:7`, family: 'web', revision: 7, status: 'ACTIVE', networkMode: 'awsvpc', cpu: '256', memory: '512',
  requiresCompatibilities: ['FARGATE'], compatibilities: ['EC2', 'FARGATE'], volumes: [], placementConstraints: [], registeredAt: new Date(0), registeredBy: 'arn:aws:iam::123456789012:user/ops',
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
  containerDefinitions: [{
    name: 'web', image: 'nginx:1.27', cpu: 0, essential: true, environment: [], mountPoints: [], volumesFrom: [], systemControls: [],
    portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
    secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC' }],
  }],
};

function shop(overrides: Partial<ImportSource> = {}): ImportSource {
  const cluster: Cluster = { clusterArn: `${ACCOUNT}:cluster/shop`, clusterName: 'shop', status: 'ACTIVE', settings: [{ name: 'containerInsights', value: 'enabled' }], capacityProviders: [], defaultCapacityProviderStrategy: [] };
  const namespace: NamespaceSummary = { Id: 'ns-1', Arn: NS_ARN, Name: 'shop.local', Type: 'DNS_PRIVATE', Properties: { DnsProperties: { HostedZoneId: 'Z1', SOA: { TTL: 15 } } } };
  const registry: ServiceSummary = { Id: 'srv-1', Arn: SRV_ARN, Name: 'web', Type: 'DNS_HTTP', InstanceCount: 2, DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 10 }] }, HealthCheckCustomConfig: { FailureThreshold: 1 } };
  return {
    cluster: { name: 'shop', arn: cluster.clusterArn ?? '', tags: { team: 'shop', 'ecs-gitops.io/owner': 'other' }, raw: cluster },
    services: [{ cluster: 'shop', name: 'web', arn: `${ACCOUNT}:service/shop/web`, tags: { team: 'shop', 'aws:cloudformation:stack-name': 'shop', 'ecs-gitops.io/task-definition': 'web:7' }, raw: webService() }],
    taskDefinitions: new Map([[webRevision.taskDefinitionArn ?? '', revision(webRevision)]]),
    namespaces: [{ id: 'ns-1', arn: NS_ARN, name: 'shop.local', tags: { 'ecs-gitops.io/vpc': 'vpc-0abc' }, raw: namespace }],
    cloudMapServices: [{ id: 'srv-1', arn: SRV_ARN, name: 'web', namespaceId: 'ns-1', tags: {}, raw: registry }],
    ...overrides,
  };
}

const docs = (source: ImportSource) => importDocuments(source).files.flatMap((f) => f.documents);
const find = <K extends Kind>(all: ImportedDocument[], kind: K, name: string) => all.find((d): d is ImportedDocument<K> => d.kind === kind && d.metadata.name === name);

t.test('AWS\'s documented register-task-definition answer comes back as its request, without what AWS added', async (t) => {
  const { request, output } = documented('RegisterTaskDefinition', /JSON file/);
  const raw = output.taskDefinition as TaskDefinition;
  const [file] = importDocuments({ services: [], taskDefinitions: new Map(), namespaces: [], cloudMapServices: [] }).files;
  t.equal(file, undefined, 'nothing read, nothing written');
  const service = webService({ taskDefinition: raw.taskDefinitionArn, serviceRegistries: [], networkConfiguration: undefined, launchType: 'EC2' });
  const all = docs(shop({ services: [{ cluster: 'shop', name: 'web', arn: 'x', tags: {}, raw: service }], taskDefinitions: new Map([[raw.taskDefinitionArn ?? '', revision(raw)]]) }));
  const { family: _family, containerDefinitions } = request as { family: string; containerDefinitions: Record<string, unknown>[] };
  t.same(find(all, 'TaskDefinition', 'sleep360')?.spec, { containerDefinitions: containerDefinitions.map(({ essential: _e, ...c }) => c) });
  t.equal(find(all, 'Service', 'web')?.spec.taskDefinition, 'sleep360', 'the service names the document');
});

t.test('AWS\'s documented create-service answer (EC2) comes back as its request', async (t) => {
  const { request, output } = documented('CreateService', /EC2 launch type/);
  const raw = output.service as EcsService;
  const td: TaskDefinition = { taskDefinitionArn: raw.taskDefinition, family: 'sleep360', revision: 2, status: 'ACTIVE', containerDefinitions: [{ name: 'sleep', image: 'busybox', memory: 10 }] };
  const all = docs({
    cluster: { name: 'MyCluster', arn: raw.clusterArn ?? '', tags: {}, raw: { clusterName: 'MyCluster', status: 'ACTIVE' } },
    services: [{ cluster: 'MyCluster', name: 'ecs-simple-service', arn: raw.serviceArn ?? '', tags: {}, raw }],
    taskDefinitions: new Map([[td.taskDefinitionArn ?? '', revision(td)]]), namespaces: [], cloudMapServices: [],
  });
  const { serviceName: _n, ...spec } = request;
  t.same(find(all, 'Service', 'ecs-simple-service')?.spec, { ...spec, taskDefinition: 'sleep360', launchType: 'EC2' }, 'launchType is kept: it is what AWS resolved, and create-only');
});

t.test('defaults and read-only fields are dropped; references name documents; secrets stay ARNs', async (t) => {
  const all = docs(shop());
  t.same(find(all, 'Service', 'web')?.spec, {
    cluster: 'shop', taskDefinition: 'web', desiredCount: 2, launchType: 'FARGATE', platformVersion: 'LATEST',
    serviceRegistries: [{ cloudMapService: 'web' }],
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'] } },
    tags: { team: 'shop' },
  });
  t.same(find(all, 'TaskDefinition', 'web')?.spec, {
    networkMode: 'awsvpc', cpu: '256', memory: '512', requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [{ name: 'web', image: 'nginx:1.27', portMappings: [{ containerPort: 80 }], secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC' }] }],
  });
  t.same(find(all, 'CloudMapService', 'web')?.spec, { namespace: 'shop.local', dnsConfig: { dnsRecords: [{ type: 'A', ttl: 10 }] }, healthCheckCustomConfig: {} });
  t.same(find(all, 'CloudMapNamespace', 'shop.local')?.spec, { type: 'DNS_PRIVATE', vpc: 'vpc-0abc', properties: { dnsProperties: { soa: { ttl: 15 } } } }, 'the VPC the controller recorded; the hosted zone id is AWS\'s');
  t.same(find(all, 'Cluster', 'shop')?.spec, { settings: [{ name: 'containerInsights', value: 'enabled' }], tags: { team: 'shop' } }, 'the controller\'s tags are not user tags');
  t.ok(all.every((d) => d.metadata.annotations['ecs-gitops.io/adopt'] === 'true'), 'every document asks to be adopted');
});

t.test('one file per service with what it uses; the cluster and each namespace in their own', async (t) => {
  const result = importDocuments(shop());
  t.same(result.problems, []);
  t.same(result.files.map((f) => `${f.name}: ${f.documents.map((d) => `${d.kind}/${d.metadata.name}`).join(' ')}`), [
    'cluster-shop.yaml: Cluster/shop',
    'service-web.yaml: Service/web TaskDefinition/web CloudMapService/web',
    'namespace-shop.local.yaml: CloudMapNamespace/shop.local',
  ]);
});

t.test('document names: the one a sync recorded, else the AWS name made valid, told apart when two clash', async (t) => {
  const base = shop();
  const other: NamespaceSummary = { Id: 'ns-2', Arn: `${NS_ARN}2`, Name: 'admin.local', Type: 'HTTP' };
  const all = docs({
    ...base,
    services: [{ ...base.services[0], tags: { 'ecs-gitops.io/resource': 'Service/storefront' } }],
    namespaces: [...base.namespaces, { id: 'ns-2', arn: other.Arn ?? '', name: 'admin.local', tags: {}, raw: other }],
    cloudMapServices: [...base.cloudMapServices, { id: 'srv-2', arn: `${SRV_ARN}2`, name: 'web', namespaceId: 'ns-2', tags: {}, raw: { Id: 'srv-2', Name: 'web' } }],
  });
  t.same(find(all, 'Service', 'storefront')?.spec.serviceName, 'web', 'a document name other than the AWS name sets the name field');
  t.same(all.filter((d) => d.kind === 'CloudMapService').map((d) => [d.metadata.name, (d as ImportedDocument<'CloudMapService'>).spec.namespace]).sort(), [['web', 'admin.local'], ['web-shop.local', 'shop.local']]);
  t.equal(find(all, 'CloudMapService', 'web-shop.local')?.spec.name, 'web');
  t.same(find(all, 'Service', 'storefront')?.spec.serviceRegistries, [{ cloudMapService: 'web-shop.local' }]);
});

t.test('instances of a Cloud Map service no imported service uses are written; those ECS registered are not', async (t) => {
  const base = shop();
  const external: ServiceSummary = { Id: 'srv-9', Arn: `${SRV_ARN}9`, Name: 'payments', Type: 'DNS_HTTP' };
  const result = importDocuments({
    ...base,
    cloudMapServices: [...base.cloudMapServices, { id: 'srv-9', arn: external.Arn ?? '', name: 'payments', namespaceId: 'ns-1', tags: {}, raw: external }],
    instances: [
      { serviceId: 'srv-9', id: 'provider_1', attributes: { AWS_INSTANCE_IPV4: '10.0.0.9', 'ecs-gitops.io/owner': 'ecs-gitops' } },
      { serviceId: 'srv-9', id: 'task-1', attributes: { AWS_INSTANCE_IPV4: '10.0.0.10', ECS_SERVICE_NAME: 'elsewhere' } },
      { serviceId: 'srv-1', id: 'task-2', attributes: { AWS_INSTANCE_IPV4: '10.0.0.11' } },
    ],
  });
  const namespaceFile = result.files.find((f) => f.name === 'namespace-shop.local.yaml');
  t.same(namespaceFile?.documents.map((d) => `${d.kind}/${d.metadata.name}`), ['CloudMapNamespace/shop.local', 'CloudMapService/payments', 'CloudMapInstance/provider_1']);
  t.same(namespaceFile?.documents[2].spec, { service: 'payments', attributes: { AWS_INSTANCE_IPV4: '10.0.0.9' } }, 'the controller\'s owner attribute is not the user\'s');
  t.notOk(result.files.some((f) => f.documents.some((d) => d.kind === 'CloudMapInstance' && d.metadata.name.startsWith('task'))), 'a service\'s registry gets no instance documents');
});

t.test('a service with no task definition (EXTERNAL deployment controller) is left out with a warning; the rest is written', async (t) => {
  const base = shop();
  const external = { ...base.services[0], name: 'edge', arn: 'edge', raw: webService({ serviceName: 'edge', taskDefinition: undefined, deploymentController: { type: 'EXTERNAL' }, serviceRegistries: [] }) };
  const result = importDocuments({ ...base, services: [...base.services, external] });
  t.match(result.problems, [{ object: 'Service shop/edge', severity: 'warning', message: /not written: .*EXTERNAL/ }]);
  t.same(result.files.map((f) => f.name), ['cluster-shop.yaml', 'service-web.yaml', 'namespace-shop.local.yaml']);
});

t.test('an object another controller owns is warned about: this one will not adopt it', async (t) => {
  t.same(importDocuments(shop(), { controllerId: 'other' }).problems, []);
  t.same(importDocuments(shop(), { controllerId: 'ecs-gitops' }).problems, [
    { object: 'Cluster shop', severity: 'warning', message: 'is owned by controller "other", not "ecs-gitops": this controller will not adopt it (diff reports a conflict)' },
  ]);
});

t.test("with --application, an object another application of this controller owns is warned about; one of no application is not", async (t) => {
  const base = shop();
  const source = { ...base, cluster: { ...base.cluster!, tags: { 'ecs-gitops.io/owner': 'other', 'ecs-gitops.io/application': 'github.com/acme/shop' } }, services: [{ ...base.services[0], tags: { 'ecs-gitops.io/owner': 'other' } }] };
  t.same(importDocuments(source, { controllerId: 'other', application: 'github.com/acme/shop' }).problems, []);
  t.same(importDocuments(source, { controllerId: 'other', application: 'payments' }).problems, [
    { object: 'Cluster shop', severity: 'warning', message: 'is owned by application "github.com/acme/shop" of this controller, not "payments": this application will not adopt it (diff reports a conflict)' },
  ]);
  t.same(importDocuments(source, { controllerId: 'other' }).problems, [], 'without --application nothing is said about applications');
});

t.test('a private namespace whose VPC nobody recorded needs --vpc; it is an error otherwise', async (t) => {
  const base = shop();
  const untagged = { ...base, namespaces: [{ ...base.namespaces[0], tags: {} }] };
  t.match(importDocuments(untagged).problems, [{ object: 'CloudMapNamespace shop.local', severity: 'error', message: /--vpc shop\.local=vpc-/ }]);
  const vpcOf = (source: ImportSource, vpcs: [string, string][] = []) => {
    const result = importDocuments(source, { vpcs: new Map(vpcs) });
    return result.problems.length ? result.problems : result.files.flatMap((f) => f.documents).find((d): d is ImportedDocument<'CloudMapNamespace'> => d.kind === 'CloudMapNamespace')?.spec.vpc;
  };
  t.equal(vpcOf(untagged, [['*', 'vpc-0def']]), 'vpc-0def', '--vpc for every namespace');
  t.equal(vpcOf({ ...untagged, zoneVpcs: new Map([['ns-1', ['vpc-0aaa']]]) }, [['*', 'vpc-0def']]), 'vpc-0aaa', 'the one VPC its hosted zone is associated with, before --vpc for all');
  t.match(vpcOf({ ...untagged, zoneVpcs: new Map([['ns-1', ['vpc-0aaa', 'vpc-0bbb']]]) }), [{ severity: 'error', message: /its hosted zone is associated with vpc-0aaa, vpc-0bbb\); name it with --vpc/ }], 'several: the user says which');
  t.equal(vpcOf(base, [['shop.local', 'vpc-0ccc']]), 'vpc-0ccc', '--vpc for this namespace, before its tag');
  t.equal(vpcOf(base, [['*', 'vpc-0ccc']]), 'vpc-0abc', 'the tag before --vpc for all');
});

t.test('services running different revisions of one family: the newest is written, the others warned about', async (t) => {
  const base = shop();
  const older = { ...webRevision, taskDefinitionArn: `${ACCOUNT}:task-definition/web:6`, revision: 6, containerDefinitions: [{ name: 'web', image: 'nginx:1.26' }] };
  const second = { ...base.services[0], name: 'web-canary', arn: 'canary', raw: webService({ serviceName: 'web-canary', taskDefinition: older.taskDefinitionArn }) };
  const result = importDocuments({ ...base, services: [...base.services, second], taskDefinitions: new Map([...base.taskDefinitions, [older.taskDefinitionArn, revision(older)]]) });
  t.match(result.problems, [{ object: 'Service shop/web-canary', severity: 'warning', message: /runs web:6, but family web is written as web:7/ }]);
  const tds = result.files.flatMap((f) => f.documents).filter((d) => d.kind === 'TaskDefinition');
  t.equal(tds.length, 1);
  t.match(tds[0].spec, { containerDefinitions: [{ image: 'nginx:1.27' }] });
});

t.test('withoutImplied keeps what the normaliser notices, at any depth, and list items', async (t) => {
  const spec = { containerDefinitions: [{ name: 'a', image: 'i', essential: true, portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' as const }], healthCheck: { command: ['CMD', 'true'], interval: 30, retries: 5 } }] };
  t.same(withoutImplied(spec, canonicalTaskDefinition), { containerDefinitions: [{ name: 'a', image: 'i', portMappings: [{ containerPort: 8080 }], healthCheck: { command: ['CMD', 'true'], retries: 5 } }] }, 'bridge: an absent host port is dynamic (0)');
  t.equal(spec.containerDefinitions[0].essential, true, 'the input is not changed');
});

t.test('the document-name patterns are the CRDs\'', async (t) => {
  for (const kind of KINDS) {
    const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, `${kind.toLowerCase()}.json`), 'utf8')) as { properties: { metadata: { properties: { name: { pattern: string } } } } };
    t.equal(NAME_PATTERN[kind].source, schema.properties.metadata.properties.name.pattern, kind);
  }
});

t.test('every answer AWS documents for a cluster, service or task definition imports to documents that validate', async (t) => {
  const { renderFile } = await import('../../src/commands/import.js');
  const { loadConfig, formatFinding } = await import('../../src/load/index.js');
  const cases = ECS_EXAMPLES.flatMap((e) => {
    const output = e.output as { service?: EcsService; services?: EcsService[]; taskDefinition?: TaskDefinition; cluster?: Cluster; clusters?: Cluster[] };
    const service = e.operation === 'CreateService' ? output.service : e.operation === 'DescribeServices' ? output.services?.[0] : undefined;
    const td = /^(Describe|Register)TaskDefinition$/.test(e.operation) ? output.taskDefinition : undefined;
    const cluster = /^(Create|Describe)Clusters?$/.test(e.operation) ? (output.cluster ?? output.clusters?.[0]) : undefined;
    return service?.taskDefinition || td || cluster ? [{ title: `${e.operation}: ${e.example}`, service, td, cluster }] : [];
  });
  t.ok(cases.length >= 10, `${cases.length} documented answers`);
  for (const c of cases) {
    // What the example does not show is made up to fit it: a revision with the containers its service names.
    const ports = new Map<string, number[]>([['app', []]]);
    for (const lb of c.service?.loadBalancers ?? []) ports.set(lb.containerName ?? 'app', [...(ports.get(lb.containerName ?? 'app') ?? []), ...(lb.containerPort ? [lb.containerPort] : [])]);
    const td: TaskDefinition = c.td ?? {
      taskDefinitionArn: c.service?.taskDefinition ?? `${ACCOUNT}:task-definition/app:1`, family: 'app', revision: 1, status: 'ACTIVE',
      networkMode: c.service?.networkConfiguration ? 'awsvpc' : undefined, requiresCompatibilities: c.service?.launchType === 'FARGATE' ? ['FARGATE'] : undefined,
      cpu: '256', memory: '512', containerDefinitions: [...ports].map(([name, mapped]) => ({ name, image: 'app:1', memory: 128, portMappings: mapped.map((containerPort) => ({ containerPort })) })),
      // The volumes the service's deployment configures at launch.
      volumes: (c.service?.deployments?.find((d) => d.status === 'PRIMARY')?.volumeConfigurations ?? []).map((v) => ({ name: v.name, configuredAtLaunch: true })),
    };
    const service = c.service ?? { serviceName: 'app', serviceArn: `${ACCOUNT}:service/c/app`, status: 'ACTIVE', taskDefinition: td.taskDefinitionArn, ...(td.networkMode === 'awsvpc' ? { networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } } } : {}) };
    const cluster = c.cluster ?? { clusterName: 'c', clusterArn: `${ACCOUNT}:cluster/c`, status: 'ACTIVE' };
    const result = importDocuments({
      cluster: { name: cluster.clusterName ?? '', arn: cluster.clusterArn ?? '', tags: {}, raw: cluster },
      services: [{ cluster: cluster.clusterName ?? '', name: service.serviceName ?? '', arn: service.serviceArn ?? '', tags: {}, raw: { ...service, serviceRegistries: [] } }],
      taskDefinitions: new Map([[service.taskDefinition ?? '', revision({ ...td, taskDefinitionArn: service.taskDefinition })]]),
      namespaces: [], cloudMapServices: [],
    });
    const dir = t.testdir(Object.fromEntries(result.files.map((f) => [f.name, renderFile(f, 'AWS documentation')])));
    const loaded = await loadConfig(dir);
    t.same(loaded.ok ? [] : loaded.errors.map(formatFinding), [], c.title);
    t.same(result.problems, [], `${c.title}: nothing left out`);
  }
});
