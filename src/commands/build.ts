/**
 * `ecs-gitops build DIR`: the documents a config directory renders to, as one YAML
 * stream — what `kustomize build` prints for an overlay, and what `validate`, `diff` and
 * `sync` act on. Exit 0 with the documents, 1 when the directory is invalid (the errors
 * on stderr, nothing on stdout), 2 on a usage or I/O error.
 */
import { stringify } from 'yaml';
import { UsageError, parseCommandLine } from '../config.js';
import { ConfigRootError, escapeForTerminal, formatFinding, loadConfig, type LoadResult } from '../load/index.js';
import type { CommandIO } from './output.js';

export const BUILD_OPTIONS = {
  dir: { type: 'string', placeholder: 'DIR', description: 'the config directory (or give it as the argument)' },
} as const;

export async function buildCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, BUILD_OPTIONS);
  if (positionals.length > 1) throw new UsageError('build takes one directory');
  const dir = positionals[0] ?? (values.dir as string | undefined) ?? '.';
  let result: LoadResult;
  try {
    result = await loadConfig(dir);
  } catch (err) {
    if (!(err instanceof ConfigRootError)) throw err;
    io.err(`error: ${escapeForTerminal(err.message)}`);
    return 2;
  }
  for (const warning of result.warnings) io.err(formatFinding(warning));
  if (!result.ok) {
    for (const e of result.errors) io.err(formatFinding(e));
    io.err(`${escapeForTerminal(dir)}: invalid — ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}; nothing rendered`);
    return 1;
  }
  const documents = [...result.state.resources.values()].map(({ apiVersion, kind, metadata, spec, source }) =>
    `# Source: ${escapeForTerminal(source.file)}:${source.line}\n${stringify({ apiVersion, kind, metadata, spec }, { lineWidth: 0 })}`,
  );
  io.out(documents.join('---\n').trimEnd());
  return 0;
}
