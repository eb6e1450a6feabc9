import t from 'tap';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteClusterCommand, DeleteServiceCommand, DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand, DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand,
  ListClustersCommand, ListServicesCommand, ListTagsForResourceCommand, ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand, PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand, TagResourceCommand,
  UntagResourceCommand, UpdateClusterCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
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
