// Adoption end to end, as one scenario per case that runs unchanged against the simulator
// (test/e2e/adopt.test.ts) and moto (test/e2e/adopt-moto.test.ts): services made by the
// AWS CLI (./legacy.ts), hand-written documents annotated for adoption, `diff`, a sync
// whose calls are counted and ordered, and `diff` again. What the services run afterwards
// is read through the AWS CLI; the rest through the SDK (an AWS CLI call costs a second of
// CPU, ten on a busy machine).
import type { Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { readAndPlan } from '../../src/commands/common.js';
import type { Plan } from '../../src/core/plan.js';
import { loadConfig } from '../../src/load/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { executePlan } from '../../src/runtime/executor.js';
import { awsCli } from './aws-cli.js';
import { cli } from './cli.js';
import { resolveApplication } from '../../src/application.js';
import { adoptionDocuments, createLegacyServices, registerOrders, type Legacy, type LegacyNetwork } from './legacy.js';

const OWNER = 'ecs-gitops.io/owner';
type TagList = { key: string; value: string }[];
const tagMap = (tags: TagList | undefined) => Object.fromEntries((tags ?? []).map((x) => [x.key, x.value]));

/** The calls of one sync in a new process: counted by operation, and in the order they were made, per resource. */
export async function countedSync(dir: string, endpoint: string) {
  const loaded = await loadConfig(dir);
  if (!loaded.ok) throw new Error(`invalid config: ${loaded.errors.map((e) => e.message).join('; ')}`);
  const clients = createAwsClients({ region: 'us-east-1', endpoint });
  try {
    const { plan } = await readAndPlan(loaded.state, clients, { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops', application: (await resolveApplication(dir)).application }, { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 });
    const order: { key: string; step: string; operation: string }[] = [];
    const { results } = await executePlan(plan, { clients, clock: systemClock, onStep: (e) => void (e.type === 'call' && e.ok && order.push({ key: e.step.key, step: e.step.id, operation: e.operation })) });
    const stats = clients.calls.snapshot();
    /** Calls of an operation, ECS's and Cloud Map's together (`UpdateService` counts both). */
    const count = (op: string | RegExp) => Object.entries(stats).filter(([k]) => (typeof op === 'string' ? k.endsWith(`:${op}`) : op.test(k))).reduce((n, [, s]) => n + s.calls, 0);
    return { plan, results, order, count, writes: clients.calls.writes(), stats };
  } finally {
    destroyAwsClients(clients);
  }
}

/** For every resource the sync wrote to, its first write: it must be the tag write that sets the owner tag. */
function firstWrites(plan: Plan, order: { key: string; step: string; operation: string }[]) {
  const steps = new Map(plan.steps.map((s) => [s.id, s]));
  const first = new Map<string, { step: string; operation: string; setsOwner: boolean }>();
  for (const call of order) {
    if (first.has(call.key)) continue;
    const input = steps.get(call.step)?.calls.find((c) => c.operation === call.operation)?.input ?? {};
    const tags = (input.tags ?? input.Tags ?? []) as { key?: string; Key?: string }[];
    first.set(call.key, { step: call.step, operation: call.operation, setsOwner: tags.some((x) => (x.key ?? x.Key) === OWNER) });
  }
  return first;
}

/** orders and inventory as the AWS CLI describes them, by name. */
async function describeServices(endpoint: string) {
  const answer = (await awsCli(endpoint, ['ecs', 'describe-services', '--cluster', 'shop', '--services', 'orders', 'inventory', '--include', 'TAGS'])) as {
    services: { serviceName: string; taskDefinition: string; tags?: TagList }[];
  };
  return Object.fromEntries(answer.services.map((s) => [s.serviceName, { taskDefinition: s.taskDefinition, tags: tagMap(s.tags) }]));
}

async function revisionTags(clients: AwsClients, revision: string) {
  const answer = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: revision, include: ['TAGS'] }));
  return tagMap(answer.tags as TagList | undefined);
}

/** Made by the AWS CLI, then described by hand in `dir`; `clients` for the test's own reads and changes. */
async function legacySetUp(t: Test, endpoint: string, network: LegacyNetwork, ordersImage?: string): Promise<{ dir: string; legacy: Legacy; clients: AwsClients }> {
  const clients = createAwsClients({ region: 'us-east-1', endpoint });
  t.teardown(() => destroyAwsClients(clients));
  const legacy = await createLegacyServices(endpoint, clients, network);
  const dir = t.testdir();
  writeFileSync(join(dir, 'shop.yaml'), adoptionDocuments(network, ordersImage ? { ordersImage } : {}));
  return { dir, legacy, clients };
}

/**
 * The documents equal what runs. A second copy of orders' revision (same content,
 * registered by hand afterwards, newer) must not be deployed in place of the one running;
 * nor must inventory's revision, deregistered while inventory runs it (as Terraform does
 * with a replaced revision), be registered again. Returns what the sim-only checks need.
 */
export async function adoptEqualContent(t: Test, endpoint: string, network: LegacyNetwork): Promise<Legacy> {
  const { dir, legacy, clients } = await legacySetUp(t, endpoint, network);
  const copy = await registerOrders(clients);
  t.match(copy, /orders:2$/, 'a newer ACTIVE revision holds the same content');
  await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: legacy.inventoryRevision }));

  const before = await cli('diff', dir, '--endpoint', endpoint);
  t.equal(before.code, 1, 'diff exits 1: the ownership tags are missing');
  const blocks = before.out.split('\n').filter((l) => /^\S+\/\S+.*: /.test(l));
  t.equal(blocks.length, 7, `every document is listed:\n${before.out}`);
  for (const line of blocks) t.match(line, /: to adopt — tags only/, line);
  t.notMatch(before.out, /^\s+[-+@]/m, 'no field differs: no diff lines');
  t.match(before.out, /^ {2}tag ecs-gitops\.io\/owner: "ecs-gitops"$/m, 'the owner tag to add is shown');
  t.notMatch(before.out, /registers a new revision/);

  const sync = await countedSync(dir, endpoint);
  t.same(sync.results.filter((r) => r.status !== 'succeeded'), [], 'every step succeeded');
  t.equal(sync.count('RegisterTaskDefinition'), 0, 'no RegisterTaskDefinition');
  t.equal(sync.count('UpdateService'), 0, 'no UpdateService (ECS or Cloud Map)');
  t.equal(sync.count(/:(UpdateCluster|PutClusterCapacityProviders|Update\w*Namespace|CreateService|CreateCluster)$/), 0, 'no other update or create');
  t.equal(sync.count('TagResource'), 7, 'one tag write per object: cluster, namespace, Cloud Map service, two revisions, two services');
  t.equal(sync.writes, 7 + sync.count('UntagResource'), `tag writes only: ${JSON.stringify(sync.stats)}`);
  for (const [key, first] of firstWrites(sync.plan, sync.order)) t.ok(first.operation === 'TagResource' && first.setsOwner, `${key}: the first write sets the owner tag (${first.step}: ${first.operation})`);

  const { orders, inventory } = await describeServices(endpoint);
  t.equal(orders.taskDefinition, legacy.ordersRevision, 'orders still runs orders:1');
  t.match(orders.tags, { [OWNER]: 'ecs-gitops', 'ecs-gitops.io/resource': 'Service/orders', 'ecs-gitops.io/task-definition': 'orders:1' });
  t.match(await revisionTags(clients, legacy.ordersRevision), { [OWNER]: 'ecs-gitops', 'ecs-gitops.io/resource': 'TaskDefinition/orders' }, 'the revision it runs is adopted');
  t.notOk((await revisionTags(clients, copy))[OWNER], 'the newer copy is left alone');
  t.equal(inventory.taskDefinition, legacy.inventoryRevision, 'inventory still runs inventory:1');
  t.match(inventory.tags, { [OWNER]: 'ecs-gitops', 'ecs-gitops.io/task-definition': 'inventory:1' });
  t.match(await revisionTags(clients, legacy.inventoryRevision), { [OWNER]: 'ecs-gitops' }, 'the deregistered revision inventory runs is adopted, not registered again');

  const after = await cli('diff', dir, '--endpoint', endpoint);
  t.equal(after.code, 0, `diff after the sync is empty:\n${after.out}`);
  const again = await countedSync(dir, endpoint);
  t.equal(again.writes, 0, 'a second sync writes nothing');
  t.equal(again.count('DescribeTaskDefinition'), 0, 'and describes no task definition: the services record their revisions');
  return legacy;
}

/** orders' document has a new image: the tags go first, then one registration and one UpdateService. */
export async function adoptChangedContent(t: Test, endpoint: string, network: LegacyNetwork, ordersImage: string): Promise<Legacy> {
  const { dir, legacy } = await legacySetUp(t, endpoint, network, ordersImage);
  const before = await cli('diff', dir, '--endpoint', endpoint);
  t.equal(before.code, 1);
  t.match(before.out, /Service\/orders: to adopt — adds the ownership tags below first, then makes the changes/);
  t.match(before.out, /TaskDefinition\/orders: to update — registers a new revision after orders:1/);
  t.match(before.out, /\+\s+image: \S+/, 'the image change is shown');
  t.match(before.out, /Service\/inventory: to adopt — tags only/, 'what is equal is still adopted by tags only');

  const sync = await countedSync(dir, endpoint);
  t.same(sync.results.filter((r) => r.status !== 'succeeded'), [], 'every step succeeded');
  t.equal(sync.count('RegisterTaskDefinition'), 1);
  t.equal(sync.count('UpdateService'), 1, 'one UpdateService: orders');
  const ordersCalls = sync.order.filter((c) => c.key === 'Service/orders').map((c) => `${c.step}: ${c.operation}`);
  t.same(ordersCalls, ['tag Service/orders: TagResource', 'update Service/orders: UpdateService', 'update Service/orders: TagResource'], 'orders is tagged as the controller\'s before it is updated');
  for (const [key, first] of firstWrites(sync.plan, sync.order)) {
    if (key === 'TaskDefinition/orders') t.equal(first.operation, 'RegisterTaskDefinition', 'the new revision is registered with its tags');
    else t.ok(first.operation === 'TagResource' && first.setsOwner, `${key}: the first write sets the owner tag`);
  }
  const { orders, inventory } = await describeServices(endpoint);
  t.match(orders.taskDefinition, /orders:2$/, 'orders runs the new revision');
  t.match(orders.tags, { [OWNER]: 'ecs-gitops', 'ecs-gitops.io/task-definition': 'orders:2' });
  t.equal(inventory.taskDefinition, legacy.inventoryRevision, 'inventory is not redeployed');
  const after = await cli('diff', dir, '--endpoint', endpoint);
  t.equal(after.code, 0, `diff after the sync is empty:\n${after.out}`);
  return legacy;
}
