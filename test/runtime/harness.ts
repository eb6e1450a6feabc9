// Shared set-up for the runtime tests: the simulator and the product's real SDK clients
// pointed at it, both on one ManualClock in auto-advance mode, so an executor that sleeps
// moves AWS along with it and a test simply awaits it. Time stands still while a request
// is on the wire.
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import type { AwsClients, RateLimiter } from '../../src/aws/clients.js';
import { ManualClock } from '../../src/runtime/clock.js';
import type { Plan, Step } from '../../src/core/plan.js';
import type { ResourceKey } from '../../src/api/kinds.js';
import { startSimulator } from '../../src/sim/index.js';
import type { RunningSimulator, SimulatorOptions } from '../../src/sim/index.js';

export interface Runtime {
  sim: RunningSimulator;
  clock: ManualClock;
  aws: AwsClients;
}

export async function runtime(t: { teardown(fn: () => unknown): void }, simOptions: SimulatorOptions = {}, limiter?: RateLimiter): Promise<Runtime> {
  const clock = new ManualClock({ autoAdvance: true });
  const sim = await startSimulator({ clock, ...simOptions });
  const aws = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint, maxAttempts: 1 }, limiter ? { limiter } : {});
  clock.pauseWhile(() => aws.calls.inFlight() > 0);
  t.teardown(async () => {
    destroyAwsClients(aws);
    await sim.close();
  });
  return { sim, clock, aws };
}

/** A step written by hand: plain data, as the planner makes them. */
export function step(id: string, key: string, calls: Step['calls'], extra: Partial<Step> = {}): Step {
  return { id, key: key as ResourceKey, action: 'create', description: id, calls, dependsOn: [], ...extra };
}

export const plan = (...steps: Step[]): Plan => ({ resources: [], steps });

/** A cluster `c` with task definition `web:1` and service `web` (1 task, running). */
export async function runningService(r: Runtime, name = 'web'): Promise<void> {
  await r.aws.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  await r.aws.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] }));
  await r.aws.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: name, taskDefinition: 'web', desiredCount: 1, clientToken: 'first' }));
  r.clock.advance(5_000); // moves the simulator too: the task starts
}
