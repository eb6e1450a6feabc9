/**
 * What the API shows of the status store: times as ISO strings, absent values as null,
 * and the plan without its bulky normalised bodies. Pure functions from store data.
 */
import { KINDS } from '../api/kinds.js';
import type { Finding } from '../load/findings.js';
import { formatFinding } from '../load/findings.js';
import type { Plan } from '../core/plan.js';
import type { ControllerStatus, ResourceStatus } from '../runtime/status.js';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function findingView(f: Finding) {
  return { code: f.code, severity: f.severity, file: f.file, line: f.line, column: f.column, field: f.field ?? null, message: f.message, formatted: formatFinding(f) };
}

export function statusView(controller: ControllerStatus, counts: { sync: Record<string, number>; health: Record<string, number> }, version: string, shuttingDown: boolean) {
  return {
    version,
    appliedRevision: controller.appliedRevision ?? null,
    attemptedRevision: controller.attemptedRevision ?? null,
    lastSyncAt: iso(controller.lastSyncAt),
    lastSuccessfulSyncAt: iso(controller.lastSuccessfulSyncAt),
    resources: { total: Object.values(counts.sync).reduce((a, b) => a + b, 0), sync: counts.sync, health: counts.health },
    loadErrors: controller.loadErrors.map(findingView),
    ready: controller.ready,
    shuttingDown,
    cloudMapOwnership: controller.cloudMapOwnership ? { mode: controller.cloudMapOwnership.mode, reason: controller.cloudMapOwnership.reason ?? null, since: iso(controller.cloudMapOwnership.since) } : null,
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
