// The controller loop against the simulator: snapshots in, AWS converged, status out.
import t from 'tap';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { loadConfig } from '../../src/load/index.js';
import { decide, type ControllerLogger, type KeyResult, type Requeue } from '../../src/runtime/controller.js';
import { StatusStore } from '../../src/runtime/status.js';
import { awsCli } from '../helpers/aws-cli.js';
import { eventually } from '../helpers/daemon.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES } from '../helpers/examples.js';
import { controllerOnSimulator } from '../helpers/controller.js';

/** A logger that tells when a pass at `revision` starts, and when the next pass to start has finished. */
function passWatcher() {
  const waiting: { revision: string; resolve(): void }[] = [];
  const starting: (() => void)[] = [];
  const finishing: (() => void)[] = [];
  const logger: ControllerLogger = {
    info: (_obj, msg) => {
      if (msg === 'reconcile finished') for (const resolve of finishing.splice(0)) resolve();
    },
    warn: () => undefined,
    error: () => undefined,
    debug: (obj, msg) => {
      if (msg !== 'reconcile started') return;
      for (const hook of starting.splice(0)) hook();
      const revision = (obj as { revision?: string }).revision;
      for (const w of waiting.filter((w) => w.revision === revision)) w.resolve();
    },
  };
  const started = (revision: string) => new Promise<void>((resolve) => waiting.push({ revision, resolve }));
  /** Passes run one at a time: the first to start after this call is done at the next 'reconcile finished' after its start. */
  const nextPass = () => new Promise<void>((resolve) => starting.push(() => finishing.push(resolve)));
  return { logger, started, nextPass };
}

const setup = controllerOnSimulator;

const allHealthy = (status: StatusStore) => () => {
  const all = status.list();
  return status.controllerStatus().ready && all.length === EXAMPLES.total && all.every((r) => r.sync === 'Synced' && r.health.status === 'Healthy');
};

t.test('from a first snapshot to every resource Synced and Healthy', async (t) => {
  const { status, snapshot, controller } = await setup(t);
  await snapshot('r1');
  t.ok(await eventually(allHealthy(status)), JSON.stringify(status.counts()));
  t.equal(status.controllerStatus().appliedRevision, 'r1');
  const billing = status.get('Service/billing')!;
  t.match(billing.liveSummary, { runningCount: 2, deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }] });
  t.ok(billing.events.some((e) => e.reason === 'Applied'), 'the write is an event');
  const registered = await controller.cloudMapInstances('Service/billing');
  t.equal(registered?.[0].cloudMapService, 'billing');
  t.equal(registered?.[0].instances.length, 2, 'one Cloud Map instance per running task');
  t.match(registered?.[0].instances[0].attributes, { AWS_INSTANCE_IPV4: /^\d+\.\d+\.\d+\.\d+$/, ECS_SERVICE_NAME: 'billing' });
});

t.test('an invalid snapshot changes nothing in AWS and names the file and line', async (t) => {
  const watcher = passWatcher();
  const { status, snapshot, clients, dir, controller } = await setup(t, { logger: watcher.logger });
  await snapshot('r1');
  t.ok(await eventually(allHealthy(status)));
  const writesBefore = clients.calls.writes();
  const file = join(dir, 'store', 'inventory.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('desiredCount: 2', 'desiredCount: two').replace(/image: \S+/, 'image: busybox:9'));
  await snapshot('r2-bad');
  t.equal(status.controllerStatus().attemptedRevision, 'r2-bad');
  t.equal(status.controllerStatus().appliedRevision, 'r1', 'the last valid revision stays in force');
  t.match(status.controllerStatus().loadErrors, [{ field: 'spec.desiredCount', file: /inventory\.yaml$/, line: 43 }]);
  const passed = watcher.nextPass();
  t.ok(controller.requestSync('api').accepted);
  await passed;
  t.equal(clients.calls.writes(), writesBefore, 'not one write, even in a full pass after it');
});

t.test('one changed document reconciles only what depends on it', async (t) => {
  const { status, snapshot, clients, dir, reconciles } = await setup(t);
  await snapshot('r1');
  t.ok(await eventually(allHealthy(status)));
  await new Promise((r) => setTimeout(r, 500));
  clients.calls.reset();
  reconciles.length = 0;
  const file = join(dir, 'store', 'shipping.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/image: (\S+):[^:\s]+\n/, 'image: $1:7.7.7\n'));
  await snapshot('r2');
  t.ok(await eventually(() => status.get('TaskDefinition/shipping')?.sync === 'Synced' && clients.calls.writes() === 3 && status.controllerStatus().appliedRevision === 'r2'));
  const stats = clients.calls.snapshot();
  t.same(Object.keys(stats).filter((k) => !/:(Describe|List|Get)/.test(k)).sort(), ['ecs:RegisterTaskDefinition', 'ecs:TagResource', 'ecs:UpdateService']);
  t.notOk(stats['ecs:ListServices'], 'a partial reconcile lists no ECS services');
  t.notOk(stats['servicediscovery:ListServices'], 'nor Cloud Map services: their ids are known');
  t.equal(stats['servicediscovery:GetService']?.calls, 1, 'the one Cloud Map service it needs is read by id');
  t.notOk(reconciles.some((r) => r.startsWith('Service ') && !r.includes('success')), 'no failures');
});

t.test('drift is healed at the next resync; with self-heal off it is only reported', async (t) => {
  for (const selfHeal of [true, false]) {
    await t.test(`self-heal ${selfHeal ? 'on' : 'off'}`, async (t) => {
      const watcher = passWatcher();
      const { status, snapshot, sim, clients, drift } = await setup(t, { selfHeal, resyncMs: 400, logger: watcher.logger });
      await snapshot('r1');
      t.ok(await eventually(allHealthy(status)));
      await awsCli(sim.endpoint, ['ecs', 'update-service', '--cluster', 'store', '--service', 'billing', '--desired-count', '4']);
      t.ok(await eventually(() => drift.includes('Service')), 'drift counted');
      const count = async () => (await clients.ecs.send(new DescribeServicesCommand({ cluster: 'store', services: ['billing'] }))).services![0].desiredCount;
      if (selfHeal) {
        t.ok(await eventually(async () => (await count()) === 2), 'reverted to git');
      } else {
        await watcher.nextPass();
        t.equal(await count(), 4, 'left as it is through the next resync');
        t.equal(status.get('Service/billing')!.sync, 'OutOfSync');
        t.match(status.get('Service/billing')!.message, /self-heal is off/);
      }
    });
  }
});

t.test('what the controller just wrote and AWS does not show yet is not counted as drift', async (t) => {
  const { status, snapshot, drift } = await setup(t, { resyncMs: 300, consistencyLagMs: 1500 });
  await snapshot('r1');
  t.ok(await eventually(allHealthy(status), 30_000), JSON.stringify(status.counts()));
  t.same(drift, [], 'no drift while AWS catches up with the controller\'s own writes');
});

t.test('a commit that lands during a pass is applied, not taken for drift', async (t) => {
  for (const selfHeal of [false, true]) {
    await t.test(`self-heal ${selfHeal ? 'on' : 'off'}`, async (t) => {
      const watcher = passWatcher();
      const { status, snapshot, controller, dir, clients, drift } = await setup(t, { selfHeal, logger: watcher.logger });
      await snapshot('r1');
      t.ok(await eventually(allHealthy(status)));
      const file = join(dir, 'store', 'shipping.yaml');
      const withImage = async (tag: string) => {
        writeFileSync(file, readFileSync(file, 'utf8').replace(/(image: \S+\/shipping):[^:\s]+\n/, `$1:${tag}\n`));
        return loadConfig(dir);
      };
      const r2 = await withImage('2.0.0');
      const r3 = await withImage('3.0.0');
      const passAtR2 = watcher.started('r2');
      controller.applySnapshot({ revision: 'r2', result: r2 });
      await passAtR2;
      controller.applySnapshot({ revision: 'r3', result: r3 }); // while the pass planned at r2 runs
      const image = async () => {
        const { services } = await clients.ecs.send(new DescribeServicesCommand({ cluster: 'store', services: ['shipping'] }));
        const { taskDefinition } = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: services![0].taskDefinition }));
        return taskDefinition!.containerDefinitions![0].image;
      };
      t.ok(await eventually(() => status.controllerStatus().appliedRevision === 'r3' && status.get('Service/shipping')?.sync === 'Synced', 15_000), 'the newer commit is in force');
      t.match(await image(), /:3\.0\.0$/, 'and deployed, as AWS answers');
      t.same(drift, [], 'git\'s changes are never drift');
      t.notMatch(status.get('Service/shipping')?.message ?? '', /drift/);
    });
  }
});

t.test('while full syncs cannot read AWS, status says Unknown with the error, reads count as failures, and no sync counts as successful', async (t) => {
  const { status, snapshot, sim, dir, reconciles } = await setup(t, { resyncMs: 300 });
  await snapshot('r1');
  t.ok(await eventually(allHealthy(status)));
  reconciles.length = 0;
  sim.faults.set({ errorRate: 1, errorOperations: ['ListClusters'] });
  t.ok(await eventually(() => status.get('Service/billing')?.sync === 'Unknown'), 'the next full pass could not read');
  // Passes run one at a time: none that read before the fault can finish after this.
  const lastGood = status.controllerStatus().lastSuccessfulSyncAt;
  t.match(status.get('Service/billing'), { health: { status: 'Unknown', message: /could not be read/ }, lastError: { code: 'ServerException', reaction: 'retry' } });
  // A partial pass (a recheck that needs no ListClusters) may show its resource read again
  // for a moment; each failed full pass marks everything it covers Unknown once more.
  t.ok(await eventually(() => status.list().every((r) => r.sync === 'Unknown')), 'nothing a full pass covers is shown Synced');
  t.ok(reconciles.some((r) => r === 'Service error'), 'a failed read is a failed reconcile');
  // A commit meanwhile: its partial pass reads only what it needs (no ListClusters) and converges.
  const file = join(dir, 'store', 'shipping.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(image: \S+\/shipping):[^:\s]+\n/, '$1:4.0.0\n'));
  await snapshot('r2');
  t.ok(await eventually(() => status.controllerStatus().appliedRevision === 'r2'), 'the commit is applied');
  t.equal(status.controllerStatus().lastSuccessfulSyncAt, lastGood, 'but a partial pass is no successful sync of everything');
  sim.faults.set({ errorRate: 0, errorOperations: [] });
  t.ok(await eventually(allHealthy(status)), 'a full pass that reads again shows the truth again');
  t.ok(status.controllerStatus().lastSuccessfulSyncAt! > lastGood!);
});

t.test('a commit that cannot be applied is not shown as applied: status says which resources wait for it, and why', async (t) => {
  const { status, snapshot, sim, dir } = await setup(t);
  await snapshot('r1');
  t.ok(await eventually(allHealthy(status)));
  sim.faults.set({ errorRate: 1, errorOperations: ['RegisterTaskDefinition'] });
  const file = join(dir, 'store', 'shipping.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(image: \S+\/shipping):[^:\s]+\n/, '$1:5.0.0\n'));
  await snapshot('r2');
  t.ok(await eventually(() => status.get('TaskDefinition/shipping')?.lastError !== undefined), 'the registration failed');
  t.equal(status.controllerStatus().appliedRevision, 'r1', 'r2 is not in force');
  t.match(status.get('TaskDefinition/shipping'), { sync: 'OutOfSync', message: /revision r2 not applied yet/, lastError: { code: 'ServerException' } });
  t.match(status.get('Service/shipping')?.message, /revision r2 not applied yet/, 'nor its service, which pins the new revision');
  sim.faults.set({ errorRate: 0, errorOperations: [] });
  t.ok(await eventually(() => status.controllerStatus().appliedRevision === 'r2'), 'once it goes through, r2 is in force');
  t.notMatch(status.get('TaskDefinition/shipping')?.message ?? '', /not applied/);
});

t.test('the retry policy: one function maps a key\'s result to the queue\'s next move', async (t) => {
  const cases: { name: string; result: KeyResult; want: Requeue }[] = [
    { name: 'a throttled read or step backs off', result: { error: { reaction: 'retry' } }, want: { action: 'retry' } },
    { name: 'AWS busy (a drain) looks again after a set time', result: { error: { reaction: 'wait' } }, want: { action: 'wait', afterMs: 10_000 } },
    { name: 'a refused request waits for a commit', result: { error: { reaction: 'stall' }, applied: true, inGit: true }, want: { action: 'stall' } },
    { name: 'a conflict waits for a commit', result: { action: 'conflict', inGit: true }, want: { action: 'stall' } },
    { name: 'an immutable field waits for a commit', result: { action: 'stalled', inGit: true }, want: { action: 'stall' } },
    { name: 'a write is confirmed soon', result: { action: 'update', applied: true, inGit: true, progressPollMs: 200 }, want: { action: 'done', recheckAfterMs: 200 } },
    { name: 'a rollout is followed', result: { action: 'none', progressing: true, inGit: true }, want: { action: 'done', recheckAfterMs: 3_000 } },
    { name: 'a pruned object is not looked at again', result: { action: 'delete', applied: true, inGit: false }, want: { action: 'done' } },
    { name: 'in sync: nothing until the next trigger', result: { action: 'none', inGit: true }, want: { action: 'done' } },
  ];
  for (const c of cases) t.same(decide(c.result), c.want, c.name);
});
