/**
 * `--help` and `--version`, written from the command table and each command's option
 * table, so a new flag or command is in the help as soon as it is in its table.
 */
import { readFileSync } from 'node:fs';
import { envOf, type OptionEntry, type OptionTable } from '../config.js';
import { COMMANDS, findCommand, type CommandEntry } from './index.js';

const WIDTH = 100;

/** `--help` or `-h` before any `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The version in package.json (found beside `src/` and `dist/` alike). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function overview(): string {
  const rows: [string, string][] = [...COMMANDS.map((c): [string, string] => [usageOf(c), c.summary]), ['help [command]', 'show this help, or a command\'s']];
  return [
    'usage: ecs-gitops <command> [options]',
    '',
    'A reconciling GitOps controller for Amazon ECS and AWS Cloud Map.',
    '',
    'Commands:',
    ...columns(rows),
    '',
    'Options:',
    ...columns([
      ['-h, --help', 'show this help (after a command: that command\'s options)'],
      ['-V, --version', 'print the version'],
    ]),
    '',
    'Every option also reads an environment variable, ECS_GITOPS_<OPTION> (a flag wins);',
    '`ecs-gitops <command> --help` lists a command\'s options with their variables and defaults.',
    'Exit codes: 0 ok, 1 invalid config, differences or a failed sync, 2 usage, I/O or AWS error.',
  ].join('\n');
}

/** A command's help: usage, summary, every flag with its placeholder, meaning, default and variable. */
export async function helpFor(name: string): Promise<string> {
  const command = findCommand(name);
  if (!command) throw new Error(`no command ${name}`);
  const { options } = await command.load();
  return commandHelp(command, options);
}

export function commandHelp(command: CommandEntry, options: OptionTable): string {
  const lines = [`usage: ecs-gitops ${usageOf(command)} [options]`, '', `${capitalise(command.summary)}.`, '', 'Options:'];
  const entries = Object.entries(options);
  const labels = entries.map(([flag, o]) => flagLabel(flag, o));
  const indent = Math.min(34, Math.max(...labels.map((l) => l.length), 10) + 4);
  entries.forEach(([flag, o], i) => {
    lines.push(...wrap(`  ${labels[i].padEnd(indent - 2)}`, o.description, indent));
    lines.push(`${' '.repeat(indent)}${o.default !== undefined ? `default: ${o.default}; ` : ''}env: ${envOf(flag, o)}`);
  });
  lines.push(`  ${'-h, --help'.padEnd(indent - 2)}show this help`);
  if (command.notes?.length) lines.push('', ...command.notes);
  return lines.join('\n');
}

function flagLabel(flag: string, o: OptionEntry): string {
  const long = `--${flag}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}${o.multiple ? '...' : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

function usageOf(c: CommandEntry): string {
  return c.args ? `${c.name} ${c.args}` : c.name;
}

function columns(rows: [string, string][]): string[] {
  const indent = Math.max(...rows.map(([l]) => l.length)) + 4;
  return rows.flatMap(([label, text]) => wrap(`  ${label.padEnd(indent - 2)}`, text, indent));
}

/** `head` then `text`, wrapped at WIDTH with a hanging indent; a long head gets its own line. */
function wrap(head: string, text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = head.length > indent ? (lines.push(head.trimEnd()), ' '.repeat(indent)) : head;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    line += `${empty ? '' : ' '}${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
