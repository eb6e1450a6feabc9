// Pruning as a user runs it (`ecs-gitops sync --prune`) against the simulator: a service
// protected by its prune tag keeps what it uses when its file (Service, TaskDefinition and
// CloudMapService) is deleted, and the sync says which object keeps it.
import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUDMAP_TARGET_PREFIX, ECS_TARGET_PREFIX, startSimulator } from '../../src/sim/index.js';
import { cli } from '../helpers/cli.js';
import { copyExamples } from '../helpers/repo.js';
import { EXAMPLES } from '../helpers/examples.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

t.test('a protected service whose file is deleted keeps its Cloud Map service; --prune deletes neither', async (t) => {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  const call = <T>(prefix: string, operation: string, input: object): T => {
    const answer = sim.invoke(`${prefix}.${operation}`, JSON.stringify(input));
    if (answer.status !== 200) throw new Error(`${operation}: ${JSON.stringify(answer.body)}`);
    return answer.body as T;
  };
  const shipping = () => call<{ services: { status: string; serviceArn: string; serviceRegistries: { registryArn: string }[] }[] }>(ECS_TARGET_PREFIX, 'DescribeServices', { cluster: 'store', services: ['shipping'] }).services[0];

  const dir = copyExamples(t.testdir());
  const first = await cli('sync', dir, '--once', '--endpoint', sim.endpoint, '--wait', '--wait-timeout', '60s');
  t.equal(first.code, 0, first.err);
  const service = shipping();
  const registry = service.serviceRegistries[0].registryArn;
  call(ECS_TARGET_PREFIX, 'TagResource', { resourceArn: service.serviceArn, tags: [{ key: 'ecs-gitops.io/prune', value: 'disabled' }] });
  rmSync(join(dir, 'store', 'shipping.yaml'));

  const plan = await cli('diff', dir, '--endpoint', sim.endpoint, '--prune');
  t.match(plan.out, /Service\/shipping \(store\/shipping\): not in git \(kept\) — no longer in git; kept because its tag ecs-gitops.io\/prune=disabled protects it/);
  t.match(plan.out, /CloudMapService\/shipping: not in git \(kept\) — no longer in git; kept because Service store\/shipping, which is kept, uses it/);
  const pruned = await cli('sync', dir, '--endpoint', sim.endpoint, '--prune');
  t.equal(pruned.code, 0, `${pruned.out}\n${pruned.err}`);
  t.match(pruned.out, new RegExp(`0 to delete, ${EXAMPLES.total - 3} in sync, 2 not in git \\(kept\\)`), 'nothing is deleted');
  t.equal(shipping().status, 'ACTIVE');
  const id = registry.slice(registry.lastIndexOf('/') + 1);
  const cloudMap = call<{ Service: { Arn: string } }>(CLOUDMAP_TARGET_PREFIX, 'GetService', { Id: id });
  t.equal(cloudMap.Service.Arn, registry, 'the registry the kept service points at still exists');
});
