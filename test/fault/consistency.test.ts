// What the fault suite found about eventual consistency, pinned at the level it lives on:
// a read or a create that follows a write before AWS shows it. The simulator's
// `consistencyLagMs` makes a new object invisible to reads for a while — on the
// simulator's manual clock, which the executor's clock moves (test/runtime/harness.ts),
// so "for a while" and "at once" are exact, whatever the machine's load.
import t, { type Test } from 'tap';
import { readLive } from '../../src/aws/reader.js';
import { classifyAwsError } from '../../src/core/errors.js';
import { planSync, type Plan } from '../../src/core/plan.js';
import { loadConfig } from '../../src/load/index.js';
import { executePlan } from '../../src/runtime/executor.js';
import { runtime } from '../runtime/harness.js';
import { FAST_ROLLOUT } from '../helpers/fault.js';

const PRUNE_OFF = { enabled: false, allowEmpty: false, maxDeletesPerSync: 10 };
const OPTIONS = { controllerId: 'ecs-gitops', application: 'test', prune: PRUNE_OFF };

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
  const { sim, clock, aws: clients } = await runtime(t, { rolloutTimings: FAST_ROLLOUT });
  const loaded = await loadConfig(t.testdir({ 'shop.yaml': DOCS }));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return { sim, clock, clients, desired: loaded.state };
}

const createServiceInput = (plan: Plan) => plan.steps.flatMap((s) => s.calls).find((c) => c.operation === 'CreateService')?.input;

t.test('a create repeated before AWS lists the service sends the same clientToken and gets the same service', async (t) => {
  const { sim, clock, clients, desired } = await setup(t);
  const first = planSync(desired, await readLive(clients, desired, OPTIONS), OPTIONS);
  // The registration is visible at once; the service, created right after it, only 10 s later.
  await executePlan(first, {
    clients,
    clock,
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
  const started = clock.now();
  const { results } = await executePlan(second, { clients, clock, settleTimeoutMs: 5_000 });
  t.same(results.map((r) => `${r.id}: ${r.status}${r.error ? ` ${r.error.message}` : ''}`), ['create Service/web: succeeded'], 'ECS answers with the service the first call created');
  t.equal(clock.now() - started, 0, 'at once, not after waiting to retry a refused create');
  const records = sim.dump().services.map((s) => `${s.name} ${s.status}`);
  t.same(records, ['web ACTIVE'], 'one service');
});

t.test('a revision listed but not yet describable fails the read as retryable, not as a stall', async (t) => {
  const { sim, clock, clients, desired } = await setup(t);
  sim.faults.set({ consistencyLagMs: 1_500 });
  const plan = planSync(desired, await readLive(clients, desired, OPTIONS), OPTIONS);
  await executePlan({ ...plan, steps: plan.steps.filter((s) => s.key === 'TaskDefinition/web') }, { clients, clock });
  const failure = await readLive(clients, desired, OPTIONS).then(() => undefined, (err: unknown) => err);
  t.ok(failure, 'the read cannot tell yet whether the revision carries the desired content');
  t.equal(classifyAwsError(failure).reaction, 'retry', 'so the loop retries it with backoff instead of waiting for the next resync');
  clock.advance(1_499);
  t.ok(await readLive(clients, desired, OPTIONS).then(() => false, () => true), 'still not describable a millisecond before the lag ends');
  // Once visible, the registration is found again: no second one.
  clock.advance(1);
  const after = planSync(desired, await readLive(clients, desired, OPTIONS), OPTIONS);
  t.notOk(after.steps.some((s) => s.key === 'TaskDefinition/web'), 'the revision is found by its content hash');
});
