// Deployments on the simulator's clock. `startDeployment` records intent; `reconcileService`
// moves a service one step towards it (launch, stop, complete, fail, roll back) and is
// called after every write and every due transition; `processDue` applies the timed
// transitions of tasks, draining services, periodic events and deleted task definitions.
//
// Tasks live in groups (TaskState): a launch of n tasks is one group, stopping k of them
// splits it. Nothing here loops over single tasks, so a service of a million tasks costs
// what a service of three does (only the Cloud Map registrations, capped by Cloud Map's
// own instance quota, and the task ids named in events are per task).
import type { SimContext } from './context.js';
import {
  countFailure, expireHistory, failureThreshold, nextHistoryDue, openServiceDeployment, recordRollback, setServiceDeploymentStatus,
} from './history.js';
import { deploymentId, hex, requestId } from './ids.js';
import type { DeploymentState, ServiceState, TaskState } from './state.js';
import { advanceShift, shiftDue, startShift, type Shift } from './strategies.js';

export { failureThreshold } from './history.js';

const MAX_EVENTS = 100;
/** Task ids one event names at most (AWS names every task; a million would be 34 MB). */
const MAX_IDS_IN_EVENT = 10;
/** Cloud Map's default quota of instances per service; registrations beyond it are skipped. */
export const MAX_INSTANCES_PER_SERVICE = 1000;

export function addEvent(ctx: SimContext, svc: ServiceState, message: string): void {
  svc.events.unshift({ id: requestId(), createdAt: ctx.clock.now(), message });
  if (svc.events.length > MAX_EVENTS) svc.events.length = MAX_EVENTS;
}

/** The id of task `i` of a group. */
export const taskIdAt = (g: TaskState, i: number): string => `${g.id}${(g.first + i).toString(16).padStart(8, '0')}`;
const ipAt = (g: TaskState, i: number): string => {
  const n = g.ipBase + i;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

const alive = (t: TaskState): boolean => t.lastStatus === 'PENDING' || t.lastStatus === 'RUNNING';
export const countOf = (groups: TaskState[]): number => groups.reduce((n, g) => n + g.count, 0);

/** Starts a new PRIMARY deployment of the service's current configuration. */
export function startDeployment(ctx: SimContext, svc: ServiceState, opts: { rollbackTo?: DeploymentState } = {}): DeploymentState {
  const now = ctx.clock.now();
  for (const d of svc.deployments) {
    if (d.status !== 'PRIMARY') continue;
    d.status = 'ACTIVE';
    d.updatedAt = now;
    // A rollout that has not finished is superseded: its service deployment stops.
    if (d.rolloutState === 'IN_PROGRESS' && !opts.rollbackTo) setServiceDeploymentStatus(ctx, d, 'STOPPED', 'A new service deployment was started.');
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
  if (typeof svc.config.platformVersion === 'string') d.platformVersion = resolvePlatformVersion(svc.config.platformVersion, svc.config.platformFamily);
  if (typeof svc.config.platformFamily === 'string') d.platformFamily = svc.config.platformFamily;
  if (Array.isArray(svc.config.capacityProviderStrategy) && svc.config.capacityProviderStrategy.length > 0) {
    d.capacityProviderStrategy = JSON.parse(JSON.stringify(svc.config.capacityProviderStrategy)) as unknown[];
  }
  if (svc.config.networkConfiguration) d.networkConfiguration = JSON.parse(JSON.stringify(svc.config.networkConfiguration));
  const volumes = svc.config.volumeConfigurations;
  if (Array.isArray(volumes) && volumes.length > 0) d.volumeConfigurations = JSON.parse(JSON.stringify(volumes)) as unknown[];
  const serviceConnect = svc.config.serviceConnectConfiguration as Record<string, unknown> | undefined;
  if (serviceConnect) d.serviceConnectConfiguration = JSON.parse(JSON.stringify(serviceConnect)) as Record<string, unknown>;
  const shift = opts.rollbackTo ? undefined : startShift(svc, svc.deployments);
  if (shift) d.shift = shift;
  if (opts.rollbackTo) {
    // A rollback belongs to the failed deployment's service deployment and rolls out the
    // revision it returns to; it opens no history entry of its own.
    d.rollback = true;
    if (opts.rollbackTo.serviceRevisionArn) d.serviceRevisionArn = opts.rollbackTo.serviceRevisionArn;
  } else {
    openServiceDeployment(ctx, svc, d, svc.deployments);
  }
  svc.deployments.unshift(d);
  svc.steady = false;
  delete svc.steadyDueAt;
  return d;
}

/** Deployments report the platform version LATEST resolved to (as AWS does). */
function resolvePlatformVersion(version: string, family: unknown): string {
  if (version !== 'LATEST') return version;
  return typeof family === 'string' && family.startsWith('WINDOWS') ? '1.0.0' : '1.4.0';
}

function imagesOf(ctx: SimContext, taskDefinitionArn: string): string[] {
  const td = ctx.state.taskDefinitions.find((t) => t.arn === taskDefinitionArn);
  return ((td?.body.containerDefinitions ?? []) as { image?: string }[]).map((c) => c.image ?? '');
}

/** "(task a) (task b) …" for the first tasks of the groups, at most MAX_IDS_IN_EVENT. */
function taskNames(groups: TaskState[], total: number): string {
  const names: string[] = [];
  for (const g of groups) {
    for (let i = 0; i < g.count && names.length < MAX_IDS_IN_EVENT; i++) names.push(`(task ${taskIdAt(g, i)})`);
    if (names.length >= MAX_IDS_IN_EVENT) break;
  }
  const more = total - names.length;
  return more > 0 ? `${names.join(' ')} and ${more} more` : names.join(' ');
}

function launch(ctx: SimContext, svc: ServiceState, d: DeploymentState, count: number): void {
  if (count <= 0) return;
  const failing = imagesOf(ctx, d.taskDefinition).some((img) => ctx.faults.failingImages.includes(img));
  const g: TaskState = {
    id: hex(24),
    first: 0,
    count,
    deploymentId: d.id,
    taskDefinition: d.taskDefinition,
    lastStatus: 'PENDING',
    fails: failing,
    ipBase: ctx.state.ipSeq,
    registeredIn: [],
    registered: 0,
    dueAt: ctx.clock.now() + ctx.timings.taskStartMs,
  };
  ctx.state.ipSeq += count;
  svc.tasks.push(g);
  addEvent(ctx, svc, `(service ${svc.name}) has started ${count} tasks: ${taskNames([g], count)}.`);
}

/** Detaches the last `k` tasks of a group (0 < k < count) into a group of their own. */
function split(svc: ServiceState, g: TaskState, k: number): TaskState {
  const keep = g.count - k;
  const part: TaskState = {
    ...g,
    first: g.first + keep,
    count: k,
    ipBase: g.ipBase + keep,
    registeredIn: [...g.registeredIn],
    registered: Math.max(0, g.registered - keep),
  };
  g.count = keep;
  g.registered = Math.min(g.registered, keep);
  svc.tasks.push(part);
  return part;
}

/** Up to `k` tasks of `groups`, in order, as whole groups or a split-off part of the last. */
function take(svc: ServiceState, groups: TaskState[], k: number): TaskState[] {
  const out: TaskState[] = [];
  let left = k;
  for (const g of groups) {
    if (left <= 0) break;
    if (g.count <= left) {
      out.push(g);
      left -= g.count;
    } else {
      out.push(split(svc, g, left));
      left = 0;
    }
  }
  return out;
}

function stop(ctx: SimContext, svc: ServiceState, groups: TaskState[]): void {
  if (groups.length === 0) return;
  for (const g of groups) {
    deregister(ctx, g);
    g.lastStatus = 'STOPPING';
    g.dueAt = ctx.clock.now() + ctx.timings.taskStopMs;
  }
  const total = countOf(groups);
  addEvent(ctx, svc, `(service ${svc.name}) has stopped ${total} running tasks: ${taskNames(groups, total)}.`);
}

function deregister(ctx: SimContext, g: TaskState): void {
  if (g.registered > 0) {
    const ids = Array.from({ length: g.registered }, (_, i) => taskIdAt(g, i));
    for (const serviceId of g.registeredIn) ctx.cloudMap.deregister(serviceId, ids);
  }
  g.registeredIn = [];
  g.registered = 0;
}

function register(ctx: SimContext, svc: ServiceState, g: TaskState): void {
  const registries = svc.serviceRegistries.filter((r) => r.registryArn);
  if (registries.length === 0) return;
  const family = g.taskDefinition.slice(g.taskDefinition.indexOf('task-definition/') + 16).split(':')[0];
  let n = g.count;
  for (const r of registries) n = Math.min(n, ctx.cloudMap.room(r.registryArn as string));
  if (n <= 0) return;
  for (const r of registries) {
    const port = r.port ?? r.containerPort;
    const instances = Array.from({ length: n }, (_, i) => {
      const attributes: Record<string, string> = {
        AWS_INSTANCE_IPV4: ipAt(g, i),
        AWS_INIT_HEALTH_STATUS: 'HEALTHY',
        AVAILABILITY_ZONE: `${ctx.region}a`,
        REGION: ctx.region,
        ECS_CLUSTER_NAME: svc.clusterName,
        ECS_SERVICE_NAME: svc.name,
        ECS_TASK_DEFINITION_FAMILY: family,
      };
      if (port !== undefined) attributes.AWS_INSTANCE_PORT = String(port);
      return { id: taskIdAt(g, i), attributes };
    });
    const serviceId = ctx.cloudMap.register(r.registryArn as string, instances);
    if (serviceId) g.registeredIn.push(serviceId);
  }
  g.registered = n;
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
  const groupsOf = (d: DeploymentState): TaskState[] => svc.tasks.filter((t) => t.deploymentId === d.id && alive(t));
  const running = (t: TaskState): boolean => t.lastStatus === 'RUNNING';

  // Tasks of a deployment that left the list (a rolled-back failure) stop.
  const known = new Set(svc.deployments.map((d) => d.id));
  stop(ctx, svc, svc.tasks.filter((t) => alive(t) && !known.has(t.deploymentId)));

  // Scale the PRIMARY in when it has more tasks than wanted (pending ones first).
  const primaryGroups = groupsOf(primary);
  const excess = countOf(primaryGroups) - desired;
  if (excess > 0) {
    const ordered = [...primaryGroups.filter((g) => !running(g)), ...primaryGroups.filter(running)];
    stop(ctx, svc, take(svc, ordered, excess));
  }

  // Launch PRIMARY tasks within maximumPercent (stopping tasks do not count), unless the
  // circuit breaker stopped the deployment.
  const launchPrimary = (): void => {
    if (primary.rolloutState === 'FAILED') return;
    const totalAlive = countOf(svc.tasks.filter(alive));
    const need = desired - countOf(groupsOf(primary));
    launch(ctx, svc, primary, Math.min(need, maxTotal - totalAlive));
  };
  launchPrimary();
  // A traffic-shifting deployment keeps the old revision whole until its CLEAN_UP stage.
  if (primary.shift && primary.rolloutState === 'IN_PROGRESS' && !shifted(ctx, svc, primary as DeploymentState & { shift: Shift })) {
    svc.tasks = svc.tasks.filter((t) => t.lastStatus !== 'STOPPED' && t.count > 0);
    return;
  }

  // Drain older deployments while enough tasks stay running.
  const primaryRunning = countOf(groupsOf(primary).filter(running));
  let runningNow = countOf(svc.tasks.filter(running));
  const toStop: TaskState[] = [];
  for (const d of svc.deployments.slice(1).reverse()) {
    for (const g of groupsOf(d)) {
      if (!running(g) || primaryRunning >= desired) {
        toStop.push(g);
        if (running(g)) runningNow -= g.count;
        continue;
      }
      const k = Math.min(g.count, runningNow - minHealthy);
      if (k <= 0) continue;
      toStop.push(k === g.count ? g : split(svc, g, k));
      runningNow -= k;
    }
  }
  stop(ctx, svc, toStop);
  if (toStop.length > 0) launchPrimary();
  // A drained deployment leaves the list once its tasks have stopped.
  svc.deployments = svc.deployments.filter((d, i) => i === 0 || svc.tasks.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED'));
  // Forget stopped tasks: they are not part of any answer.
  svc.tasks = svc.tasks.filter((t) => t.lastStatus !== 'STOPPED' && t.count > 0);

  const primaryRunningNow = countOf(groupsOf(primary).filter(running));
  const settled = svc.deployments.length === 1 && primaryRunningNow === desired && svc.tasks.every(running);
  if (settled && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
    primary.updatedAt = now;
    addEvent(ctx, svc, `(service ${svc.name}) (deployment ${primary.id}) deployment completed.`);
    // A rollback shares the failed deployment's service deployment, which it concludes.
    if (primary.rollback) setServiceDeploymentStatus(ctx, primary, 'ROLLBACK_SUCCESSFUL', 'Service deployment rolled back because the circuit breaker threshold was exceeded.');
    else setServiceDeploymentStatus(ctx, primary, 'SUCCESSFUL');
  }
  if (settled && !svc.steady) {
    svc.steady = true;
    addEvent(ctx, svc, `(service ${svc.name}) has reached a steady state.`);
    svc.steadyDueAt = now + ctx.timings.steadyStateEventMs;
  }
}

/**
 * Moves a traffic-shifting deployment on: green is scaled to the full desired count beside
 * blue (whatever maximumPercent says), then walks its stages. True once it reaches
 * CLEAN_UP, when blue's tasks stop as a rolling deployment's would.
 */
function shifted(ctx: SimContext, svc: ServiceState, primary: DeploymentState & { shift: Shift }): boolean {
  const groups = svc.tasks.filter((t) => t.deploymentId === primary.id && alive(t));
  launch(ctx, svc, primary, svc.desiredCount - countOf(groups));
  const scaledUp = countOf(groups.filter((t) => t.lastStatus === 'RUNNING')) >= svc.desiredCount;
  const outcome = advanceShift(ctx, svc, primary, scaledUp);
  if (outcome === 'clean-up') return true;
  if (outcome !== 'wait') rollBackShift(ctx, svc, primary, outcome.rollback);
  return false;
}

/**
 * A traffic-shifting deployment rolled back: production traffic stays on (or returns to)
 * the old revision, which kept running, so it is the PRIMARY again at once and the new
 * revision's tasks stop. AWS forgets the failed deployment; its service deployment says
 * ROLLBACK_SUCCESSFUL.
 */
function rollBackShift(ctx: SimContext, svc: ServiceState, d: DeploymentState, reason: string): void {
  const previous = svc.deployments.find((x) => x !== d);
  if (!previous) return;
  const now = ctx.clock.now();
  recordRollback(ctx, d, previous, reason);
  d.rolloutState = 'FAILED';
  d.rolloutStateReason = reason;
  svc.taskDefinition = previous.taskDefinition;
  previous.status = 'PRIMARY';
  previous.updatedAt = now;
  svc.deployments = [previous, ...svc.deployments.filter((x) => x !== d && x !== previous)];
  addEvent(ctx, svc, `(service ${svc.name}) (deployment ${d.id}) rolled back to deployment ${previous.id} (${previous.taskDefinition}): ${reason}`);
  setServiceDeploymentStatus(ctx, d, 'ROLLBACK_SUCCESSFUL', reason);
  stop(ctx, svc, svc.tasks.filter((t) => t.deploymentId === d.id && alive(t)));
}

function failDeployment(ctx: SimContext, svc: ServiceState, d: DeploymentState): void {
  d.rolloutState = 'FAILED';
  d.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
  d.updatedAt = ctx.clock.now();
  addEvent(ctx, svc, `(service ${svc.name}) (deployment ${d.id}) deployment failed: tasks failed to start.`);
  const previous = svc.deployments[1];
  if (d.rollback) {
    setServiceDeploymentStatus(ctx, d, 'ROLLBACK_FAILED', 'The rollback failed: tasks failed to start.');
    return;
  }
  if (svc.deploymentConfiguration.deploymentCircuitBreaker.rollback && previous && d.shift) {
    rollBackShift(ctx, svc, d, 'Circuit breaker triggered: tasks failed to start.');
    return;
  }
  if (svc.deploymentConfiguration.deploymentCircuitBreaker.rollback && previous) {
    const reason = 'Circuit breaker triggered: tasks failed to start.';
    recordRollback(ctx, d, previous, reason);
    svc.taskDefinition = previous.taskDefinition;
    const rollback = startDeployment(ctx, svc, { rollbackTo: previous });
    if (d.serviceDeploymentArn) rollback.serviceDeploymentArn = d.serviceDeploymentArn;
    // AWS forgets the failed deployment: only the rollback and what it replaces remain.
    svc.deployments = svc.deployments.filter((x) => x !== d);
    addEvent(ctx, svc, `(service ${svc.name}) rolling back to deployment ${previous.id} (${previous.taskDefinition}) with ${rollback.id}.`);
  } else {
    setServiceDeploymentStatus(ctx, d, 'STOPPED', 'Circuit breaker triggered: tasks failed to start; rollback is off.');
  }
}

/** Applies every ECS transition due at or before now. */
export function processDue(ctx: SimContext): void {
  const now = ctx.clock.now();
  const state = ctx.state;
  const forgotten = new Set<ServiceState>();
  for (const svc of state.services) {
    for (const g of svc.tasks) {
      if (g.dueAt === undefined || g.dueAt > now) continue;
      delete g.dueAt;
      if (g.lastStatus === 'PENDING') {
        const d = svc.deployments.find((x) => x.id === g.deploymentId);
        if (g.fails) {
          g.lastStatus = 'STOPPED';
          if (d) {
            d.failedTasks += g.count;
            d.updatedAt = now;
            countFailure(ctx, d);
            const what = g.count === 1 ? `(task ${taskIdAt(g, 0)}) failed` : `${g.count} tasks failed`;
            addEvent(ctx, svc, `(service ${svc.name}) ${what} to start: essential container in task exited.`);
            const breaker = svc.deploymentConfiguration.deploymentCircuitBreaker;
            if (breaker.enable && d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS' && d.failedTasks >= failureThreshold(d.desiredCount)) {
              failDeployment(ctx, svc, d);
            }
          }
        } else {
          g.lastStatus = 'RUNNING';
          if (svc.status === 'ACTIVE') register(ctx, svc, g);
        }
      } else if (g.lastStatus === 'STOPPING') {
        g.lastStatus = 'STOPPED';
      }
    }
    if (svc.steadyDueAt !== undefined && svc.steadyDueAt <= now) {
      // AWS repeats the steady-state event every few hours while nothing changes.
      if (svc.status === 'ACTIVE' && svc.steady) {
        addEvent(ctx, svc, `(service ${svc.name}) has reached a steady state.`);
        svc.steadyDueAt = now + ctx.timings.steadyStateEventMs;
      } else {
        delete svc.steadyDueAt;
      }
    }
    if (svc.dueAt !== undefined && svc.dueAt <= now) {
      delete svc.dueAt;
      if (svc.status === 'DRAINING') {
        svc.status = 'INACTIVE';
        svc.deployments = [];
        delete svc.steadyDueAt;
        svc.dueAt = now + ctx.timings.inactiveRetentionMs;
      } else if (svc.status === 'INACTIVE') {
        forgotten.add(svc);
      }
    }
  }
  if (forgotten.size > 0) state.services = state.services.filter((s) => !forgotten.has(s));
  state.taskDefinitions = state.taskDefinitions.filter((t) => !(t.status === 'DELETE_IN_PROGRESS' && t.dueAt !== undefined && t.dueAt <= now));
  expireHistory(ctx);
}

/** The earliest due time of any ECS transition, or undefined when nothing waits. */
export function nextDue(ctx: SimContext): number | undefined {
  let next: number | undefined;
  const consider = (t: number | undefined): void => {
    if (t !== undefined && (next === undefined || t < next)) next = t;
  };
  for (const svc of ctx.state.services) {
    consider(svc.dueAt);
    consider(svc.steadyDueAt);
    for (const t of svc.tasks) consider(t.dueAt);
    for (const d of svc.deployments) if (d.rolloutState === 'IN_PROGRESS') consider(shiftDue(d.shift));
  }
  for (const td of ctx.state.taskDefinitions) consider(td.dueAt);
  consider(nextHistoryDue(ctx));
  return next;
}
