/**
 * The commands of `ecs-gitops`, one entry each. A command's module (its option table
 * and handler) is loaded only when it runs or its help is asked for, so `validate` in a
 * pre-commit hook does not load the AWS SDK.
 */
import type { OptionTable } from '../config.js';
import type { CommandIO } from './output.js';

export interface LoadedCommand {
  options: OptionTable;
  /** Parses `argv` (the words after the command's name) and runs; the exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}

export interface CommandEntry {
  name: string;
  /** Its positional arguments as usage shows them: `[dir]`. */
  args?: string;
  /** What it does, in a line. */
  summary: string;
  /** Lines after the options in its help: settings read from the environment only, exit codes. */
  notes?: readonly string[];
  load(): Promise<LoadedCommand>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    args: '[dir]',
    summary: 'check a config directory offline (default: .)',
    notes: ['Exit codes: 0 valid, 1 invalid, 2 usage or I/O error.'],
    load: () => import('./validate.js').then((m) => ({ options: m.VALIDATE_OPTIONS, run: m.validateMain })),
  },
  {
    name: 'build',
    args: '[dir]',
    summary: 'print the documents a config directory renders to (overlays applied), as a YAML stream',
    load: () => import('./build.js').then((m) => ({ options: m.BUILD_OPTIONS, run: m.buildCommand })),
  },
  {
    name: 'diff',
    args: '[dir]',
    summary: 'show what a sync would change, as a diff per resource',
    notes: ['Exit codes: 0 no difference, 1 differences, 2 invalid config, usage or AWS error.'],
    load: () => import('./diff.js').then((m) => ({ options: m.DIFF_OPTIONS, run: m.diffCommand })),
  },
  {
    name: 'sync',
    args: '[dir]',
    summary: 'apply the config once and print every step and API call',
    notes: [
      'Exit codes: 0 converged; 1 a step failed or a resource is left Stalled, in conflict or Degraded;',
      '2 invalid config, usage or AWS error.',
    ],
    load: () => import('./sync.js').then((m) => ({ options: m.SYNC_OPTIONS, run: m.syncCommand })),
  },
  {
    name: 'import',
    summary: 'write what runs in AWS as documents to adopt (a cluster\'s services, Cloud Map namespaces)',
    notes: ['Exit codes: 0 written; 1 nothing written (import errors or documents that would not validate); 2 usage, missing object, AWS or file error.'],
    load: () => import('./import.js').then((m) => ({ options: m.IMPORT_OPTIONS, run: m.importCommand })),
  },
  {
    name: 'run',
    summary: 'the daemon: watch a checkout, reconcile continuously, serve status and metrics',
    notes: [
      'From the environment only (secrets never go in flags, which show in ps):',
      '  ECS_GITOPS_API_TOKEN          bearer token for POST /api/v1/sync (off without it)',
      '  ECS_GITOPS_WEBHOOK_SECRET     HMAC secret for POST /api/v1/webhooks/git (off without it)',
      '  ECS_GITOPS_GIT_USERNAME, ECS_GITOPS_GIT_PASSWORD   HTTPS credentials for --git-url',
      '  ECS_GITOPS_NOTIFY_WEBHOOK_SECRET   HMAC-SHA256 key signing --notify-webhook messages (unsigned without it)',
      'Durations are written 500ms, 30s, 5m, 1h, 1m30s.',
    ],
    load: () => import('./run.js').then((m) => ({ options: m.RUN_OPTIONS, run: m.runCommand })),
  },
  {
    name: 'sim',
    summary: 'run the embedded ECS and Cloud Map simulator (AWS JSON 1.1) until interrupted',
    load: () => import('./sim.js').then((m) => ({ options: m.SIM_OPTIONS, run: m.simCommand })),
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
