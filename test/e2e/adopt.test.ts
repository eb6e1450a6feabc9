// Adopting services made outside the controller, on the simulator (which fills in what
// AWS fills in: the service-linked role, resolved launch types, registered task
// definitions' defaults): equal content is adopted by tags alone, with no registration,
// no UpdateService and no deployment; different content is tagged first, then changed.
// test/e2e/adopt-moto.test.ts runs the same scenarios on moto.
import t, { type Test } from 'tap';
import { ECS_TARGET_PREFIX, startSimulator } from '../../src/sim/index.js';
import { adoptChangedContent, adoptEqualContent } from '../helpers/adoption.js';

// Fourteen AWS CLI processes: minutes, not seconds, on a loaded machine.
t.setTimeout(300_000);

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const NETWORK = { vpc: 'vpc-0a1b2c3d4e5f67890', subnet: 'subnet-0aa1b2c3d4e5f6071', securityGroup: 'sg-0a1b2c3d4e5f60001' };

async function simulator(t: Test) {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  /** Deployments of a service, read in-process. */
  const deployments = (service: string) => {
    const answer = sim.invoke(`${ECS_TARGET_PREFIX}.DescribeServices`, JSON.stringify({ cluster: 'shop', services: [service] }));
    return (answer.body as { services: { deployments: { taskDefinition: string }[] }[] }).services[0].deployments;
  };
  return Object.assign(sim, { deployments });
}

t.test('simulator: adopting what equals git writes tags only and starts no deployment', async (t) => {
  const sim = await simulator(t);
  const legacy = await adoptEqualContent(t, sim.endpoint, NETWORK);
  for (const [service, revision] of [['orders', legacy.ordersRevision], ['inventory', legacy.inventoryRevision]]) {
    t.same(sim.deployments(service).map((d) => d.taskDefinition), [revision], `${service}: still the one deployment it was created with`);
  }
});

t.test('simulator: adopting what differs from git tags first, then registers and updates', async (t) => {
  const sim = await simulator(t);
  const legacy = await adoptChangedContent(t, sim.endpoint, NETWORK, 'public.ecr.aws/docker/library/nginx:1.28');
  t.same(sim.deployments('inventory').map((d) => d.taskDefinition), [legacy.inventoryRevision], 'inventory: no new deployment');
  t.ok(sim.deployments('orders').some((d) => d.taskDefinition.endsWith('orders:2')), 'orders: a deployment of the new revision');
});
