// What the fault suite found about eventual consistency, pinned at the level it lives on:
// a read or a create that follows a write before AWS shows it. The simulator's
// `consistencyLagMs` makes a new object invisible to reads for a while.
import t, { type Test } from 'tap';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import { readLive } from '../../src/aws/reader.js';
import { systemClock } from '../../src/runtime/clock.js';
import { classifyAwsError } from '../../src/core/errors.js';
import { planSync, type Plan } from '../../src/core/plan.js';
import { loadConfig } from '../../src/load/index.js';
import { executePlan } from '../../src/runtime/executor.js';
import { startSimulator } from '../../src/sim/index.js';
import { FAST_ROLLOUT } from '../helpers/fault.js';

const PRUNE_OFF = { enabled: false, allowEmpty: false, maxDeletesPerSync: 10 };
const OPTIONS = { controllerId: 'ecs-gitops', prune: PRUNE_OFF };

const DOCS = `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata: {name: shop}
spec: {}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata: {name: web}
spec:
  containerDefinitions:
    - {name: web, image: nginx:1.27.3, memory: 128}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata: {name: web}
spec:
  cluster: shop
  taskDefinition: web
  desiredCount: 1
  launchType: EC2
`;

async function setup(t: Test) {
  const sim = await startSimulator({ rolloutTimings: FAST_ROLLOUT });
  const clients = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint });
  t.teardown(async () => {
    destroyAwsClients(clients);
    await sim.close();
  });
  const loaded = await loadConfig(t.testdir({ 'shop.yaml': DOCS }));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return { sim, clients, desired: loaded.state };
}

const createServiceInput = (plan: Plan) => plan.steps.flatMap((s) => s.calls).find((c) => c.operation === 'CreateService')?.input;

t.test('a create repeated before AWS lists the service sends the same clientToken and gets the same service', async (t) => {
  const { sim, clients, desired } = await setup(t);
  const first = planSync(desired, await readLive(clients, desired, OPTIONS), OPTIONS);
  // The registration is visible at once; the service, created right after it, only 10 s later.
  await executePlan(first, {
    clients,
    clock: systemClock,
    concurrency: 1,
    onStep: (e) => {
      if (e.type === 'succeeded' && e.step.key === 'TaskDefinition/web') sim.faults.set({ consistencyLagMs: 10_000 });
    },
  });
  // The next pass finds the revision by its content hash but not the service: it creates again.
  const second = planSync(desired, await readLive(clients, desired, OPTIONS), OPTIONS);
  t.equal(second.resources.find((r) => r.key === 'Service/web')?.action, 'create', 'the service is not visible yet');
  t.match(createServiceInput(second), { taskDefinition: /:task-definition\/web:1$/ }, 'this time with the revision known');
  t.equal(createServiceInput(second)?.clientToken, createServiceInput(first)?.clientToken, 'the same clientToken as the first create');
  const started = Date.now();
  const { results } = await executePlan(second, { clients, clock: systemClock, settleTimeoutMs: 5_000 });
  t.same(results.map((r) => `${r.id}: ${r.status}${r.error ? ` ${r.error.message}` : ''}`), ['create Service/web: succeeded'], 'ECS answers with the service the first call created');
  t.ok(Date.now() - started < 2_000, 'at once, not after retrying a refused create');
  const records = sim.dump().services.map((s) => `${s.name} ${s.status}`);
  t.same(records, ['web ACTIVE'], 'one service');
});

t.test('a revision listed but not yet describable fails the read as retryable, not as a stall', async (t) => {
  const { sim, clients, desired } = await setup(t);
  sim.faults.set({ consistencyLagMs: 1_500 });
  const plan = planSync(desired, await readLive(clients, desired, OPTIONS), OPTIONS);
  await executePlan({ ...plan, steps: plan.steps.filter((s) => s.key === 'TaskDefinition/web') }, { clients, clock: systemClock });
  const failure = await readLive(clients, desired, OPTIONS).then(() => undefined, (err: unknown) => err);
  t.ok(failure, 'the read cannot tell yet whether the revision carries the desired content');
  t.equal(classifyAwsError(failure).reaction, 'retry', 'so the loop retries it with backoff instead of waiting for the next resync');
  // Once visible, the registration is found again: no second one.
  let live = await readLive(clients, desired, OPTIONS).catch(() => undefined);
  for (let i = 0; !live && i < 40; i++) live = await new Promise((r) => setTimeout(r, 100)).then(() => readLive(clients, desired, OPTIONS)).catch(() => undefined);
  if (!live) return t.fail('the revision never became describable');
  const after = planSync(desired, live, OPTIONS);
  t.notOk(after.steps.some((s) => s.key === 'TaskDefinition/web'), 'the revision is found by its content hash');
});
