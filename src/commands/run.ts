/**
 * `ecs-gitops run`: the daemon. Watches the checkout, reconciles continuously, serves the
 * status API and metrics. Configured by flags or, as an ECS task is, by ECS_GITOPS_*
 * environment variables; secrets (API token, webhook secret) by environment only. With
 * `--config` (ECS_GITOPS_CONFIG) it runs the applications a controller configuration
 * lists; without, the one the single-application flags describe.
 */
import {
  AWS_OPTIONS,
  PRUNE_OPTIONS,
  UsageError,
  awsSettings,
  envName,
  oneOf,
  parseCommandLine,
  parseDuration,
  pruneSettings,
  type OptionTable,
} from '../config.js';
import { ControllerConfigError, readControllerConfig } from '../controller-config.js';
import { startDaemon, type DaemonConfig } from '../daemon.js';
import { NOTIFY_OPTIONS, notificationSettings } from '../notify/index.js';
import { formatFinding } from '../load/findings.js';
import { redact } from '../source/git.js';
import { LOG_FORMATS, LOG_LEVELS } from '../telemetry.js';
import type { CommandIO } from './common.js';

export const RUN_OPTIONS = {
  config: {
    type: 'string',
    placeholder: 'FILE',
    description: 'a controller configuration listing the applications to reconcile (instead of --repo and the other single-application flags)',
  },
  ...AWS_OPTIONS,
  ...PRUNE_OPTIONS,
  repo: {
    type: 'string',
    placeholder: 'DIR',
    default: '(required; examples with --embedded-aws)',
    description: 'the checkout to watch (its top directory; may be a symlink swapped by git-sync); with --git-url, where the clone is kept',
  },
  path: { type: 'string', placeholder: 'SUBDIR', description: 'config directory inside the checkout' },
  'git-url': {
    type: 'string',
    placeholder: 'URL',
    description: 'poll this repository itself (fetch, fresh worktree, atomic swap); a token in the URL goes to git through a credential helper',
  },
  'git-branch': { type: 'string', placeholder: 'B', default: 'remote HEAD', description: 'branch to follow' },
  'git-interval': { type: 'string', placeholder: 'D', default: '60s', description: 'how often to fetch' },
  debounce: { type: 'string', placeholder: 'D', default: '300ms', description: 'quiet time that ends a burst of file events' },
  resync: { type: 'string', placeholder: 'D', default: '60s', description: 'full re-read of live state (drift detection)' },
  'no-self-heal': { type: 'boolean', description: 'report drift, do not revert it' },
  listen: { type: 'string', placeholder: 'HOST:PORT', default: '0.0.0.0:8080', description: 'status API and metrics' },
  'log-level': { type: 'string', placeholder: 'L', default: 'info', description: `log level: ${LOG_LEVELS.join(', ')}` },
  'log-format': { type: 'string', placeholder: 'text|json', default: 'text on a terminal, else json', description: 'how log lines are written: human-readable text or JSON lines' },
  'embedded-aws': { type: 'boolean', description: 'start the simulator in-process and use it (the demo)' },
  'sim-state-file': { type: 'string', placeholder: 'F', description: "with --embedded-aws, keep the simulator's state across restarts" },
  'no-rate-limit': { type: 'boolean', description: "do not pace calls to AWS by client-side token buckets at ECS's published limits" },
  'stop-timeout': { type: 'string', placeholder: 'D', default: '20s', description: "on SIGTERM, how long in-flight AWS calls may finish (below ECS's 30 s)" },
  ...NOTIFY_OPTIONS,
} as const satisfies OptionTable;

/** The flags that describe the one application of a daemon without --config. */
const SINGLE_APPLICATION_FLAGS = ['repo', 'path', 'git-url', 'git-branch', 'application', 'prune', 'allow-empty', 'max-deletes', 'no-self-heal'] as const;

/** `logsToTerminal`: whether standard output, where the logs go, is a terminal. */
export function daemonConfig(argv: string[], env: NodeJS.ProcessEnv = process.env, logsToTerminal = process.stdout.isTTY === true): DaemonConfig {
  const { values, positionals } = parseCommandLine(argv, RUN_OPTIONS, env);
  if (positionals.length > 0) throw new UsageError(`run takes no arguments (got ${positionals.join(' ')}); use --repo DIR`);
  const embeddedAws = values['embedded-aws'] === true;
  const configFile = values.config as string | undefined;
  if (configFile !== undefined) {
    const given = SINGLE_APPLICATION_FLAGS.filter((flag) => values[flag] !== undefined);
    if (given.length > 0) {
      // Either may come from the environment (a task definition's), so both names are given.
      const named = given.map((flag) => `--${flag} (${envName(flag)})`).join(', ');
      throw new UsageError(`--config lists the applications; ${named} describe${given.length === 1 ? 's' : ''} a single one (set it in the file instead)`);
    }
  }
  const repo = configFile !== undefined ? undefined : ((values.repo as string | undefined) ?? (embeddedAws ? 'examples' : undefined));
  if (!repo && configFile === undefined) throw new UsageError('--repo DIR is required (the checkout to watch; with --git-url, where to keep the clone), or --config FILE');
  const listen = (values.listen as string | undefined) ?? '0.0.0.0:8080';
  const match = /^(.*):(\d{1,5})$/.exec(listen);
  if (!match || Number(match[2]) > 65535) throw new UsageError(`--listen must be HOST:PORT, not ${JSON.stringify(listen)}`);
  const aws = awsSettings(values, env);
  if (embeddedAws && aws.endpoint) throw new UsageError('--embedded-aws and --endpoint exclude each other');
  // The simulator keeps one account's state and refuses AssumeRole (src/sim/README.md).
  if (embeddedAws && aws.roleArn) throw new UsageError('--role-arn needs AWS or moto: the embedded simulator keeps one account and does not assume roles');
  const stopGraceMs = parseDuration((values['stop-timeout'] as string | undefined) ?? '20s', '--stop-timeout');
  if (stopGraceMs >= 30_000) throw new UsageError('--stop-timeout must stay below ECS\'s 30 s stopTimeout');
  const defaults = {
    gitIntervalMs: parseDuration((values['git-interval'] as string | undefined) ?? '60s', '--git-interval'),
    resyncMs: parseDuration((values.resync as string | undefined) ?? '60s', '--resync'),
    selfHeal: values['no-self-heal'] !== true,
    prune: pruneSettings(values),
  };
  return Object.freeze({
    ...(repo !== undefined ? { repo } : {}),
    ...(configFile !== undefined ? { applications: readControllerConfig(configFile, { ...defaults, region: aws.region }, env) } : {}),
    ...(values.path ? { path: values.path as string } : {}),
    ...(values['git-url'] ? { gitUrl: values['git-url'] as string } : {}),
    ...(values['git-branch'] ? { gitBranch: values['git-branch'] as string } : {}),
    ...defaults,
    debounceMs: parseDuration((values.debounce as string | undefined) ?? '300ms', '--debounce'),
    aws,
    embeddedAws,
    ...(values['sim-state-file'] ? { simStateFile: values['sim-state-file'] as string } : {}),
    // Against the simulator the buckets would only slow the demo; against AWS they keep calls under its limits.
    rateLimit: values['no-rate-limit'] !== true && !embeddedAws && !aws.endpoint,
    listen: { host: match[1].replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(match[2]) },
    logLevel: oneOf(values['log-level'] as string | undefined, '--log-level', LOG_LEVELS, 'info'),
    logFormat: oneOf(values['log-format'] as string | undefined, '--log-format', LOG_FORMATS, logsToTerminal ? 'text' : 'json'),
    logColor: logsToTerminal && !env.NO_COLOR,
    stopGraceMs,
    ...(env.ECS_GITOPS_API_TOKEN ? { apiToken: env.ECS_GITOPS_API_TOKEN } : {}),
    ...(env.ECS_GITOPS_WEBHOOK_SECRET ? { webhookSecret: env.ECS_GITOPS_WEBHOOK_SECRET } : {}),
    notifications: notificationSettings(values, env),
  });
}

export async function runCommand(argv: string[], io: CommandIO): Promise<number> {
  let config: DaemonConfig;
  try {
    config = daemonConfig(argv);
  } catch (err) {
    // Every mistake in the controller configuration, one per line, as `validate` prints a config directory's.
    if (!(err instanceof ControllerConfigError)) throw err;
    for (const finding of err.findings) io.err(formatFinding(finding));
    io.err(`ecs-gitops run: ${err.findings.length} error${err.findings.length === 1 ? '' : 's'} in the controller configuration; nothing started`);
    return 2;
  }
  // Listen before starting: the first sync may already be writing to AWS when startDaemon returns,
  // and a signal in that window must shut down in order, not kill the process.
  let signalled: string | undefined;
  let onSignal = (signal: string) => {
    signalled ??= signal;
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon(config);
  } catch (err) {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    throw err;
  }
  const watching = config.applications ? `${config.applications.length} application${config.applications.length === 1 ? '' : 's'} (${config.applications.map((a) => a.name).join(', ')})` : config.gitUrl ? redact(config.gitUrl) : config.repo;
  io.err(`ecs-gitops ${config.embeddedAws ? `on the embedded AWS simulator (${daemon.awsEndpoint}) ` : ''}watching ${watching}`);
  io.err(`status API: ${daemon.url.replace('0.0.0.0', '127.0.0.1')}/api/v1/status   metrics: ${daemon.url.replace('0.0.0.0', '127.0.0.1')}/metrics`);
  await new Promise<void>((resolve) => {
    onSignal = (signal: string) => {
      io.err(`${signal}: shutting down`);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      daemon.stop().then(resolve, resolve);
    };
    if (signalled) onSignal(signalled);
  });
  return 0;
}
