import t from 'tap';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DeleteServiceCommand, DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand, DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand,
  ListClustersCommand, ListServicesCommand, ListTagsForResourceCommand, ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand, PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand, TagResourceCommand,
  PutAccountSettingCommand, UntagResourceCommand, UpdateClusterCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
import { CreateHttpNamespaceCommand, GetOperationCommand, ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { container, errorOf, harness } from './fixtures.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012';

t.test('clusters: create is idempotent, describe reports missing, delete refuses services', async (t) => {
  const { ecs } = await harness(t);
  const a = await ecs.send(new CreateClusterCommand({ clusterName: 'prod', tags: [{ key: 'team', value: 'web' }] }));
  t.equal(a.cluster?.clusterArn, `${ARN}:cluster/prod`);
  t.same(a.cluster?.settings, [{ name: 'containerInsights', value: 'disabled' }]);
  const again = await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }));
  t.equal(again.cluster?.clusterArn, a.cluster?.clusterArn, 'creating an existing name returns it');

  const d = await ecs.send(new DescribeClustersCommand({ clusters: ['prod', 'nope'] }));
  t.equal(d.clusters?.length, 1);
  t.same(d.clusters?.[0].tags, [], 'an empty tag list without include (AWS CLI describe-clusters example)');
  t.same(d.failures, [{ arn: `${ARN}:cluster/nope`, reason: 'MISSING' }]);
  const withTags = await ecs.send(new DescribeClustersCommand({ clusters: [`${ARN}:cluster/prod`], include: ['TAGS'] }));
  t.same(withTags.clusters?.[0].tags, [{ key: 'team', value: 'web' }]);

  const upd = await ecs.send(new UpdateClusterCommand({ cluster: 'prod', settings: [{ name: 'containerInsights', value: 'enabled' }] }));
  t.same(upd.cluster?.settings, [{ name: 'containerInsights', value: 'enabled' }]);
  const cp = await ecs.send(new PutClusterCapacityProvidersCommand({
    cluster: 'prod', capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
  }));
  t.same(cp.cluster?.capacityProviders, ['FARGATE']);
  const badCp = await errorOf(() => ecs.send(new PutClusterCapacityProvidersCommand({
    cluster: 'prod', capacityProviders: [], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
  })));
  t.equal(badCp.name, 'InvalidParameterException');

  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  await ecs.send(new CreateServiceCommand({ cluster: 'prod', serviceName: 'web', taskDefinition: 'web', desiredCount: 0, launchType: 'EC2' }));
  const busy = await errorOf(() => ecs.send(new DeleteClusterCommand({ cluster: 'prod' })));
  t.equal(busy.name, 'ClusterContainsServicesException');
  t.equal(busy.$metadata?.httpStatusCode, 400);

  await ecs.send(new CreateClusterCommand({ clusterName: 'empty' }));
  const del = await ecs.send(new DeleteClusterCommand({ cluster: 'empty' }));
  t.equal(del.cluster?.status, 'INACTIVE');
  const list = await ecs.send(new ListClustersCommand({}));
  t.same(list.clusterArns, [`${ARN}:cluster/prod`], 'INACTIVE clusters are not listed');
  const gone = await ecs.send(new DescribeClustersCommand({ clusters: ['empty'] }));
  t.equal(gone.clusters?.[0].status, 'INACTIVE', 'INACTIVE clusters stay describable');
  const nf = await errorOf(() => ecs.send(new UpdateClusterCommand({ cluster: 'empty', settings: [] })));
  t.equal(nf.name, 'ClusterNotFoundException');
  const tooMany = await errorOf(() => ecs.send(new DescribeClustersCommand({ clusters: Array.from({ length: 101 }, (_, i) => `c${i}`) })));
  t.equal(tooMany.name, 'InvalidParameterException');
});

t.test('task definitions: revisions, AWS defaults, INACTIVE, delete, tags', async (t) => {
  const { ecs, clock } = await harness(t);
  const reg = await ecs.send(new RegisterTaskDefinitionCommand({
    family: 'api',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '0.5 vCPU',
    memory: '1 GB',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    containerDefinitions: [{
      name: 'api', image: 'api:1', portMappings: [{ containerPort: 8080 }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g' } },
    }],
    tags: [{ key: 'owner', value: 'me' }],
  }));
  const td = reg.taskDefinition;
  t.equal(td?.taskDefinitionArn, `${ARN}:task-definition/api:1`);
  t.equal(td?.revision, 1);
  t.equal(td?.cpu, '512', 'cpu as CPU units string');
  t.equal(td?.memory, '1024', 'memory as MiB string');
  t.equal(td?.status, 'ACTIVE');
  t.same(td?.compatibilities, ['EC2', 'FARGATE']);
  t.same(td?.volumes, []);
  t.same(td?.placementConstraints, []);
  t.equal(td?.registeredBy, 'arn:aws:iam::123456789012:root');
  t.equal(td?.registeredAt?.getTime(), clock.now());
  const c = td?.containerDefinitions?.[0];
  t.equal(c?.essential, true);
  t.same(c?.portMappings, [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }], 'hostPort = containerPort under awsvpc');
  t.same([c?.environment, c?.mountPoints, c?.volumesFrom], [[], [], []]);
  const attrs = (td?.requiresAttributes ?? []).map((a) => a.name);
  t.ok(attrs.includes('ecs.capability.task-eni'));
  t.ok(attrs.includes('com.amazonaws.ecs.capability.logging-driver.awslogs'));
  t.ok(attrs.includes('ecs.capability.execution-role-awslogs'));

  const r2 = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'api', containerDefinitions: [container('api', 'api:2')] }));
  t.equal(r2.taskDefinition?.revision, 2);
  const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api' }));
  t.equal(latest.taskDefinition?.revision, 2, 'family alone = latest ACTIVE revision');
  t.same(latest.tags, [], 'an empty tag list without include (AWS CLI describe-task-definition example)');
  const tagged = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api:1', include: ['TAGS'] }));
  t.same(tagged.tags, [{ key: 'owner', value: 'me' }]);

  const fargateBad = await errorOf(() => ecs.send(new RegisterTaskDefinitionCommand({
    family: 'bad', requiresCompatibilities: ['FARGATE'], containerDefinitions: [container('x', 'x')],
  })));
  t.equal(fargateBad.name, 'ClientException');

  const dereg = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'api:2' }));
  t.equal(dereg.taskDefinition?.status, 'INACTIVE');
  t.ok(dereg.taskDefinition?.deregisteredAt);
  const nowLatest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api' }));
  t.equal(nowLatest.taskDefinition?.revision, 1, 'latest ACTIVE skips INACTIVE revisions');
  const still = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${ARN}:task-definition/api:2` }));
  t.equal(still.taskDefinition?.status, 'INACTIVE', 'INACTIVE revisions stay describable');
  const noRev = await errorOf(() => ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'api' })));
  t.equal(noRev.name, 'ClientException');

  const del = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ['api:2', 'api:1'] }));
  t.equal(del.taskDefinitions?.[0].status, 'DELETE_IN_PROGRESS');
  t.equal(del.failures?.[0].arn, `${ARN}:task-definition/api:1`, 'ACTIVE revisions are refused');
  clock.advance(60_000);
  const missing = await errorOf(() => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api:2' })));
  t.equal(missing.name, 'ClientException');
  const r3 = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'api', containerDefinitions: [container('api', 'api:3')] }));
  t.equal(r3.taskDefinition?.revision, 3, 'revision numbers are never reused');

  const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({}));
  t.same(families.families, ['api']);
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'old', containerDefinitions: [container('o', 'o')] }));
  await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'old:1' }));
  t.same((await ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE' }))).families, ['api']);
  t.same((await ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'INACTIVE' }))).families, ['old']);
  t.same((await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'o' }))).families, ['old']);
  const asc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'api' }));
  t.same(asc.taskDefinitionArns, [`${ARN}:task-definition/api:1`, `${ARN}:task-definition/api:3`]);
  const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'api', sort: 'DESC' }));
  t.same(desc.taskDefinitionArns, [`${ARN}:task-definition/api:3`, `${ARN}:task-definition/api:1`]);
  const inactive = await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }));
  t.same(inactive.taskDefinitionArns, [`${ARN}:task-definition/old:1`]);
});

t.test('services: create, idempotent clientToken, describe limits, delete drains to INACTIVE', async (t) => {
  const { ecs, clock } = await harness(t);
  await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  const created = await ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 1, clientToken: 'tok-1', tags: [{ key: 'k', value: 'v' }],
  }));
  const svc = created.service;
  t.equal(svc?.serviceArn, `${ARN}:service/c/web`);
  t.equal(svc?.taskDefinition, `${ARN}:task-definition/web:1`, 'the family is resolved to the full revision ARN');
  t.same(svc?.deploymentConfiguration, {
    maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false },
    alarms: { alarmNames: [], enable: false, rollback: false },
  });
  t.equal(svc?.propagateTags, 'NONE');
  t.equal(svc?.enableECSManagedTags, false);
  t.same([svc?.placementConstraints, svc?.placementStrategy, svc?.loadBalancers, svc?.serviceRegistries], [[], [], [], []]);
  t.equal(svc?.launchType, 'EC2');
  t.same(svc?.tags, [{ key: 'k', value: 'v' }], 'the create answer carries the tags (AWS CLI create-service example)');

  const retry = await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 1, clientToken: 'tok-1' }));
  t.equal(retry.service?.createdAt?.getTime(), svc?.createdAt?.getTime(), 'same clientToken returns the same service');
  const dup = await errorOf(() => ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 1 })));
  t.equal(dup.name, 'InvalidParameterException', 'an ACTIVE name cannot be reused');

  const tooMany = await errorOf(() => ecs.send(new DescribeServicesCommand({ cluster: 'c', services: Array.from({ length: 11 }, (_, i) => `s${i}`) })));
  t.equal(tooMany.name, 'InvalidParameterException');
  const d = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web', 'ghost'], include: ['TAGS'] }));
  t.same(d.services?.[0].tags, [{ key: 'k', value: 'v' }]);
  t.same(d.failures, [{ arn: `${ARN}:service/ghost`, reason: 'MISSING' }], 'a missing name is reported with the short service ARN');
  const noCluster = await errorOf(() => ecs.send(new DescribeServicesCommand({ cluster: 'zz', services: ['web'] })));
  t.equal(noCluster.name, 'ClusterNotFoundException');

  const scaled = await errorOf(() => ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'web' })));
  t.equal(scaled.name, 'InvalidParameterException', 'a service above 0 needs force');
  clock.advance(10_000);
  const deleted = await ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'web', force: true }));
  t.equal(deleted.service?.status, 'DRAINING');
  t.same((await ecs.send(new ListServicesCommand({ cluster: 'c' }))).serviceArns, [], 'DRAINING services leave ListServices');
  const upd = await errorOf(() => ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 2 })));
  t.equal(upd.name, 'ServiceNotActiveException');
  const reuse = await errorOf(() => ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 0 })));
  t.equal(reuse.name, 'InvalidParameterException', 'a DRAINING name cannot be reused');
  clock.advance(10_000);
  const inactive = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }));
  t.equal(inactive.services?.[0].status, 'INACTIVE');
  t.equal(inactive.services?.[0].runningCount, 0);
  const nf = await errorOf(() => ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'nope', desiredCount: 2 })));
  t.equal(nf.name, 'ServiceNotFoundException');
  const fresh = await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 0 }));
  t.equal(fresh.service?.status, 'ACTIVE', 'an INACTIVE name may be reused');
  clock.advance(2 * 3_600_000);
  const ds = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }));
  t.equal(ds.services?.[0].status, 'ACTIVE', 'the new service is found, not the old INACTIVE one');

  const awsvpc = await ecs.send(new RegisterTaskDefinitionCommand({ family: 'vpc', networkMode: 'awsvpc', containerDefinitions: [container('v', 'v', 80)] }));
  const noNet = await errorOf(() => ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'v', taskDefinition: awsvpc.taskDefinition?.taskDefinitionArn, desiredCount: 1 })));
  t.equal(noNet.name, 'InvalidParameterException', 'awsvpc needs a network configuration');
  const noTd = await errorOf(() => ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'x', taskDefinition: 'missing:3', desiredCount: 1 })));
  t.equal(noTd.name, 'ClientException');
});

t.test('list paging follows maxResults and nextToken with AWS default page sizes', async (t) => {
  const { ecs } = await harness(t);
  await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  for (let i = 0; i < 23; i++) {
    await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: `s${String(i).padStart(2, '0')}`, taskDefinition: 'web', desiredCount: 0 }));
  }
  const first = await ecs.send(new ListServicesCommand({ cluster: 'c' }));
  t.equal(first.serviceArns?.length, 10, 'ListServices pages 10 by default');
  t.ok(first.nextToken);
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await ecs.send(new ListServicesCommand({ cluster: 'c', maxResults: 7, nextToken: token }));
    seen.push(...(page.serviceArns ?? []));
    token = page.nextToken;
    pages++;
  } while (token);
  t.equal(pages, 4);
  t.equal(new Set(seen).size, 23, 'every service exactly once');
  const bad = await errorOf(() => ecs.send(new ListServicesCommand({ cluster: 'c', nextToken: 'garbage!' })));
  t.equal(bad.name, 'InvalidParameterException');
  const tooBig = await errorOf(() => ecs.send(new ListServicesCommand({ cluster: 'c', maxResults: 101 })));
  t.equal(tooBig.name, 'InvalidParameterException');
  for (let i = 0; i < 3; i++) await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', `nginx:${i}`)] }));
  const tdPage = await ecs.send(new ListTaskDefinitionsCommand({ maxResults: 3 }));
  t.equal(tdPage.taskDefinitionArns?.length, 3);
  const tdRest = await ecs.send(new ListTaskDefinitionsCommand({ maxResults: 3, nextToken: tdPage.nextToken }));
  t.same(tdRest.taskDefinitionArns, [`${ARN}:task-definition/web:4`]);
  t.notOk(tdRest.nextToken);
});

t.test('tags: tag, untag, list; unknown ARNs', async (t) => {
  const { ecs } = await harness(t);
  const c = await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  const arn = c.cluster?.clusterArn as string;
  await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }));
  await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: '3' }] }));
  await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b'] }));
  t.same((await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ key: 'a', value: '3' }]);
  const missing = await errorOf(() => ecs.send(new ListTagsForResourceCommand({ resourceArn: `${ARN}:cluster/nope` })));
  t.equal(missing.name, 'ResourceNotFoundException');
  const malformed = await errorOf(() => ecs.send(new TagResourceCommand({ resourceArn: 'not-an-arn', tags: [] })));
  t.equal(malformed.name, 'InvalidParameterException');
});

t.test('an operation outside the list answers UnknownOperationException, not a crash', async (t) => {
  const { sim } = await harness(t);
  const res = await fetch(sim.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.RunTask' },
    body: '{}',
  });
  t.equal(res.status, 400);
  const body = (await res.json()) as { __type: string };
  t.match(body.__type, /#UnknownOperationException$/);
  const bad = await fetch(sim.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters' },
    body: '{not json',
  });
  t.equal(bad.status, 400);
  t.match(((await bad.json()) as { __type: string }).__type, /SerializationException/);
  const still = sim.invoke('AmazonEC2ContainerServiceV20141113.ListClusters', '{}');
  t.equal(still.status, 200, 'the simulator keeps answering');
});

const fargateTd = (family: string) => new RegisterTaskDefinitionCommand({
  family, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', containerDefinitions: [container('app', 'nginx', 80)],
});
const network = { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } };

t.test('services: the fields AWS fills in (AWS CLI create-service / update-service examples)', async (t) => {
  const { ecs } = await harness(t);
  await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await ecs.send(fargateTd('app'));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'ec2', containerDefinitions: [container('web', 'nginx')] }));
  const fargate = (await ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'f', taskDefinition: 'app', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: network,
  }))).service;
  t.equal(fargate?.roleArn, `arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`, 'no role: the service-linked role');
  t.equal(fargate?.platformVersion, 'LATEST');
  t.equal(fargate?.platformFamily, 'Linux');
  t.equal(fargate?.deployments?.[0].platformVersion, '1.4.0', 'deployments show what LATEST resolved to');
  t.equal(fargate?.deployments?.[0].platformFamily, 'Linux');
  t.equal(fargate?.healthCheckGracePeriodSeconds, 0);
  t.same(fargate?.deploymentController, { type: 'ECS' });
  t.same(fargate?.deploymentConfiguration?.alarms, { alarmNames: [], enable: false, rollback: false });
  t.same(fargate?.deploymentConfiguration?.deploymentCircuitBreaker, { enable: false, rollback: false });
  t.equal(fargate?.availabilityZoneRebalancing, 'ENABLED');
  t.equal(fargate?.enableExecuteCommand, false);
  t.match(fargate?.createdBy, /^arn:aws:iam::123456789012:/);

  const ec2 = (await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'e', taskDefinition: 'ec2', desiredCount: 1, role: 'ecsServiceRole' }))).service;
  t.equal(ec2?.launchType, 'EC2', 'neither launch type nor strategy and no cluster default: EC2');
  t.equal(ec2?.roleArn, 'arn:aws:iam::123456789012:role/ecsServiceRole', 'a role name becomes its ARN');
  t.notOk(ec2?.platformFamily, 'no platform family off Fargate');
  t.notOk(ec2?.platformVersion);

  // A cluster's default strategy is copied onto a service that names neither.
  await ecs.send(new CreateClusterCommand({
    clusterName: 'spot', capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
  }));
  const inherited = (await ecs.send(new CreateServiceCommand({ cluster: 'spot', serviceName: 's', taskDefinition: 'app', desiredCount: 1, networkConfiguration: network }))).service;
  t.same(inherited?.capacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }]);
  t.notOk(inherited?.launchType);
  t.equal(inherited?.platformFamily, 'Linux');
  t.same(inherited?.deployments?.[0].capacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }]);
  const back = (await ecs.send(new UpdateServiceCommand({ cluster: 'spot', service: 's', capacityProviderStrategy: [] }))).service;
  t.equal(back?.launchType, 'FARGATE', 'an empty strategy goes back to the launch type');
  t.notOk(back?.capacityProviderStrategy);
  t.equal(back?.deployments?.length, 1, 'a strategy change alone starts no deployment (UpdateService reference)');
  const unknownCp = await errorOf(() => ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'f', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] })));
  t.equal(unknownCp.name, 'InvalidParameterException', 'a strategy may name only the cluster\'s capacity providers');
  const bothLaunch = await errorOf(() => ecs.send(new CreateServiceCommand({
    cluster: 'spot', serviceName: 'x', taskDefinition: 'app', desiredCount: 1, networkConfiguration: network, launchType: 'FARGATE',
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
  })));
  t.equal(bothLaunch.name, 'InvalidParameterException');
});

t.test('deployment controllers: EXTERNAL and CODE_DEPLOY services, and what UpdateService refuses for them', async (t) => {
  const { ecs } = await harness(t);
  await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', 'nginx')] }));
  const ext = (await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'ext', desiredCount: 1, deploymentController: { type: 'EXTERNAL' } }))).service;
  t.same(ext?.deployments, [], 'EXTERNAL services report no deployments');
  t.same(ext?.taskSets, []);
  t.same(ext?.deploymentController, { type: 'EXTERNAL' });
  const cd = (await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'cd', taskDefinition: 'web', desiredCount: 1, deploymentController: { type: 'CODE_DEPLOY' } }))).service;
  t.same(cd?.deploymentController, { type: 'CODE_DEPLOY' });
  const refused: [string, Partial<UpdateServiceCommandInput>][] = [
    ['cd', { taskDefinition: 'web' }], ['ext', { loadBalancers: [] }], ['cd', { networkConfiguration: network }], ['cd', { forceNewDeployment: true }],
  ];
  for (const [service, change] of refused) {
    const err = await errorOf(() => ecs.send(new UpdateServiceCommand({ cluster: 'c', service, ...change })));
    t.equal(err.name, 'InvalidParameterException', `${service}: ${Object.keys(change)[0]} is refused`);
  }
  const scaled = (await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'cd', desiredCount: 2, healthCheckGracePeriodSeconds: 30 }))).service;
  t.same([scaled?.desiredCount, scaled?.healthCheckGracePeriodSeconds], [2, 30], 'desired count and grace period may change');
});

t.test('clusters: serviceConnectDefaults as the namespace ARN, containerInsights from the account setting', async (t) => {
  const { ecs, sd, clock } = await harness(t);
  const op = await sd.send(new CreateHttpNamespaceCommand({ Name: 'apps' }));
  clock.advance(5000);
  const nsId = (await sd.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation?.Targets?.NAMESPACE;
  const c = (await ecs.send(new CreateClusterCommand({ clusterName: 'a', serviceConnectDefaults: { namespace: 'apps' } }))).cluster;
  t.same(c?.serviceConnectDefaults, { namespace: `arn:aws:servicediscovery:us-east-1:123456789012:namespace/${nsId}` }, 'a name comes back as the ARN');
  const fresh = (await ecs.send(new UpdateClusterCommand({ cluster: 'a', serviceConnectDefaults: { namespace: 'brand-new' } }))).cluster;
  const names = (await sd.send(new ListNamespacesCommand({}))).Namespaces?.map((n) => [n.Name, n.Type]);
  t.same(names, [['apps', 'HTTP'], ['brand-new', 'HTTP']], 'a new name creates an HTTP namespace');
  t.match(fresh?.serviceConnectDefaults?.namespace, /^arn:aws:servicediscovery:/);
  const removed = (await ecs.send(new UpdateClusterCommand({ cluster: 'a', serviceConnectDefaults: { namespace: '' } }))).cluster;
  t.notOk(removed?.serviceConnectDefaults, 'an empty name removes it');

  await ecs.send(new PutAccountSettingCommand({ name: 'containerInsights', value: 'enhanced' }));
  const b = (await ecs.send(new CreateClusterCommand({ clusterName: 'b' }))).cluster;
  t.same(b?.settings, [{ name: 'containerInsights', value: 'enhanced' }], 'unset containerInsights follows the account setting');
});

t.test('refusals: Fargate task sizes, tag limits and rules, wrong JSON types answer 400', async (t) => {
  const { ecs, sim } = await harness(t);
  const base = { family: 'f', networkMode: 'awsvpc' as const, requiresCompatibilities: ['FARGATE' as const], containerDefinitions: [container('a', 'nginx')] };
  for (const [cpu, memory] of [['256', '4096'], ['512', '512'], ['1024', '1536'], ['8192', '18432'], ['3 vCPU', '8 GB']]) {
    const err = await errorOf(() => ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu, memory })));
    t.equal(err.name, 'ClientException', `Fargate refuses cpu ${cpu} with memory ${memory}`);
  }
  for (const [cpu, memory] of [['256', '512'], ['0.5 vCPU', '4 GB'], ['4096', '30720'], ['8192', '16384'], ['16 vCPU', '120 GB']]) {
    const ok = await ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu, memory }));
    t.equal(ok.taskDefinition?.status, 'ACTIVE', `Fargate takes cpu ${cpu} with memory ${memory}`);
  }

  await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  const arn = `${ARN}:cluster/c`;
  const tags = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: 'v' }));
  t.equal((await errorOf(() => ecs.send(new CreateClusterCommand({ clusterName: 'd', tags: tags(51) })))).name, 'InvalidParameterException', '51 tags on create');
  await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: tags(50) }));
  t.equal((await errorOf(() => ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'one-more', value: 'v' }] })))).name, 'InvalidParameterException', 'the 51st tag');
  await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k0', value: 'replaced' }] }));
  t.pass('re-tagging an existing key stays within 50');
  for (const bad of [{ key: 'aws:reserved', value: 'v' }, { key: 'x'.repeat(129), value: 'v' }, { key: 'k', value: 'v'.repeat(257) }, { key: 'bell\u0007', value: 'v' }]) {
    t.equal((await errorOf(() => ecs.send(new CreateClusterCommand({ clusterName: 'e', tags: [bad] })))).name, 'InvalidParameterException', `tag ${bad.key.slice(0, 20)} refused`);
  }

  // What the SDK would never send, a hand-written client can: the answer is a 400, never a 500.
  const call = (operation: string, body: unknown) => sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(body));
  for (const [operation, body] of [
    ['CreateCluster', { clusterName: 123 }],
    ['CreateService', { cluster: 'c', serviceName: 'x', taskDefinition: 'f', desiredCount: '3' }],
    ['CreateService', { cluster: 'c', serviceName: 'x', taskDefinition: 'f', desiredCount: 1, tags: { key: 'v' } }],
    ['DescribeServices', { cluster: 'c', services: 'web' }],
    ['UpdateService', { cluster: 'c', service: 'x', deploymentConfiguration: { maximumPercent: 'lots' } }],
    ['RegisterTaskDefinition', { family: 'f', containerDefinitions: [{ name: 'a', image: 'b', essential: 'yes' }] }],
  ] as const) {
    const answer = call(operation, body);
    t.equal(answer.status, 400, `${operation} ${JSON.stringify(body)} answers 400`);
    t.match((answer.body as { __type: string }).__type, /SerializationException$/);
  }
  const res = await fetch(sim.endpoint, {
    method: 'POST', headers: { 'x-amz-target': `${ECS_TARGET_PREFIX}.CreateCluster`, 'content-type': 'application/x-amz-json-1.1' }, body: '{"clusterName":123}',
  });
  t.equal(res.status, 400, 'over HTTP too');
  t.match(((await res.json()) as { message: string }).message, /clusterName must be a string/);
});
