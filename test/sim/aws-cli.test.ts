// The AWS CLI is a real client: it must work unchanged against the simulator. The command
// `ecs-gitops sim` (src/cli.ts dispatches `sim` to simCommand, called here directly) runs
// it on the real clock; what happens over time — a rollout, a Cloud Map operation — is
// checked on a simulator with a manual clock, stepped between the CLI's calls, so the
// answers do not depend on how fast the machine runs the CLI. An AWS CLI call is a Python
// process (a second of CPU, far more on a busy machine): the two simulators' tests run at
// once, and set-up goes to the simulator in-process.
import t, { type Test } from 'tap';
import { main } from '../../src/cli.js';
import { simCommand } from '../../src/commands/sim.js';
import { DEFAULT_TIMINGS, ECS_TARGET_PREFIX, ManualClock, startSimulator } from '../../src/sim/index.js';
import { awsCli, awsCliAvailable } from '../helpers/aws-cli.js';

t.jobs = 2;

const cliMissing = async (t: Test): Promise<boolean> => {
  if (await awsCliAvailable()) return false;
  if (process.env.CI === 'true') t.fail('aws CLI is not on PATH');
  else t.skip('aws CLI not installed', () => undefined);
  return true;
};

t.test('ecs-gitops sim: the AWS CLI works against it; region and account from flags', async (t) => {
  if (await cliMissing(t)) return;
  let stop!: () => void;
  const until = new Promise<void>((resolve) => { stop = resolve; });
  const out: string[] = [];
  let endpoint = '';
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  const code = simCommand(['--port', '0', '--region', 'eu-west-1', '--account', '111122223333'], {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    until,
    onListening: (e) => {
      endpoint = e;
      listening();
    },
  });
  t.teardown(() => stop());
  await ready;
  t.match(out[0], /listening on http:\/\/127\.0\.0\.1:\d+/, 'prints the endpoint');
  t.match(out.join('\n'), /aws --endpoint-url http/, 'and how to point the AWS CLI at it');
  const run = (args: string[]) => awsCli(endpoint, args, { region: 'eu-west-1' });

  const cluster = (await run(['ecs', 'create-cluster', '--cluster-name', 'demo'])) as { cluster: { clusterArn: string } };
  t.equal(cluster.cluster.clusterArn, 'arn:aws:ecs:eu-west-1:111122223333:cluster/demo', 'region and account from flags');
  const err = await run(['ecs', 'describe-services', '--cluster', 'ghost', '--services', 'web']).catch((e: Error) => e);
  t.match((err as Error).message, /ClusterNotFoundException/, 'errors reach the CLI by name');
  stop();
  t.equal(await code, 0, 'the command exits 0 when stopped');
});

t.test('the AWS CLI sees a rollout and a Cloud Map operation move only as the simulator\'s clock does', async (t) => {
  if (await cliMissing(t)) return;
  const clock = new ManualClock();
  const sim = await startSimulator({ clock });
  t.teardown(() => sim.close());
  const run = (args: string[]) => awsCli(sim.endpoint, args);

  const created = sim.invoke(`${ECS_TARGET_PREFIX}.CreateCluster`, JSON.stringify({ clusterName: 'demo' }));
  t.equal(created.status, 200, 'a cluster, made in-process');
  const td = (await run([
    'ecs', 'register-task-definition', '--family', 'web',
    '--container-definitions', JSON.stringify([{ name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 80 }] }]),
  ])) as { taskDefinition: { revision: number; containerDefinitions: { essential: boolean }[]; registeredAt: number | string } };
  t.equal(td.taskDefinition.revision, 1);
  t.equal(td.taskDefinition.containerDefinitions[0].essential, true, 'AWS\'s default for essential');
  // AWS CLI v1 prints epoch seconds as received, v2 an ISO 8601 string.
  const registeredAt = td.taskDefinition.registeredAt;
  t.equal(typeof registeredAt === 'number' ? registeredAt * 1000 : Date.parse(registeredAt), clock.now(), 'timestamps parse, and come from the simulator\'s clock');
  const svc = (await run(['ecs', 'create-service', '--cluster', 'demo', '--service-name', 'web', '--task-definition', 'web', '--desired-count', '1'])) as {
    service: { serviceArn: string };
  };
  t.equal(svc.service.serviceArn, 'arn:aws:ecs:us-east-1:123456789012:service/demo/web');

  type Described = { services: { runningCount: number; deployments: { rolloutState: string }[] }[]; failures: { reason: string }[] };
  const describe = async () => (await run(['ecs', 'describe-services', '--cluster', 'demo', '--services', 'web', 'ghost'])) as Described;
  const starting = await describe();
  t.match(starting.services[0], { runningCount: 0, deployments: [{ rolloutState: 'IN_PROGRESS' }] }, 'the rollout is in progress while its task starts');
  t.equal(starting.failures[0].reason, 'MISSING', 'an unknown name is a failure, not an error');
  clock.advance(DEFAULT_TIMINGS.taskStartMs);
  t.match((await describe()).services[0], { runningCount: 1, deployments: [{ rolloutState: 'COMPLETED' }] }, 'completed once the task has had its start time');

  const ns = (await run(['servicediscovery', 'create-http-namespace', '--name', 'demo'])) as { OperationId: string };
  t.match(ns.OperationId, /^[a-z0-9]{32}-[a-z0-9]{8}$/);
  const operation = async () => ((await run(['servicediscovery', 'get-operation', '--operation-id', ns.OperationId])) as { Operation: { Type: string; Status: string } }).Operation;
  t.match(await operation(), { Type: 'CREATE_NAMESPACE', Status: 'SUBMITTED' });
  clock.advance(2 * DEFAULT_TIMINGS.cloudMapStepMs);
  t.match(await operation(), { Type: 'CREATE_NAMESPACE', Status: 'SUCCESS' }, 'SUBMITTED, PENDING, then SUCCESS on the clock');
});

t.test('sim rejects bad flags with exit code 2', async (t) => {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), color: false };
  t.equal(await main(['sim', '--port', 'abc'], io), 2);
  t.equal(await main(['sim', '--bogus'], io), 2);
  t.equal(await main(['sim', '--rate-scale', '0'], io), 2);
  t.equal(await main(['sim', '--help'], io), 0);
  t.match(lines.join('\n'), /usage: ecs-gitops sim/);
});
