// `ecs-gitops import` against the simulator: what a sync of examples/ created, imported
// again, is in sync with AWS (the round trip); the flags a user relies on (--service,
// --force, -o json|yaml) and errors in the chosen format (test/e2e/import-moto.test.ts:
// services made by hand, against moto).
import t, { type Test } from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startSimulator } from '../../src/sim/index.js';
import { cli } from '../helpers/cli.js';
import { copyExamples } from '../helpers/repo.js';
import { EXAMPLES } from '../helpers/examples.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

interface JsonPlan {
  resources: { key: string; action: string; sync: string }[];
}

async function syncedExamples(t: Test) {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  const root = t.testdir();
  const synced = await cli('sync', copyExamples(join(root, 'examples')), '--endpoint', sim.endpoint, '--application', 'store');
  if (synced.code !== 0) throw new Error(`sync of the examples failed: ${synced.out}\n${synced.err}`);
  return { sim, root };
}

t.test('simulator: what a sync created, imported, is in sync with AWS', async (t) => {
  const { sim, root } = await syncedExamples(t);
  const dir = join(root, 'imported');
  const imported = await cli('import', '--cluster', 'store', '--namespace', 'store-external', '--out', dir, '--endpoint', sim.endpoint);
  t.equal(imported.code, 0, imported.err);
  t.match(imported.out, /wrote .*service-billing\.yaml: Service billing, TaskDefinition billing, CloudMapService billing/);
  t.match(imported.out, /wrote .*namespace-store-external\.yaml: CloudMapNamespace store-external, CloudMapService payments-provider, CloudMapInstance payments-provider-primary\n/,
    'a namespace asked for comes with its services no ECS service uses, and their instances');
  t.same(readdirSync(dir).sort(), [
    'cluster-store.yaml', 'namespace-store-connect.yaml', 'namespace-store-external.yaml', 'namespace-store.local.yaml',
    'service-api-gateway.yaml', 'service-billing.yaml', 'service-inventory.yaml', 'service-recommendations.yaml', 'service-reviews.yaml',
    'service-search.yaml', 'service-shipping.yaml', 'service-storefront.yaml',
  ]);
  t.equal((await cli('validate', dir)).code, 0);

  // The imported directory stands for the same application as the one that synced.
  const diff = await cli('diff', dir, '--endpoint', sim.endpoint, '-o', 'json', '--application', 'store');
  t.equal(diff.code, 0, 'every imported document is in sync');
  const plan = JSON.parse(diff.out) as JsonPlan;
  t.same(plan.resources.filter((r) => r.sync !== 'Synced').map((r) => `${r.key} ${r.action}`), []);
  t.equal(plan.resources.filter((r) => r.action === 'none').length, EXAMPLES.total, 'all the objects the examples make');
  t.notMatch(readFileSync(join(dir, 'namespace-store-external.yaml'), 'utf8'), /ecs-gitops\.io\/owner/, 'the controller\'s owner attribute is not written');
  t.match(readFileSync(join(dir, 'service-reviews.yaml'), 'utf8'), /serviceConnectConfiguration:\n {4}enabled: true\n {4}namespace: store-connect\n/, 'Service Connect names the namespace document, not the ARN AWS answers with');
  t.match(readFileSync(join(dir, 'service-search.yaml'), 'utf8'), /volumeConfigurations:\n {4}- name: index\n/, 'the volume configured at launch comes from the deployment');

  await t.test('a file that exists is kept unless --force', async (t) => {
    const billing = join(dir, 'service-billing.yaml');
    writeFileSync(billing, '# edited by hand\n');
    const again = await cli('import', '--cluster', 'store', '--service', 'billing', '--out', dir, '--endpoint', sim.endpoint);
    t.equal(again.code, 2);
    t.match(again.err, /service-billing\.yaml.* already exist.*--force/);
    t.equal(readFileSync(billing, 'utf8'), '# edited by hand\n', 'nothing was written');
    const forced = await cli('import', '--cluster', 'store', '--service', 'billing', '--out', dir, '--force', '--endpoint', sim.endpoint);
    t.equal(forced.code, 0, forced.err);
    t.match(readFileSync(billing, 'utf8'), /kind: Service\n/);
  });

  await t.test('--service picks services; -o json and -o yaml list the files and their documents', async (t) => {
    const base = t.testdir();
    const picked = join(base, 'picked');
    const json = await cli('import', '--cluster', 'store', '--service', 'billing', '--service', 'inventory', '--out', picked, '-o', 'json', '--endpoint', sim.endpoint);
    t.equal(json.code, 0, json.out);
    const report = JSON.parse(json.out) as { ok: boolean; files: { path: string; documents: { kind: string; metadata: { name: string } }[] }[] };
    t.equal(report.ok, true);
    t.same(report.files.map((f) => f.path.slice(picked.length + 1)), ['cluster-store.yaml', 'service-billing.yaml', 'service-inventory.yaml', 'namespace-store.local.yaml']);
    t.same(report.files[1].documents.map((d) => `${d.kind}/${d.metadata.name}`), ['Service/billing', 'TaskDefinition/billing', 'CloudMapService/billing']);
    const namespaceOnly = await cli('import', '--namespace', 'store-external', '--out', join(base, 'ns'), '--endpoint', sim.endpoint);
    t.equal(namespaceOnly.code, 0, namespaceOnly.err);
    t.same(readdirSync(join(base, 'ns')), ['namespace-store-external.yaml'], 'a namespace alone: its file, with its services');
    // From the environment: a repeatable flag takes a comma-separated list.
    Object.assign(process.env, { ECS_GITOPS_SERVICE: 'billing', ECS_GITOPS_OUT: join(base, 'y'), ECS_GITOPS_OUTPUT: 'yaml' });
    t.teardown(() => ['ECS_GITOPS_SERVICE', 'ECS_GITOPS_OUT', 'ECS_GITOPS_OUTPUT'].forEach((name) => delete process.env[name]));
    const yaml = await cli('import', '--cluster', 'store', '--endpoint', sim.endpoint);
    t.same(readdirSync(join(base, 'y')).sort(), ['cluster-store.yaml', 'namespace-store.local.yaml', 'service-billing.yaml']);
    t.match(parse(yaml.out), { ok: true, files: [{ documents: [{ kind: 'Cluster' }] }, { documents: [{ kind: 'Service', spec: { cluster: 'store', taskDefinition: 'billing' } }] }, {}] });
  });

  await t.test('errors: in the chosen format, on stdout; a usage error exits 2', async (t) => {
    const nowhere = join(t.testdir(), 'n');
    const missing = await cli('import', '--cluster', 'nope', '--out', nowhere, '-o', 'json', '--endpoint', sim.endpoint);
    t.equal(missing.code, 2);
    t.match(JSON.parse(missing.out), { ok: false, error: 'cluster "nope" not found', files: [] });
    t.notOk(existsSync(nowhere), 'nothing is written');
    const service = await cli('import', '--cluster', 'store', '--service', 'nope', '--out', nowhere, '--endpoint', sim.endpoint);
    t.equal(service.code, 2);
    t.match(service.err, /no ACTIVE service "nope" in cluster "store"/);
    const nothing = await cli('import', '--out', nowhere, '-o', 'yaml');
    t.equal(nothing.code, 2);
    t.match(parse(nothing.out), { ok: false, error: /needs --cluster NAME, --namespace NAME or both/ });
    const badVpc = await cli('import', '--cluster', 'store', '--vpc', 'store.local=nope');
    t.equal(badVpc.code, 2);
    t.match(badVpc.err, /--vpc takes a VPC id/);
  });
});
