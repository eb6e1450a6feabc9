#!/usr/bin/env node
/**
 * Command-line entry: parses arguments and hands them to a command. Nothing else.
 * Exit codes: 0 success, 1 the command's negative answer (invalid config), 2 usage
 * or I/O error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { validateCommand } from './commands/validate.js';

const USAGE = `Usage: ecs-gitops <command> [options]

Commands:
  validate [dir]     check a config directory offline (default: .)
      --output text|json
  sim                run the embedded ECS and Cloud Map simulator
      --port N --region R --account ID --state-file F --throttle --rate-scale X

Exit codes: 0 ok, 1 invalid config, 2 usage or I/O error.
Environment: every option has an ECS_GITOPS_<OPTION> equivalent (e.g. ECS_GITOPS_OUTPUT=json).`;

class UsageError extends Error {}

function env(name: string): string | undefined {
  return process.env[`ECS_GITOPS_${name.toUpperCase().replace(/-/g, '_')}`];
}

export async function main(argv: string[], out = (line: string) => console.log(line), err = (line: string) => console.error(line)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { output: { type: 'string', short: 'o' } } });
        if (positionals.length > 1) throw new UsageError('validate takes one directory');
        const output = values.output ?? env('output') ?? 'text';
        if (output !== 'text' && output !== 'json') throw new UsageError(`--output must be text or json, not ${output}`);
        return await validateCommand({ dir: positionals[0] ?? env('dir') ?? '.', output }, out);
      }
      case 'sim': {
        const { simCommand } = await import('./sim/cli.js');
        return await simCommand(rest);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`ecs-gitops: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

// Run only when executed (directly or through the npm bin link), not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(`ecs-gitops: ${e instanceof Error ? e.stack : String(e)}`);
      process.exitCode = 2;
    },
  );
}
