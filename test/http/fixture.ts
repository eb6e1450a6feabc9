// A server built on a real StatusStore, CallRecorder and metrics, with a fake controller
// facade that records what it was asked, and a logger whose lines the test can read.
import { Writable } from 'node:stream';
import { CallRecorder } from '../../src/aws/clients.js';
import type { Plan, ResourcePlan } from '../../src/core/plan.js';
import { buildServer } from '../../src/http/index.js';
import type { ControllerFacade } from '../../src/http/index.js';
import type { HttpLimits } from '../../src/http/limits.js';
import { StatusStore } from '../../src/runtime/status.js';
import { createLogger, createMetrics } from '../../src/telemetry.js';

export const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

export interface FakeController extends ControllerFacade {
  requests: { trigger: 'api' | 'webhook'; detail?: string }[];
  answer: { accepted: boolean; message: string };
}

export function fakeController(): FakeController {
  const controller: FakeController = {
    requests: [],
    answer: { accepted: true, message: 'full sync queued' },
    requestSync(trigger, detail) {
      controller.requests.push(detail === undefined ? { trigger } : { trigger, detail });
      return controller.answer;
    },
  };
  return controller;
}

export function setup(t: { teardown(fn: () => unknown): void }, options: { apiToken?: string; webhookSecret?: string; limits?: Partial<HttpLimits> } = {}) {
  let now = T0;
  const clock = { advance: (ms: number) => (now += ms) };
  const status = new StatusStore(() => now);
  const calls = new CallRecorder();
  // The clients' target, as a target pool names it: the AWS series exist for it from the first scrape.
  calls.addTarget({ account: '123456789012', region: 'us-east-1', limiter: undefined });
  const metrics = createMetrics({ status, calls });
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const controller = fakeController();
  const app = buildServer({ status, controller, metrics, logger, version: '1.2.3', clock: { now: () => now }, ...options });
  t.teardown(async () => {
    await app.close();
    metrics.close();
  });
  return { app, status, calls, metrics, controller, logLines, clock };
}

/** A server of several applications, each with its own store and fake controller, named as given. */
export function setupApplications(t: { teardown(fn: () => unknown): void }, names: string[], options: { apiToken?: string; webhookSecret?: string } = {}) {
  const now = T0;
  const calls = new CallRecorder();
  const metrics = createMetrics({ calls });
  const applications = names.map((name) => {
    const status = new StatusStore(() => now);
    metrics.forApplication(name, status);
    const controller = fakeController();
    const view = { repo: `/srv/${name}`, path: 'prod', gitUrl: null, branch: null, overlay: null, region: 'eu-west-1', account: null, roleArn: `arn:aws:iam::111122223333:role/${name}` };
    return { name, application: `github.com/acme/${name}/prod`, status, facade: controller, controller, view };
  });
  const logger = createLogger({ level: 'silent' });
  const app = buildServer({ applications, metrics, logger, version: '1.2.3', clock: { now: () => now }, ...options });
  t.teardown(async () => {
    await app.close();
    metrics.close();
  });
  return { app, metrics, applications: Object.fromEntries(applications.map((a) => [a.name, a])) };
}

export const resourcePlan = (over: Partial<ResourcePlan> & Pick<ResourcePlan, 'kind' | 'name'>): ResourcePlan => ({
  key: `${over.kind}/${over.name}`,
  awsName: over.name,
  action: 'none',
  sync: 'Synced',
  health: { status: 'Healthy' },
  changes: [],
  ...over,
});

export const WEB = resourcePlan({
  kind: 'Service',
  name: 'web',
  awsName: 'shop-web',
  action: 'update',
  sync: 'OutOfSync',
  health: { status: 'Progressing', message: 'rolling out web:8: 1/2 tasks running' },
  changes: [{ path: 'spec.taskDefinition', from: 'web:7', to: 'web:8' }],
  desired: { spec: { taskDefinition: 'web:8', desiredCount: 2 } },
  live: { spec: { taskDefinition: 'web:7', desiredCount: 2 } },
  liveId: 'arn:aws:ecs:us-east-1:123456789012:service/main/shop-web',
  message: 'task definition changed',
});
export const MAIN = resourcePlan({ kind: 'Cluster', name: 'main', liveId: 'arn:aws:ecs:us-east-1:123456789012:cluster/main' });
export const API = resourcePlan({ kind: 'Service', name: 'api', health: { status: 'Degraded', message: 'deployment of api:3 failed: tasks failed to start' } });
export const NS = resourcePlan({ kind: 'CloudMapNamespace', name: 'internal', action: 'create', sync: 'OutOfSync', health: { status: 'Missing', message: 'does not exist in AWS' } });

export const PLAN: Plan = {
  resources: [NS, MAIN, WEB, API],
  steps: [
    {
      id: 'CloudMapNamespace/internal:create',
      key: 'CloudMapNamespace/internal',
      action: 'create',
      description: 'create HTTP namespace internal',
      calls: [{ service: 'servicediscovery', operation: 'CreateHttpNamespace', input: { Name: 'internal' }, outputs: { id: 'OperationId' } }],
      dependsOn: [],
    },
    {
      id: 'Service/web:update',
      key: 'Service/web',
      action: 'update',
      description: 'update service shop-web',
      calls: [{ service: 'ecs', operation: 'UpdateService', input: { cluster: 'main', service: 'shop-web', taskDefinition: 'web:8' } }],
      dependsOn: [],
    },
  ],
};

/** A store as the controller leaves it after a pass over a small repository. */
export function populate(status: StatusStore): void {
  status.recordPlan(NS, { type: 'HTTP', name: 'internal' });
  status.recordPlan(MAIN, { tags: { team: 'shop' } });
  status.recordPlan(API, { cluster: 'main', taskDefinition: 'api' });
  status.recordPlan(WEB, { cluster: 'main', taskDefinition: 'web', desiredCount: 2 }, {
    deployments: [
      { status: 'PRIMARY', taskDefinition: 'web:8', rolloutState: 'IN_PROGRESS', runningCount: 1, pendingCount: 1, desiredCount: 2 },
      { status: 'ACTIVE', taskDefinition: 'web:7', rolloutState: 'COMPLETED', runningCount: 2, pendingCount: 0, desiredCount: 0 },
    ],
    runningCount: 3,
    pendingCount: 1,
    desiredCount: 2,
    cloudMapInstances: [{ instanceId: 'task-1', attributes: { AWS_INSTANCE_IPV4: '10.0.0.7' } }],
  });
  status.recordError('Service/api', { at: T0, code: 'InvalidParameterException', reaction: 'stall', message: 'the role cannot be assumed' });
  status.setPlan(PLAN);
  status.updateController({ appliedRevision: 'aaaa111', attemptedRevision: 'aaaa111', lastSyncAt: T0, lastSuccessfulSyncAt: T0 - 60_000, ready: true });
}
