// Service Connect and EBS volumes configured at launch, run as a user runs them (`sync`,
// `diff`, `validate`, each a fresh start), against the simulator, which reports both only
// on the service's deployments as AWS does; checked through the AWS CLI.
import t, { type Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/index.js';
import { awsCli } from '../helpers/aws-cli.js';
import { fargateTaskDefinition } from '../helpers/documents.js';
import { serviceSummary } from '../../src/runtime/status.js';
import type { Service as EcsService } from '@aws-sdk/client-ecs';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const IMAGE = 'public.ecr.aws/docker/library/busybox:1.36';
const ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructureRole';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), color: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface SyncJson {
  calls: Record<string, { calls: number }>;
  writes: number;
  plan: { resources: { key: string; action: string; changes: { path: string }[] }[] };
}

async function sync(dir: string, endpoint: string): Promise<SyncJson> {
  const run = await cli('sync', dir, '--once', '--endpoint', endpoint, '-o', 'json');
  if (run.code !== 0) throw new Error(`sync failed (${run.code}): ${run.err}\n${run.out}`);
  return JSON.parse(run.out.slice(run.out.indexOf('{'))) as SyncJson;
}

const calls = (r: SyncJson, op: string) => r.calls[op]?.calls ?? 0;

async function simulator(t: Test): Promise<RunningSimulator> {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  return sim;
}

function write(dir: string, name: string, yaml: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), yaml);
}

const network = `  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [subnet-0aa1b2c3d4e5f6071]
      securityGroups: [sg-0a1b2c3d4e5f60001]
`;

const taskDefinition = (name: string, extra = '') =>
  fargateTaskDefinition({
    name,
    container: 'app',
    image: IMAGE,
    containerLines: '      portMappings:\n        - containerPort: 8080\n          name: http\n          appProtocol: http\n',
    specLines: extra,
  });

const base = `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata:
  name: shop
spec: {}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata:
  name: internal
spec:
  type: HTTP
  name: shop.internal
`;

/** A Fargate service of the cluster `shop` running its own task definition, with `extra` added to its spec. */
const service = (name: string, extra = '') => `${taskDefinition(name)}---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: ${name}
spec:
  cluster: shop
  taskDefinition: ${name}
  desiredCount: 1
${network}${extra}`;

const CLIENT = `  serviceConnectConfiguration:
    enabled: true
    namespace: internal
`;

/** A server offering `orders:<port>` and a client that only calls it, both in the namespace document. */
function pair(dir: string, { port = 80, portName = 'http' } = {}): void {
  write(dir, 'base.yaml', base);
  write(dir, 'orders.yaml', service('orders', `  serviceConnectConfiguration:
    enabled: true
    namespace: internal
    services:
      - portName: ${portName}
        clientAliases:
          - port: ${port}
            dnsName: orders
`));
  write(dir, 'web.yaml', service('web', CLIENT));
}

type Described = { services: { deployments: { status: string; serviceConnectResources?: { discoveryName?: string; discoveryArn?: string }[]; serviceConnectConfiguration?: { enabled: boolean; namespace?: string; services?: { clientAliases?: { port: number }[] }[] }; volumeConfigurations?: { name: string; managedEBSVolume: { sizeInGiB?: number } }[] }[]; serviceConnectConfiguration?: unknown; volumeConfigurations?: unknown }[] };

async function describe(endpoint: string, ...services: string[]): Promise<Described> {
  return (await awsCli(endpoint, ['ecs', 'describe-services', '--cluster', 'shop', '--services', ...services])) as Described;
}

const primary = (d: Described, i = 0) => d.services[i].deployments.find((x) => x.status === 'PRIMARY');

t.test('Service Connect: created, read back from the deployment with no diff, changed in place, turned off', async (t) => {
  const sim = await simulator(t);
  const dir = t.testdir();
  pair(dir);
  await sync(dir, sim.endpoint);
  const created = await describe(sim.endpoint, 'orders', 'web');
  const namespaces = (await awsCli(sim.endpoint, ['servicediscovery', 'list-namespaces'])) as { Namespaces: { Arn: string; Name: string }[] };
  const arn = namespaces.Namespaces.find((n) => n.Name === 'shop.internal')?.Arn;
  t.equal(primary(created)?.serviceConnectConfiguration?.namespace, arn, 'ECS reports the namespace by ARN, on the deployment');
  t.equal(created.services[0].serviceConnectConfiguration, undefined, 'and not on the service itself');
  t.equal(primary(created, 1)?.serviceConnectConfiguration?.enabled, true, 'the client joined the namespace');
  const summary = serviceSummary(created.services[0] as unknown as EcsService, new Map([[arn ?? '', 'shop.internal']]));
  t.same(summary.serviceConnect, { namespace: 'shop.internal', endpoints: [{ portName: 'http', discoveryName: 'http', discoveryArn: primary(created)?.serviceConnectResources?.[0]?.discoveryArn, clientAliases: ['orders:80'] }] }, 'the status API shows the endpoint clients use');
  t.match(summary.serviceConnect?.endpoints[0].discoveryArn, /^arn:aws:servicediscovery:.*:service\/srv-/, 'and the Cloud Map service ECS reports behind it');

  const again = await sync(dir, sim.endpoint);
  t.equal(again.writes, 0, `read back with no diff: ${JSON.stringify(again.plan.resources.filter((r) => r.action !== 'none'))}`);
  t.equal((await cli('diff', dir, '--endpoint', sim.endpoint)).code, 0, 'diff finds nothing');

  pair(dir, { port: 8080 });
  const changed = await sync(dir, sim.endpoint);
  t.equal(calls(changed, 'ecs:UpdateService'), 1, 'one UpdateService');
  t.equal(calls(changed, 'ecs:CreateService') + calls(changed, 'ecs:DeleteService'), 0, 'in place, no replacement');
  t.same(primary(await describe(sim.endpoint, 'orders'))?.serviceConnectConfiguration?.services?.[0].clientAliases, [{ port: 8080, dnsName: 'orders' }], 'the new alias port is rolling out');
  t.equal((await sync(dir, sim.endpoint)).writes, 0, 'and then nothing to do');

  // Removed from git: turned off with one UpdateService.
  write(dir, 'web.yaml', service('web'));
  const off = await sync(dir, sim.endpoint);
  t.equal(calls(off, 'ecs:UpdateService'), 1);
  t.equal(primary(await describe(sim.endpoint, 'web'))?.serviceConnectConfiguration?.enabled, false, 'Service Connect is off');
  t.equal((await sync(dir, sim.endpoint)).writes, 0, 'off is no diff');
});

t.test('validate refuses a Service Connect port name the task definition does not have, naming file, line and field', async (t) => {
  const dir = t.testdir();
  pair(dir, { portName: 'grpc' });
  const run = await cli('validate', dir);
  t.equal(run.code, 1, 'invalid');
  t.match(run.out + run.err, /orders\.yaml:\d+/, 'names the file and line');
  t.match(run.out + run.err, /spec\.serviceConnectConfiguration\.services\[0\]\.portName/, 'names the field');
  t.match(run.out + run.err, /no port mapping named "grpc".*http/, 'says which port names exist');
});

t.test('validate: Service Connect needs a namespace when the cluster has no default', async (t) => {
  const dir = t.testdir();
  pair(dir);
  write(dir, 'web.yaml', service('web', `  serviceConnectConfiguration:
    enabled: true
`));
  const run = await cli('validate', dir);
  t.equal(run.code, 1);
  t.match(run.out + run.err, /web\.yaml:\d+.*spec\.serviceConnectConfiguration\.namespace/s);
});

const volumeService = (sizeInGiB: number | undefined) => `${taskDefinition('db', sizeInGiB === undefined ? '' : `  volumes:
    - name: data
      configuredAtLaunch: true
`)}---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: db
spec:
  cluster: shop
  taskDefinition: db
  desiredCount: 1
${network}${sizeInGiB === undefined ? '' : `  volumeConfigurations:
    - name: data
      managedEBSVolume:
        roleArn: ${ROLE}
        sizeInGiB: ${sizeInGiB}
        filesystemType: ext4
`}`;

t.test('EBS volumes configured at launch: added, resized and removed with UpdateService', async (t) => {
  const sim = await simulator(t);
  const dir = t.testdir();
  write(dir, 'base.yaml', base);
  write(dir, 'db.yaml', volumeService(undefined));
  await sync(dir, sim.endpoint);

  write(dir, 'db.yaml', volumeService(20));
  const added = await sync(dir, sim.endpoint);
  t.equal(calls(added, 'ecs:UpdateService'), 1, 'one UpdateService');
  t.equal(calls(added, 'ecs:CreateService') + calls(added, 'ecs:DeleteService'), 0, 'no replacement');
  const withVolume = await describe(sim.endpoint, 'db');
  t.same(primary(withVolume)?.volumeConfigurations?.map((v) => [v.name, v.managedEBSVolume.sizeInGiB]), [['data', 20]], 'the deployment attaches the volume');
  t.equal(withVolume.services[0].volumeConfigurations, undefined, 'reported on the deployment only');
  t.equal((await sync(dir, sim.endpoint)).writes, 0, 'read back with no diff (gp3 filled in or not)');

  write(dir, 'db.yaml', volumeService(40));
  const resized = await sync(dir, sim.endpoint);
  t.equal(calls(resized, 'ecs:UpdateService'), 1);
  t.same(primary(await describe(sim.endpoint, 'db'))?.volumeConfigurations?.map((v) => v.managedEBSVolume.sizeInGiB), [40]);

  write(dir, 'db.yaml', volumeService(undefined));
  const removed = await sync(dir, sim.endpoint);
  t.equal(calls(removed, 'ecs:UpdateService'), 1, 'one UpdateService: the new revision and no volumes');
  t.equal(primary(await describe(sim.endpoint, 'db'))?.volumeConfigurations, undefined, 'the new deployment attaches none');
  t.equal((await sync(dir, sim.endpoint)).writes, 0, 'and then nothing to do');
});

t.test('validate: a volume configured at launch needs its service configuration, and the other way round', async (t) => {
  const dir = t.testdir();
  write(dir, 'base.yaml', base);
  write(dir, 'db.yaml', volumeService(20).replace('configuredAtLaunch: true', 'configuredAtLaunch: false'));
  const run = await cli('validate', dir);
  t.equal(run.code, 1);
  t.match(run.out + run.err, /spec\.volumeConfigurations\[0\]\.name/, 'a configuration without a launch-time volume');
  write(dir, 'db.yaml', volumeService(20).replace(/ {2}volumeConfigurations:[\s\S]*$/, ''));
  const missing = await cli('validate', dir);
  t.equal(missing.code, 1);
  t.match(missing.out + missing.err, /configures the volume "data" at launch/, 'a launch-time volume without a configuration');
});
