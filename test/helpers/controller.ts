/** A controller running against a fresh simulator, on a copy of examples/, for the tests of the loop and of what watches it. */
import type { Test } from 'tap';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import { loadConfig } from '../../src/load/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { Controller, type ControllerLogger, type ControllerMetrics } from '../../src/runtime/controller.js';
import { StatusStore } from '../../src/runtime/status.js';
import { startSimulator } from '../../src/sim/index.js';
import { copyExamples } from './repo.js';

/** Rollouts in tenths of a second. */
export const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

/** Controller metrics that record the drift and reconcile results they are told. */
export function recordingMetrics() {
  const drift: string[] = [];
  const reconciles: string[] = [];
  const metrics: ControllerMetrics = {
    observeReconcile: (kind, result) => reconciles.push(`${kind} ${result}`),
    driftDetected: (kind) => drift.push(kind),
    queue: { setDepth: () => undefined, retried: () => undefined, setLongestRunning: () => undefined },
    setRevision: () => undefined,
    setLastSuccessfulSync: () => undefined,
    setLoadErrors: () => undefined,
    loadFailed: () => undefined,
  };
  return { metrics, drift, reconciles };
}

/** Started, and stopped with the test (controller, clients, simulator); `snapshot(revision)` loads the copy and hands it over. */
export async function controllerOnSimulator(t: Test, { selfHeal = true, resyncMs = 60_000, consistencyLagMs = 0, logger = undefined as ControllerLogger | undefined } = {}) {
  const sim = await startSimulator({ rolloutTimings: FAST, faults: { consistencyLagMs } });
  const clients = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint });
  const status = new StatusStore();
  const recorded = recordingMetrics();
  const controller = new Controller({
    clients, status, clock: systemClock, selfHeal, resyncMs, metrics: recorded.metrics, progressPollMs: 200, ...(logger ? { logger } : {}),
    aws: { region: 'us-east-1', endpoint: sim.endpoint, controllerId: 'ecs-gitops', application: 'test' },
    prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 },
  });
  controller.start();
  t.teardown(async () => {
    await controller.stop();
    destroyAwsClients(clients);
    await sim.close();
  });
  const dir = copyExamples(t.testdir());
  const snapshot = async (revision: string) => {
    const result = await loadConfig(dir);
    controller.applySnapshot({ revision, result });
  };
  return { sim, clients, status, controller, dir, snapshot, ...recorded };
}
