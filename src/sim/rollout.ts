// Deployments on the simulator's clock. `startDeployment` records intent; `reconcileService`
// moves a service one step towards it (launch, stop, complete, fail, roll back) and is
// called after every write and every due transition; `processDue` applies the timed
// transitions of tasks, draining services and deleted task definitions.
import type { SimContext } from './context.js';
import { deploymentId, requestId, taskId } from './ids.js';
import type { DeploymentState, ServiceState, TaskState } from './state.js';

const MAX_EVENTS = 100;

export function addEvent(ctx: SimContext, svc: ServiceState, message: string): void {
  svc.events.unshift({ id: requestId(), createdAt: ctx.clock.now(), message });
  if (svc.events.length > MAX_EVENTS) svc.events.length = MAX_EVENTS;
}

/** Starts a new PRIMARY deployment of the service's current configuration. */
export function startDeployment(ctx: SimContext, svc: ServiceState): DeploymentState {
  const now = ctx.clock.now();
  for (const d of svc.deployments) {
    if (d.status === 'PRIMARY') {
      d.status = 'ACTIVE';
      d.updatedAt = now;
    }
  }
  const id = deploymentId();
  const d: DeploymentState = {
    id,
    status: 'PRIMARY',
    taskDefinition: svc.taskDefinition,
    desiredCount: svc.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment ${id} in progress.`,
  };
  if (typeof svc.config.launchType === 'string') d.launchType = svc.config.launchType;
  if (typeof svc.config.platformVersion === 'string') d.platformVersion = svc.config.platformVersion;
  if (Array.isArray(svc.config.capacityProviderStrategy)) d.capacityProviderStrategy = JSON.parse(JSON.stringify(svc.config.capacityProviderStrategy));
  if (svc.config.networkConfiguration) d.networkConfiguration = JSON.parse(JSON.stringify(svc.config.networkConfiguration));
  svc.deployments.unshift(d);
  svc.steady = false;
  return d;
}

const alive = (t: TaskState): boolean => t.lastStatus === 'PENDING' || t.lastStatus === 'RUNNING';

function imagesOf(ctx: SimContext, taskDefinitionArn: string): string[] {
  const td = ctx.state.taskDefinitions.find((t) => t.arn === taskDefinitionArn);
  return ((td?.body.containerDefinitions ?? []) as { image?: string }[]).map((c) => c.image ?? '');
}

function launch(ctx: SimContext, svc: ServiceState, d: DeploymentState, count: number): void {
  if (count <= 0) return;
  const failing = imagesOf(ctx, d.taskDefinition).some((img) => ctx.faults.failingImages.includes(img));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = ctx.state.ipSeq++;
    const id = taskId();
    ids.push(id);
    svc.tasks.push({
      id,
      arn: ctx.arns.task(svc.clusterName, id),
      deploymentId: d.id,
      taskDefinition: d.taskDefinition,
      lastStatus: 'PENDING',
      fails: failing,
      ip: `10.0.${(n >> 8) & 255}.${n & 255}`,
      registeredIn: [],
      dueAt: ctx.clock.now() + ctx.timings.taskStartMs,
    });
  }
  addEvent(ctx, svc, `(service ${svc.name}) has started ${count} tasks: ${ids.map((x) => `(task ${x})`).join(' ')}.`);
}

function stop(ctx: SimContext, svc: ServiceState, tasks: TaskState[]): void {
  if (tasks.length === 0) return;
  for (const t of tasks) {
    deregister(ctx, t);
    t.lastStatus = 'STOPPING';
    t.dueAt = ctx.clock.now() + ctx.timings.taskStopMs;
  }
  addEvent(ctx, svc, `(service ${svc.name}) has stopped ${tasks.length} running tasks: ${tasks.map((x) => `(task ${x.id})`).join(' ')}.`);
}

function deregister(ctx: SimContext, t: TaskState): void {
  for (const serviceId of t.registeredIn) ctx.cloudMap.deregister(serviceId, t.id);
  t.registeredIn = [];
}

function register(ctx: SimContext, svc: ServiceState, t: TaskState): void {
  const family = t.taskDefinition.slice(t.taskDefinition.indexOf('task-definition/') + 16).split(':')[0];
  for (const r of svc.serviceRegistries) {
    if (!r.registryArn) continue;
    const attributes: Record<string, string> = {
      AWS_INSTANCE_IPV4: t.ip,
      AWS_INIT_HEALTH_STATUS: 'HEALTHY',
      AVAILABILITY_ZONE: `${ctx.region}a`,
      REGION: ctx.region,
      ECS_CLUSTER_NAME: svc.clusterName,
      ECS_SERVICE_NAME: svc.name,
      ECS_TASK_DEFINITION_FAMILY: family,
    };
    const port = r.port ?? r.containerPort;
    if (port !== undefined) attributes.AWS_INSTANCE_PORT = String(port);
    const serviceId = ctx.cloudMap.register(r.registryArn, { id: t.id, attributes });
    if (serviceId) t.registeredIn.push(serviceId);
  }
}

/** The circuit breaker's failure threshold: half the desired count, at least 3, at most 200. */
export function failureThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)));
}

/** Moves the service one step towards its PRIMARY deployment. Idempotent. */
export function reconcileService(ctx: SimContext, svc: ServiceState): void {
  if (svc.status === 'INACTIVE') return;
  const now = ctx.clock.now();
  if (svc.status === 'DRAINING') {
    stop(ctx, svc, svc.tasks.filter(alive));
    if (!svc.tasks.some((t) => t.lastStatus === 'STOPPING') && svc.dueAt === undefined) {
      svc.dueAt = now + ctx.timings.serviceDrainMs;
    }
    return;
  }
  const primary = svc.deployments[0];
  if (!primary) return;
  const desired = svc.desiredCount;
  const cfg = svc.deploymentConfiguration;
  const maxTotal = Math.max(desired, Math.floor((desired * cfg.maximumPercent) / 100));
  const minHealthy = Math.ceil((desired * cfg.minimumHealthyPercent) / 100);
  const ofDeployment = (d: DeploymentState): TaskState[] => svc.tasks.filter((t) => t.deploymentId === d.id && alive(t));

  // Scale the PRIMARY in when it has more tasks than wanted (pending ones first).
  const primaryAlive = ofDeployment(primary).sort((a, b) => (a.lastStatus === b.lastStatus ? 0 : a.lastStatus === 'PENDING' ? -1 : 1));
  if (primaryAlive.length > desired) stop(ctx, svc, primaryAlive.slice(0, primaryAlive.length - desired));

  // Launch PRIMARY tasks within maximumPercent (stopping tasks do not count), unless the
  // circuit breaker stopped the deployment.
  const launchPrimary = (): void => {
    if (primary.rolloutState === 'FAILED') return;
    const totalAlive = svc.tasks.filter(alive).length;
    const need = desired - ofDeployment(primary).length;
    launch(ctx, svc, primary, Math.min(need, maxTotal - totalAlive));
  };
  launchPrimary();

  // Drain older deployments while enough tasks stay running.
  const primaryRunning = ofDeployment(primary).filter((t) => t.lastStatus === 'RUNNING').length;
  let running = svc.tasks.filter((t) => t.lastStatus === 'RUNNING').length;
  const toStop: TaskState[] = [];
  for (const d of svc.deployments.slice(1).reverse()) {
    for (const t of ofDeployment(d)) {
      if (t.lastStatus === 'PENDING') toStop.push(t);
      else if (primaryRunning >= desired || running - 1 >= minHealthy) {
        toStop.push(t);
        running--;
      }
    }
  }
  stop(ctx, svc, toStop);
  if (toStop.length > 0) launchPrimary();
  // A drained deployment leaves the list once its tasks have stopped.
  svc.deployments = svc.deployments.filter((d, i) => i === 0 || svc.tasks.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED'));
  // Forget stopped tasks: they are not part of any answer.
  svc.tasks = svc.tasks.filter((t) => t.lastStatus !== 'STOPPED');

  const primaryRunningNow = ofDeployment(primary).filter((t) => t.lastStatus === 'RUNNING').length;
  const settled = svc.deployments.length === 1 && primaryRunningNow === desired && svc.tasks.every((t) => t.lastStatus === 'RUNNING');
  if (settled && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    primary.updatedAt = now;
    addEvent(ctx, svc, `(service ${svc.name}) (deployment ${primary.id}) deployment completed.`);
  }
  if (settled && !svc.steady) {
    svc.steady = true;
    addEvent(ctx, svc, `(service ${svc.name}) has reached a steady state.`);
  }
}

function failDeployment(ctx: SimContext, svc: ServiceState, d: DeploymentState): void {
  d.rolloutState = 'FAILED';
  d.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
  d.updatedAt = ctx.clock.now();
  addEvent(ctx, svc, `(service ${svc.name}) (deployment ${d.id}) deployment failed: tasks failed to start.`);
  const previous = svc.deployments[1];
  if (svc.deploymentConfiguration.deploymentCircuitBreaker.rollback && previous) {
    svc.taskDefinition = previous.taskDefinition;
    const rollback = startDeployment(ctx, svc);
    addEvent(ctx, svc, `(service ${svc.name}) rolling back to deployment ${previous.id} (${previous.taskDefinition}) with ${rollback.id}.`);
  }
}

/** Applies every ECS transition due at or before now. */
export function processDue(ctx: SimContext): void {
  const now = ctx.clock.now();
  const state = ctx.state;
  const forgotten = new Set<ServiceState>();
  for (const svc of state.services) {
    for (const t of svc.tasks) {
      if (t.dueAt === undefined || t.dueAt > now) continue;
      delete t.dueAt;
      if (t.lastStatus === 'PENDING') {
        const d = svc.deployments.find((x) => x.id === t.deploymentId);
        if (t.fails) {
          t.lastStatus = 'STOPPED';
          if (d) {
            d.failedTasks++;
            d.updatedAt = now;
            addEvent(ctx, svc, `(service ${svc.name}) (task ${t.id}) failed to start: essential container in task exited.`);
            const breaker = svc.deploymentConfiguration.deploymentCircuitBreaker;
            if (breaker.enable && d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS' && d.failedTasks >= failureThreshold(d.desiredCount)) {
              failDeployment(ctx, svc, d);
            }
          }
        } else {
          t.lastStatus = 'RUNNING';
          if (svc.status === 'ACTIVE') register(ctx, svc, t);
        }
      } else if (t.lastStatus === 'STOPPING') {
        t.lastStatus = 'STOPPED';
      }
    }
    if (svc.dueAt !== undefined && svc.dueAt <= now) {
      delete svc.dueAt;
      if (svc.status === 'DRAINING') {
        svc.status = 'INACTIVE';
        svc.deployments = [];
        svc.dueAt = now + ctx.timings.inactiveRetentionMs;
      } else if (svc.status === 'INACTIVE') {
        forgotten.add(svc);
      }
    }
  }
  if (forgotten.size > 0) state.services = state.services.filter((s) => !forgotten.has(s));
  state.taskDefinitions = state.taskDefinitions.filter((t) => !(t.status === 'DELETE_IN_PROGRESS' && t.dueAt !== undefined && t.dueAt <= now));
}

/** The earliest due time of any ECS transition, or undefined when nothing waits. */
export function nextDue(ctx: SimContext): number | undefined {
  let next: number | undefined;
  const consider = (t: number | undefined): void => {
    if (t !== undefined && (next === undefined || t < next)) next = t;
  };
  for (const svc of ctx.state.services) {
    consider(svc.dueAt);
    for (const t of svc.tasks) consider(t.dueAt);
  }
  for (const td of ctx.state.taskDefinitions) consider(td.dueAt);
  return next;
}
