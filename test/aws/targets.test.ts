// Targets from the command line: --role-arn and --external-id (and their environment
// variables) are checked with one-line usage errors; the simulator answers
// GetCallerIdentity with its account and refuses a role with a message that says why.
import t from 'tap';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { accountOfRole, sessionName, TargetPool } from '../../src/aws/targets.js';
import { daemonConfig } from '../../src/commands/run.js';
import { AWS_OPTIONS, UsageError, awsSettings, parseCommandLine } from '../../src/config.js';
import { startSimulator } from '../../src/sim/index.js';
import { cluster } from '../load/docs.js';
import { cli } from '../helpers/cli.js';
import { freePort } from '../helpers/moto.js';

const ROLE = 'arn:aws:iam::210987654321:role/teams/ecs-gitops-target';
const settings = (argv: string[], env: NodeJS.ProcessEnv = {}) => awsSettings(parseCommandLine(argv, AWS_OPTIONS, env).values, env);

t.test('--role-arn and --external-id, from flags or the environment', async (t) => {
  t.match(settings(['--role-arn', ROLE, '--external-id', 'acme-ecs']), { roleArn: ROLE, externalId: 'acme-ecs' });
  t.match(settings([], { ECS_GITOPS_ROLE_ARN: ROLE, ECS_GITOPS_EXTERNAL_ID: 'acme-ecs' }), { roleArn: ROLE, externalId: 'acme-ecs' }, 'ECS_GITOPS_ROLE_ARN and ECS_GITOPS_EXTERNAL_ID');
  t.notOk('roleArn' in settings([]), 'no role by default');
  t.equal(accountOfRole(ROLE), '210987654321', 'the account is the role ARN\'s');
  t.equal(accountOfRole('arn:aws:iam::210987654321:user/someone'), undefined, 'a user is not a role');
  t.equal(sessionName('payments-prod'), 'ecs-gitops.payments-prod', 'the session names the controller');
  t.equal(sessionName('x'.repeat(128)).length, 64, 'within STS\'s 64 characters');
});

t.test('a bad role ARN, external id or region is a usage error that says what is expected', async (t) => {
  t.throws(() => settings(['--role-arn', 'ecs-gitops-target']), new UsageError('--role-arn must be an IAM role ARN such as arn:aws:iam::111122223333:role/ecs-gitops-target, not "ecs-gitops-target"'));
  t.throws(() => settings(['--role-arn', 'arn:aws:iam::2109876543:role/x']), /--role-arn must be an IAM role ARN/, 'an account of 10 digits');
  t.throws(() => settings(['--external-id', 'acme-ecs']), new UsageError('--external-id needs --role-arn (it is part of assuming the role)'));
  t.throws(() => settings(['--role-arn', ROLE, '--external-id', 'a b']), /--external-id must be 2-1224 letters/);
  t.throws(() => settings(['--region', 'Frankfurt']), /--region must be an AWS region such as eu-west-1, not "Frankfurt"/);

  const dir = t.testdir({ 'c.yaml': cluster() });
  const r = await cli('diff', dir, '--endpoint', 'http://127.0.0.1:9', '--role-arn', 'nope');
  t.equal(r.code, 2, 'diff exits 2');
  t.match(r.err, /--role-arn must be an IAM role ARN/);
});

t.test('run --embedded-aws --role-arn is refused: the simulator keeps one account', async (t) => {
  t.throws(() => daemonConfig(['--embedded-aws', '--role-arn', ROLE], {}, false), /--role-arn needs AWS or moto: the embedded simulator keeps one account/);
  t.match(daemonConfig(['--repo', '.', '--role-arn', ROLE, '--endpoint', 'http://127.0.0.1:9'], {}, false).aws, { roleArn: ROLE });
});

t.test('the simulator answers GetCallerIdentity with its account and refuses AssumeRole, so a sync with a role fails saying why', async (t) => {
  const sim = await startSimulator({ accountId: '111122223333' });
  t.teardown(() => sim.close());
  const sts = new STSClient({ region: 'us-east-1', endpoint: sim.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  t.teardown(() => sts.destroy());
  t.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, '111122223333');
  const refused = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's' })).catch((e: Error) => e);
  t.match(refused, { name: 'InvalidAction', message: /keeps the state of one account and does not assume roles/ });

  const pool = new TargetPool({ endpoint: sim.endpoint });
  t.teardown(() => pool.close());
  t.equal((await pool.open({ region: 'us-east-1' }, 'app')).account, '111122223333', 'a pool learns the simulator\'s account');

  const dir = t.testdir({ 'c.yaml': cluster() });
  const r = await cli('sync', dir, '--endpoint', sim.endpoint, '--application', 'app', '--role-arn', ROLE);
  t.equal(r.code, 2, 'the sync fails before it changes anything');
  t.match(r.err, /does not assume roles/);
});

t.test('when STS cannot be reached the target still opens, its account unknown, and the pool says so', async (t) => {
  const warnings: string[] = [];
  const pool = new TargetPool({ endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1, onWarning: (message) => warnings.push(message) });
  t.teardown(() => pool.close());
  const opened = await pool.open({ region: 'us-east-1' }, 'app');
  t.equal(opened.account, undefined);
  t.match(warnings, [/cannot learn the account of the AWS credentials/]);
  await pool.open({ region: 'eu-west-1' }, 'app');
  t.equal(warnings.length, 1, 'the account is asked for once, not per target');
});
