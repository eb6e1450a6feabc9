// The daemon as a user runs it: `node dist/cli.js run …` in a child process, for
// end-to-end tests, plus the git repository it watches and small readers of its status
// API and metrics.
//
//   const repo = gitRepo(t.testdir());                 // examples/ committed
//   const d = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint });
//   await d.until(async () => (await d.status()).ready, 'first sync');
//   const m = await d.metrics();  m.value('ecs_gitops_resources', { kind: 'Service', … })
//   const code = await d.stop('SIGTERM');
//
// The child listens on 127.0.0.1:0; its `status API: http://…` line on stderr gives the
// URL. Its JSON log lines (stdout) are kept in `logs`. It is killed in t.teardown if the
// test did not stop it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import type { DaemonConfig } from '../../src/daemon.js';
import { eventually, waitFor } from './eventually.js';
import { copyExamples } from './repo.js';

export { eventually };

export const CLI = resolve('dist/cli.js');

/** The subset of a tap Test the helper uses. */
export interface TapLike {
  teardown(fn: () => unknown): void;
}

export interface DaemonOptions {
  /** --repo; leave out with `config`. */
  repo?: string;
  /** --config: a controller configuration file listing the applications. */
  config?: string;
  /** --endpoint (the simulator or moto); leave out with `embeddedAws`. */
  endpoint?: string;
  embeddedAws?: boolean;
  prune?: boolean;
  /** Default 2s. */
  resync?: string;
  /** Default 100ms. */
  debounce?: string;
  /** Default info (every line is kept in `logs`); warn keeps a busy daemon's output small. */
  logLevel?: 'info' | 'warn';
  /** Further flags. */
  args?: string[];
  apiToken?: string;
  webhookSecret?: string;
  /** Further environment variables (set after the test's own ECS_GITOPS_* are cleared). */
  env?: Record<string, string>;
  /** How long to wait for the `status API:` line; default 20 s. */
  startTimeoutMs?: number;
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
  text: string;
}

export interface ExitResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningDaemon {
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  /** Every JSON line the daemon logged so far. */
  logs: LogLine[];
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** The log lines with this message (and these fields). */
  logged(msg: string | RegExp, fields?: Record<string, unknown>): LogLine[];
  get(path: string): Promise<HttpAnswer>;
  post(path: string, init?: { headers?: Record<string, string>; body?: string }): Promise<HttpAnswer>;
  /** GET /api/v1/status. */
  status(): Promise<DaemonStatus>;
  /** GET /api/v1/applications/:name. */
  application(name: string): Promise<ApplicationStatus>;
  /** GET /api/v1/resources/:kind/:name (undefined when 404). */
  resource(kind: string, name: string): Promise<ResourceView | undefined>;
  /** GET /metrics, parsed. */
  metrics(): Promise<Metrics>;
  /** Polls `check` every 100 ms until it holds, at most `timeoutMs` (default 20 s); throws with `what` and the daemon's last lines otherwise. */
  until(check: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) and resolves with how the process ended; SIGKILL after `timeoutMs` (default 30 s). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitResult & { ms: number }>;
  /** Resolves when the process has exited. */
  exited: Promise<ExitResult>;
}

export interface DaemonStatus {
  appliedRevision: string | null;
  attemptedRevision: string | null;
  lastSyncAt: string | null;
  lastSuccessfulSyncAt: string | null;
  resources: { total: number; sync: Record<string, number>; health: Record<string, number> };
  loadErrors: { code: string; file: string; line: number; column: number; field: string | null; message: string; formatted: string }[];
  ready: boolean;
  shuttingDown: boolean;
}

export interface ApplicationStatus extends Omit<DaemonStatus, 'shuttingDown'> {
  name: string;
  application: string;
  source: { repo: string; path: string | null; gitUrl: string | null; branch: string | null; overlay: string | null };
  target: { region: string; account: string | null; roleArn: string | null };
}

export interface ResourceView {
  key: string;
  kind: string;
  name: string;
  sync: string;
  health: { status: string; message?: string };
  action: string;
  message: string | null;
  liveSummary: { taskDefinition?: string; desiredCount?: number; runningCount?: number; deployments?: { status: string; taskDefinition: string; rolloutState?: string }[] } | null;
  events: { reason: string; message: string }[];
}

export interface DaemonProcess {
  pid: number;
  /** Every JSON line the daemon logged so far. */
  logs: LogLine[];
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** The log lines with this message (and these fields). */
  logged(msg: string | RegExp, fields?: Record<string, unknown>): LogLine[];
  /** Sends a signal (the process may already have exited). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<ExitResult>;
  /** The last stderr and log lines, for failure messages. */
  tail(): string;
  /** The status API's URL once the daemon printed it (its first snapshot is then loaded); undefined if it exited first or `timeoutMs` passed. */
  statusUrl(timeoutMs?: number): Promise<string | undefined>;
}

/** Starts `node dist/cli.js run …` and returns at once; killed in t.teardown if still running. */
export function spawnDaemon(t: TapLike, options: DaemonOptions): DaemonProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm test\` builds it in pretest)`);
  const source = options.config !== undefined ? ['--config', options.config] : ['--repo', options.repo ?? 'examples'];
  const args = [CLI, 'run', ...source, '--listen', '127.0.0.1:0', '--resync', options.resync ?? '2s', '--debounce', options.debounce ?? '100ms', '--log-level', options.logLevel ?? 'info'];
  if (options.embeddedAws) args.push('--embedded-aws');
  if (options.endpoint) args.push('--endpoint', options.endpoint);
  if (options.prune) args.push('--prune');
  args.push(...(options.args ?? []));
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
  for (const key of Object.keys(env)) if (key.startsWith('ECS_GITOPS_')) delete env[key];
  if (options.apiToken) env.ECS_GITOPS_API_TOKEN = options.apiToken;
  if (options.webhookSecret) env.ECS_GITOPS_WEBHOOK_SECRET = options.webhookSecret;
  Object.assign(env, options.env);

  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const logs: LogLine[] = [];
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ level: 'raw', msg: line });
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ExitResult>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let ended = false;
  void exited.then(() => (ended = true));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return {
    pid: child.pid!,
    logs,
    stderr: () => stderr,
    logged: (msg, fields = {}) =>
      logs.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)) && Object.entries(fields).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v))),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
    tail: () => `\n--- stderr ---\n${stderr.slice(-3000)}\n--- last log lines ---\n${logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}`,
    // A bound, not a wait: on a machine running two suites at once start-up took over 20 s.
    async statusUrl(timeoutMs = 120_000) {
      let url: string | undefined;
      await eventually(() => {
        url = /status API: (http:\/\/\S+?)\/api\/v1\/status/.exec(stderr)?.[1];
        return url !== undefined || ended;
      }, timeoutMs, 20);
      return url;
    },
  };
}

/** Starts the daemon and waits for its status API URL. */
export async function startDaemon(t: TapLike, options: DaemonOptions): Promise<RunningDaemon> {
  const proc = spawnDaemon(t, options);
  const { logs, tail, exited } = proc;
  const url = await proc.statusUrl(options.startTimeoutMs);
  if (!url) {
    proc.kill('SIGKILL');
    const end = await exited;
    throw new Error(`the daemon did not print its status API URL (exit ${end.code ?? end.signal})${tail()}`);
  }
  const base = url;

  const request = async (path: string, init: RequestInit = {}): Promise<HttpAnswer> => {
    const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
    return { status: res.status, body, text };
  };

  const daemon: RunningDaemon = {
    url: base,
    pid: proc.pid,
    logs,
    stderr: proc.stderr,
    logged: proc.logged,
    get: (path) => request(path),
    post: (path, init = {}) => request(path, { method: 'POST', ...(init.headers ? { headers: init.headers } : {}), ...(init.body !== undefined ? { body: init.body } : {}) }),
    async status() {
      const answer = await request('/api/v1/status');
      if (answer.status !== 200) throw new Error(`GET /api/v1/status: HTTP ${answer.status}`);
      return answer.body as DaemonStatus;
    },
    async application(name) {
      const answer = await request(`/api/v1/applications/${encodeURIComponent(name)}`);
      if (answer.status !== 200) throw new Error(`GET /api/v1/applications/${name}: HTTP ${answer.status}`);
      return answer.body as ApplicationStatus;
    },
    async resource(kind, name) {
      const answer = await request(`/api/v1/resources/${kind}/${encodeURIComponent(name)}`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new Error(`GET resource ${kind}/${name}: HTTP ${answer.status}`);
      return answer.body as ResourceView;
    },
    async metrics() {
      const answer = await request('/metrics');
      if (answer.status !== 200) throw new Error(`GET /metrics: HTTP ${answer.status}`);
      return parseMetrics(answer.text);
    },
    until: (check, what, timeoutMs = 20_000) =>
      waitFor(check, what, timeoutMs, 100, async () => {
        let last: string;
        try {
          last = JSON.stringify(await daemon.status());
        } catch (err) {
          last = String(err);
        }
        return `status: ${last}${tail()}`;
      }),
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      const from = Date.now();
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      try {
        const end = await exited;
        return { ...end, ms: Date.now() - from };
      } finally {
        clearTimeout(timer);
      }
    },
    exited,
  };
  return daemon;
}

// ---------------------------------------------------------------- metrics

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Metrics {
  samples: Sample[];
  /**
   * The value of the series with exactly these labels — `application` may be left out
   * (the daemon's single application, or the first that has the series); undefined when absent.
   */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** The sum over every series of `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
  /** The series of `name` whose labels include `labels`. */
  series(name: string, labels?: Record<string, string>): Sample[];
}

/** Parses the Prometheus text exposition format (the subset prom-client writes). */
export function parseMetrics(text: string): Metrics {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const l of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  const includes = (s: Sample, labels: Record<string, string>) => Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  const series = (name: string, labels: Record<string, string> = {}) => samples.filter((s) => s.name === name && includes(s, labels));
  return {
    samples,
    series,
    value: (name, labels = {}) =>
      samples.find((s) => {
        const extra = Object.keys(s.labels).filter((k) => !(k in labels));
        return s.name === name && (extra.length === 0 || (extra.length === 1 && extra[0] === 'application')) && includes(s, labels);
      })?.value,
    sum: (name, labels = {}) => series(name, labels).reduce((n, s) => n + s.value, 0),
  };
}

/** The `X-Hub-Signature-256` value GitHub sends for `body`. */
export function hubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

// ---------------------------------------------------------------- git

export interface GitRepo {
  dir: string;
  git(...args: string[]): string;
  /** Commits every change in the work tree; returns the new HEAD. */
  commit(message: string): string;
  head(): string;
  /** Rewrites `file` (relative to `dir`) through `edit`. */
  edit(file: string, edit: (text: string) => string): void;
}

const GIT_IDENTITY = ['-c', 'user.name=ecs-gitops tests', '-c', 'user.email=tests@ecs-gitops.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

/** Opens a git repository at `dir` (run git in it). */
export function openRepo(dir: string): GitRepo {
  const git = (...args: string[]) =>
    execFileSync('git', [...GIT_IDENTITY, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  return {
    dir,
    git,
    commit(message) {
      git('add', '-A', '.');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    head: () => git('rev-parse', 'HEAD'),
    edit(file, edit) {
      const path = join(dir, file);
      writeFileSync(path, edit(readFileSync(path, 'utf8')));
    },
  };
}

/** `git init` in `dir` with examples/ (ids rewritten by `replace`, then `prepare`) as the first commit. */
export function gitRepo(dir: string, replace: Record<string, string> = {}, prepare?: (dir: string) => void): GitRepo {
  copyExamples(dir, replace);
  prepare?.(dir);
  const repo = openRepo(dir);
  repo.git('init', '-q');
  repo.commit('examples');
  return repo;
}

/** The first `image:` in `text` as `<repository>:<tag>` (its old tag or digest dropped). */
export function withImageTag(text: string, tag: string): string {
  return text.replace(/image: (\S+)/, (_line, image: string) => {
    const repository = image.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
    return `image: ${repository}:${tag}`;
  });
}

/**
 * The configuration of a daemon started in this process (src/daemon.ts's startDaemon):
 * watching `config` below `repo` on the AWS at `endpoint`, on a free port, unpaced, with
 * quick debounce and shutdown; `overrides` replace any part of it. Logs are collected
 * into `logs` (one parsed line each) when it is given, else discarded.
 */
export function inProcessDaemon(repo: string, endpoint: string, overrides: Partial<DaemonConfig> = {}, logs?: Record<string, unknown>[]): DaemonConfig {
  return {
    repo,
    path: 'config',
    gitIntervalMs: 60_000,
    debounceMs: 50,
    resyncMs: 60_000,
    selfHeal: true,
    prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 },
    aws: { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops' },
    embeddedAws: false,
    rateLimit: false,
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: logs ? 'info' : 'warn',
    stopGraceMs: 2_000,
    logDestination: new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (logs) for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
    ...overrides,
  };
}
