#!/usr/bin/env node
/**
 * The `ecs-gitops` executable: `--help`, `--version`, then the command named in
 * `commands/index.ts` (`run` starts the daemon, whose composition root is `daemon.ts`).
 * Exit codes: 0 success, 1 the command's negative answer (invalid config, differences,
 * a failed sync), 2 usage or I/O error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeForTerminal } from './load/findings.js';
import { UsageError, type OptionSpec } from './config.js';
import { findCommand } from './commands/index.js';
import { commandHelp, overview, packageVersion, wantsHelp } from './commands/help.js';
import { requestedFormat, serialize, type CommandIO } from './commands/output.js';

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) return usageError(io, 'no command given');
  if (name === '--help' || name === '-h') return print(io, overview());
  if (name === '--version' || name === '-V') return print(io, packageVersion());
  if (name === 'help') {
    if (rest[0] === undefined) return print(io, overview());
    const topic = findCommand(rest[0]);
    if (!topic) return usageError(io, `unknown command ${JSON.stringify(rest[0])}`);
    return print(io, commandHelp(topic, (await topic.load()).options));
  }
  const command = findCommand(name);
  if (!command) return usageError(io, name.startsWith('-') ? `unknown option '${name}'` : `unknown command ${JSON.stringify(name)}`);
  const { options, run } = await command.load();
  if (wantsHelp(rest)) return print(io, commandHelp(command, options));
  try {
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) return usageError(io, e.message, { name, argv: rest, options });
    throw e;
  }
}

function print(io: CommandIO, text: string): number {
  io.out(text);
  return 0;
}

/**
 * A mistake in the command line: one line and where to read more, exit 2. With `-o
 * json|yaml` (when it could be read), as a document on stdout like every other outcome.
 */
function usageError(io: CommandIO, message: string, command?: { name: string; argv: string[]; options: OptionSpec }): number {
  const help = command ? `ecs-gitops ${command.name} --help` : 'ecs-gitops --help';
  const format = command ? requestedFormat(command.argv, command.options) : 'text';
  if (format !== 'text') io.out(serialize(format, { error: message, help }));
  else io.err(`ecs-gitops${command ? ` ${command.name}` : ''}: ${escapeForTerminal(message)} (see ${help})`);
  return 2;
}

function defaultIO(): CommandIO {
  return {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
  };
}

// Run only when executed (directly or through the npm bin link), not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      // One line a user can act on (a port in use, a missing directory); the stack only when asked for.
      const message = e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
      console.error(`ecs-gitops: ${escapeForTerminal(message)}`);
      if (process.env.ECS_GITOPS_DEBUG && e instanceof Error) console.error(e.stack);
      process.exitCode = 2;
    },
  );
}
