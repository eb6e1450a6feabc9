/**
 * `ecs-gitops diff [dir]`: what a sync would change. Exit 0 no difference, 1
 * differences, 2 error — the diff(1), Argo CD and Flux convention.
 */
import { destroyAwsClients } from '../aws/clients.js';
import { AWS_OPTIONS, PRUNE_OPTIONS, awsSettings, oneOf, parseCommandLine, pruneSettings, UsageError } from '../config.js';
import { clientsFor, describeAwsFailure, loadOrExplain, readAndPlan, type CommandIO } from './common.js';
import { differs, planJson, renderPlan } from './render.js';

export const DIFF_OPTIONS = { ...AWS_OPTIONS, ...PRUNE_OPTIONS, output: { type: 'string', short: 'o' }, all: { type: 'boolean' } } as const;

export async function diffCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, DIFF_OPTIONS);
  if (positionals.length > 1) throw new UsageError('diff takes one directory');
  const output = oneOf(values.output as string | undefined, '--output', ['text', 'json'], 'text');
  const aws = awsSettings(values);
  const prune = pruneSettings(values);
  const desired = await loadOrExplain(positionals[0] ?? (values.dir as string | undefined) ?? '.', io);
  if (typeof desired === 'number') return desired;
  const clients = clientsFor(aws);
  try {
    const { plan } = await readAndPlan(desired, clients, aws, prune);
    io.out(output === 'json' ? JSON.stringify(planJson(plan), null, 2) : renderPlan(plan, { color: io.color, all: values.all === true }));
    return plan.resources.some(differs) ? 1 : 0;
  } catch (err) {
    io.err(`error: ${describeAwsFailure(err)}`);
    return 2;
  } finally {
    destroyAwsClients(clients);
  }
}
