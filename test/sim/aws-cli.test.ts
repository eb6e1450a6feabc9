// The AWS CLI is a real client: it must work unchanged against `ecs-gitops sim`.
// src/cli.ts dispatches `sim` to simCommand, which this test calls directly.
import t from 'tap';
import { simCommand } from '../../src/sim/cli.js';
import { awsCli, awsCliAvailable } from '../helpers/aws-cli.js';

t.test('the AWS CLI works against ecs-gitops sim', async (t) => {
  if (!(await awsCliAvailable())) {
    if (process.env.CI === 'true') t.fail('aws CLI is not on PATH');
    else t.skip('aws CLI not installed', () => undefined);
    return;
  }
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
  const td = (await run([
    'ecs', 'register-task-definition', '--family', 'web',
    '--container-definitions', JSON.stringify([{ name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 80 }] }]),
  ])) as { taskDefinition: { revision: number; containerDefinitions: { essential: boolean }[]; registeredAt: number } };
  t.equal(td.taskDefinition.revision, 1);
  t.equal(td.taskDefinition.containerDefinitions[0].essential, true);
  t.ok(td.taskDefinition.registeredAt, 'timestamps parse');
  const svc = (await run(['ecs', 'create-service', '--cluster', 'demo', '--service-name', 'web', '--task-definition', 'web', '--desired-count', '1'])) as {
    service: { serviceArn: string; taskDefinition: string };
  };
  t.equal(svc.service.serviceArn, 'arn:aws:ecs:eu-west-1:111122223333:service/demo/web');
  const described = (await run(['ecs', 'describe-services', '--cluster', 'demo', '--services', 'web', 'ghost'])) as {
    services: { deployments: { rolloutState: string }[] }[]; failures: { reason: string }[];
  };
  t.equal(described.services[0].deployments[0].rolloutState, 'IN_PROGRESS');
  t.equal(described.failures[0].reason, 'MISSING');
  const ns = (await run(['servicediscovery', 'create-http-namespace', '--name', 'demo'])) as { OperationId: string };
  t.match(ns.OperationId, /^[a-z0-9]{32}-[a-z0-9]{8}$/);
  const op = (await run(['servicediscovery', 'get-operation', '--operation-id', ns.OperationId])) as { Operation: { Type: string; Status: string } };
  t.equal(op.Operation.Type, 'CREATE_NAMESPACE');
  t.match(op.Operation.Status, /^(SUBMITTED|PENDING|SUCCESS)$/);
  const err = await run(['ecs', 'describe-services', '--cluster', 'ghost', '--services', 'web']).catch((e: Error) => e);
  t.match((err as Error).message, /ClusterNotFoundException/, 'errors reach the CLI by name');
  stop();
  t.equal(await code, 0, 'the command exits 0 when stopped');
});

t.test('sim rejects bad flags with exit code 2', async (t) => {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  t.equal(await simCommand(['--port', 'abc'], io), 2);
  t.equal(await simCommand(['--bogus'], io), 2);
  t.equal(await simCommand(['--rate-scale', '0'], io), 2);
  t.equal(await simCommand(['--help'], io), 0);
  t.match(lines.join('\n'), /usage: ecs-gitops sim/);
});
