/**
 * `ecs-gitops sim`: the simulator's flags (declared in src/sim, which imports nothing of
 * the controller) parsed like every other command's, then the simulator run.
 */
import { UsageError, parseCommandLine } from '../config.js';
import { SIM_OPTIONS, runSimulator, type SimCommandIO, type SimFlags } from '../sim/cli.js';

export { SIM_OPTIONS };

export async function simCommand(argv: string[], io: SimCommandIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, SIM_OPTIONS);
  if (positionals.length > 0) throw new UsageError(`sim takes no arguments (got ${positionals.join(' ')})`);
  return runSimulator(values as SimFlags, io);
}
