// `ecs-gitops import` on services someone else made, against moto (an AWS emulator
// written by other people): a Fargate service with awsvpc and an EC2 bridge-mode service
// registered in a Cloud Map service of a private DNS namespace, all made with the AWS CLI.
// Import → validate → diff shows only the ownership tags to add → sync adopts without
// registering a revision or updating a service → diff is empty.
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { awsCli } from '../helpers/aws-cli.js';
import { cli, plannedCalls } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';
import { motoNetwork } from '../helpers/repo.js';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/web/db-AbCdEf';

/** What someone made by hand: cluster, namespace, Cloud Map service, two revisions, two services. */
async function handMade(endpoint: string) {
  const net = await motoNetwork(endpoint);
  const [vpc, subnet, sg] = [net['vpc-0a1b2c3d4e5f67890'], net['subnet-0aa1b2c3d4e5f6071'], net['sg-0a1b2c3d4e5f60001']];
  const aws = (...args: string[]) => awsCli(endpoint, args);
  await aws('ecs', 'create-cluster', '--cluster-name', 'shop', '--tags', 'key=team,value=shop');
  await aws('servicediscovery', 'create-private-dns-namespace', '--name', 'shop.local', '--vpc', vpc);
  const { Namespaces } = (await aws('servicediscovery', 'list-namespaces')) as { Namespaces: { Id: string; Name: string }[] };
  const namespaceId = Namespaces.find((n) => n.Name === 'shop.local')?.Id ?? '';
  const { Service } = (await aws('servicediscovery', 'create-service', '--name', 'orders', '--namespace-id', namespaceId,
    '--dns-config', `NamespaceId=${namespaceId},RoutingPolicy=MULTIVALUE,DnsRecords=[{Type=SRV,TTL=60}]`, '--health-check-custom-config', 'FailureThreshold=1')) as { Service: { Arn: string } };
  await aws('ecs', 'register-task-definition', '--family', 'web', '--requires-compatibilities', 'FARGATE', '--network-mode', 'awsvpc', '--cpu', '256', '--memory', '512',
    '--container-definitions', JSON.stringify([{ name: 'web', image: 'nginx:1.27', portMappings: [{ containerPort: 80 }], secrets: [{ name: 'DB_PASSWORD', valueFrom: SECRET }] }]));
  await aws('ecs', 'register-task-definition', '--family', 'orders', '--network-mode', 'bridge',
    '--container-definitions', JSON.stringify([{ name: 'orders', image: 'orders:2.1', memory: 256, portMappings: [{ containerPort: 8080, hostPort: 0 }], environment: [{ name: 'MODE', value: 'live' }] }]));
  await aws('ecs', 'create-service', '--cluster', 'shop', '--service-name', 'web', '--task-definition', 'web:1', '--desired-count', '2', '--launch-type', 'FARGATE',
    '--network-configuration', `awsvpcConfiguration={subnets=[${subnet}],securityGroups=[${sg}],assignPublicIp=DISABLED}`, '--tags', 'key=team,value=shop');
  await aws('ecs', 'create-service', '--cluster', 'shop', '--service-name', 'orders', '--task-definition', 'orders:1', '--desired-count', '1', '--launch-type', 'EC2',
    '--service-registries', `registryArn=${Service.Arn},containerName=orders,containerPort=8080`);
  return { vpc };
}

interface JsonPlan {
  resources: { key: string; action: string; message?: string; changes: { path: string }[] }[];
  steps: { key: string; calls: { operation: string; input: { tags?: { key: string }[]; Tags?: { Key: string }[] } }[] }[];
}

t.test('moto: services made with the AWS CLI are imported and adopted without a deployment', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const { vpc } = await handMade(moto.endpoint);
  const dir = join(t.testdir(), 'shop');

  // Cloud Map does not say which VPC a private namespace is in; AWS associates its hosted
  // zone with it, moto does not: without that, the import asks for it.
  const withoutVpc = await cli('import', '--cluster', 'shop', '--out', dir, '--endpoint', moto.endpoint);
  t.equal(withoutVpc.code, 1);
  t.match(withoutVpc.err, /CloudMapNamespace shop\.local: .*neither its tags nor its Route 53 hosted zone say.*--vpc shop\.local=vpc-/);
  t.notOk(existsSync(dir), 'nothing is written');
  const { Namespaces } = (await awsCli(moto.endpoint, ['servicediscovery', 'list-namespaces'])) as { Namespaces: { Properties: { DnsProperties: { HostedZoneId: string } } }[] };
  await awsCli(moto.endpoint, ['route53', 'associate-vpc-with-hosted-zone', '--hosted-zone-id', Namespaces[0].Properties.DnsProperties.HostedZoneId, '--vpc', `VPCRegion=us-east-1,VPCId=${vpc}`]);

  const imported = await cli('import', '--cluster', 'shop', '--out', dir, '--endpoint', moto.endpoint);
  t.equal(imported.code, 0, `${imported.out}\n${imported.err}`);
  t.same(readdirSync(dir).sort(), ['cluster-shop.yaml', 'namespace-shop.local.yaml', 'service-orders.yaml', 'service-web.yaml']);
  const web = readFileSync(join(dir, 'service-web.yaml'), 'utf8');
  t.match(web, `valueFrom: ${SECRET}`, 'the secret is written as its ARN');
  t.notMatch(web, /essential|protocol: tcp|hostPort|taskDefinitionArn|revision|registeredAt|requiresAttributes|compatibilities/, 'defaults and read-only fields are dropped');
  t.match(readFileSync(join(dir, 'service-orders.yaml'), 'utf8'), /kind: CloudMapService[\s\S]*namespace: shop\.local/, 'the Cloud Map service is in its service\'s file, naming its namespace');

  t.match(readFileSync(join(dir, 'namespace-shop.local.yaml'), 'utf8'), `vpc: ${vpc}`, 'the VPC its hosted zone is associated with');
  const validated = await cli('validate', dir);
  t.equal(validated.code, 0, validated.out);

  const diff = await cli('diff', dir, '--endpoint', moto.endpoint, '-o', 'json');
  t.equal(diff.code, 1, 'adopting is a difference: the ownership tags');
  const plan = JSON.parse(diff.out) as JsonPlan;
  t.same(plan.resources.flatMap((r) => r.changes.filter((c) => !c.path.startsWith('metadata.annotations.') && !c.path.startsWith('spec.tags.ecs-gitops.io/')).map((c) => `${r.key} ${c.path}`)), [], 'no field differs but the ownership tags to add');
  t.ok(plan.resources.length === 7 && plan.resources.every((r) => /^adopt — tags only/.test(r.message ?? '')), 'every object is adopted by tags only');
  const calls = plan.steps.flatMap((s) => s.calls.map((c) => ({ key: s.key, ...c })));
  t.same(calls.filter((c) => c.operation !== 'TagResource').map((c) => `${c.key} ${c.operation}`), [], 'nothing but tags is written');
  const tagKeys = new Set(calls.flatMap((c) => [...(c.input.tags ?? []).map((x) => x.key), ...(c.input.Tags ?? []).map((x) => x.Key)]));
  t.ok([...tagKeys].every((k) => k.startsWith('ecs-gitops.io/')), `only the controller's tags: ${[...tagKeys].join(', ')}`);
  t.same(new Set(calls.map((c) => c.key)), new Set(['Cluster/shop', 'CloudMapNamespace/shop.local', 'CloudMapService/orders', 'TaskDefinition/web', 'TaskDefinition/orders', 'Service/web', 'Service/orders']), 'every imported object is adopted, the revisions the services run included');

  await t.test('sync adopts: no RegisterTaskDefinition, no UpdateService; diff is then empty', async (t) => {
    const synced = await plannedCalls(dir, moto.endpoint, true);
    t.equal(synced.count('RegisterTaskDefinition'), 0);
    t.equal(synced.count('UpdateService'), 0);
    t.equal(synced.count('CreateService'), 0);
    const after = await cli('diff', dir, '--endpoint', moto.endpoint);
    t.equal(after.code, 0, after.out);
    const described = (await awsCli(moto.endpoint, ['ecs', 'describe-services', '--cluster', 'shop', '--services', 'web', 'orders', '--include', 'TAGS'])) as { services: { serviceName: string; taskDefinition: string; tags: { key: string; value: string }[] }[] };
    for (const s of described.services) {
      t.match(s.taskDefinition, new RegExp(`${s.serviceName}:1$`), `${s.serviceName} still runs revision 1`);
      t.match(Object.fromEntries(s.tags.map((x) => [x.key, x.value])), { 'ecs-gitops.io/owner': 'ecs-gitops', 'ecs-gitops.io/resource': `Service/${s.serviceName}` });
    }
  });
});
