/**
 * The controller loop. Snapshots, the periodic resync, the sync endpoint and the webhook
 * all end up as resource keys in one work queue; the loop takes whatever is ready as a
 * batch, reads live state for it (batched), plans, applies, and records the outcome in
 * the status store. A key's retry policy lives in `settle`, nowhere else.
 */
import { randomUUID } from 'node:crypto';
import type { AwsClients } from '../aws/clients.js';
import { LiveCache, listInstances, readLive } from '../aws/reader.js';
import { resourceKey, type DesiredState, type Kind, type ResourceKey } from '../api/kinds.js';
import { awsName } from '../core/desired.js';
import type { AwsSettings, PruneSettings } from '../config.js';
import type { Clock } from '../core/clock.js';
import { classifyAwsError, type ErrorClass } from '../core/errors.js';
import type { LiveService, LiveState } from '../core/live.js';
import { planSync, type Plan, type ResourcePlan, type Step } from '../core/plan.js';
import { changedKeys, reconcileScope, withReferrers } from '../core/scope.js';
import type { LoadResult } from '../load/index.js';
import { executePlan, type StepResult } from './executor.js';
import { WorkQueue, type BackoffOptions } from './queue.js';
import type { StatusStore } from './status.js';

/** The whole desired state, with pruning: the resync, a manual sync, a deleted document. */
export const FULL_SYNC = '*';
type QueueKey = ResourceKey | typeof FULL_SYNC;

/** What the loop reports to Prometheus (telemetry's Metrics satisfies it). */
export interface ControllerMetrics {
  observeReconcile(kind: Kind, result: 'success' | 'error' | 'conflict' | 'stalled', seconds: number): void;
  driftDetected(kind: Kind): void;
  queue: { setDepth(n: number): void; retried(): void; setLongestRunning(seconds: number): void };
  setRevision(revision: string): void;
  setLastSuccessfulSync(epochMs: number): void;
  setLoadErrors(n: number): void;
  loadFailed(): void;
}

/** The few logger methods the loop uses (pino's Logger satisfies it). */
export interface ControllerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface SnapshotInput {
  revision: string;
  result: LoadResult;
}

export interface ControllerOptions {
  clients: AwsClients;
  aws: AwsSettings;
  prune: PruneSettings;
  /** Revert drift (default on); off, drift is only reported. */
  selfHeal: boolean;
  resyncMs: number;
  clock: Clock;
  status: StatusStore;
  metrics?: ControllerMetrics;
  logger?: ControllerLogger;
  cache?: LiveCache;
  backoff?: BackoffOptions;
  /** How soon to look again at something AWS is still working on (a rollout, a drain). */
  progressPollMs?: number;
  /** How long `stop()` lets an in-flight reconcile finish before aborting its calls. */
  stopGraceMs?: number;
}

const WAIT_REQUEUE_MS = 10_000;
/** After a create, how long the object missing from reads is AWS catching up rather than drift. */
export const DRIFT_GRACE_MS = 30_000;

export class Controller {
  private desired: DesiredState | undefined;
  private revision: string | undefined;
  private readonly queue: WorkQueue<QueueKey>;
  /** Keys whose document changed since they were last applied: always applied, drift or not. */
  private readonly pending = new Set<ResourceKey>();
  private readonly cache: LiveCache;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private inFlight: AbortController | undefined;
  private firstFullPassDone = false;
  /** When each key's steps last succeeded (for telling drift from AWS catching up). */
  private readonly appliedAt = new Map<ResourceKey, number>();

  constructor(private readonly options: ControllerOptions) {
    this.queue = new WorkQueue(options.clock, options.backoff);
    this.cache = options.cache ?? new LiveCache(() => options.clock.now());
  }

  // ------------------------------------------------------------ triggers

  /** A new snapshot of the checkout. An invalid one changes nothing; the last good one stays in force. */
  applySnapshot(snapshot: SnapshotInput): void {
    const { status, metrics, logger } = this.options;
    status.updateController({ attemptedRevision: snapshot.revision });
    if (!snapshot.result.ok) {
      status.updateController({ loadErrors: snapshot.result.errors });
      metrics?.setLoadErrors(snapshot.result.errors.length);
      metrics?.loadFailed();
      logger?.warn({ revision: snapshot.revision, errors: snapshot.result.errors.length }, 'snapshot is invalid; keeping the last valid revision');
      return;
    }
    status.updateController({ loadErrors: [] });
    metrics?.setLoadErrors(0);
    const first = this.desired === undefined;
    const { changed, removed } = changedKeys(this.desired, snapshot.result.state);
    this.desired = snapshot.result.state;
    this.revision = snapshot.revision;
    // A document whose references changed changes too (a service pins its task definition's new revision): that is git's doing, not drift.
    for (const key of withReferrers(snapshot.result.state, changed)) this.pending.add(key);
    logger?.info({ revision: snapshot.revision, changed: changed.size, removed: removed.size }, 'new snapshot');
    // A revision that changes no document (a comment, a README) still has to be confirmed and shown as applied: a full pass does both.
    if (first || removed.size > 0 || changed.size === 0) this.queue.add(FULL_SYNC);
    else for (const key of changed) this.queue.add(key);
  }

  /** The sync endpoint and the webhook: a full pass now. */
  requestSync(trigger: 'api' | 'webhook', detail?: string): { accepted: boolean; message: string } {
    if (this.queue.shuttingDown) return { accepted: false, message: 'shutting down' };
    if (!this.desired) return { accepted: false, message: 'no valid snapshot loaded yet' };
    this.options.logger?.info({ trigger, detail }, 'sync requested');
    this.queue.add(FULL_SYNC);
    return { accepted: true, message: `full sync of revision ${this.revision} queued (${trigger})` };
  }

  // ------------------------------------------------------------ lifecycle

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    void this.resyncEvery();
  }

  /** Stops taking work, lets the reconcile in flight finish within the grace period, then aborts it. */
  async stop(): Promise<void> {
    this.options.status.updateController({ shuttingDown: true });
    this.queue.shutDown();
    this.stopping.abort();
    const grace = this.options.stopGraceMs ?? 20_000;
    const timer = setTimeout(() => this.inFlight?.abort(), grace);
    try {
      await this.loop;
    } finally {
      clearTimeout(timer);
    }
  }

  private async resyncEvery(): Promise<void> {
    for (;;) {
      try {
        await this.options.clock.sleep(this.options.resyncMs, this.stopping.signal);
      } catch {
        return;
      }
      this.queue.add(FULL_SYNC);
    }
  }

  private async run(): Promise<void> {
    for (;;) {
      const batch = await this.queue.takeBatch();
      if (batch.length === 0) return;
      this.options.metrics?.queue.setDepth(this.queue.depth());
      try {
        await this.reconcile(batch);
      } catch (err) {
        this.options.logger?.error({ err }, 'reconcile failed unexpectedly');
        for (const key of batch) this.queue.addRateLimited(key);
      } finally {
        for (const key of batch) this.queue.done(key);
        this.options.metrics?.queue.setDepth(this.queue.depth());
        this.options.metrics?.queue.setLongestRunning(0);
      }
    }
  }

  // ------------------------------------------------------------ one reconcile

  private async reconcile(batch: QueueKey[]): Promise<void> {
    const desired = this.desired;
    if (!desired) return;
    const { clients, aws, prune, clock, status, metrics, logger } = this.options;
    const full = batch.includes(FULL_SYNC);
    const scope = full ? undefined : reconcileScope(desired, batch as ResourceKey[]);
    const reconcileId = randomUUID().slice(0, 8);
    const revision = this.revision!;
    const started = clock.now();
    const log = { reconcileId, revision, full, keys: full ? 'all' : scope!.plan.size };
    logger?.debug(log, 'reconcile started');

    let live: LiveState;
    let plan: Plan;
    try {
      live = await readLive(clients, desired, { controllerId: aws.controllerId, cache: this.cache, ...(scope ? { scope: scope.read } : {}) });
      plan = planSync(desired, live, { controllerId: aws.controllerId, prune, ...(scope ? { scope: scope.plan } : {}) });
      for (const ns of live.namespaces.values()) this.namespaceIds.set(ns.name, ns.id);
    } catch (err) {
      const error = classifyAwsError(err as Error);
      logger?.warn({ ...log, error }, 'reading live state failed');
      for (const key of batch) this.settle(key, error);
      return;
    }

    // Changes git did not ask for are drift: counted always, reverted only with self-heal.
    // An object this controller created a moment ago may not show in AWS's reads yet
    // (eventual consistency): missing then is not someone else's deletion.
    const settling = (r: ResourcePlan) => r.action === 'create' && clock.now() - (this.appliedAt.get(r.key) ?? -Infinity) < DRIFT_GRACE_MS;
    const drift = plan.resources.filter(
      (r) => (r.action === 'update' || r.action === 'replace' || r.action === 'create') && !this.pending.has(r.key) && desired.resources.has(r.key) && !settling(r),
    );
    for (const r of drift) {
      metrics?.driftDetected(r.kind);
      logger?.info({ ...log, kind: r.kind, name: r.name, changes: r.changes.map((c) => c.path) }, 'drift detected');
    }
    const held = new Set(this.options.selfHeal ? [] : drift.map((r) => r.key));
    const steps = withoutDependents(plan.steps, (s) => held.has(s.key));

    this.inFlight = new AbortController();
    let results: StepResult[] = [];
    try {
      if (steps.length > 0) {
        ({ results } = await executePlan({ ...plan, steps }, {
          clients,
          clock,
          signal: this.inFlight.signal,
          onStep: (event) => {
            if (event.type === 'succeeded') logger?.info({ ...log, key: event.step.key, step: event.step.description }, 'applied');
            if (event.type === 'failed') logger?.warn({ ...log, key: event.step.key, step: event.step.description, error: event.result.error }, 'step failed');
          },
        }));
        this.cache.forget(results.flatMap((r) => [r.outputs.arn, r.outputs.id].filter((x): x is string => !!x)));
        this.cache.forget(plan.resources.map((r) => r.liveId).filter((x): x is string => !!x));
      }
    } finally {
      this.inFlight = undefined;
    }

    const seconds = (clock.now() - started) / 1000;
    const resultsByKey = new Map<string, StepResult[]>();
    for (const r of results) resultsByKey.set(r.key, [...(resultsByKey.get(r.key) ?? []), r]);
    let failures = 0;
    const servicesByArn = new Map([...live.services.values()].map((s) => [s.arn, s]));
    for (const resource of plan.resources) {
      const spec = desired.resources.get(resource.key)?.spec;
      const stepResults = resultsByKey.get(resource.key) ?? [];
      status.recordPlan(afterApply(resource, stepResults, held.has(resource.key)), spec, serviceSummary(resource, servicesByArn));
      const failed = stepResults.find((r) => r.status !== 'succeeded');
      if (failed) {
        failures++;
        const error: ErrorClass = { reaction: failed.error?.reaction ?? 'retry', code: failed.error?.name ?? 'Skipped', message: failed.error?.message ?? 'a step it depends on failed' };
        status.recordError(resource.key, { at: clock.now(), ...error });
        metrics?.observeReconcile(resource.kind, 'error', seconds);
        this.settle(resource.key, error);
        continue;
      }
      if (resource.action === 'conflict' || resource.action === 'stalled') {
        metrics?.observeReconcile(resource.kind, resource.action, seconds);
        this.pending.delete(resource.key);
        continue;
      }
      metrics?.observeReconcile(resource.kind, 'success', seconds);
      status.clearError(resource.key);
      this.queue.forget(resource.key);
      if (stepResults.length > 0) {
        status.recordEvent(resource.key, 'Normal', 'Applied', stepResults.map((r) => r.id).join('; '));
        this.pending.delete(resource.key);
        this.appliedAt.set(resource.key, clock.now());
        // Look again soon: confirm the write and follow the rollout it started.
        if (desired.resources.has(resource.key)) this.queue.addAfter(resource.key, this.options.progressPollMs ?? 3_000);
      } else if (!held.has(resource.key)) {
        this.pending.delete(resource.key);
        if (resource.health.status === 'Progressing' && desired.resources.has(resource.key)) this.queue.addAfter(resource.key, this.options.progressPollMs ?? 3_000);
      }
    }

    const now = clock.now();
    status.updateController({ lastSyncAt: now });
    if (failures === 0) {
      status.updateController({ lastSuccessfulSyncAt: now, appliedRevision: revision });
      metrics?.setLastSuccessfulSync(now);
      metrics?.setRevision(revision);
    }
    if (full) {
      status.setPlan(plan);
      const present = new Set(plan.resources.map((r) => r.key));
      for (const r of status.list()) if (!present.has(r.key)) status.remove(r.key);
      if (!this.firstFullPassDone) {
        this.firstFullPassDone = true;
        status.updateController({ ready: true });
      }
    }
    logger?.info({ ...log, steps: results.length, failed: failures, seconds }, 'reconcile finished');
  }

  /** The retry policy, in one place: back off on transient errors, look again later while AWS works, wait for a commit otherwise. */
  private settle(key: QueueKey, error: ErrorClass): void {
    if (error.reaction === 'retry') {
      this.queue.addRateLimited(key);
      this.options.metrics?.queue.retried();
    } else if (error.reaction === 'wait') {
      this.queue.addAfter(key, WAIT_REQUEUE_MS);
    }
    // stall: nothing until the document changes or the next resync.
  }

  /** Namespace ids by name, from the latest read (for reads on demand). */
  private namespaceIds = new Map<string, string>();

  /** The Cloud Map instances registered for a Service's tasks, one ListInstances per registry. */
  async cloudMapInstances(key: string): Promise<{ cloudMapService: string; instances: { id: string; attributes: Record<string, string> }[] }[] | undefined> {
    const doc = this.desired?.resources.get(key as ResourceKey);
    if (!doc || doc.kind !== 'Service') return undefined;
    const out = [];
    for (const registry of (doc.spec.serviceRegistries as { cloudMapService: string }[] | undefined) ?? []) {
      const service = this.desired!.resources.get(resourceKey('CloudMapService', registry.cloudMapService));
      const namespace = service && this.desired!.resources.get(resourceKey('CloudMapNamespace', String(service.spec.namespace)));
      const namespaceId = namespace && this.namespaceIds.get(awsName(namespace));
      const serviceId = service && namespaceId ? this.cache.serviceId(`${namespaceId}/${awsName(service)}`) : undefined;
      const instances = serviceId ? await listInstances(this.options.clients.cloudMap, serviceId) : [];
      out.push({ cloudMapService: registry.cloudMapService, instances });
    }
    return out;
  }

  /** For tests and the status API. */
  queueDepth(): number {
    return this.queue.depth();
  }
}

/**
 * What to show for a resource once its steps ran: applied means in sync with git, with
 * health Progressing until the confirming read; held drift says why it is left alone.
 */
function afterApply(resource: ResourcePlan, results: StepResult[], held: boolean): ResourcePlan {
  if (held) return { ...resource, message: `drift; self-heal is off${resource.message ? ` (${resource.message})` : ''}` };
  if (results.length === 0 || results.some((r) => r.status !== 'succeeded')) return resource;
  if (resource.action === 'delete') return { ...resource, sync: 'Synced', health: { status: 'Missing', message: 'deleted (pruned)' } };
  const health = resource.health.status === 'Missing' || resource.health.status === 'Healthy' ? { status: 'Progressing' as const, message: 'applied; waiting for AWS to confirm' } : resource.health;
  return { ...resource, sync: 'Synced', health, desired: resource.desired, live: resource.desired };
}

/** Drops the steps `drop` selects and every step that depends on one of them. */
function withoutDependents(steps: Step[], drop: (s: Step) => boolean): Step[] {
  const dropped = new Set(steps.filter(drop).map((s) => s.id));
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of steps) {
      if (!dropped.has(s.id) && s.dependsOn.some((d) => dropped.has(d))) {
        dropped.add(s.id);
        grew = true;
      }
    }
  }
  return steps.filter((s) => !dropped.has(s.id));
}

/** What the status API shows of a live Service beyond its spec. */
function serviceSummary(resource: ResourcePlan, services: ReadonlyMap<string, LiveService>): Record<string, unknown> | undefined {
  if (resource.kind !== 'Service' || !resource.liveId) return undefined;
  const service = services.get(resource.liveId);
  if (!service) return undefined;
  const raw = service.raw;
  return {
    status: raw.status,
    taskDefinition: raw.taskDefinition,
    desiredCount: raw.desiredCount,
    runningCount: raw.runningCount,
    pendingCount: raw.pendingCount,
    deployments: (raw.deployments ?? []).map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
      desiredCount: d.desiredCount,
      runningCount: d.runningCount,
      pendingCount: d.pendingCount,
      failedTasks: d.failedTasks,
    })),
    serviceRegistries: raw.serviceRegistries,
    events: (raw.events ?? []).slice(0, 5).map((e) => ({ at: e.createdAt, message: e.message })),
  };
}
