// The daemon with a target role on moto: it reconciles into the role's account, learns
// the account from the role, and its metrics show the rate limiter of that account and
// region and label the API calls with them.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../../src/daemon.js';
import { awsCli } from '../helpers/aws-cli.js';
import { inProcessDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/eventually.js';
import { startMoto } from '../helpers/moto.js';
import { parseExposition, sampleValue } from '../http/exposition.js';

const ACCOUNT = '444455556666';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ecs-gitops-target`;

t.test('moto: a daemon with --role-arn reconciles into the role\'s account, with that account\'s limiter in its metrics', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const repo = t.testdir({});
  mkdirSync(join(repo, 'config'));
  writeFileSync(join(repo, 'config', 'cluster.yaml'), 'apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: billing\nspec: {}\n');
  const logs: Record<string, unknown>[] = [];
  const daemon = await startDaemon(inProcessDaemon(repo, moto.endpoint, {
    aws: { region: 'eu-central-1', endpoint: moto.endpoint, controllerId: 'ecs-gitops', application: 'billing', roleArn: ROLE, externalId: 'acme-ecs' },
    rateLimit: true,
  }, logs));
  t.teardown(() => daemon.stop());
  t.ok(await eventually(() => daemon.status.get('Cluster/billing')?.sync === 'Synced', 30_000), 'the cluster is synced');

  const assumed = (await awsCli(moto.endpoint, ['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'check'])) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
  const env = { AWS_ACCESS_KEY_ID: assumed.Credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: assumed.Credentials.SecretAccessKey, AWS_SESSION_TOKEN: assumed.Credentials.SessionToken };
  const inRole = (await awsCli(moto.endpoint, ['ecs', 'list-clusters'], { region: 'eu-central-1', env })) as { clusterArns: string[] };
  t.same(inRole.clusterArns, [`arn:aws:ecs:eu-central-1:${ACCOUNT}:cluster/billing`], "the cluster is in the role's account and the target region");
  const inDefault = (await awsCli(moto.endpoint, ['ecs', 'list-clusters'], { region: 'eu-central-1' })) as { clusterArns: string[] };
  t.same(inDefault.clusterArns, [], 'not in the account of the credentials that assumed the role');

  const scrape = parseExposition(await (await fetch(`${daemon.url}/metrics`)).text());
  const where = { account: ACCOUNT, region: 'eu-central-1' };
  t.ok((sampleValue(scrape, 'ecs_gitops_aws_api_calls_total', { ...where, service: 'ecs', operation: 'CreateCluster' }) ?? 0) >= 1, 'the create is counted for the role\'s account and region');
  t.ok((sampleValue(scrape, 'ecs_gitops_aws_rate_limiter_wait_seconds_count', { ...where, category: 'cluster-modify' }) ?? 0) >= 1, "the write went through that account and region's limiter");
  t.ok((sampleValue(scrape, 'ecs_gitops_aws_rate_limiter_tokens', { ...where, category: 'cluster-modify' }) ?? -1) >= 0, 'whose tokens are shown');
  t.equal(scrape.samples.filter((s) => s.name === 'ecs_gitops_aws_rate_limiter_tokens' && s.labels.category === 'cluster-modify').length, 1, 'one limiter: one account and region');
  const target = logs.find((l) => l.msg === 'AWS target');
  t.match(target, { account: ACCOUNT, region: 'eu-central-1', roleArn: ROLE }, 'the log names the target');
});
