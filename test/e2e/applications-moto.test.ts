// Two applications — two git repositories with different remotes — under one controller
// id on moto: each prunes, adopts and changes only its own objects, though both name
// their services alike (in different clusters), and neither's dry run lists the other's.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsCli } from '../helpers/aws-cli.js';
import { cli } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';

const doc = (kind: string, name: string, spec: string) => `apiVersion: ecs-gitops.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

/** A cluster, a task definition and the services `web` and `worker` in it. */
function config(cluster: string): Record<string, string> {
  const service = (name: string) => doc('Service', name, `  cluster: ${cluster}\n  taskDefinition: ${cluster}-app\n  desiredCount: 1\n  launchType: EC2\n`);
  return {
    'cluster.yaml': doc('Cluster', cluster, '  settings:\n    - name: containerInsights\n      value: enabled\n'),
    'task-definition.yaml': doc('TaskDefinition', `${cluster}-app`, '  requiresCompatibilities: [EC2]\n  containerDefinitions:\n    - name: app\n      image: public.ecr.aws/nginx/nginx:1.27.3\n      memory: 128\n'),
    'web.yaml': service('web'),
    'worker.yaml': service('worker'),
  };
}

/** A git repository with `origin` set to `remote`, holding `files` in `path`; returns the config directory. */
function repository(dir: string, remote: string, path: string, files: Record<string, string>): string {
  const configDir = join(dir, path);
  mkdirSync(configDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(configDir, name), text);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['remote', 'add', 'origin', remote], { cwd: dir });
  return configDir;
}

type Described = { services: { serviceName: string; status: string; tags?: { key: string; value: string }[] }[] };

async function services(endpoint: string, cluster: string): Promise<Record<string, { status: string; application?: string }>> {
  const described = (await awsCli(endpoint, ['ecs', 'describe-services', '--cluster', cluster, '--services', 'web', 'worker', '--include', 'TAGS'])) as Described;
  return Object.fromEntries(described.services.map((s) => [s.serviceName, { status: s.status, application: s.tags?.find((x) => x.key === 'ecs-gitops.io/application')?.value }]));
}

t.test('moto: two repositories under one controller id never prune, adopt or change each other\'s objects', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const root = t.testdir({});
  const payments = repository(join(root, 'payments'), 'git@github.com:acme/payments.git', '.', config('payments'));
  const orders = repository(join(root, 'orders'), 'https://ci-token@github.com/acme/orders.git', 'ecs', config('orders'));
  const A = 'github.com/acme/payments';
  const B = 'github.com/acme/orders/ecs';

  for (const dir of [payments, orders]) {
    const synced = await cli('sync', dir, '--endpoint', moto.endpoint);
    t.equal(synced.code, 0, `${synced.out}\n${synced.err}`);
  }
  t.same(await services(moto.endpoint, 'payments'), { web: { status: 'ACTIVE', application: A }, worker: { status: 'ACTIVE', application: A } }, 'A tagged with its remote');
  t.same(await services(moto.endpoint, 'orders'), { web: { status: 'ACTIVE', application: B }, worker: { status: 'ACTIVE', application: B } }, 'B tagged with its remote and path');

  rmSync(join(payments, 'worker.yaml'));
  const dry = await cli('sync', payments, '--prune', '--dry-run', '-o', 'json', '--endpoint', moto.endpoint);
  t.equal(dry.code, 0, dry.err);
  const planned = (JSON.parse(dry.out) as { resources: { key: string; awsName: string; action: string }[] }).resources;
  t.same(planned.filter((r) => r.action === 'delete').map((r) => r.awsName), ['payments/worker'], 'the dry run deletes only A\'s removed service');
  t.same(planned.filter((r) => /orders/.test(r.awsName)), [], "B's objects are not in A's plan at all");

  const pruned = await cli('sync', payments, '--prune', '--endpoint', moto.endpoint);
  t.equal(pruned.code, 0, `${pruned.out}\n${pruned.err}`);
  t.equal((await services(moto.endpoint, 'payments')).worker?.status, 'INACTIVE', "A's worker is deleted");
  t.same(await services(moto.endpoint, 'orders'), { web: { status: 'ACTIVE', application: B }, worker: { status: 'ACTIVE', application: B } }, "B's web and worker of the same names in its cluster are untouched");
  const diffB = await cli('diff', orders, '--endpoint', moto.endpoint);
  t.equal(diffB.code, 0, `B is still in sync:\n${diffB.out}`);

  // B naming A's cluster: a conflict that says whose it is; nothing written.
  writeFileSync(join(orders, 'theirs.yaml'), doc('Cluster', 'payments', '  settings:\n    - name: containerInsights\n      value: disabled\n'));
  const conflict = await cli('sync', orders, '--prune', '--endpoint', moto.endpoint);
  t.equal(conflict.code, 1, 'a conflict fails the sync');
  t.match(conflict.out, new RegExp(`Cluster/payments: conflict — exists and is owned by application "${A}" of this controller, not "${B}"`));
  const cluster = (await awsCli(moto.endpoint, ['ecs', 'describe-clusters', '--clusters', 'payments', '--include', 'TAGS', 'SETTINGS'])) as { clusters: { settings?: { value: string }[]; tags?: { key: string; value: string }[] }[] };
  t.equal(cluster.clusters[0].settings?.[0]?.value, 'enabled', "A's cluster keeps its settings");
  t.equal(cluster.clusters[0].tags?.find((x) => x.key === 'ecs-gitops.io/application')?.value, A, 'and its application');
});

t.test('moto: objects owned before applications existed are claimed by the repository that names them, and kept otherwise', async (t) => {
  const moto = await startMoto(t);
  if (!moto) return;
  const root = t.testdir({});
  const payments = repository(join(root, 'payments'), 'git@github.com:acme/payments.git', '.', config('payments'));
  const synced = await cli('sync', payments, '--endpoint', moto.endpoint);
  t.equal(synced.code, 0, `${synced.out}\n${synced.err}`);
  // As a sync before applications left them: the owner tag, no application tag.
  const web = (await awsCli(moto.endpoint, ['ecs', 'describe-services', '--cluster', 'payments', '--services', 'web'])) as { services: { serviceArn: string }[] };
  await awsCli(moto.endpoint, ['ecs', 'untag-resource', '--resource-arn', web.services[0].serviceArn, '--tag-keys', 'ecs-gitops.io/application']);
  await awsCli(moto.endpoint, ['ecs', 'create-cluster', '--cluster-name', 'legacy', '--tags', 'key=ecs-gitops.io/owner,value=ecs-gitops', 'key=ecs-gitops.io/resource,value=Cluster/legacy']);

  const diff = await cli('diff', payments, '--prune', '--endpoint', moto.endpoint);
  t.equal(diff.code, 1);
  t.match(diff.out, /Service\/web: to claim — owned by this controller before applications existed: adds the application tag below, writes nothing else/);
  t.match(diff.out, /tag ecs-gitops\.io\/application: "github\.com\/acme\/payments"/);
  t.notMatch(diff.out, /tag ecs-gitops\.io\/task-definition/, 'the tags it already carries are not listed again');
  t.match(diff.out, /Cluster\/legacy: not in git \(kept\) — owned, application unknown; not pruned/);

  const claimed = await cli('sync', payments, '--prune', '--endpoint', moto.endpoint);
  t.equal(claimed.code, 0, `${claimed.out}\n${claimed.err}`);
  t.same((await services(moto.endpoint, 'payments')).web, { status: 'ACTIVE', application: 'github.com/acme/payments' }, 'the service is claimed');
  const legacy = (await awsCli(moto.endpoint, ['ecs', 'describe-clusters', '--clusters', 'legacy'])) as { clusters: { status: string }[] };
  t.equal(legacy.clusters[0]?.status, 'ACTIVE', 'the cluster no document names is not pruned: it may be another repository\'s');
  const after = await cli('diff', payments, '--endpoint', moto.endpoint, '-o', 'json');
  const left = (JSON.parse(after.out) as { resources: { key: string; sync: string; message?: string }[] }).resources.filter((r) => r.sync !== 'Synced');
  t.same(left.map((r) => `${r.key}: ${r.message}`), ['Cluster/legacy: owned, application unknown; not pruned (made before applications existed, it may belong to another repository)'], 'only the unknown one is still reported');
});
