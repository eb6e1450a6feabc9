/**
 * The status store: what the controller knows about every resource and about itself,
 * read by the HTTP API and the metrics. The controller loop writes it once per pass, from
 * the pass's outcomes (`recordPass`), and once per snapshot (`recordSnapshot`). Plain
 * data in, plain data out; listeners hear every change.
 */
import { serviceConnectStatus } from '../core/kinds/service-connect.js';
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import type { Kind, ResourceKey } from '../api/kinds.js';
import type { Finding } from '../load/findings.js';
import type { FieldChange } from '../core/diff.js';
import type { Health, HealthStatus } from '../core/health.js';
import type { Plan, ResourceAction, ResourcePlan, SyncStatus } from '../core/plan.js';

export const EVENTS_KEPT = 20;

/** The event reason of a resource whose drift (a change made outside git) was reverted. */
export const DRIFT_HEALED = 'DriftHealed';

/** What the status API shows of a live Service beyond its spec (and `sync --wait` reports). */
export type ServiceSummary = ReturnType<typeof serviceSummary>;

export function serviceSummary(raw: EcsService, namespaceNames: ReadonlyMap<string, string> = new Map()) {
  const serviceConnect = serviceConnectStatus(raw, namespaceNames);
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
    ...(serviceConnect ? { serviceConnect } : {}),
    /** Newest first, as ECS lists them. */
    events: (raw.events ?? []).slice(0, 5).map((e) => ({ at: e.createdAt, message: e.message })),
  };
}

export interface ResourceEvent {
  at: number;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ResourceStatus {
  key: ResourceKey;
  kind: Kind;
  name: string;
  awsName: string;
  sync: SyncStatus;
  health: Health;
  action: ResourceAction;
  message?: string;
  /** The document's spec as written (absent for objects only in AWS). */
  desired?: Record<string, unknown>;
  /** Normalised desired and live bodies of the last comparison. */
  normalizedDesired?: Record<string, unknown>;
  normalizedLive?: Record<string, unknown>;
  lastDiff: FieldChange[];
  /** ARN or id of the live object. */
  liveId?: string;
  /** What AWS shows beyond the spec: for a Service its deployments, counts and Cloud Map instances. */
  liveSummary?: Record<string, unknown>;
  lastError?: { at: number; code: string; reaction: 'retry' | 'wait' | 'stall'; message: string };
  lastReconciledAt?: number;
  events: ResourceEvent[];
}

export interface ControllerStatus {
  /** Revision whose desired state is in force (the last valid snapshot applied). */
  appliedRevision?: string;
  /** Newest revision seen, valid or not. */
  attemptedRevision?: string;
  lastSyncAt?: number;
  lastSuccessfulSyncAt?: number;
  /** Errors of the newest snapshot when it is invalid; empty when it is valid. */
  loadErrors: Finding[];
  /** After the first full pass. */
  ready: boolean;
  /** How full reads learn which Cloud Map objects the controller owns: in bulk (tag:GetResources), or one tag read per object and why. */
  cloudMapOwnership?: { mode: 'bulk' | 'per-object'; reason?: string; since: number };
  shuttingDown: boolean;
}

/** How one resource's reconcile ended (the `result` label of the reconcile metrics). */
export type ReconcileResult = 'success' | 'error' | 'conflict' | 'stalled';

/** One resource's outcome of a pass, as the status store records it. */
export interface ResourceOutcome {
  /** The plan for the resource, as it stands after its steps ran. */
  resource: ResourcePlan;
  /** The document's spec as written (absent for objects only in AWS). */
  desiredSpec?: Record<string, unknown>;
  liveSummary?: Record<string, unknown>;
  result: ReconcileResult;
  /** Why it failed, when `result` is `error`. */
  error?: { code: string; reaction: 'retry' | 'wait' | 'stall'; message: string };
  /** Ids of the steps applied for it this pass. */
  applied: string[];
}

/** A resource a pass covered but could not read. */
export interface UnreadResource {
  key: ResourceKey;
  kind: Kind;
  name: string;
  awsName: string;
  desiredSpec?: Record<string, unknown>;
}

/** A pass's outcomes: everything it planned, at one moment. */
export interface PassOutcome {
  at: number;
  /** The newest revision all of whose changes are applied, when the pass shows one. */
  appliedRevision?: string;
  /**
   * A full pass saw the whole desired state: its plan replaces the last, what it did not
   * see is gone, and only a full pass without an error is a successful sync.
   */
  full: boolean;
  plan: Plan;
  resources: ResourceOutcome[];
}

export type StatusListener = (event: { type: 'resource'; status: ResourceStatus } | { type: 'controller'; status: ControllerStatus } | { type: 'removed'; key: ResourceKey }) => void;

export class StatusStore {
  private readonly resources = new Map<ResourceKey, ResourceStatus>();
  private controller: ControllerStatus = { loadErrors: [], ready: false, shuttingDown: false };
  private readonly listeners = new Set<StatusListener>();
  private lastPlan: Plan | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: Parameters<StatusListener>[0]): void {
    for (const l of this.listeners) l(event);
  }

  // ------------------------------------------------------------ writes (the controller only)

  /** A snapshot arrived (or the source could not take one: no revision): the newest revision seen, and its load errors (none when it is valid). */
  recordSnapshot(revision: string | undefined, loadErrors: Finding[]): void {
    this.updateController({ ...(revision !== undefined ? { attemptedRevision: revision } : {}), loadErrors });
  }

  /** A pass could not read live state: each resource it covers is Unknown, with the error, until a read succeeds. */
  recordReadFailure(failure: { at: number; error: { code: string; reaction: 'retry' | 'wait' | 'stall'; message: string }; resources: UnreadResource[] }): void {
    const { at, error } = failure;
    for (const r of failure.resources) {
      const before = this.resources.get(r.key);
      const status: ResourceStatus = {
        ...(before ?? { lastDiff: [], events: [], action: 'none' as const }),
        key: r.key,
        kind: r.kind,
        name: r.name,
        awsName: r.awsName,
        ...(r.desiredSpec ? { desired: r.desiredSpec } : {}),
        sync: 'Unknown',
        health: { status: 'Unknown', message: `live state could not be read: ${error.code}` },
        lastError: { at, ...error },
        lastReconciledAt: this.now(),
      };
      if (before?.sync !== 'Unknown') this.addEvent(status, 'Warning', error.code, `live state could not be read: ${error.message}`);
      this.resources.set(r.key, status);
      this.emit({ type: 'resource', status });
    }
  }

  /**
   * Records a pass from its outcomes. Returns whether it was a successful sync: a full
   * pass that read everything and converged every resource without an error.
   */
  recordPass(pass: PassOutcome): boolean {
    for (const o of pass.resources) {
      this.recordPlan(o.resource, o.desiredSpec, o.liveSummary);
      if (o.error) this.recordError(o.resource.key, { at: pass.at, ...o.error });
      if (o.result !== 'success') continue;
      this.clearError(o.resource.key);
      if (o.applied.length > 0) this.recordEvent(o.resource.key, 'Normal', 'Applied', o.applied.join('; '));
    }
    const synced = pass.full && pass.resources.every((o) => o.result !== 'error');
    if (pass.full) {
      this.setPlan(pass.plan);
      const present = new Set(pass.resources.map((o) => o.resource.key));
      for (const key of [...this.resources.keys()]) if (!present.has(key)) this.remove(key);
    }
    this.updateController({
      lastSyncAt: pass.at,
      ...(synced ? { lastSuccessfulSyncAt: pass.at } : {}),
      ...(pass.appliedRevision ? { appliedRevision: pass.appliedRevision } : {}),
      // Ready after the first full pass.
      ...(pass.full ? { ready: true } : {}),
    });
    return synced;
  }

  updateController(patch: Partial<ControllerStatus>): void {
    this.controller = { ...this.controller, ...patch };
    this.emit({ type: 'controller', status: this.controllerStatus() });
  }

  /** Records a resource's comparison; an event is added when its sync or health changes. */
  recordPlan(resource: ResourcePlan, desiredSpec: Record<string, unknown> | undefined, liveSummary?: Record<string, unknown>): ResourceStatus {
    const before = this.resources.get(resource.key);
    const status: ResourceStatus = {
      key: resource.key,
      kind: resource.kind,
      name: resource.name,
      awsName: resource.awsName,
      sync: resource.sync,
      health: resource.health,
      action: resource.action,
      ...(resource.message ? { message: resource.message } : {}),
      ...(desiredSpec ? { desired: desiredSpec } : {}),
      ...(resource.desired ? { normalizedDesired: resource.desired } : {}),
      ...(resource.live ? { normalizedLive: resource.live } : {}),
      lastDiff: resource.changes,
      ...(resource.liveId ? { liveId: resource.liveId } : {}),
      ...(liveSummary ? { liveSummary } : before?.liveSummary ? { liveSummary: before.liveSummary } : {}),
      ...(before?.lastError ? { lastError: before.lastError } : {}),
      lastReconciledAt: this.now(),
      events: before?.events ?? [],
    };
    if (!before || before.sync !== status.sync) {
      this.addEvent(status, status.sync === 'Synced' ? 'Normal' : 'Warning', status.sync, status.sync === 'Synced' ? 'in sync with git' : describeAction(resource));
    }
    if (before && before.health.status !== status.health.status) {
      this.addEvent(status, healthWarning(status.health.status) ? 'Warning' : 'Normal', status.health.status, status.health.message ?? status.health.status);
    }
    this.resources.set(status.key, status);
    this.emit({ type: 'resource', status });
    return status;
  }

  recordEvent(key: ResourceKey, type: ResourceEvent['type'], reason: string, message: string): void {
    const status = this.resources.get(key);
    if (!status) return;
    this.addEvent(status, type, reason, message);
    this.emit({ type: 'resource', status });
  }

  recordError(key: ResourceKey, error: NonNullable<ResourceStatus['lastError']>): void {
    const status = this.resources.get(key);
    if (!status) return;
    status.lastError = error;
    this.addEvent(status, 'Warning', error.code, error.message);
    this.emit({ type: 'resource', status });
  }

  clearError(key: ResourceKey): void {
    const status = this.resources.get(key);
    if (status?.lastError) delete status.lastError;
  }

  /** Forgets resources that are neither in git nor in AWS any more. */
  remove(key: ResourceKey): void {
    if (this.resources.delete(key)) this.emit({ type: 'removed', key });
  }

  /**
   * Keeps what the plan endpoints show of each resource, not the plan's own records: those
   * hold the normalised bodies and were built field by field (at 15,000 resources a few
   * MB of object shapes alone); one literal per resource shares one.
   */
  setPlan(plan: Plan): void {
    this.lastPlan = {
      ...plan,
      resources: plan.resources.map(({ key, kind, name, awsName, action, sync, health, changes, message, liveId }) => ({
        key,
        kind,
        name,
        awsName,
        action,
        sync,
        health,
        changes,
        ...(message !== undefined ? { message } : {}),
        ...(liveId !== undefined ? { liveId } : {}),
      })),
    };
  }

  private addEvent(status: ResourceStatus, type: ResourceEvent['type'], reason: string, message: string): void {
    status.events = [{ at: this.now(), type, reason, message }, ...status.events].slice(0, EVENTS_KEPT);
  }

  // ------------------------------------------------------------ reads (API, metrics)

  controllerStatus(): ControllerStatus {
    return { ...this.controller };
  }

  list(filter: { kind?: Kind; sync?: SyncStatus; health?: HealthStatus } = {}): ResourceStatus[] {
    return [...this.resources.values()].filter(
      (r) => (!filter.kind || r.kind === filter.kind) && (!filter.sync || r.sync === filter.sync) && (!filter.health || r.health.status === filter.health),
    );
  }

  get(key: ResourceKey): ResourceStatus | undefined {
    return this.resources.get(key);
  }

  plan(): Plan | undefined {
    return this.lastPlan;
  }

  /** Counts by sync status and by health, for the status endpoint and the gauges. */
  counts(): { sync: Record<SyncStatus, number>; health: Record<HealthStatus, number> } {
    const sync: Record<SyncStatus, number> = { Synced: 0, OutOfSync: 0, Unknown: 0 };
    const health: Record<HealthStatus, number> = { Healthy: 0, Progressing: 0, Degraded: 0, Missing: 0, Unknown: 0 };
    for (const r of this.resources.values()) {
      sync[r.sync]++;
      health[r.health.status]++;
    }
    return { sync, health };
  }
}

function healthWarning(status: HealthStatus): boolean {
  return status === 'Degraded' || status === 'Missing' || status === 'Unknown';
}

function describeAction(resource: ResourcePlan): string {
  const changed = resource.changes.map((c) => c.path).slice(0, 5).join(', ');
  return `${resource.action}${changed ? `: ${changed}` : ''}${resource.message ? ` (${resource.message})` : ''}`;
}
