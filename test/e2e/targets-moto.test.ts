// Targets on moto: a sync with --role-arn of a role in another account creates its objects
// in that account only (moto gives assumed-role credentials the account of the role ARN);
// one with another --region in that region only; a pool of targets keeps one rate limiter
// per account and region, shown in the metrics; assumed-role credentials are renewed
// before they expire.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { API_LIMITS } from '../../src/aws/clients.js';
import { TargetPool } from '../../src/aws/targets.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { StatusStore } from '../../src/runtime/status.js';
import { createMetrics } from '../../src/telemetry.js';
import { awsCli } from '../helpers/aws-cli.js';
import { cli } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { parseExposition, sampleValue } from '../http/exposition.js';

const DEFAULT_ACCOUNT = '123456789012';
const roleIn = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;

const doc = (kind: string, name: string, spec: string) => `apiVersion: ecs-gitops.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

function configDir(root: string, cluster: string): string {
  const dir = join(root, cluster);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster.yaml'), doc('Cluster', cluster, '  settings:\n    - name: containerInsights\n      value: enabled\n'));
  writeFileSync(
    join(dir, 'task-definition.yaml'),
    doc('TaskDefinition', `${cluster}-app`, '  requiresCompatibilities: [EC2]\n  containerDefinitions:\n    - name: app\n      image: public.ecr.aws/nginx/nginx:1.27.3\n      memory: 128\n'),
  );
  writeFileSync(join(dir, 'web.yaml'), doc('Service', 'web', `  cluster: ${cluster}\n  taskDefinition: ${cluster}-app\n  desiredCount: 1\n  launchType: EC2\n`));
  return dir;
}

/** Environment for the AWS CLI with credentials of `account` (assumed on moto), or moto's default account's. */
async function credentialsOf(moto: Moto, account?: string): Promise<Record<string, string>> {
  if (account === undefined) return {};
  const assumed = (await awsCli(moto.endpoint, ['sts', 'assume-role', '--role-arn', roleIn(account), '--role-session-name', 'check'])) as {
    Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
  };
  const c = assumed.Credentials;
  return { AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken };
}

async function clusterNames(moto: Moto, opts: { account?: string; region?: string } = {}): Promise<string[]> {
  const env = await credentialsOf(moto, opts.account);
  const listed = (await awsCli(moto.endpoint, ['ecs', 'list-clusters'], { env, ...(opts.region ? { region: opts.region } : {}) })) as { clusterArns: string[] };
  return listed.clusterArns.map((arn) => arn.replace(/^.*:cluster\//, '')).sort();
}

async function callerAccount(moto: Moto, account?: string): Promise<string> {
  return ((await awsCli(moto.endpoint, ['sts', 'get-caller-identity'], { env: await credentialsOf(moto, account) })) as { Account: string }).Account;
}

t.test('moto: sync --role-arn of a role in another account creates its objects in that account only', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const other = '111111111111';
  t.equal(await callerAccount(moto), DEFAULT_ACCOUNT, 'the default credentials are in the default account');
  t.equal(await callerAccount(moto, other), other, 'credentials of the assumed role are in the role\'s account');
  const dir = configDir(t.testdir({}), 'payments');

  const synced = await cli('sync', dir, '--endpoint', moto.endpoint, '--application', 'payments', '--role-arn', roleIn(other), '--external-id', 'acme-ecs');
  t.equal(synced.code, 0, `${synced.out}\n${synced.err}`);
  t.same(await clusterNames(moto, { account: other }), ['payments'], 'the cluster is in the role\'s account');
  t.same(await clusterNames(moto), [], 'and not in the account of the credentials that assumed the role');
  const services = (await awsCli(moto.endpoint, ['ecs', 'describe-services', '--cluster', 'payments', '--services', 'web'], { env: await credentialsOf(moto, other) })) as {
    services: { serviceArn: string; status: string }[];
  };
  t.match(services.services[0], { status: 'ACTIVE', serviceArn: new RegExp(`^arn:aws:ecs:us-east-1:${other}:service/payments/web$`) });

  const diff = await cli('diff', dir, '--endpoint', moto.endpoint, '--application', 'payments', '--role-arn', roleIn(other));
  t.equal(diff.code, 0, `diff through the role sees the objects in sync:\n${diff.out}`);
  const elsewhere = await cli('diff', dir, '--endpoint', moto.endpoint, '--application', 'payments');
  t.equal(elsewhere.code, 1, 'diff without the role looks at the default account, where nothing exists yet');
});

t.test('moto: sync --region creates its objects in that region only', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const dir = configDir(t.testdir({}), 'orders');
  const synced = await cli('sync', dir, '--endpoint', moto.endpoint, '--application', 'orders', '--region', 'eu-west-1');
  t.equal(synced.code, 0, `${synced.out}\n${synced.err}`);
  t.same(await clusterNames(moto, { region: 'eu-west-1' }), ['orders'], 'in eu-west-1');
  t.same(await clusterNames(moto, { region: 'us-east-1' }), [], 'not in us-east-1');
});

t.test('moto: one rate limiter per account and region, shared by the applications of one target, each in the metrics', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  // The limiters' clock stands still: no token refills while the test looks at the buckets.
  const pool = new TargetPool({ endpoint: moto.endpoint, rateLimit: true, limiter: { clock: new ManualClock() }, controllerId: 'ecs-gitops' });
  t.teardown(() => pool.close());
  const status = new StatusStore();
  const metrics = createMetrics({ status, calls: pool.calls });
  t.teardown(() => metrics.close());

  const a = await pool.open({ region: 'us-east-1', roleArn: roleIn('111111111111') }, 'a');
  const b = await pool.open({ region: 'us-east-1', roleArn: roleIn('222222222222') }, 'b');
  const c = await pool.open({ region: 'eu-west-1' }, 'c');
  const d = await pool.open({ region: 'us-east-1', roleArn: roleIn('111111111111'), externalId: 'other-id' }, 'd');
  t.same([a.account, b.account, c.account, d.account], ['111111111111', '222222222222', DEFAULT_ACCOUNT, '111111111111'], 'accounts from the role ARNs, else from GetCallerIdentity');
  t.equal(a.clients.limiter, d.clients.limiter, 'two applications in one account and region share a limiter');
  t.equal(a.cache, d.cache, 'and a live-state cache');
  t.not(a.clients.limiter, b.clients.limiter, 'another account has its own');
  t.not(a.clients.limiter, c.clients.limiter, 'another region (and account) has its own');
  t.equal(await pool.open({ region: 'us-east-1', roleArn: roleIn('111111111111') }, 'a'), a, 'opening a target again for the same application gives the same clients');

  for (const target of [a, a, b, c, d]) await target.clients.ecs.send(new ListClustersCommand({}));
  const scrape = parseExposition(await metrics.registry.metrics());
  const calls = (account: string, region: string) => sampleValue(scrape, 'ecs_gitops_aws_api_calls_total', { account, region, service: 'ecs', operation: 'ListClusters' });
  t.equal(calls('111111111111', 'us-east-1'), 3, "a's two calls and d's one, counted for their account and region");
  t.equal(calls('222222222222', 'us-east-1'), 1);
  t.equal(calls(DEFAULT_ACCOUNT, 'eu-west-1'), 1);
  const burst = API_LIMITS['cluster-read'].burst;
  const tokens = (account: string, region: string) => sampleValue(scrape, 'ecs_gitops_aws_rate_limiter_tokens', { account, region, category: 'cluster-read' });
  t.equal(tokens('111111111111', 'us-east-1'), burst - 3, 'one bucket spent by both applications of the account and region');
  t.equal(tokens('222222222222', 'us-east-1'), burst - 1, 'another account: its own bucket');
  t.equal(tokens(DEFAULT_ACCOUNT, 'eu-west-1'), burst - 1, 'another region: its own bucket');
  t.equal(sampleValue(scrape, 'ecs_gitops_aws_rate_limiter_wait_seconds_count', { account: '111111111111', region: 'us-east-1', category: 'cluster-read' }), 3, 'every paced call observed its wait');
  t.equal(sampleValue(scrape, 'ecs_gitops_aws_rate_limiter_waiting', { account: '222222222222', region: 'us-east-1', category: 'cluster-read' }), 0);
});

t.test('moto: assumed-role credentials close to expiry are renewed before the next call; fresh ones are reused', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const account = '333333333333';
  // moto grants any DurationSeconds: 60 s credentials are always within the SDK's five-minute refresh window.
  const short = new TargetPool({ endpoint: moto.endpoint, sessionSeconds: 60 });
  const long = new TargetPool({ endpoint: moto.endpoint, sessionSeconds: 3600 });
  t.teardown(() => short.close());
  t.teardown(() => long.close());
  const expiring = await short.open({ region: 'us-east-1', roleArn: roleIn(account) }, 'app');
  const fresh = await long.open({ region: 'us-east-1', roleArn: roleIn(account) }, 'app');

  const provider = expiring.clients.ecs.config.credentials;
  const first = await provider();
  t.ok(first.expiration && first.expiration.getTime() > Date.now(), 'the first credentials are still valid');
  const second = await provider();
  t.not(second.accessKeyId, first.accessKeyId, 'credentials expiring within five minutes are replaced before they expire');
  t.ok(second.expiration!.getTime() >= first.expiration!.getTime());
  const viaCloudMap = await expiring.clients.cloudMap.config.credentials();
  t.not(viaCloudMap.accessKeyId, first.accessKeyId, 'the Cloud Map client uses the renewed ones too');
  const listed = await expiring.clients.ecs.send(new ListClustersCommand({}));
  t.same(listed.clusterArns, [], 'calls with renewed credentials go to the role\'s account');

  const once = await fresh.clients.ecs.config.credentials();
  const again = await fresh.clients.ecs.config.credentials();
  t.equal(again.accessKeyId, once.accessKeyId, 'credentials an hour from expiry are reused');
  t.equal((await fresh.clients.cloudMap.config.credentials()).accessKeyId, once.accessKeyId, 'by both clients of the role: one AssumeRole, not one per client');
});
