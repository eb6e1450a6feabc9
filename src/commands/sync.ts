/**
 * `ecs-gitops sync [dir] --once`: one pass — load, read, plan, apply — printing every
 * step and the API calls it made. With `--wait`, waits until every Service of the config
 * is Healthy or one is Degraded, reporting their progress, and fails on Degraded. Exit 0
 * converged; 1 a step failed, or a resource is left stalled, in conflict or Degraded (so
 * CI does not go green on a sync that could not do its job); 2 invalid config or usage
 * error.
 */
import { AWS_OPTIONS, PRUNE_OPTIONS, UsageError, parseCommandLine, parseDuration, pruneSettings, type OptionTable } from '../config.js';
import { systemClock } from '../runtime/clock.js';
import type { Clock } from '../core/clock.js';
import type { Plan, ResourcePlan } from '../core/plan.js';
import type { LiveCache } from '../aws/reader.js';
import { executePlan, type StepEvent } from '../runtime/executor.js';
import { serviceSummary } from '../runtime/status.js';
import { readAndPlan, withPlan, type CommandIO } from './common.js';
import { OUTPUT_OPTIONS, emit, outputFormat, serialize } from './output.js';
import { planJson, progressLine, renderPlan, serviceTable, summary, type ServiceProgress } from './render.js';

export const SYNC_OPTIONS = {
  ...AWS_OPTIONS,
  ...PRUNE_OPTIONS,
  ...OUTPUT_OPTIONS,
  once: { type: 'boolean', description: 'one pass (what sync always does; `run` is the loop)' },
  'dry-run': { type: 'boolean', description: 'print the plan and change nothing' },
  wait: { type: 'boolean', description: 'then wait until every Service is Healthy or Degraded; exit 1 on Degraded' },
  'wait-timeout': { type: 'string', placeholder: 'D', default: '10m', description: 'how long --wait waits' },
} as const satisfies OptionTable;

const WAIT_POLL_MS = 2000;

/** `clock`: what applying and waiting sleep on (tests pass the simulator's). */
export async function syncCommand(argv: string[], io: CommandIO, clock: Clock = systemClock): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, SYNC_OPTIONS);
  if (positionals.length > 1) throw new UsageError('sync takes one directory');
  const output = outputFormat(values);
  const waitTimeoutMs = parseDuration((values['wait-timeout'] as string | undefined) ?? '10m', '--wait-timeout');
  const prune = pruneSettings(values);
  const dir = positionals[0] ?? '.';
  const text = output === 'text';
  // One cache for every read of this run: --wait's polls read no Cloud Map tag again.
  return withPlan(dir, values, { io, output, prune }, async ({ desired, aws, clients, plan, cache }) => {
    if (values['dry-run'] === true) {
      emit(io, output, planJson(plan), () => `${renderPlan(plan, { color: io.color })}\n(dry run: nothing was changed)`);
      return 0;
    }
    if (text) io.out(summary(plan));
    const { results } = await executePlan(plan, {
      clients,
      clock,
      onStep: (event) => {
        const line = text ? describeStepEvent(event) : undefined;
        if (line) io.out(line);
      },
    });
    const failed = results.filter((r) => r.status !== 'succeeded');
    // What was written is read afresh.
    cache.forgetWritten(results, plan.resources);
    const waited = values.wait === true && failed.length === 0 ? await waitForServices(desired, clients, aws, prune, cache, { timeoutMs: waitTimeoutMs, io, text, clock }) : undefined;
    const healthFailure = waited !== undefined && !waited.ok;
    const calls = clients.calls.snapshot();
    if (text) {
      const byOperation = Object.entries(calls).map(([op, s]) => `${op.replace(/^servicediscovery:/, 'cloudmap:')} ${s.calls}`).join(', ');
      io.out(`${results.length - failed.length} of ${results.length} steps applied; API calls: ${byOperation || 'none'} (${clients.calls.writes()} writes)`);
    } else {
      io.out(serialize(output, { plan: planJson(plan), results, calls, writes: clients.calls.writes(), ...(waited ? { wait: waited } : {}) }));
    }
    const unresolved = unresolvedResources(plan);
    if (text) for (const r of unresolved) io.out(`  ! ${r.key}: ${r.action === 'stalled' || r.action === 'conflict' ? r.action : r.health.status} — ${r.message ?? r.health.message ?? ''}`);
    return failed.length > 0 || healthFailure || unresolved.length > 0 ? 1 : 0;
  });
}

/**
 * Resources this sync cannot fix: stalled, in conflict, or Degraded with nothing planned for
 * them. A Degraded object whose document is gone is not this config's failure.
 */
export function unresolvedResources(plan: Plan): ResourcePlan[] {
  const stepped = new Set(plan.steps.map((s) => s.key));
  const inGit = (r: ResourcePlan) => r.action !== 'prune-skipped' && r.action !== 'delete';
  return plan.resources.filter((r) => r.action === 'stalled' || r.action === 'conflict' || (r.health.status === 'Degraded' && inGit(r) && (!stepped.has(r.key) || r.health.reason === 'RolledBack')));
}

function describeStepEvent(event: StepEvent): string | undefined {
  const { step } = event;
  const ops = `[${step.calls.map((c) => c.operation).join(', ')}]`;
  switch (event.type) {
    case 'succeeded':
      return `  ✓ ${step.description} ${ops}`;
    case 'failed':
      return `  ✗ ${step.description}: ${event.result.error?.name ?? 'Error'}: ${event.result.error?.message ?? 'failed'}`;
    case 'skipped':
      return `  - ${step.description}: skipped (${event.result.error?.message ?? 'a step it depends on failed'})`;
    case 'retrying':
      return `  … ${step.description}: ${event.operation} answered ${event.error.code}; retrying in ${Math.round(event.delayMs / 100) / 10} s`;
    case 'waiting':
      return `  … ${step.description}: waiting for ${event.for === 'operation' ? 'Cloud Map operation ' : ''}${event.detail}`;
    default:
      return undefined;
  }
}

/**
 * Polls until every Service of the config is Healthy, or one is Degraded, or time is up;
 * `ok` false on Degraded or timeout; `services` as last seen (the data of the table). Prints a line for a Service whenever what ECS shows of it
 * changes (not on every poll), and a table at the end. Services only in AWS (owned ones
 * whose document is gone) are not waited for.
 */
async function waitForServices(
  desired: Parameters<typeof readAndPlan>[0],
  clients: Parameters<typeof readAndPlan>[1],
  aws: Parameters<typeof readAndPlan>[2],
  prune: Parameters<typeof readAndPlan>[3],
  cache: LiveCache,
  { timeoutMs, io, text, clock }: { timeoutMs: number; io: CommandIO; text: boolean; clock: Clock },
): Promise<{ ok: boolean; timedOut: boolean; services: ServiceProgress[] }> {
  const deadline = clock.now() + timeoutMs;
  const printed = new Map<string, string>();
  for (;;) {
    const { plan, live } = await readAndPlan(desired, clients, aws, prune, cache);
    const byArn = new Map([...live.services.values()].map((s) => [s.arn, s.raw]));
    const services: ServiceProgress[] = plan.resources
      .filter((r) => r.kind === 'Service' && desired.resources.has(r.key))
      .map((r) => {
        const raw = r.liveId ? byArn.get(r.liveId) : undefined;
        return { key: r.key, health: r.health, ...(raw ? { summary: serviceSummary(raw) } : {}) };
      });
    for (const s of text ? services : []) {
      const line = progressLine(s);
      // A Service Healthy at first sight has nothing to report until the table.
      if (printed.get(s.key) !== line && (printed.has(s.key) || s.health.status !== 'Healthy')) io.out(line);
      printed.set(s.key, line);
    }
    const degraded = services.some((s) => s.health.status === 'Degraded');
    const pending = services.some((s) => s.health.status !== 'Healthy' && s.health.status !== 'Degraded');
    if (degraded || !pending || clock.now() >= deadline) {
      if (text) io.out(serviceTable(services, io.color));
      if (pending && !degraded && text) io.out(`gave up waiting after ${Math.round(timeoutMs / 1000)} s`);
      return { ok: !degraded && !pending, timedOut: pending && !degraded, services };
    }
    await clock.sleep(WAIT_POLL_MS);
  }
}
