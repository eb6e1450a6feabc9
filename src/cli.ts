#!/usr/bin/env node
/**
 * The `ecs-gitops` executable: the command table. Parses arguments and hands them to a
 * command (`commands/`; `run` starts the daemon, whose composition root is `daemon.ts`).
 * Exit codes: 0 success, 1 the command's negative answer (invalid config, differences,
 * a failed sync), 2 usage or I/O error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { escapeForTerminal } from './load/findings.js';
import type { CommandIO } from './commands/common.js';
import { UsageError, oneOf, parseCommandLine } from './config.js';
import { validateCommand } from './commands/validate.js';

const USAGE = `Usage: ecs-gitops <command> [options]

Commands:
  validate [dir]   check a config directory offline (default: .)
                   --output text|json
  build [dir]      print the documents a directory renders to (overlays applied), as YAML
  diff [dir]       show what a sync would change; exit 0 none, 1 differences, 2 error
                   --endpoint URL --region R --controller-id ID --prune --output text|json --all
  sync [dir]       apply the config once and print every step and API call
                   --once --dry-run --prune --allow-empty --max-deletes N --wait --wait-timeout 10m
                   --endpoint URL --region R --controller-id ID
  run              the daemon: watch a checkout, reconcile continuously, serve status and metrics
                   --repo DIR --path SUBDIR --git-url URL --git-branch B --git-interval 60s
                   --resync 60s --no-self-heal --prune --allow-empty --max-deletes N --debounce 300ms
                   --listen 0.0.0.0:8080 --log-level info --stop-timeout 20s --no-rate-limit
                   --embedded-aws [--sim-state-file F] | --endpoint URL --region R --controller-id ID
                   secrets from the environment only: ECS_GITOPS_API_TOKEN, ECS_GITOPS_WEBHOOK_SECRET
  sim              run the embedded ECS and Cloud Map simulator
                   --port N --region R --account ID --state-file F --throttle --rate-scale X

Every option also reads ECS_GITOPS_<OPTION> from the environment (--max-deletes: ECS_GITOPS_MAX_DELETES).
Exit codes: 0 ok, 1 invalid config / differences / failed sync, 2 usage or I/O error.`;

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { values, positionals } = parseCommandLine(rest, { output: { type: 'string', short: 'o' }, dir: { type: 'string' } });
        if (positionals.length > 1) throw new UsageError('validate takes one directory');
        const output = oneOf(values.output as string | undefined, '--output', ['text', 'json'], 'text');
        return await validateCommand({ dir: positionals[0] ?? (values.dir as string | undefined) ?? '.', output }, io.out);
      }
      case 'diff': {
        const { diffCommand } = await import('./commands/diff.js');
        return await diffCommand(rest, io);
      }
      case 'build': {
        const { buildCommand } = await import('./commands/build.js');
        return await buildCommand(rest, io);
      }
      case 'sync': {
        const { syncCommand } = await import('./commands/sync.js');
        return await syncCommand(rest, io);
      }
      case 'run': {
        const { runCommand } = await import('./commands/run.js');
        return await runCommand(rest, io);
      }
      case 'sim': {
        const { simCommand } = await import('./sim/cli.js');
        return await simCommand(rest);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ecs-gitops: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
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
