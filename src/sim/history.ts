// ECS's durable deployment history: service revisions (the configuration a deployment rolls
// out) and service deployments (one per rollout, with its final status). Service events are
// a short rolling list; this history is what tells, months later, that a revision was
// rolled back (ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions).
import { createHash } from 'node:crypto';
import type {
  DescribeServiceDeploymentsRequest, DescribeServiceRevisionsRequest, ListServiceDeploymentsRequest,
} from '@aws-sdk/client-ecs';
import type { SimContext } from './context.js';
import { clusterNotFound, invalidParameter, serviceNotFound } from './errors.js';
import { serviceDeploymentId, serviceRevisionId } from './ids.js';
import { paginate } from './paginate.js';
import type {
  DeploymentState, ServiceDeploymentState, ServiceDeploymentStatus, ServiceRevisionState, ServiceState, TaskState,
} from './state.js';
import { clone, wireTime } from './state.js';
import { shiftOut } from './strategies.js';

type Json = Record<string, unknown>;

/** How long AWS keeps service deployments and revisions: 90 days. */
export const HISTORY_RETENTION_MS = 90 * 24 * 3600 * 1000;

/** The circuit breaker's failure threshold: half the desired count, at least 3, at most 200. */
export function failureThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)));
}

/** A sha256 digest standing in for the registry's: stable for an image name. */
const digestOf = (image: string): string => `sha256:${createHash('sha256').update(image).digest('hex')}`;

/** What every history entry of a service starts with. */
function entryOf(ctx: SimContext, svc: ServiceState, arn: string): { seq: number; arn: string; serviceArn: string; clusterArn: string; createdAt: number } {
  return { seq: ctx.nextSeq(), arn, serviceArn: svc.arn, clusterArn: ctx.arns.cluster(svc.clusterName), createdAt: ctx.clock.now() };
}

/** Records the service revision a new deployment rolls out. */
function createRevision(ctx: SimContext, svc: ServiceState, d: DeploymentState): ServiceRevisionState {
  const td = ctx.state.taskDefinitions.find((t) => t.arn === d.taskDefinition);
  const containers = (td?.body.containerDefinitions ?? []) as { name?: string; image?: string }[];
  const body: Json = { taskDefinition: d.taskDefinition };
  if (d.launchType) body.launchType = d.launchType;
  if (d.capacityProviderStrategy) body.capacityProviderStrategy = clone(d.capacityProviderStrategy);
  if (d.platformVersion) body.platformVersion = d.platformVersion;
  if (d.platformFamily) body.platformFamily = d.platformFamily;
  body.loadBalancers = clone(svc.config.loadBalancers ?? []);
  body.serviceRegistries = clone(svc.serviceRegistries);
  if (d.networkConfiguration) body.networkConfiguration = clone(d.networkConfiguration);
  body.containerImages = containers.map((c) => ({ containerName: c.name, imageDigest: digestOf(c.image ?? ''), image: c.image }));
  body.guardDutyEnabled = false;
  body.serviceConnectConfiguration = clone(svc.config.serviceConnectConfiguration ?? { enabled: false });
  if (svc.config.volumeConfigurations) body.volumeConfigurations = clone(svc.config.volumeConfigurations);
  const revision: ServiceRevisionState = { ...entryOf(ctx, svc, ctx.arns.serviceRevision(svc.clusterName, svc.name, serviceRevisionId())), body };
  ctx.state.serviceRevisions.push(revision);
  return revision;
}

/**
 * Opens the service deployment of a new ECS deployment `d`: its target revision is a new
 * revision of the service's configuration, its sources the revisions still running.
 */
export function openServiceDeployment(ctx: SimContext, svc: ServiceState, d: DeploymentState, sources: DeploymentState[]): void {
  const revision = createRevision(ctx, svc, d);
  const now = ctx.clock.now();
  const breaker = svc.deploymentConfiguration.deploymentCircuitBreaker;
  const sd: ServiceDeploymentState = {
    ...entryOf(ctx, svc, ctx.arns.serviceDeployment(svc.clusterName, svc.name, serviceDeploymentId())),
    startedAt: now,
    updatedAt: now,
    sourceRevisionArns: [...new Set(sources.map((s) => s.serviceRevisionArn).filter((a): a is string => a !== undefined))],
    targetRevisionArn: revision.arn,
    status: 'IN_PROGRESS',
    deploymentConfiguration: clone(svc.deploymentConfiguration),
    failureCount: 0,
    threshold: failureThreshold(svc.desiredCount),
    breakerEnabled: breaker.enable,
  };
  d.serviceRevisionArn = revision.arn;
  d.serviceDeploymentArn = sd.arn;
  ctx.state.serviceDeployments.push(sd);
}

export function serviceDeploymentOf(ctx: SimContext, d: DeploymentState): ServiceDeploymentState | undefined {
  return d.serviceDeploymentArn === undefined ? undefined : ctx.state.serviceDeployments.find((s) => s.arn === d.serviceDeploymentArn);
}

const FINAL: ReadonlySet<ServiceDeploymentStatus> = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

/** Moves the service deployment of `d` to `status` (a final status is never left). */
export function setServiceDeploymentStatus(ctx: SimContext, d: DeploymentState, status: ServiceDeploymentStatus, reason?: string): void {
  const sd = serviceDeploymentOf(ctx, d);
  if (!sd || FINAL.has(sd.status)) return;
  const now = ctx.clock.now();
  sd.status = status;
  sd.updatedAt = now;
  if (reason !== undefined) sd.statusReason = reason;
  if (status === 'SUCCESSFUL' || status === 'ROLLBACK_SUCCESSFUL' || status === 'ROLLBACK_FAILED') sd.finishedAt = now;
  if (status === 'STOPPED') sd.stoppedAt = now;
}

/** Records a circuit-breaker rollback of `failed` to the revision of `to`. */
export function recordRollback(ctx: SimContext, failed: DeploymentState, to: DeploymentState, reason: string): void {
  const sd = serviceDeploymentOf(ctx, failed);
  if (!sd || to.serviceRevisionArn === undefined) return;
  sd.rollback = { reason, startedAt: ctx.clock.now(), serviceRevisionArn: to.serviceRevisionArn };
  setServiceDeploymentStatus(ctx, failed, 'ROLLBACK_IN_PROGRESS', reason);
}

export function countFailure(ctx: SimContext, d: DeploymentState): void {
  const sd = serviceDeploymentOf(ctx, d);
  if (!sd) return;
  sd.failureCount = d.failedTasks;
  sd.updatedAt = ctx.clock.now();
}

/** Forgets history older than AWS keeps it. */
export function expireHistory(ctx: SimContext): void {
  const cutoff = ctx.clock.now() - HISTORY_RETENTION_MS;
  const state = ctx.state;
  if (state.serviceDeployments.some((s) => s.createdAt <= cutoff)) state.serviceDeployments = state.serviceDeployments.filter((s) => s.createdAt > cutoff);
  // A revision a deployment still rolls out or runs is kept however old it is.
  if (state.serviceRevisions.some((s) => s.createdAt <= cutoff)) {
    const inUse = new Set(state.services.flatMap((svc) => svc.deployments.map((d) => d.serviceRevisionArn)));
    state.serviceRevisions = state.serviceRevisions.filter((s) => s.createdAt > cutoff || inUse.has(s.arn));
  }
}

/** When the oldest service deployment expires (revisions in use are checked on the way). */
export function nextHistoryDue(ctx: SimContext): number | undefined {
  let oldest: number | undefined;
  for (const s of ctx.state.serviceDeployments) if (oldest === undefined || s.createdAt < oldest) oldest = s.createdAt;
  return oldest === undefined ? undefined : oldest + HISTORY_RETENTION_MS;
}

// ---------- API ----------

const lastSegment = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);
const pad = (n: number): string => String(n).padStart(12, '0');

const liveService = (ctx: SimContext, serviceArn: string): ServiceState | undefined =>
  ctx.state.services.find((s) => s.arn === serviceArn && s.status !== 'INACTIVE');

/** Task counts of the deployments of the service that roll out `revisionArn`. */
export function revisionSummary(svc: ServiceState | undefined, revisionArn: string): Json {
  let requested = 0;
  let running = 0;
  let pending = 0;
  for (const d of svc?.deployments ?? []) {
    if (d.serviceRevisionArn !== revisionArn) continue;
    requested += d.desiredCount;
    for (const t of svc?.tasks ?? ([] as TaskState[])) {
      if (t.deploymentId !== d.id) continue;
      if (t.lastStatus === 'RUNNING') running += t.count;
      else if (t.lastStatus === 'PENDING') pending += t.count;
    }
  }
  return { arn: revisionArn, requestedTaskCount: requested, runningTaskCount: running, pendingTaskCount: pending };
}

function monitorStatus(sd: ServiceDeploymentState): string {
  if (!sd.breakerEnabled) return 'DISABLED';
  if (sd.status === 'IN_PROGRESS') return 'MONITORING';
  if (sd.rollback || sd.failureCount >= sd.threshold) return 'TRIGGERED';
  return 'MONITORING_COMPLETE';
}

function deploymentOut(ctx: SimContext, sd: ServiceDeploymentState): Json {
  const svc = liveService(ctx, sd.serviceArn);
  const out: Json = {
    serviceDeploymentArn: sd.arn,
    serviceArn: sd.serviceArn,
    clusterArn: sd.clusterArn,
    createdAt: wireTime(sd.createdAt),
    startedAt: wireTime(sd.startedAt),
    updatedAt: wireTime(sd.updatedAt),
    sourceServiceRevisions: sd.sourceRevisionArns.map((arn) => revisionSummary(svc, arn)),
    targetServiceRevision: revisionSummary(svc, sd.targetRevisionArn),
    status: sd.status,
    deploymentConfiguration: clone(sd.deploymentConfiguration),
    deploymentCircuitBreaker: { status: monitorStatus(sd), failureCount: sd.failureCount, threshold: sd.threshold },
    alarms: { status: 'DISABLED' },
  };
  if (sd.finishedAt !== undefined) out.finishedAt = wireTime(sd.finishedAt);
  if (sd.stoppedAt !== undefined) out.stoppedAt = wireTime(sd.stoppedAt);
  if (sd.statusReason !== undefined) out.statusReason = sd.statusReason;
  if (sd.rollback) {
    out.rollback = { reason: sd.rollback.reason, startedAt: wireTime(sd.rollback.startedAt), serviceRevisionArn: sd.rollback.serviceRevisionArn };
  }
  // A traffic-shifting deployment in flight: its lifecycle stage, hooks and traffic split.
  const shift = sd.status === 'IN_PROGRESS' ? svc?.deployments.find((d) => d.serviceDeploymentArn === sd.arn)?.shift : undefined;
  if (shift) {
    Object.assign(out, shiftOut(shift));
    (out.targetServiceRevision as Json).requestedProductionTrafficWeight = shift.traffic;
    for (const source of out.sourceServiceRevisions as Json[]) source.requestedProductionTrafficWeight = 100 - shift.traffic;
  }
  return out;
}

function briefOut(sd: ServiceDeploymentState): Json {
  const out: Json = {
    serviceDeploymentArn: sd.arn,
    serviceArn: sd.serviceArn,
    clusterArn: sd.clusterArn,
    startedAt: wireTime(sd.startedAt),
    createdAt: wireTime(sd.createdAt),
    targetServiceRevisionArn: sd.targetRevisionArn,
    status: sd.status,
  };
  if (sd.finishedAt !== undefined) out.finishedAt = wireTime(sd.finishedAt);
  if (sd.statusReason !== undefined) out.statusReason = sd.statusReason;
  return out;
}

const STATUSES = new Set<string>([
  'PENDING', 'IN_PROGRESS', 'SUCCESSFUL', 'STOPPED', 'STOP_REQUESTED',
  'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED',
]);

export function listServiceDeployments(ctx: SimContext, raw: object): unknown {
  const input = raw as ListServiceDeploymentsRequest;
  if (typeof input.service !== 'string' || input.service === '') throw invalidParameter('service can not be blank.');
  // A service ARN names its cluster: arn:aws:ecs:region:account:service/cluster/name.
  const fromArn = /:service\/([^/]+)\/[^/]+$/.exec(input.service)?.[1];
  const clusterName = lastSegment(input.cluster ?? fromArn ?? 'default');
  if (!ctx.state.clusters.some((c) => c.name === clusterName)) throw clusterNotFound();
  const serviceArn = ctx.arns.service(clusterName, lastSegment(input.service));
  if (input.service.startsWith('arn:') && input.service !== serviceArn) throw invalidParameter('The service ARN does not belong to the cluster.');
  const history = ctx.state.serviceDeployments.filter((s) => s.serviceArn === serviceArn);
  if (history.length === 0 && !ctx.state.services.some((s) => s.arn === serviceArn)) throw serviceNotFound();
  for (const s of input.status ?? []) if (!STATUSES.has(s)) throw invalidParameter(`Invalid status ${String(s)}.`);
  const wanted = input.status && input.status.length > 0 ? new Set<string>(input.status) : undefined;
  const after = input.createdAt?.after === undefined ? undefined : new Date(input.createdAt.after as unknown as number * 1000).getTime();
  const before = input.createdAt?.before === undefined ? undefined : new Date(input.createdAt.before as unknown as number * 1000).getTime();
  // Newest first; keys descend with the list so a token resumes after the last one returned.
  const all = history
    .filter((s) => (!wanted || wanted.has(s.status)) && (after === undefined || s.createdAt >= after) && (before === undefined || s.createdAt <= before))
    .sort((a, b) => b.seq - a.seq);
  const opts: { maxResults?: number; nextToken?: string } = {};
  if (input.maxResults !== undefined && input.maxResults !== null) opts.maxResults = input.maxResults;
  if (input.nextToken !== undefined && input.nextToken !== null) opts.nextToken = input.nextToken;
  const page = paginate(all, (s) => pad(1e12 - s.seq), { ...opts, defaultPage: 20, maxPage: 100, invalid: invalidParameter });
  return { serviceDeployments: page.items.map(briefOut), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
}

function arnList(refs: unknown, name: string): string[] {
  if (!Array.isArray(refs) || refs.length === 0) throw invalidParameter(`${name} can not be empty.`);
  if (refs.length > 20) throw invalidParameter(`${name} can have at most 20 items.`);
  return refs as string[];
}

export function describeServiceDeployments(ctx: SimContext, raw: object): unknown {
  const refs = arnList((raw as DescribeServiceDeploymentsRequest).serviceDeploymentArns, 'serviceDeploymentArns');
  const { found: serviceDeployments, failures } = describeEach(refs, ctx.state.serviceDeployments, (sd) => deploymentOut(ctx, sd), 'service deployment');
  return { serviceDeployments, failures };
}

export function describeServiceRevisions(ctx: SimContext, raw: object): unknown {
  const refs = arnList((raw as DescribeServiceRevisionsRequest).serviceRevisionArns, 'serviceRevisionArns');
  const { found: serviceRevisions, failures } = describeEach(refs, ctx.state.serviceRevisions, (r) => ({
    serviceRevisionArn: r.arn, serviceArn: r.serviceArn, clusterArn: r.clusterArn, ...clone(r.body), createdAt: wireTime(r.createdAt),
  }), 'service revision');
  return { serviceRevisions, failures };
}

/** A Describe* by ARNs: each one found in `all`, or a MISSING failure naming it. */
function describeEach<T extends { arn: string }>(refs: string[], all: readonly T[], out: (item: T) => Json, what: string): { found: Json[]; failures: Json[] } {
  const found: Json[] = [];
  const failures: Json[] = [];
  for (const arn of refs) {
    const item = all.find((s) => s.arn === arn);
    if (item) found.push(out(item));
    else failures.push({ arn, reason: 'MISSING', detail: `The ${what} does not exist.` });
  }
  return { found, failures };
}
