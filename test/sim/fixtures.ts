// Shared set-up for the simulator's tests: a simulator on a ManualClock and real SDK
// clients pointed at it.
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { ManualClock, startSimulator } from '../../src/sim/index.js';
import type { RunningSimulator, SimulatorOptions } from '../../src/sim/index.js';

export interface Harness {
  sim: RunningSimulator;
  clock: ManualClock;
  ecs: ECSClient;
  sd: ServiceDiscoveryClient;
}

export function clientConfig(endpoint: string, maxAttempts = 1) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts,
  };
}

export async function harness(t: { teardown(fn: () => unknown): void }, opts: SimulatorOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const sim = await startSimulator({ clock, ...opts });
  const ecs = new ECSClient(clientConfig(sim.endpoint));
  const sd = new ServiceDiscoveryClient({ ...clientConfig(sim.endpoint), disableHostPrefix: true });
  t.teardown(async () => {
    ecs.destroy();
    sd.destroy();
    await sim.close();
  });
  return { sim, clock, ecs, sd };
}

/** Runs `fn` and returns the error it throws (failing the caller if it does not). */
export async function errorOf(fn: () => Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

export const container = (name: string, image: string, port?: number) => ({
  name,
  image,
  memory: 128,
  ...(port ? { portMappings: [{ containerPort: port }] } : {}),
});
