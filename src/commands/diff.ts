/**
 * `ecs-gitops diff [dir]`: what a sync would change. Exit 0 no difference, 1
 * differences, 2 error — the diff(1), Argo CD and Flux convention.
 */
import { AWS_OPTIONS, PRUNE_OPTIONS, awsSettings, parseCommandLine, pruneSettings, UsageError, type OptionTable } from '../config.js';
import { clientsFor, describeAwsFailure, loadOrExplain, readAndPlan, withApplication, type CommandIO } from './common.js';
import { OUTPUT_OPTIONS, emit, fail, outputFormat } from './output.js';
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
  const desired = await loadOrExplain(dir, io, output);
  if (typeof desired === 'number') return desired;
  const aws = await withApplication(awsSettings(values), dir, io, output);
  let target;
  try {
    target = await clientsFor(aws);
  } catch (err) {
    return fail(io, output, describeAwsFailure(err));
  }
  const { clients } = target;
  try {
    const { plan, ownershipWarning } = await readAndPlan(desired, clients, aws, prune);
    if (ownershipWarning && output === 'text') io.err(`warning: ${ownershipWarning}`);
    emit(io, output, planJson(plan), () => renderPlan(plan, { color: io.color, all: values.all === true }));
    return plan.resources.some(differs) ? 1 : 0;
  } catch (err) {
    return fail(io, output, describeAwsFailure(err));
  } finally {
    target.close();
  }
}
