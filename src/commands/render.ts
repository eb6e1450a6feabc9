/**
 * How a plan reads on a terminal: one block per resource that differs, with a unified
 * diff of the YAML a user wrote against what AWS has (coloured on a TTY), and a summary.
 */
import { styleText } from 'node:util';
import { yamlDiff } from '../core/diff.js';
import type { Health, HealthStatus } from '../core/health.js';
import { revisionOf } from '../core/live.js';
import { ADOPT_TAGS_ONLY, ADOPT_THEN_CHANGE, CLAIM_TAGS_ONLY, CLAIM_THEN_CHANGE, type Plan, type ResourcePlan } from '../core/plan.js';
import type { ServiceSummary } from '../runtime/status.js';

export interface RenderOptions {
  color: boolean;
  /** Also list resources that are in sync. */
  all?: boolean;
}

const paint = (on: boolean, style: Parameters<typeof styleText>[0], text: string) => (on ? styleText(style, text) : text);

const VERB: Record<ResourcePlan['action'], string> = {
  none: 'in sync',
  create: 'to create',
  update: 'to update',
  replace: 'to replace',
  delete: 'to delete',
  conflict: 'conflict',
  stalled: 'stalled',
  'prune-skipped': 'not in git (kept)',
};

export function differs(r: ResourcePlan): boolean {
  return r.sync !== 'Synced';
}

export function renderPlan(plan: Plan, options: RenderOptions): string {
  const lines: string[] = [];
  for (const r of plan.resources) {
    if (!differs(r) && !options.all) continue;
    const label = r.awsName && r.awsName !== r.name ? `${r.key} (${r.awsName})` : r.key;
    // An adoption (or a claim) reads as one: `to adopt — tags only: …`.
    const taking = [ADOPT_TAGS_ONLY, ADOPT_THEN_CHANGE, CLAIM_TAGS_ONLY, CLAIM_THEN_CHANGE].includes(r.message ?? '') ? r.message?.split(' — ')[0] : undefined;
    const verb = taking ? `to ${taking}` : VERB[r.action];
    const message = taking ? r.message?.slice(taking.length + 3) : r.message;
    const style = r.action === 'create' ? 'green' : r.action === 'delete' ? 'red' : r.action === 'none' ? 'dim' : r.action === 'update' || r.action === 'replace' ? 'yellow' : 'magenta';
    lines.push(`${paint(options.color, 'bold', label)}: ${paint(options.color, style, verb)}${message ? ` — ${message}` : ''}`);
    for (const line of bodyLines(r)) lines.push(`    ${colourDiffLine(line, options.color)}`);
    for (const c of r.changes) {
      if (!c.path.startsWith('spec.tags.')) continue;
      lines.push(c.to === undefined ? `  tag ${c.path.slice(10)}: remove` : `  tag ${c.path.slice(10)}: ${c.from === undefined ? '' : `${JSON.stringify(c.from)} → `}${JSON.stringify(c.to)}`);
    }
  }
  lines.push(summary(plan));
  return lines.join('\n');
}

/**
 * The unified diff under a resource's line, without the ---/+++ header: fields that change,
 * with context; a resource to create or delete whole, as + or - lines (no hunk header, as
 * every line is in it).
 */
function bodyLines(r: ResourcePlan): string[] {
  switch (r.action) {
    case 'update':
    case 'replace':
    case 'conflict':
    case 'stalled':
      return yamlDiff(r.key, r.desired, r.live).split('\n').slice(2);
    case 'create':
      return r.desired ? yamlDiff(r.key, r.desired, undefined).split('\n').slice(3) : [];
    case 'delete':
      return r.live ? yamlDiff(r.key, undefined, r.live).split('\n').slice(3) : [];
    default:
      return [];
  }
}

function colourDiffLine(line: string, color: boolean): string {
  if (line.startsWith('+')) return paint(color, 'green', line);
  if (line.startsWith('-')) return paint(color, 'red', line);
  if (line.startsWith('@@')) return paint(color, 'cyan', line);
  return line;
}

export function summary(plan: Plan): string {
  const count = (a: ResourcePlan['action']) => plan.resources.filter((r) => r.action === a).length;
  const parts = [
    `${count('create')} to create`,
    `${count('update')} to update`,
    `${count('replace')} to replace`,
    `${count('delete')} to delete`,
    `${count('none')} in sync`,
  ];
  for (const a of ['conflict', 'stalled', 'prune-skipped'] as const) if (count(a)) parts.push(`${count(a)} ${VERB[a]}`);
  return `Plan: ${parts.join(', ')}.`;
}

/** The plan as JSON: every resource with its action, changes and health, and the steps. */
export function planJson(plan: Plan): unknown {
  return {
    differences: plan.resources.some(differs),
    resources: plan.resources.map(({ desired: _d, live: _l, ...r }) => r),
    steps: plan.steps,
    summary: summary(plan),
  };
}

// ---------------------------------------------------------------- sync --wait

/** One Service of the config as a poll of `sync --wait` found it. */
export interface ServiceProgress {
  key: string;
  health: Health;
  /** What ECS shows of it (as the status API does); absent while it does not exist. */
  summary?: ServiceSummary;
}

const HEALTH_STYLE: Record<HealthStatus, Parameters<typeof styleText>[0]> = {
  Healthy: 'green',
  Progressing: 'yellow',
  Degraded: 'red',
  Missing: 'magenta',
  Unknown: 'dim',
};

const primaryOf = (summary: ServiceSummary | undefined) => summary?.deployments.find((d) => d.status === 'PRIMARY');
const runningOf = (summary: ServiceSummary | undefined) => (summary ? `${summary.runningCount ?? 0}/${summary.desiredCount ?? 0}` : '-');

/**
 * What changed for one Service while waiting: its health (and why, when Degraded), the
 * PRIMARY deployment (revision, rollout state, id, tasks that failed to start), its task
 * counts and the newest ECS event. The same text twice means
 * nothing changed, so the caller prints it only when it differs from the last one.
 */
export function progressLine(s: ServiceProgress): string {
  const primary = primaryOf(s.summary);
  if (!s.summary || !primary) return `  … ${s.key}: ${s.health.status}${s.health.message ? ` — ${s.health.message}` : ''}`;
  const deployment = `${revisionOf(primary.taskDefinition) ?? primary.taskDefinition ?? '?'} ${primary.rolloutState ?? 'no rollout state'} (deployment ${primary.id ?? '?'})`;
  const counts = `${runningOf(s.summary)} running${s.summary.pendingCount ? `, ${s.summary.pendingCount} pending` : ''}${primary.failedTasks ? `, ${primary.failedTasks} failed` : ''}`;
  const event = s.summary.events[0]?.message;
  const why = s.health.status === 'Degraded' && s.health.message ? `${s.health.message}; ` : '';
  return `  … ${s.key}: ${s.health.status} — ${why}${deployment}, ${counts}${event ? `; last event: ${event}` : ''}`;
}

/** The table `sync --wait` ends with: one row per Service of the config. */
export function serviceTable(services: readonly ServiceProgress[], color: boolean): string {
  const rows = services.map((s) => [s.key, s.health.status, runningOf(s.summary), primaryOf(s.summary)?.rolloutState ?? '-', s.health.message ?? '']);
  const header = ['SERVICE', 'HEALTH', 'RUNNING', 'ROLLOUT', 'MESSAGE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[], health?: HealthStatus) =>
    cells.map((c, i) => {
      const cell = i === cells.length - 1 ? c : c.padEnd(widths[i]);
      return i === 1 && health ? paint(color, HEALTH_STYLE[health], cell) : cell;
    }).join('  ').trimEnd();
  return [paint(color, 'bold', line(header)), ...rows.map((r, i) => line(r, services[i].health.status))].join('\n');
}
