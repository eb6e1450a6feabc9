// Cloud Map ownership on a cold start, against the simulator: a fresh process's `diff`
// learns which namespaces and services it owns from tag:GetResources, 100 a call, and reads
// no Cloud Map tags one by one; with the tagging API denied it falls back to one tag read
// per object, plans exactly the same, and says so (CLI stderr, status, log).
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateServiceCommand, ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import { Controller } from '../../src/runtime/controller.js';
import { systemClock } from '../../src/runtime/clock.js';
import { StatusStore } from '../../src/runtime/status.js';
import { loadConfig } from '../../src/load/index.js';
import { resolveApplication } from '../../src/application.js';
import { startSimulator } from '../../src/sim/index.js';
import { cli, plannedCalls } from '../helpers/cli.js';
import { serviceDocuments } from '../helpers/fleet.js';

const SERVICES = 120;
const CLUSTERS = 2;

const sim = await startSimulator({ rolloutTimings: { cloudMapStepMs: 5, taskStartMs: 5 } });
t.teardown(() => sim.close());
const dir = t.testdir();
mkdirSync(join(dir, 'services'));
writeFileSync(join(dir, 'base.yaml'), [
  ...Array.from({ length: CLUSTERS }, (_, c) => `apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata: {name: cluster-${c}}\nspec: {}\n`),
  'apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapNamespace\nmetadata: {name: cold.local}\nspec: {type: DNS_PRIVATE, vpc: vpc-0a1b2c3d4e5f67890}\n',
].join('---\n'));
for (let i = 0; i < SERVICES; i++) {
  const name = `svc-${String(i).padStart(3, '0')}`;
  writeFileSync(join(dir, 'services', `${name}.yaml`), serviceDocuments({ name, image: `example/${name}:1`, cluster: `cluster-${i % CLUSTERS}`, namespace: 'cold.local' }));
}

// Converge, then add what no document names: another team's Cloud Map service (untagged)
// and one this controller owns whose document is gone (a prune candidate).
for (let pass = 0; pass < 4 && (await plannedCalls(dir, sim.endpoint, true)).plan.steps.length > 0; pass++);
const setup = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint });
const { Namespaces } = await setup.cloudMap.send(new ListNamespacesCommand({}));
const namespaceId = Namespaces!.find((n) => n.Name === 'cold.local')!.Id!;
const dns = { DnsRecords: [{ Type: 'A' as const, TTL: 10 }] };
await setup.cloudMap.send(new CreateServiceCommand({ Name: 'other-team', NamespaceId: namespaceId, DnsConfig: dns }));
await setup.cloudMap.send(new CreateServiceCommand({
  Name: 'orphan', NamespaceId: namespaceId, DnsConfig: dns,
  Tags: [{ Key: 'ecs-gitops.io/owner', Value: 'ecs-gitops' }, { Key: 'ecs-gitops.io/resource', Value: 'CloudMapService/orphan' }],
}));
destroyAwsClients(setup);

/** What a plan says of each resource, to compare two reads. */
const verdicts = (plan: Awaited<ReturnType<typeof plannedCalls>>['plan']) => plan.resources.map((r) => `${r.key} ${r.action} ${r.sync}`).sort();
const ownedObjects = 1 + SERVICES + 1; // the namespace, the services, the orphan

let bulkVerdicts: string[] = [];

t.test('a cold diff reads Cloud Map ownership in bulk: ⌈owned objects / 100⌉ GetResources, no tag read per object', async (t) => {
  const { plan, count, writes, stats } = await plannedCalls(dir, sim.endpoint);
  bulkVerdicts = verdicts(plan);
  t.equal(count('GetResources'), Math.ceil(ownedObjects / 100), `${ownedObjects} owned Cloud Map objects: ${Math.ceil(ownedObjects / 100)} pages`);
  t.equal(count('ListTagsForResource'), 0, 'no Cloud Map tag read one by one (nor of the other team\'s untagged service)');
  t.equal(count('DescribeServices'), SERVICES / 10, 'ECS services described 10 a call');
  t.equal(count('DescribeTaskDefinition'), 0, 'the services\' tags say which revision they run');
  t.equal(count('ListServices'), CLUSTERS + Math.ceil((SERVICES + 2) / 100), 'one ECS page per cluster, Cloud Map services 100 a page');
  t.equal(writes, 0, 'no writes');
  const total = Object.values(stats).reduce((n, s) => n + s.calls, 0);
  const byOperation = Object.fromEntries(Object.entries(stats).map(([k, s]) => [k, s.calls]));
  t.ok(total <= Math.ceil(ownedObjects / 100) + SERVICES / 10 + 10, `${total} calls in all: ${JSON.stringify(byOperation)}`);
  t.ok(plan.resources.filter((r) => !r.key.endsWith('/orphan')).every((r) => r.sync === 'Synced'), 'every document is in sync');
  t.match(plan.resources.find((r) => r.key === 'CloudMapService/orphan'), { action: 'prune-skipped' }, 'the owned object no document names is found, as a prune candidate');
  t.notOk(plan.resources.some((r) => r.awsName === 'other-team'), 'the other team\'s service is not the controller\'s');
});

t.test('with tag:GetResources denied, reads fall back to one tag read per object, plan the same, and say so', async (t) => {
  sim.faults.set({ deniedOperations: ['GetResources'] });
  t.teardown(() => sim.faults.set({ deniedOperations: [] }));

  const { plan, count, writes } = await plannedCalls(dir, sim.endpoint);
  t.same(verdicts(plan), bulkVerdicts, 'the same verdict for every resource as the bulk read');
  t.equal(count('ListTagsForResource'), ownedObjects + 1, 'one tag read per listed namespace and service');
  t.equal(writes, 0, 'no writes');

  const diff = await cli('diff', dir, '--endpoint', sim.endpoint);
  t.equal(diff.code, 1, 'the orphan is still shown (prune is off)');
  t.match(diff.err, /warning: Cloud Map ownership was read one object at a time \(tag:GetResources failed, AccessDeniedException.*not authorized to perform: tag:GetResources/, 'the CLI says why on stderr');

  const loaded = await loadConfig(dir);
  if (!loaded.ok) return t.fail('the config loads');
  const clients = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint });
  t.teardown(() => destroyAwsClients(clients));
  const status = new StatusStore();
  const warnings: { obj: object; msg?: string }[] = [];
  const logger = { info: () => undefined, debug: () => undefined, error: () => undefined, warn: (obj: object, msg?: string) => void warnings.push({ obj, ...(msg ? { msg } : {}) }) };
  const controller = new Controller({
    clients, aws: { region: 'us-east-1', endpoint: sim.endpoint, controllerId: 'ecs-gitops', application: (await resolveApplication(dir)).application },
    prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 }, selfHeal: true, resyncMs: 3_600_000, clock: systemClock, status, logger,
  });
  const ready = new Promise<void>((resolve) => status.onChange((e) => e.type === 'controller' && e.status.ready && resolve()));
  controller.applySnapshot({ revision: 'r1', result: loaded });
  controller.start();
  await ready;
  await controller.stop();
  t.match(status.controllerStatus().cloudMapOwnership, { mode: 'per-object', reason: /AccessDeniedException/ }, 'status shows per-object reads and why');
  t.match(warnings, [{ msg: 'reading Cloud Map ownership one object at a time', obj: { reason: /AccessDeniedException/ } }], 'one warning in the log');
  const notSynced = status.list().filter((r) => r.key !== 'CloudMapService/orphan' && r.sync !== 'Synced');
  t.same(notSynced.map((r) => `${r.key} ${r.sync} ${r.action} ${r.message}`), [], 'the controller judges ownership as before: everything in sync');
});
