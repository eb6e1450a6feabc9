// The engine end to end, as a user runs it: `ecs-gitops sync` and `diff` on a copy of
// examples/ against the simulator (test/e2e/sync-moto.test.ts: against moto). What the
// sync made is checked through the AWS CLI; other reads and changes made behind the
// controller's back go to the simulator in-process (each AWS CLI call costs a second of
// CPU, ten on a busy machine).
import t, { type Test } from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUDMAP_TARGET_PREFIX, ECS_TARGET_PREFIX, startSimulator } from '../../src/sim/index.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { syncCommand } from '../../src/commands/sync.js';
import { awsCli } from '../helpers/aws-cli.js';
import { cli, plannedCalls } from '../helpers/cli.js';
import { copyExamples } from '../helpers/repo.js';
import { EXAMPLES } from '../helpers/examples.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

async function simulator(t: Test) {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  /** One ECS call answered in-process: what someone else does, and reads beside the AWS CLI's. */
  const ecs = <T>(operation: string, input: object): T => {
    const answer = sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input));
    if (answer.status !== 200) throw new Error(`${operation}: ${JSON.stringify(answer.body)}`);
    return answer.body as T;
  };
  return Object.assign(sim, { ecs });
}

t.test('simulator: sync converges the examples from empty; diff then finds nothing', async (t) => {
  const sim = await simulator(t);
  const dir = copyExamples(t.testdir());
  const before = await cli('diff', dir, '--endpoint', sim.endpoint);
  t.equal(before.code, 1);
  // A reviewer sees what will be created, whole: the normalised spec as + lines.
  t.match(before.out, /Service\/billing: to create\n(\s+\+.*\n)*\s+\+desiredCount: 2\n(\s+\+.*\n)*\s+\+taskDefinition: billing:<next>\n {2}tag team: "payments"\n {2}tag service: "billing"\n {2}tag data-classification: "pci"\n/, 'with its tags');
  t.match(before.out, /CloudMapNamespace\/store\.local: to create\n(\s+\+.*\n)*\s+\+type: DNS_PRIVATE\n\s+\+vpc: vpc-0a1b2c3d4e5f67890\n/);
  t.notMatch(before.out, /@@/, 'no hunk header when the whole object is new');
  const dryRun = await cli('sync', dir, '--dry-run', '--endpoint', sim.endpoint);
  t.equal(dryRun.code, 0, dryRun.err);
  t.match(dryRun.out, /Cluster\/store: to create\n\s+\+capacityProviders:\n\s+\+ {2}- FARGATE\n/);
  t.match(dryRun.out, /\(dry run: nothing was changed\)$/);
  const first = await cli('sync', dir, '--once', '--endpoint', sim.endpoint);
  t.equal(first.code, 0, first.err);
  t.match(first.out, new RegExp(`Plan: ${EXAMPLES.total} to create, 0 to update, 0 to replace, 0 to delete, 0 in sync\\.`));
  t.match(first.out, /✓ create service store\/billing \[CreateService\]/);
  t.match(first.out, new RegExp(`${EXAMPLES.total} of ${EXAMPLES.total} steps applied; API calls: .*\\(\\d+ writes\\)`));

  const diff = await cli('diff', dir, '--endpoint', sim.endpoint);
  t.equal(diff.code, 0, `diff after sync is empty:\n${diff.out}`);
  t.match(diff.out, new RegExp(`Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, ${EXAMPLES.total} in sync\\.`));

  await t.test('what exists is what the YAML says, through the AWS CLI and the API', async (t) => {
    const described = (await awsCli(sim.endpoint, ['ecs', 'describe-services', '--cluster', 'store', '--services', 'billing', '--include', 'TAGS'])) as {
      services: { taskDefinition: string; desiredCount: number; launchType: string; tags: { key: string; value: string }[]; deploymentConfiguration: unknown; serviceRegistries: { registryArn: string }[] }[];
    };
    const billing = described.services[0];
    t.match(billing.taskDefinition, /:task-definition\/billing:1$/);
    t.equal(billing.desiredCount, 2);
    t.equal(billing.launchType, 'FARGATE');
    t.match(billing.deploymentConfiguration, { deploymentCircuitBreaker: { enable: true, rollback: true } });
    const tags = Object.fromEntries(billing.tags.map((x) => [x.key, x.value]));
    t.match(tags, { team: 'payments', 'data-classification': 'pci', 'ecs-gitops.io/owner': 'ecs-gitops', 'ecs-gitops.io/resource': 'Service/billing', 'ecs-gitops.io/task-definition': 'billing:1' });
    const namespaces = sim.invoke(`${CLOUDMAP_TARGET_PREFIX}.ListNamespaces`, '{}').body as { Namespaces: { Name: string; Type: string }[] };
    t.same(namespaces.Namespaces.map((n) => `${n.Name} ${n.Type}`).sort(), ['store-connect HTTP', 'store-external HTTP', 'store.local DNS_PRIVATE']);
    t.match(billing.serviceRegistries[0].registryArn, /^arn:aws:servicediscovery:us-east-1:123456789012:service\/srv-/);
  });

  await t.test('a second sync in a new process makes no write and describes no task definition', async (t) => {
    const { count, writes, plan } = await plannedCalls(dir, sim.endpoint, true);
    t.equal(writes, 0);
    t.equal(count('DescribeTaskDefinition'), 0);
    t.equal(count('DescribeServices'), 1, `${EXAMPLES.of('Service')} services in one cluster: one DescribeServices call`);
    t.equal(plan.steps.length, 0);
  });

  await t.test('drift behind the controller\'s back: diff exits 1, sync reverts it', async (t) => {
    sim.ecs('UpdateService', { cluster: 'store', service: 'inventory', desiredCount: 5 });
    const drift = await cli('diff', dir, '--endpoint', sim.endpoint);
    t.equal(drift.code, 1);
    t.match(drift.out, /Service\/inventory: to update/);
    t.match(drift.out, /-desiredCount: 5\n\s+\+desiredCount: 2/);
    const heal = await cli('sync', dir, '--endpoint', sim.endpoint);
    t.equal(heal.code, 0, heal.err);
    t.equal((await cli('diff', dir, '--endpoint', sim.endpoint)).code, 0);
  });

  await t.test('one new image costs one registration, one UpdateService and one tag write', async (t) => {
    const file = join(dir, 'store', 'inventory.yaml');
    const text = readFileSync(file, 'utf8');
    const image = /image: (\S+)/.exec(text)![1];
    writeFileSync(file, text.replace(image, image.replace(/:[^:@]+$/, ':9.9.9')));
    const { count, writes, stats } = await plannedCalls(dir, sim.endpoint, true);
    t.equal(count('RegisterTaskDefinition'), 1);
    t.equal(count('UpdateService'), 1);
    t.equal(count('TagResource'), 1);
    t.equal(writes, 3, `no other write: ${JSON.stringify(stats)}`);
    const described = sim.ecs<{ services: { taskDefinition: string }[] }>('DescribeServices', { cluster: 'store', services: ['inventory'] });
    t.match(described.services[0].taskDefinition, /inventory:2$/);
  });

  await t.test('pruning: a deleted file stays in AWS until --prune', async (t) => {
    rmSync(join(dir, 'store', 'shipping.yaml'));
    const kept = await cli('sync', dir, '--endpoint', sim.endpoint);
    t.equal(kept.code, 0, kept.err);
    const still = sim.ecs<{ services: { status: string }[] }>('DescribeServices', { cluster: 'store', services: ['shipping'] });
    t.equal(still.services[0].status, 'ACTIVE');
    const diff = await cli('diff', dir, '--endpoint', sim.endpoint);
    t.equal(diff.code, 1);
    t.match(diff.out, /Service\/shipping \(store\/shipping\): not in git \(kept\) — no longer in git; pruning is off/);
    // What pruning would delete is shown whole, from its live spec, as - lines.
    const toPrune = await cli('diff', dir, '--endpoint', sim.endpoint, '--prune');
    t.match(toPrune.out, /Service\/shipping \(store\/shipping\): to delete — no longer in git; pruning\n(\s+-.*\n)*\s+-desiredCount: 2\n(\s+-.*\n)*\s+-taskDefinition: shipping:1\n/);
    t.match(toPrune.out, /CloudMapService\/shipping: to delete — no longer in git; pruning\n\s+-description: Delivery quotes and tracking\n/);
    const pruned = await cli('sync', dir, '--endpoint', sim.endpoint, '--prune');
    t.equal(pruned.code, 0, `${pruned.out}\n${pruned.err}`);
    t.match(pruned.out, /✓ delete Service store\/shipping \[UpdateService, DeleteService\]/);
    const gone = sim.ecs<{ services: { status: string }[] }>('DescribeServices', { cluster: 'store', services: ['shipping'] });
    t.not(gone.services[0]?.status, 'ACTIVE');
  });
});

t.test('simulator: an unowned service of the same name is a conflict and is left alone', async (t) => {
  const sim = await simulator(t);
  const dir = copyExamples(t.testdir());
  // Made by someone else, without the owner tag.
  sim.ecs('CreateCluster', { clusterName: 'store' });
  sim.ecs('RegisterTaskDefinition', { family: 'legacy', containerDefinitions: [{ name: 'app', image: 'busybox:1.36', memory: 128 }] });
  sim.ecs('CreateService', { cluster: 'store', serviceName: 'storefront', taskDefinition: 'legacy', desiredCount: 1 });
  const diff = await cli('diff', dir, '--endpoint', sim.endpoint);
  t.equal(diff.code, 1);
  t.match(diff.out, /Cluster\/store: conflict — exists in AWS but was not created by this controller/);
  t.match(diff.out, /Service\/storefront: conflict/);
  const sync = await cli('sync', dir, '--endpoint', sim.endpoint);
  const after = sim.ecs<{ services: { taskDefinition: string }[] }>('DescribeServices', { cluster: 'store', services: ['storefront'] });
  t.match(after.services[0].taskDefinition, /legacy:1$/, 'the unowned service still runs its own task definition');
  t.match(sync.out, /conflict/);
});

/**
 * `sync` in-process on the simulator's own clock, in auto-advance mode: time moves only
 * while the command sleeps (polling a rollout, a Cloud Map operation), so rollouts of
 * AWS's default timings finish in milliseconds and every run sees the same states.
 */
async function onSimulatorClock(t: Test) {
  const clock = new ManualClock({ autoAdvance: true });
  const sim = await startSimulator({ clock });
  t.teardown(() => sim.close());
  const sync = async (...argv: string[]) => {
    const out: string[] = [];
    const code = await syncCommand([...argv, '--endpoint', sim.endpoint], { out: (l) => out.push(...l.split('\n')), err: (l) => out.push(l), color: false }, clock);
    return { code, lines: out, out: out.join('\n') };
  };
  return { sim, sync };
}

const setImage = (dir: string, service: string, image: (old: string) => string) => {
  const file = join(dir, 'store', `${service}.yaml`);
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/image: (\S+)/, (_, old: string) => `image: ${image(old)}`));
};

/** The examples synced on the simulator's clock, and a way to give a service an image whose tasks fail to start. */
async function syncedExamples(t: Test) {
  const { sim, sync } = await onSimulatorClock(t);
  const dir = copyExamples(t.testdir());
  t.equal((await sync(dir)).code, 0, 'the examples converge');
  const breakImage = (service: string) => {
    const bad = `123456789012.dkr.ecr.us-east-1.amazonaws.com/store/${service}:broken-1`;
    sim.faults.failImage(bad);
    setImage(dir, service, () => bad);
  };
  return { sync, dir, breakImage };
}

/** The progress lines of one Service, and how many times the wait read the services. */
const progressOf = (lines: string[], key: string) => lines.filter((l) => l.startsWith(`  … ${key}: `));
const polls = (out: string) => Number(/ecs:DescribeServices (\d+)/.exec(out)?.[1]);

t.test('sync --wait reports each Service of the config when its rollout changes, then a table', async (t) => {
  const { sync } = await onSimulatorClock(t);
  const dir = copyExamples(t.testdir());
  const first = await sync(dir, '--wait');
  t.equal(first.code, 0, first.out);
  t.match(first.out, /^SERVICE +HEALTH +RUNNING +ROLLOUT +MESSAGE$/m);

  setImage(dir, 'inventory', (old) => old.replace(/:[^:@]+$/, ':3.0.0'));
  const rollout = await sync(dir, '--wait');
  t.equal(rollout.code, 0, rollout.out);
  const inventory = progressOf(rollout.lines, 'Service/inventory');
  t.match(inventory[0], /^ {2}… Service\/inventory: Progressing — inventory:2 IN_PROGRESS \(deployment ecs-svc\/\d+\), \d\/2 running(, \d pending)?; last event: \(service inventory\) /);
  t.match(inventory.at(-1), /^ {2}… Service\/inventory: Healthy — inventory:2 COMPLETED \(deployment ecs-svc\/\d+\), 2\/2 running; last event: \(service inventory\) has reached a steady state\.$/);
  t.ok(inventory.every((line, i) => i === 0 || line !== inventory[i - 1]), 'a line only when something changed');
  t.ok(inventory.length < polls(rollout.out), `fewer lines (${inventory.length}) than polls (${polls(rollout.out)})`);
  t.same(rollout.lines.filter((l) => l.startsWith('  … Service/') && !l.startsWith('  … Service/inventory')), [], 'the services that did not change say nothing until the table');
  const table = rollout.lines.slice(rollout.lines.findIndex((l) => l.startsWith('SERVICE ')));
  t.match(table.slice(0, 9), [
    /^SERVICE +HEALTH {3}RUNNING {2}ROLLOUT {4}MESSAGE$/,
    /^Service\/api-gateway +Healthy {2}3\/3 {6}COMPLETED {2}api-gateway:1: 3\/3 tasks running$/,
    /^Service\/billing +Healthy {2}2\/2 {6}COMPLETED {2}billing:1: 2\/2 tasks running$/,
    /^Service\/inventory +Healthy {2}2\/2 {6}COMPLETED {2}inventory:2: 2\/2 tasks running$/,
    /^Service\/recommendations {2}Healthy/,
    /^Service\/reviews +Healthy/,
    /^Service\/search +Healthy/,
    /^Service\/shipping +Healthy/,
    /^Service\/storefront +Healthy/,
  ]);
  t.same(new Set(table.slice(0, 9).map((l) => l.indexOf('H'))).size, 1, 'the columns line up under the longest name');
});

t.test('sync --wait: a rollout the circuit breaker rolls back is Degraded and exits 1; services outside the config are not waited for', async (t) => {
  const { sync, dir, breakImage } = await syncedExamples(t);
  breakImage('billing');
  const failed = await sync(dir, '--wait');
  t.equal(failed.code, 1, failed.out);
  const billing = progressOf(failed.lines, 'Service/billing');
  t.match(billing[0], /^ {2}… Service\/billing: Progressing — billing:2 IN_PROGRESS /);
  t.match(billing.at(-1), /^ {2}… Service\/billing: Degraded — the deployment circuit breaker rolled back from billing:2 to billing:1; billing:1 \w+ \(deployment ecs-svc\/\d+\)/, 'ECS deploys billing:1 again');
  t.match(failed.out, /^Service\/billing +Degraded +2\/2 +\w+ +the deployment circuit breaker rolled back from billing:2 to billing:1/m);

  // billing's document is gone: it is no longer this config's to wait for, nor its failure.
  rmSync(join(dir, 'store', 'billing.yaml'));
  const rest = await sync(dir, '--wait');
  t.equal(rest.code, 0, rest.out);
  t.notMatch(rest.out, /^Service\/billing/m);
  t.match(rest.out, /^Service\/inventory +Healthy/m);
});

t.test('sync --wait gives up after --wait-timeout on a rollout that never ends, and exits 1', async (t) => {
  const { sync, dir, breakImage } = await syncedExamples(t);
  // Without a circuit breaker (inventory has none) ECS replaces failing tasks for ever.
  breakImage('inventory');
  const stuck = await sync(dir, '--wait', '--wait-timeout', '1m');
  t.equal(stuck.code, 1, stuck.out);
  t.match(stuck.out, /^Service\/inventory +Progressing +2\/2 +IN_PROGRESS +rolling out inventory:2/m);
  t.match(stuck.lines.at(-2), /^gave up waiting after 60 s$/);
  // ECS replaces the failing tasks again and again: each round is a new event, and the count of failed tasks grows.
  const failedCounts = progressOf(stuck.lines, 'Service/inventory').map((l) => Number(/, (\d+) failed;/.exec(l)?.[1] ?? 0));
  t.ok(failedCounts.at(-1)! > failedCounts[0], `failed tasks counted: ${failedCounts.join(', ')}`);
});
