// Answers lost on the way back: the simulator applies a write, then resets the connection
// (fault `dropRate`). The SDK sees a network error and the call may or may not have taken
// effect. The daemon converges a generated fleet from empty, and AWS holds each object
// once: above all, no task-definition revision registered twice (RegisterTaskDefinition
// has no idempotency token; a retry finds the revision its lost attempt made).
import t from 'tap';
import { faultScenario as scenario, metricSum } from '../helpers/fault.js';

const SERVICES = 8;
const sum = (metrics: string, name: string, operation: string) => metricSum(metrics, name, (l) => l.includes(`operation="${operation}"`));

t.test('every RegisterTaskDefinition answer lost: one revision per family, found instead of registered again', async (t) => {
  const s = await scenario(t, { faults: { dropRate: 1, dropOperations: ['RegisterTaskDefinition'] } }, {}, SERVICES);
  const ms = await s.converged(60_000);
  const m = await s.metrics();
  const operations = sum(m, 'ecs_gitops_aws_api_calls_total', 'RegisterTaskDefinition');
  t.ok(sum(m, 'ecs_gitops_aws_api_errors_total', 'RegisterTaskDefinition') >= SERVICES, 'every registration lost its answer');
  t.equal(sum(m, 'ecs_gitops_aws_api_request_duration_seconds_count', 'RegisterTaskDefinition'), operations, 'and the SDK never sent one again: one attempt per operation');
  s.sim.faults.set({ dropRate: 0 });
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});

t.test('a fifth of all write answers lost (seed 5): 0 extra revisions, 0 extra objects', async (t) => {
  const s = await scenario(t, { faults: { dropRate: 0.2, seed: 5 } }, {}, SERVICES);
  const ms = await s.converged(90_000);
  s.sim.faults.set({ dropRate: 0 });
  t.comment(`converged in ${ms} ms; ${await s.check()}`);
});
