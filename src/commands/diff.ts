/**
 * `ecs-gitops diff [dir]`: what a sync would change. Exit 0 no difference, 1
 * differences, 2 error — the diff(1), Argo CD and Flux convention.
 */
import { AWS_OPTIONS, PRUNE_OPTIONS, parseCommandLine, pruneSettings, UsageError, type OptionTable } from '../config.js';
import { withPlan, type CommandIO } from './common.js';
import { OUTPUT_OPTIONS, emit, outputFormat } from './output.js';
import { differs, planJson, renderPlan } from './render.js';

export const DIFF_OPTIONS = {
  ...AWS_OPTIONS,
  ...PRUNE_OPTIONS,
  ...OUTPUT_OPTIONS,
  all: { type: 'boolean', description: 'list the resources in sync too' },
} as const satisfies OptionTable;

export async function diffCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, DIFF_OPTIONS);
  if (positionals.length > 1) throw new UsageError('diff takes one directory');
  const output = outputFormat(values);
  const prune = pruneSettings(values);
  const dir = positionals[0] ?? '.';
  return withPlan(dir, values, { io, output, prune }, async ({ plan }) => {
    emit(io, output, planJson(plan), () => renderPlan(plan, { color: io.color, all: values.all === true }));
    return plan.resources.some(differs) ? 1 : 0;
  });
}
