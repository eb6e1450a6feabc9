/**
 * The controller loop. Snapshots, the periodic resync, the sync endpoint and the webhook
 * all end up as resource keys in one work queue; the loop takes whatever is ready as a
 * batch and runs one pass over it in named phases, each returning its result:
 * load (the desired state in force and the batch's scope) → read (live state, batched)
 * → plan (steps and drift) → apply (the steps) → record (status once, metrics, requeue).
 * A key's retry policy is `decide`, nowhere else; `requeue` carries it out on the queue.
 */
import { liveNamespaceNames } from '../core/kinds/cluster.js';
import { randomUUID } from 'node:crypto';
import type { AwsClients } from '../aws/clients.js';
import { LiveCache, listInstances, readLive } from '../aws/reader.js';
import { resourceKey, type DesiredState, type Kind, type ResourceKey } from '../api/kinds.js';
import { awsName } from '../core/desired.js';
import type { ApplicationSettings, PruneSettings } from '../config.js';
import type { Clock } from '../core/clock.js';
import { classifyAwsError, type ErrorClass } from '../core/errors.js';
import type { LiveService, LiveState } from '../core/live.js';
import { CLAIM_TAGS_ONLY, planSync, type Plan, type ResourceAction, type ResourcePlan, type Step } from '../core/plan.js';
import { changedKeys, reconcileScope, withReferrers } from '../core/scope.js';
import type { LoadResult } from '../load/index.js';
import { executePlan, type StepResult } from './executor.js';
import { WorkQueue, type BackoffOptions } from './queue.js';
import { DRIFT_HEALED, serviceSummary, type ReconcileResult, type ResourceOutcome, type ServiceSummary, type StatusStore, type UnreadResource } from './status.js';

/** The whole desired state, with pruning: the resync, a manual sync, a deleted document. */
export const FULL_SYNC = '*';
type QueueKey = ResourceKey | typeof FULL_SYNC;

/** What the loop reports to Prometheus (telemetry's Metrics satisfies it). */
export interface ControllerMetrics {
  observeReconcile(kind: Kind, result: ReconcileResult, seconds: number): void;
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
  aws: ApplicationSettings;
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

/** How soon to look again after a `wait` error (AWS busy: a drain, a pending operation). */
const WAIT_REQUEUE_MS = 10_000;
const DEFAULT_PROGRESS_POLL_MS = 3_000;
/** After a create, how long the object missing from reads is AWS catching up rather than drift. */
export const DRIFT_GRACE_MS = 30_000;

export class Controller {
  private desired: DesiredState | undefined;
  private revision: string | undefined;
  private readonly queue: WorkQueue<QueueKey>;
  /** Valid snapshots taken so far: the generation of the desired state in force. */
  private generation = 0;
  /**
   * Per document, the generation that last changed it (or a document it refers to), and
   * the newest generation a pass applied it at (or found it in sync). A document changed
   * at a later generation than it was applied at is git's change still pending: always
   * applied, never drift — and a pass planned at N cannot clear what N+1 changed.
   */
  private readonly changedIn = new Map<ResourceKey, number>();
  private readonly appliedIn = new Map<ResourceKey, number>();
  /** The revision of each generation that still changes a pending document (for status). */
  private readonly revisions = new Map<number, string>();
  private readonly cache: LiveCache;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private inFlight: AbortController | undefined;
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
    status.recordSnapshot(snapshot.revision, snapshot.result.ok ? [] : snapshot.result.errors);
    metrics?.setLoadErrors(snapshot.result.ok ? 0 : snapshot.result.errors.length);
    if (!snapshot.result.ok) {
      metrics?.loadFailed();
      logger?.warn({ revision: snapshot.revision, errors: snapshot.result.errors.length }, 'snapshot is invalid; keeping the last valid revision');
      return;
    }
    const first = this.desired === undefined;
    const { changed, removed } = changedKeys(this.desired, snapshot.result.state);
    this.desired = snapshot.result.state;
    this.revision = snapshot.revision;
    this.generation++;
    this.revisions.set(this.generation, snapshot.revision);
    // A document whose references changed changes too (a service pins its task definition's new revision): that is git's doing, not drift.
    for (const key of withReferrers(snapshot.result.state, changed)) this.changedIn.set(key, this.generation);
    logger?.info({ revision: snapshot.revision, changed: changed.size, removed: removed.size }, 'new snapshot');
    // A revision that changes no document (a comment, a README) still has to be confirmed and shown as applied: a full pass does both.
    if (first || removed.size > 0 || changed.size === 0) this.queue.add(FULL_SYNC);
    else for (const key of changed) this.queue.add(key);
  }

  /**
   * The source could not produce a snapshot (the config directory vanished, or reading it
   * kept failing): a load error naming the path, in status and metrics, until the next
   * valid snapshot. The last valid revision stays in force; `revision`, when the checkout
   * has one (a commit that removed the directory), is shown as the one attempted.
   */
  sourceFailed(path: string, message: string, revision?: string): void {
    const { status, metrics, logger } = this.options;
    status.recordSnapshot(revision, [{ code: 'FILE_UNREADABLE', severity: 'error', file: path, line: 1, column: 1, message }]);
    metrics?.setLoadErrors(1);
    metrics?.loadFailed();
    logger?.warn({ path, error: message }, 'cannot read the config source; keeping the last valid revision');
  }

  /** The source reads again after `sourceFailed`: the snapshot in force (unchanged, so not delivered again) is what status shows. */
  sourceRecovered(snapshot: SnapshotInput): void {
    const errors = snapshot.result.ok ? [] : snapshot.result.errors;
    this.options.status.recordSnapshot(snapshot.revision, errors);
    this.options.metrics?.setLoadErrors(errors.length);
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
    const graceOver = new AbortController();
    this.options.clock.sleep(this.options.stopGraceMs ?? 20_000, graceOver.signal).then(
      () => this.inFlight?.abort(),
      () => undefined,
    );
    try {
      await this.loop;
    } finally {
      graceOver.abort();
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
        const error: ErrorClass = { reaction: 'retry', code: 'Unexpected', message: String((err as Error)?.message ?? err) };
        for (const key of batch) this.requeue(key, decide({ error }));
      } finally {
        for (const key of batch) this.queue.done(key);
        this.options.metrics?.queue.setDepth(this.queue.depth());
        this.options.metrics?.queue.setLongestRunning(0);
      }
    }
  }

  // ------------------------------------------------------------ one pass: load → read → plan → apply → record

  /** One pass over a batch of keys. Each phase returns its result; the record phase turns them into status, metrics and requeues. */
  private async reconcile(batch: QueueKey[]): Promise<void> {
    const pass = this.load(batch);
    if (!pass) return;
    this.options.logger?.debug(pass.log, 'reconcile started');
    const planned = await this.readAndPlan(pass);
    if (!planned.ok) return this.readFailed(pass, batch, planned.error);
    const applied = await this.apply(pass, planned);
    this.record(pass, planned, applied);
  }

  /** Load: what this pass works on — the desired state in force, and how much of it the batch covers. */
  private load(batch: QueueKey[]): Pass | undefined {
    const desired = this.desired;
    if (!desired || this.revision === undefined) return undefined;
    const full = batch.includes(FULL_SYNC);
    const scope = full ? undefined : reconcileScope(desired, batch as ResourceKey[]);
    const id = randomUUID().slice(0, 8);
    const log = { reconcileId: id, revision: this.revision, full, keys: scope ? scope.plan.size : ('all' as const) };
    return { desired, revision: this.revision, generation: this.generation, full, ...(scope ? { scope } : {}), started: this.options.clock.now(), log };
  }

  /**
   * Read, then plan. The live state is the largest thing a pass holds (every described
   * service at 5,000 services); it lives only until the plan and the services' summaries
   * are made, not through the apply and the record.
   */
  private async readAndPlan(pass: Pass): Promise<({ ok: true } & Planned) | { ok: false; error: ErrorClass }> {
    const read = await this.read(pass);
    if (!read.ok) return read;
    const planned = this.plan(pass, read.live);
    const servicesByArn = new Map([...read.live.services.values()].map((s) => [s.arn, s]));
    const namespaceNames = liveNamespaceNames(read.live);
    const liveSummaries = new Map(planned.plan.resources.flatMap((r) => {
      const summary = serviceSummaryOf(r, servicesByArn, namespaceNames);
      return summary ? [[r.key, summary] as const] : [];
    }));
    return { ok: true, ...planned, liveSummaries };
  }

  /** Read: live state for the pass's scope (batched; task definitions from the cache). */
  private async read(pass: Pass): Promise<{ ok: true; live: LiveState } | { ok: false; error: ErrorClass }> {
    try {
      const live = await readLive(this.options.clients, pass.desired, { controllerId: this.options.aws.controllerId, cache: this.cache, ...(pass.scope ? { scope: pass.scope.read } : {}) });
      for (const ns of live.namespaces.values()) this.namespaceIds.set(ns.name, ns.id);
      if (pass.full) this.reportOwnershipReads(pass);
      return { ok: true, live };
    } catch (err) {
      return { ok: false, error: classifyAwsError(err as Error) };
    }
  }

  /** A change in how Cloud Map ownership is read (in bulk, or per object after the tagging API failed): logged once, shown in status. */
  private reportOwnershipReads(pass: Pass): void {
    const now = this.cache.ownership;
    const shown = this.options.status.controllerStatus().cloudMapOwnership;
    if (!now || (shown && shown.mode === now.mode && shown.reason === (now.mode === 'per-object' ? now.reason : undefined))) return;
    if (now.mode === 'per-object') this.options.logger?.warn({ ...pass.log, reason: now.reason }, 'reading Cloud Map ownership one object at a time');
    else if (shown) this.options.logger?.info(pass.log, 'reading Cloud Map ownership in bulk again');
    this.options.status.updateController({ cloudMapOwnership: { mode: now.mode, ...(now.mode === 'per-object' ? { reason: now.reason } : {}), since: now.at } });
  }

  /**
   * Plan: what converges the scope, and which of it is drift — changes git did not ask
   * for, counted always and reverted only with self-heal. Held drift keeps its steps and
   * every step that depends on them out of the apply.
   */
  private plan(pass: Pass, live: LiveState): Planned {
    const { aws, prune, selfHeal, metrics, logger } = this.options;
    const plan = planSync(pass.desired, live, { controllerId: aws.controllerId, application: aws.application, prune, ...(pass.scope ? { scope: pass.scope.plan } : {}) });
    const drift = plan.resources.filter((r) => this.isDrift(r, pass.desired));
    for (const r of drift) {
      metrics?.driftDetected(r.kind);
      logger?.info({ ...pass.log, kind: r.kind, name: r.name, changes: r.changes.map((c) => c.path) }, 'drift detected');
    }
    const held = new Set(selfHeal ? [] : drift.map((r) => r.key));
    return { plan, held, drift: new Set(drift.map((r) => r.key)), steps: withoutDependents(plan.steps, (s) => held.has(s.key)) };
  }

  /**
   * A change to converge that git did not ask for. An object this controller created a
   * moment ago may not show in AWS's reads yet (eventual consistency): missing then is
   * not someone else's deletion.
   */
  private isDrift(r: ResourcePlan, desired: DesiredState): boolean {
    if (r.action !== 'update' && r.action !== 'replace' && r.action !== 'create') return false;
    // Tagging an object owned before applications existed with its application is no drift (and is done with self-heal off too).
    if (r.message === CLAIM_TAGS_ONLY) return false;
    if (this.isPending(r.key) || !desired.resources.has(r.key)) return false;
    const settling = r.action === 'create' && this.options.clock.now() - (this.appliedAt.get(r.key) ?? -Infinity) < DRIFT_GRACE_MS;
    return !settling;
  }

  /** Apply: run the steps (ordered, bounded, abortable at shutdown); results by key. */
  private async apply(pass: Pass, planned: Planned): Promise<Map<string, StepResult[]>> {
    const byKey = new Map<string, StepResult[]>();
    if (planned.steps.length === 0) return byKey;
    const { clients, clock, logger } = this.options;
    this.inFlight = new AbortController();
    try {
      const { results } = await executePlan({ ...planned.plan, steps: planned.steps }, {
        clients,
        clock,
        signal: this.inFlight.signal,
        onStep: (event) => {
          if (event.type === 'succeeded') logger?.info({ ...pass.log, key: event.step.key, step: event.step.description }, 'applied');
          if (event.type === 'failed') logger?.warn({ ...pass.log, key: event.step.key, step: event.step.description, error: event.result.error }, 'step failed');
        },
      });
      // What was written is read afresh next time.
      this.cache.forgetWritten(results, planned.plan.resources);
      for (const r of results) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
      return byKey;
    } finally {
      this.inFlight = undefined;
    }
  }

  /** Record: every resource's outcome, written to the status store once, observed, remembered and requeued. */
  private record(pass: Pass, planned: Planned, results: Map<string, StepResult[]>): void {
    const { clock, status, metrics, logger } = this.options;
    const now = clock.now();
    const seconds = (now - pass.started) / 1000;
    const outcomes = planned.plan.resources.map((resource) =>
      outcomeOf(resource, results.get(resource.key) ?? [], {
        held: planned.held.has(resource.key),
        inGit: pass.desired.resources.has(resource.key),
        desiredSpec: pass.desired.resources.get(resource.key)?.spec,
        liveSummary: planned.liveSummaries?.get(resource.key),
        progressPollMs: this.options.progressPollMs ?? DEFAULT_PROGRESS_POLL_MS,
      }),
    );
    for (const o of outcomes) this.remember(o, pass, now);
    for (const o of outcomes) o.resource = this.withPending(o.resource);
    const appliedRevision = this.appliedRevision(pass);
    const synced = status.recordPass({ at: now, full: pass.full, plan: planned.plan, resources: outcomes, ...(appliedRevision ? { appliedRevision } : {}) });
    // Reverted drift is news (notifications, the resource's events); a git change applied is not.
    for (const o of outcomes) if (planned.drift.has(o.resource.key) && o.applied.length > 0) status.recordEvent(o.resource.key, 'Normal', DRIFT_HEALED, driftHealed(o.resource));
    for (const o of outcomes) metrics?.observeReconcile(o.resource.kind, o.result, seconds);
    if (synced) metrics?.setLastSuccessfulSync(now);
    if (appliedRevision) metrics?.setRevision(appliedRevision);
    for (const o of outcomes) this.requeue(o.resource.key, o.requeue);
    const failed = outcomes.filter((o) => o.result === 'error').length;
    logger?.info({ ...pass.log, steps: [...results.values()].flat().length, failed, seconds }, 'reconcile finished');
  }

  /**
   * Record, when live state could not be read: what the pass covers is Unknown with the
   * error (not the last answer shown as if it still held), counted as a failed reconcile,
   * and the batch requeued by the one policy.
   */
  private readFailed(pass: Pass, batch: QueueKey[], error: ErrorClass): void {
    const { clock, status, metrics, logger } = this.options;
    logger?.warn({ ...pass.log, error }, 'reading live state failed');
    const keys = pass.scope ? [...pass.scope.plan] : [...new Set([...pass.desired.resources.keys(), ...status.list().map((r) => r.key)])];
    const unread = keys.flatMap((key): UnreadResource[] => {
      const doc = pass.desired.resources.get(key);
      if (doc) return [{ key, kind: doc.kind, name: doc.metadata.name, awsName: awsName(doc), desiredSpec: doc.spec }];
      const known = status.get(key);
      return known ? [{ key, kind: known.kind, name: known.name, awsName: known.awsName }] : [];
    });
    const now = clock.now();
    status.recordReadFailure({ at: now, error, resources: unread });
    for (const r of unread) metrics?.observeReconcile(r.kind, 'error', (now - pass.started) / 1000);
    for (const key of batch) this.requeue(key, decide({ error }));
  }

  /** What the next pass must know: the generation each document was applied at, and when it was last written. */
  private remember(o: KeyOutcome, pass: Pass, now: number): void {
    if (o.result === 'error' || o.held) return;
    const key = o.resource.key;
    this.appliedIn.set(key, Math.max(this.appliedIn.get(key) ?? 0, pass.generation));
    if (o.applied.length > 0) this.appliedAt.set(key, now);
  }

  /** A document git changed that is still not applied says which revision waits for it. */
  private withPending(resource: ResourcePlan): ResourcePlan {
    if (!this.isPending(resource.key)) return resource;
    const waiting = `revision ${this.revisions.get(this.changedIn.get(resource.key)!)} not applied yet`;
    return { ...resource, message: resource.message ? `${waiting}; ${resource.message}` : waiting };
  }

  /** Git changed the document since a pass last applied it. */
  private isPending(key: ResourceKey): boolean {
    return (this.changedIn.get(key) ?? 0) > (this.appliedIn.get(key) ?? 0);
  }

  /**
   * The newest revision all of whose changes are applied, as far as this pass tells:
   * the revision in force when nothing is pending, the pass's own when what is pending
   * came later, otherwise none (the revision shown as applied stays).
   */
  private appliedRevision(pass: Pass): string | undefined {
    let oldestPending = Infinity;
    for (const key of this.desired?.resources.keys() ?? []) {
      if (this.isPending(key)) oldestPending = Math.min(oldestPending, this.changedIn.get(key)!);
    }
    for (const generation of this.revisions.keys()) if (generation < Math.min(oldestPending, this.generation)) this.revisions.delete(generation);
    if (oldestPending === Infinity) return this.revision;
    return pass.generation < oldestPending ? pass.revision : undefined;
  }

  /** Carries out a requeue decision on the work queue: the only place a key is put back after a pass. */
  private requeue(key: QueueKey, decision: Requeue): void {
    switch (decision.action) {
      case 'retry':
        this.queue.addRateLimited(key);
        this.options.metrics?.queue.retried();
        return;
      case 'wait':
        this.queue.addAfter(key, decision.afterMs);
        return;
      case 'done':
        this.queue.forget(key);
        if (decision.recheckAfterMs !== undefined) this.queue.addAfter(key, decision.recheckAfterMs);
        return;
      case 'stall':
        return;
    }
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

/** What one pass works on (the load phase's result). */
interface Pass {
  desired: DesiredState;
  revision: string;
  /** The snapshot generation `desired` came from. */
  generation: number;
  /** The whole desired state, with pruning; otherwise `scope`. */
  full: boolean;
  scope?: { plan: Set<ResourceKey>; read: Set<ResourceKey> };
  started: number;
  log: { reconcileId: string; revision: string; full: boolean; keys: number | 'all' };
}

/** The plan phase's result: the plan, the drift found and the drift left alone (self-heal off), and the steps to run. */
interface Planned {
  plan: Plan;
  drift: Set<ResourceKey>;
  held: Set<ResourceKey>;
  steps: Step[];
  /** What status shows of each Service's live side, taken before the live state is let go. */
  liveSummaries?: ReadonlyMap<ResourceKey, ServiceSummary>;
}

/**
 * What the work queue does with a key after a pass — controller-runtime's Result, as data:
 * `retry` backs off per key (a transient error), `wait` looks again after a set time (AWS
 * is busy), `stall` waits for a commit or the next resync (a human must act), `done`
 * resets the backoff and, while AWS still works on what was applied, looks again soon.
 */
export type Requeue =
  | { action: 'retry' }
  | { action: 'wait'; afterMs: number }
  | { action: 'stall' }
  | { action: 'done'; recheckAfterMs?: number };

/** A key's result of one pass, as far as requeueing is concerned. */
export interface KeyResult {
  /** A read or a step failed. */
  error?: Pick<ErrorClass, 'reaction'>;
  /** The plan's verdict: a conflict or a stall needs a human. */
  action?: ResourceAction;
  /** Steps ran and succeeded this pass. */
  applied?: boolean;
  /** AWS still works on it (a rollout) and it is not held drift. */
  progressing?: boolean;
  /** The document is in git (a pruned object is not looked at again). */
  inGit?: boolean;
  /** How soon to look again at what AWS is still working on. */
  progressPollMs?: number;
}

/** The retry policy, in one place: turns a key's result into the queue's next move. */
export function decide(result: KeyResult): Requeue {
  if (result.error?.reaction === 'retry') return { action: 'retry' };
  if (result.error?.reaction === 'wait') return { action: 'wait', afterMs: WAIT_REQUEUE_MS };
  if (result.error || result.action === 'conflict' || result.action === 'stalled') return { action: 'stall' };
  // Look again soon after a write (confirm it, follow the rollout it started) or while AWS works.
  if (result.inGit && (result.applied || result.progressing)) return { action: 'done', recheckAfterMs: result.progressPollMs ?? DEFAULT_PROGRESS_POLL_MS };
  return { action: 'done' };
}

/** A resource's outcome of one pass: what status shows, plus what the loop does next. */
interface KeyOutcome extends ResourceOutcome {
  held: boolean;
  requeue: Requeue;
}

/** Judges one resource of the plan by its step results. */
function outcomeOf(
  resource: ResourcePlan,
  results: StepResult[],
  context: { held: boolean; inGit: boolean; desiredSpec: Record<string, unknown> | undefined; liveSummary: Record<string, unknown> | undefined; progressPollMs: number },
): KeyOutcome {
  const { held, inGit, desiredSpec, liveSummary, progressPollMs } = context;
  const failed = results.find((r) => r.status !== 'succeeded');
  const error: ErrorClass | undefined = failed
    ? { reaction: failed.error?.reaction ?? 'retry', code: failed.error?.name ?? 'Skipped', message: failed.error?.message ?? 'a step it depends on failed' }
    : undefined;
  const result: ReconcileResult = error ? 'error' : resource.action === 'conflict' || resource.action === 'stalled' ? resource.action : 'success';
  const applied = error ? [] : results.map((r) => r.id);
  const progressing = !held && results.length === 0 && resource.health.status === 'Progressing';
  return {
    resource: afterApply(resource, results, held),
    ...(desiredSpec ? { desiredSpec } : {}),
    ...(liveSummary ? { liveSummary } : {}),
    result,
    ...(error ? { error } : {}),
    applied,
    held,
    requeue: decide({ ...(error ? { error } : {}), action: resource.action, applied: applied.length > 0, progressing, inGit, progressPollMs }),
  };
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

/** What reverting drift did, for the resource's event: recreated it, or the first few fields it set back. */
function driftHealed(resource: ResourcePlan): string {
  if (resource.action === 'create') return 'recreated what was deleted outside git';
  const paths = resource.changes.slice(0, 5).map((c) => c.path);
  return `reverted ${paths.join(', ')}${resource.changes.length > 5 ? ', …' : ''}`;
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

function serviceSummaryOf(resource: ResourcePlan, services: ReadonlyMap<string, LiveService>, namespaceNames: ReadonlyMap<string, string>): ServiceSummary | undefined {
  const service = resource.kind === 'Service' && resource.liveId ? services.get(resource.liveId) : undefined;
  return service && serviceSummary(service.raw, namespaceNames);
}
