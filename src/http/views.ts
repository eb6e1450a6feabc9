/**
 * What the API shows of the status store: times as ISO strings, absent values as null,
 * and the plan without its bulky normalised bodies. Pure functions from store data.
 */
import { KINDS } from '../api/kinds.js';
import type { Finding } from '../load/findings.js';
import { formatFinding } from '../load/findings.js';
import type { Plan } from '../core/plan.js';
import type { ControllerStatus, ResourceStatus } from '../runtime/status.js';
import { resourceRefs, runningRevision } from './ui-refs.js';
import type { ApplicationEntry } from './deps.js';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function findingView(f: Finding) {
  return { code: f.code, severity: f.severity, file: f.file, line: f.line, column: f.column, field: f.field ?? null, message: f.message, formatted: formatFinding(f) };
}

type Counts = { sync: Record<string, number>; health: Record<string, number> };

/** What the status endpoint and an application's summary share: revisions, sync times, counts, load errors, readiness. */
function syncView(controller: ControllerStatus, counts: Counts) {
  return {
    appliedRevision: controller.appliedRevision ?? null,
    attemptedRevision: controller.attemptedRevision ?? null,
    lastSyncAt: iso(controller.lastSyncAt),
    lastSuccessfulSyncAt: iso(controller.lastSuccessfulSyncAt),
    resources: { total: Object.values(counts.sync).reduce((a, b) => a + b, 0), sync: counts.sync, health: counts.health },
    loadErrors: controller.loadErrors.map(findingView),
    ready: controller.ready,
    cloudMapOwnership: controller.cloudMapOwnership ? { mode: controller.cloudMapOwnership.mode, reason: controller.cloudMapOwnership.reason ?? null, since: iso(controller.cloudMapOwnership.since) } : null,
  };
}

export function statusView(controller: ControllerStatus, counts: Counts, version: string, shuttingDown: boolean) {
  const { appliedRevision, attemptedRevision, lastSyncAt, lastSuccessfulSyncAt, resources, loadErrors, ready, cloudMapOwnership } = syncView(controller, counts);
  return { version, appliedRevision, attemptedRevision, lastSyncAt, lastSuccessfulSyncAt, resources, loadErrors, ready, shuttingDown, cloudMapOwnership };
}

/** One application: its name and tag, its source and target, then its status as the status endpoint shows a controller's. */
export function applicationView(entry: ApplicationEntry) {
  const { view } = entry;
  return {
    name: entry.name,
    application: entry.application,
    source: { repo: view.repo, path: view.path, gitUrl: view.gitUrl, branch: view.branch, overlay: view.overlay },
    target: { region: view.region, account: view.account, roleArn: view.roleArn },
    ...syncView(entry.status.controllerStatus(), entry.status.counts()),
  };
}

/**
 * The daemon as one controller, for the status endpoint when it runs several
 * applications: revisions only when there is one, the oldest sync times (a stuck
 * application shows), summed counts, every load error, ready when every application is.
 */
export function combinedStatus(entries: readonly ApplicationEntry[]): { controller: ControllerStatus; counts: Counts } {
  if (entries.length === 1) return { controller: entries[0].status.controllerStatus(), counts: entries[0].status.counts() };
  const controllers = entries.map((e) => e.status.controllerStatus());
  const oldest = (times: (number | undefined)[]) => (times.some((t) => t === undefined) ? undefined : Math.min(...(times as number[])));
  const counts: Counts = { sync: {}, health: {} };
  for (const c of entries.map((e) => e.status.counts())) {
    for (const [k, n] of Object.entries(c.sync)) counts.sync[k] = (counts.sync[k] ?? 0) + n;
    for (const [k, n] of Object.entries(c.health)) counts.health[k] = (counts.health[k] ?? 0) + n;
  }
  const lastSyncAt = oldest(controllers.map((c) => c.lastSyncAt));
  const lastSuccessfulSyncAt = oldest(controllers.map((c) => c.lastSuccessfulSyncAt));
  return {
    controller: {
      ...(lastSyncAt !== undefined ? { lastSyncAt } : {}),
      ...(lastSuccessfulSyncAt !== undefined ? { lastSuccessfulSyncAt } : {}),
      loadErrors: controllers.flatMap((c) => c.loadErrors),
      ready: controllers.every((c) => c.ready),
      shuttingDown: controllers.some((c) => c.shuttingDown),
    },
    counts,
  };
}

export function resourceSummaryView(r: ResourceStatus) {
  return {
    key: r.key,
    kind: r.kind,
    name: r.name,
    awsName: r.awsName,
    sync: r.sync,
    health: r.health,
    action: r.action,
    message: r.message ?? null,
    lastReconciledAt: iso(r.lastReconciledAt),
    lastError: r.lastError ? { ...r.lastError, at: iso(r.lastError.at) } : null,
    refs: resourceRefs(r),
    revision: runningRevision(r),
  };
}

export function resourceDetailView(r: ResourceStatus) {
  return {
    ...resourceSummaryView(r),
    liveId: r.liveId ?? null,
    desired: r.desired ?? null,
    normalizedDesired: r.normalizedDesired ?? null,
    normalizedLive: r.normalizedLive ?? null,
    liveSummary: r.liveSummary ?? null,
    lastDiff: r.lastDiff,
    events: r.events.map((e) => ({ ...e, at: iso(e.at) })),
  };
}

export function planView(plan: Plan) {
  return {
    resources: plan.resources.map((r) => ({
      key: r.key,
      kind: r.kind,
      name: r.name,
      awsName: r.awsName,
      action: r.action,
      sync: r.sync,
      health: r.health,
      changes: r.changes,
      message: r.message ?? null,
      liveId: r.liveId ?? null,
    })),
    steps: plan.steps,
  };
}

/** Apply order of kinds, then by name: the order a reader of the config repository expects. */
export function byKindThenName(a: ResourceStatus, b: ResourceStatus): number {
  return KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.name.localeCompare(b.name);
}
