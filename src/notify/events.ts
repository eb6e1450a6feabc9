/**
 * What is worth telling someone: notification events derived from the status store's
 * state, one per state change. Each subject (a resource, or the application itself for
 * its revision) has a set of open problems; a problem is reported when it opens (or
 * changes what it is about: a second rolled-back revision, another invalid content),
 * never again while it stays open, and `recovered` is reported once the subject is back
 * to Healthy and Synced (or the revision is valid again) — so a steady state, resync
 * after resync, sends nothing. Pure: statuses in, notifications out; no timers, no I/O.
 */
import type { ResourceKey } from '../api/kinds.js';
import type { Finding } from '../load/findings.js';
import { DRIFT_HEALED, type ControllerStatus, type ResourceEvent, type ResourceStatus } from '../runtime/status.js';

/** Every event a sink can be sent, in the order one batch of changes reports them. */
export const NOTIFICATION_EVENTS = ['invalid-revision', 'sync-failed', 'stalled', 'degraded', 'rollback', 'drift-healed', 'recovered'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** The problems a subject can have open (drift healed is an occurrence, not a state). */
type Problem = Exclude<NotificationEvent, 'drift-healed' | 'recovered'>;

/** At most this many resources (and load errors) are listed in one notification; the rest are counted. */
export const LISTED_MAX = 20;

export interface NotifiedResource {
  key: ResourceKey;
  kind: string;
  name: string;
  sync: string;
  health: string;
  /** The health message, the stall's reason or the error, whichever the event is about. */
  message?: string;
  /** sync-failed: the error AWS (or the controller) gave. */
  error?: { code: string; reaction: string; message: string };
  /** stalled: the field that cannot change in place. */
  field?: string;
  /** recovered: the problems it recovered from. */
  recoveredFrom?: Problem[];
}

export interface NotifiedLoadError {
  file: string;
  line: number;
  column: number;
  field?: string;
  code: string;
  message: string;
}

/** One notification, before a sink formats it. */
export interface Notification {
  event: NotificationEvent;
  application: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** One line a person reads. */
  summary: string;
  revision: { applied: string | null; attempted: string | null };
  /** The resources it is about (at most LISTED_MAX); empty for the application's own revision. */
  resources: NotifiedResource[];
  /** Resources left out of `resources`. */
  moreResources: number;
  /** invalid-revision: the errors of the revision, with file:line. */
  loadErrors?: NotifiedLoadError[];
  /** recovered (the application): the problems it recovered from. */
  recoveredFrom?: Problem[];
}

const APPLICATION = '' as const;

/** What one resource is judged by: the fields of its status that events read. */
function problemsOf(r: ResourceStatus): Map<Problem, string> {
  const open = new Map<Problem, string>();
  // `wait` is AWS still working (a drain, a pending operation), not a failure.
  if (r.lastError && r.lastError.reaction !== 'wait') open.set('sync-failed', '');
  const rolledBack = r.health.status === 'Degraded' && r.health.reason === 'RolledBack';
  // A new rolled-back revision is a new rollback; the note after it comes and goes as ECS's events roll over.
  if (rolledBack) open.set('rollback', /from \S+ to \S+/.exec(r.health.message ?? '')?.[0] ?? '');
  else if (r.health.status === 'Degraded') open.set('degraded', r.health.reason ?? '');
  // A rolled-back revision is held until a commit: that stall is the rollback's, already told.
  // What it is about is the field: the message around it may change (a revision waiting for it).
  if (r.action === 'stalled' && !rolledBack) open.set('stalled', stalledField(r) ?? r.message ?? '');
  return open;
}

function isRecovered(r: ResourceStatus): boolean {
  return r.sync === 'Synced' && r.health.status === 'Healthy' && !r.lastError && r.action !== 'stalled' && r.action !== 'conflict';
}

/** The field a stall names: the planner's message says it (`spec.launchType cannot be changed in place…`). */
export function stalledField(r: Pick<ResourceStatus, 'message' | 'lastDiff'>): string | undefined {
  const named = /(spec[\w.[\]-]*) cannot be changed in place/.exec(r.message ?? '')?.[1];
  if (named) return named;
  // A held revision (a rollback the history shows) holds the task definition.
  if (/not deploying it again|not running/.test(r.message ?? '')) return 'spec.taskDefinition';
  return r.lastDiff[0]?.path;
}

function resourceView(r: ResourceStatus, event: NotificationEvent, recoveredFrom?: Problem[]): NotifiedResource {
  const base: NotifiedResource = { key: r.key, kind: r.kind, name: r.name, sync: r.sync, health: r.health.status };
  switch (event) {
    case 'sync-failed':
      return { ...base, ...(r.lastError ? { message: r.lastError.message, error: { code: r.lastError.code, reaction: r.lastError.reaction, message: r.lastError.message } } : {}) };
    case 'stalled': {
      const field = stalledField(r);
      return { ...base, ...(r.message ? { message: r.message } : {}), ...(field ? { field } : {}) };
    }
    case 'recovered':
      return { ...base, ...(r.health.message ? { message: r.health.message } : {}), recoveredFrom: recoveredFrom ?? [] };
    case 'drift-healed': {
      const healed = r.events.find((e) => e.reason === DRIFT_HEALED);
      return { ...base, ...(healed ? { message: healed.message } : {}) };
    }
    default:
      return { ...base, ...(r.health.message ? { message: r.health.message } : {}) };
  }
}

function loadErrorView(f: Finding): NotifiedLoadError {
  return { file: f.file, line: f.line, column: f.column, ...(f.field ? { field: f.field } : {}), code: f.code, message: f.message };
}

/** How one resource's notification reads, per event. */
const ONE: Record<NotificationEvent, (r: NotifiedResource) => string> = {
  'invalid-revision': (r) => r.key,
  'sync-failed': (r) => `${r.key}: sync failed${r.error ? `: ${r.error.code}: ${r.error.message}` : ''}`,
  stalled: (r) => `${r.key} is stalled${r.field ? ` on ${r.field}` : ''}: ${r.message ?? ''}`,
  degraded: (r) => `${r.key} is Degraded: ${r.message ?? ''}`,
  rollback: (r) => `${r.key}: ECS rolled back the deployment: ${r.message ?? ''}`,
  'drift-healed': (r) => `${r.key}: drift healed${r.message ? ` (${r.message})` : ''}`,
  recovered: (r) => `${r.key} recovered from ${(r.recoveredFrom ?? []).join(', ')}: ${r.sync}/${r.health}`,
};

/** How several resources' notification reads, per event. */
const MANY: Record<NotificationEvent, (n: number) => string> = {
  'invalid-revision': () => 'invalid revision',
  'sync-failed': (n) => `sync failed for ${n} resources`,
  stalled: (n) => `${n} resources stalled`,
  degraded: (n) => `${n} resources Degraded`,
  rollback: (n) => `ECS rolled back ${n} services`,
  'drift-healed': (n) => `drift healed on ${n} resources`,
  recovered: (n) => `${n} resources recovered`,
};

function summaryOf(event: NotificationEvent, resources: NotifiedResource[], total: number): string {
  if (total === 1) return ONE[event](resources[0]);
  const keys = resources.slice(0, 5).map((r) => r.key).join(', ');
  return `${MANY[event](total)}: ${keys}${total > 5 ? ', …' : ''}`;
}

/**
 * Turns the status store's changes into notifications for one application. Feed it the
 * resources that changed (and the controller status when it changed); it answers with the
 * notifications that changes opened, at most one per event.
 */
export class EventDetector {
  /** Per subject (a resource key; '' for the application), its open problems and what each is about. */
  private readonly open = new Map<string, Map<Problem, string>>();
  /** Per resource, the newest event already looked at (events are prepended; older ones keep their identity). */
  private readonly seenEvent = new Map<ResourceKey, ResourceEvent>();

  /** Events recorded before this (a store watched late) are history, not news. */
  constructor(
    private readonly application: string,
    private readonly since: number,
  ) {}

  /**
   * `resources`: the statuses that changed; `removed`: keys the store forgot;
   * `controller`: the controller's status (always needed for the revision).
   */
  detect(changes: { resources: ResourceStatus[]; removed: ResourceKey[]; controller: ControllerStatus; controllerChanged: boolean; at: number }): Notification[] {
    const { controller, at } = changes;
    for (const key of changes.removed) {
      this.open.delete(key);
      this.seenEvent.delete(key);
    }
    // Per event, the first LISTED_MAX resources' views and how many there are in all.
    const batches = new Map<NotificationEvent, { listed: NotifiedResource[]; total: number }>();
    const add = (event: NotificationEvent, view: () => NotifiedResource) => {
      const batch = batches.get(event) ?? { listed: [], total: 0 };
      batches.set(event, batch);
      if (batch.listed.length < LISTED_MAX) batch.listed.push(view());
      batch.total++;
    };
    const notifications: Notification[] = [];
    const revision = { applied: controller.appliedRevision ?? null, attempted: controller.attemptedRevision ?? null };

    if (changes.controllerChanged) notifications.push(...this.detectRevision(controller, revision, at));

    for (const r of changes.resources) {
      const before = this.open.get(r.key) ?? new Map<Problem, string>();
      const now = problemsOf(r);
      for (const [problem, about] of now) {
        if (before.get(problem) !== about) add(problem, () => resourceView(r, problem));
        before.set(problem, about);
      }
      if (before.size > 0 && isRecovered(r)) {
        const from = [...before.keys()];
        add('recovered', () => resourceView(r, 'recovered', from));
        before.clear();
      }
      if (before.size > 0) this.open.set(r.key, before);
      else this.open.delete(r.key);
      if (this.newEvents(r).some((e) => e.reason === DRIFT_HEALED)) add('drift-healed', () => resourceView(r, 'drift-healed'));
    }

    for (const event of NOTIFICATION_EVENTS) {
      const batch = batches.get(event);
      if (!batch) continue;
      const { listed, total } = batch;
      notifications.push({ event, application: this.application, at, summary: summaryOf(event, listed, total), revision, resources: listed, moreResources: total - listed.length });
    }
    return notifications.sort((a, b) => NOTIFICATION_EVENTS.indexOf(a.event) - NOTIFICATION_EVENTS.indexOf(b.event));
  }

  /** The application's own problem: the newest revision is invalid (reported once per content, whatever revisions carry it). */
  private detectRevision(controller: ControllerStatus, revision: Notification['revision'], at: number): Notification[] {
    const before = this.open.get(APPLICATION) ?? new Map<Problem, string>();
    const errors = controller.loadErrors.filter((f) => f.severity === 'error');
    const out: Notification[] = [];
    if (errors.length > 0) {
      const about = errors.map((f) => `${f.file}:${f.line}:${f.column}:${f.code}`).join('\n');
      if (before.get('invalid-revision') !== about) {
        const listed = errors.slice(0, LISTED_MAX).map(loadErrorView);
        const first = listed[0];
        const where = `${first.file}:${first.line}:${first.column}${first.field ? ` ${first.field}` : ''}: ${first.message}`;
        const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
        const summary = `revision ${short(controller.attemptedRevision)} is invalid; ${short(controller.appliedRevision)} stays in force: ${where}${more}`;
        out.push({ event: 'invalid-revision', application: this.application, at, summary, revision, resources: [], moreResources: 0, loadErrors: listed });
      }
      before.set('invalid-revision', about);
    } else if (before.has('invalid-revision')) {
      before.delete('invalid-revision');
      const summary = `revision ${short(controller.attemptedRevision)} is valid again`;
      out.push({ event: 'recovered', application: this.application, at, summary, revision, resources: [], moreResources: 0, recoveredFrom: ['invalid-revision'] });
    }
    if (before.size > 0) this.open.set(APPLICATION, before);
    else this.open.delete(APPLICATION);
    return out;
  }

  /** The events added to a resource since it was last looked at. */
  private newEvents(r: ResourceStatus): ResourceEvent[] {
    const seen = this.seenEvent.get(r.key);
    if (r.events[0]) this.seenEvent.set(r.key, r.events[0]);
    if (!seen) return r.events.filter((e) => e.at >= this.since);
    const at = r.events.indexOf(seen);
    return at < 0 ? r.events : r.events.slice(0, at);
  }
}

function short(revision: string | undefined): string {
  if (!revision) return '(none)';
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision;
}
