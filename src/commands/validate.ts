/**
 * `ecs-gitops validate [dir]`: load a config directory offline and report every
 * problem. Exit 0 valid, 1 invalid, 2 usage or I/O error — fit for a pre-commit hook.
 */
import { UsageError, parseCommandLine, type OptionTable } from '../config.js';
import { ConfigRootError, escapeForTerminal, formatFinding, loadConfig, type LoadResult } from '../load/index.js';
import { OUTPUT_OPTIONS, emit, fail, outputFormat, type CommandIO, type OutputFormat } from './output.js';

export const VALIDATE_OPTIONS = {
  ...OUTPUT_OPTIONS,
  dir: { type: 'string', placeholder: 'DIR', default: '.', description: 'the config directory, when not given as the argument' },
} as const satisfies OptionTable;

export interface ValidateOptions {
  dir: string;
  output: OutputFormat;
}

export async function validateMain(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, VALIDATE_OPTIONS);
  if (positionals.length > 1) throw new UsageError('validate takes one directory');
  return validateCommand({ dir: positionals[0] ?? (values.dir as string | undefined) ?? '.', output: outputFormat(values) }, io);
}

export async function validateCommand(opts: ValidateOptions, io: CommandIO): Promise<number> {
  let result: LoadResult;
  try {
    result = await loadConfig(opts.dir);
  } catch (err) {
    if (err instanceof ConfigRootError) {
      // A missing directory is an answer a script reads, so it is on stdout in every format.
      if (opts.output === 'text') io.out(`error: ${escapeForTerminal(err.message)}`);
      else fail(io, opts.output, err.message, { valid: false });
      return 2;
    }
    throw err;
  }
  const report = {
    valid: result.ok,
    files: result.files,
    documents: result.documents,
    byKind: result.byKind,
    errors: result.ok ? [] : result.errors,
    warnings: result.warnings,
  };
  emit(io, opts.output, report, () => describe(result, opts.dir));
  return result.ok ? 0 : 1;
}

function describe(result: LoadResult, dir: string): string {
  const lines = [...(result.ok ? [] : result.errors), ...result.warnings].map(formatFinding);
  const kinds = Object.entries(result.byKind).map(([k, n]) => `${n} ${k}`).join(', ');
  const counted = `${result.documents} document${result.documents === 1 ? '' : 's'} in ${result.files} file${result.files === 1 ? '' : 's'}`;
  const shown = escapeForTerminal(dir);
  if (result.ok) lines.push(`${shown}: valid — ${counted}${kinds ? ` (${kinds})` : ''}`);
  else lines.push(`${shown}: invalid — ${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${counted}; nothing from this revision would be applied`);
  return lines.join('\n');
}
