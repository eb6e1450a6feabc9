/**
 * How a plan reads on a terminal: one block per resource that differs, with a unified
 * diff of the YAML a user wrote against what AWS has (coloured on a TTY), and a summary.
 */
import { styleText } from 'node:util';
import { yamlDiff } from '../core/diff.js';
import type { Plan, ResourcePlan } from '../core/plan.js';

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
    const verb = VERB[r.action];
    const style = r.action === 'create' ? 'green' : r.action === 'delete' ? 'red' : r.action === 'none' ? 'dim' : r.action === 'update' || r.action === 'replace' ? 'yellow' : 'magenta';
    lines.push(`${paint(options.color, 'bold', label)}: ${paint(options.color, style, verb)}${r.message ? ` — ${r.message}` : ''}`);
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
