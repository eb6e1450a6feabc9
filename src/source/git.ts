/**
 * The git CLI, run with execFile (never a shell), a timeout, no terminal prompts and
 * repository discovery bounded to the checkout: a config directory that is not itself
 * a checkout must not borrow the revision of some repository around it.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SourceError } from './errors.js';

export const DEFAULT_GIT_TIMEOUT_MS = 30_000;

/** Variables that would point git at another repository than the one in `cwd`. */
const REDIRECTING_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
];

export interface GitRunOptions {
  cwd: string;
  timeoutMs?: number;
  /** Git does not look for a repository above this directory's parent. */
  checkout?: string;
  signal?: AbortSignal;
  /** Variables added to git's environment (credentials: never in its arguments, which `ps` shows). */
  env?: Record<string, string>;
}

export class GitCommandError extends SourceError {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | string | undefined,
    readonly stderr: string,
    cause: unknown,
  ) {
    super('GIT_FAILED', `git ${args.map(redact).join(' ')} failed${exitCode === undefined ? '' : ` (${exitCode})`}: ${stderr.trim() || String((cause as Error)?.message ?? cause)}`, { cause });
  }
}

/** Hides credentials in a URL (`https://user:token@host/…`) before it reaches a message or a log. */
export function redact(arg: string): string {
  return arg.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

export interface GitCredentials {
  username: string;
  password: string;
}

/** The variables the credential helper reads; set for git's process only. */
const USERNAME_VARIABLE = 'ECS_GITOPS_GIT_USERNAME';
const PASSWORD_VARIABLE = 'ECS_GITOPS_GIT_PASSWORD';

/**
 * Splits `https://user:token@host/repo` into the URL without its secret and the
 * credentials, which then reach git through a credential helper reading its environment
 * (`credentialArgs`, `credentialEnv`) and so never appear in git's arguments, in `ps`,
 * or in git's own error messages. Without a password in the URL, the controller's
 * ECS_GITOPS_GIT_USERNAME and ECS_GITOPS_GIT_PASSWORD (an ECS secret) are used, if set.
 */
export function splitCredentials(url: string, env: NodeJS.ProcessEnv = process.env): { url: string; credentials?: GitCredentials } {
  const match = /^(https?:\/\/)([^/@]*)@(.*)$/i.exec(url);
  if (match && match[2].includes(':')) {
    const [user, ...rest] = match[2].split(':');
    return { url: match[1] + match[3], credentials: { username: decodeURIComponent(user), password: decodeURIComponent(rest.join(':')) } };
  }
  const password = env[PASSWORD_VARIABLE];
  if (password) return { url, credentials: { username: env[USERNAME_VARIABLE] || 'x-access-token', password } };
  return { url };
}

/** `-c` options that make git ask the environment for credentials, and nothing else. */
export function credentialArgs(): string[] {
  const helper = `!f() { test "$1" = get && printf 'username=%s\\npassword=%s\\n' "$${USERNAME_VARIABLE}" "$${PASSWORD_VARIABLE}"; }; f`;
  return ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`];
}

export function credentialEnv(credentials: GitCredentials): Record<string, string> {
  return { [USERNAME_VARIABLE]: credentials.username, [PASSWORD_VARIABLE]: credentials.password };
}

export function git(args: readonly string[], options: GitRunOptions): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REDIRECTING_VARIABLES) delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  env.LC_ALL = 'C';
  if (options.checkout) env.GIT_CEILING_DIRECTORIES = dirname(options.checkout);
  Object.assign(env, options.env);
  return new Promise((resolvePromise, reject) => {
    execFile(
      'git',
      [...args],
      {
        cwd: options.cwd,
        env,
        timeout: options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (err, stdout, stderr) => {
        if (!err) return resolvePromise(stdout);
        if (err.name === 'AbortError') return reject(err);
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
        const exit = e.killed ? 'timed out' : e.code;
        reject(new GitCommandError(args, exit, stderr, err));
      },
    );
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `dir` lies in a git working tree rooted at `checkout` or below it: a `.git`
 * (directory, or file for a linked worktree) in `dir` or an ancestor up to `checkout`.
 * Checked on the file system so a plain directory never needs git installed.
 */
export async function inGitCheckout(dir: string, checkout: string): Promise<boolean> {
  let current = resolve(dir);
  const top = resolve(checkout);
  while (current === top || current.startsWith(top + sep)) {
    if (await exists(join(current, '.git'))) return true;
    current = dirname(current);
  }
  return false;
}

/**
 * `HEAD` of the checkout holding `dir`, with `-dirty` when `git status` lists changes
 * (including untracked files) under `dir` or under `also` (absolute paths in the same
 * checkout: the bases overlays read beside `dir`); undefined when `dir` is not in a git
 * checkout or the repository has no commit yet.
 */
export async function gitRevision(dir: string, checkout: string, timeoutMs?: number, also: readonly string[] = []): Promise<string | undefined> {
  if (!(await inGitCheckout(dir, checkout))) return undefined;
  const run = (args: string[]) => git(args, { cwd: dir, checkout, ...(timeoutMs ? { timeoutMs } : {}) });
  let head: string;
  try {
    head = (await run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).trim();
  } catch (err) {
    // --quiet: exit 1 and no output when HEAD names no commit yet (a fresh `git init`).
    if (err instanceof GitCommandError && err.exitCode === 1 && err.stderr.trim() === '') return undefined;
    throw err;
  }
  // --no-optional-locks: never write the index, a writer (an editor, git-sync) may hold it.
  const status = await run(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=all', '-z', '--', '.', ...also]);
  return status.length > 0 ? `${head}-dirty` : head;
}

/**
 * The directories whose changes move `HEAD` or the index of the checkout holding
 * `dir`: its own git dir (HEAD, index) and the common one (refs), for the watcher.
 */
export async function gitMetadataDirs(dir: string, checkout: string, timeoutMs?: number): Promise<string[]> {
  if (!(await inGitCheckout(dir, checkout))) return [];
  const out = await git(['rev-parse', '--absolute-git-dir', '--git-common-dir'], { cwd: dir, checkout, ...(timeoutMs ? { timeoutMs } : {}) });
  const [own, common] = out.split('\n').filter(Boolean);
  return [...new Set([own, resolve(dir, common ?? own)])];
}
