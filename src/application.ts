/**
 * The application: which config source an object belongs to, within one controller. Its
 * id is the value of the tag `ecs-gitops.io/application`; pruning, adoption and conflicts
 * are scoped to it. By default it is the checkout's remote URL, normalised, plus the config
 * directory's path inside the repository, so two repositories (or two paths of one) are
 * distinct without configuration, and every clone of one repository — a CI checkout, a
 * git-sync worktree, an SSH or an HTTPS clone — gives the same id. `--application NAME`
 * sets it.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { contentHash } from './core/hash.js';
import { MAX_TAG_VALUE, isTagValue } from './core/tags.js';

const DEFAULT_PORTS: Record<string, string> = { 'ssh:': '22', 'git:': '9418', 'https:': '443', 'http:': '80' };

/**
 * A git remote URL without what differs between clones of one repository: scheme,
 * user and credentials, default port, a trailing `.git` or slash, the host's case.
 * `git@github.com:org/repo.git`, `ssh://git@github.com/org/repo` and
 * `https://token@github.com/org/repo` are all `github.com/org/repo`. A local path stays
 * a path (without `.git`).
 */
export function normaliseRemote(url: string): string {
  const text = url.trim();
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.*)$/.exec(text);
  let host = '';
  let path = text;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const parsed = new URL(text);
    const port = parsed.port && parsed.port !== DEFAULT_PORTS[parsed.protocol] ? `:${parsed.port}` : '';
    host = parsed.protocol === 'file:' ? '' : `${parsed.hostname.toLowerCase()}${port}`;
    path = safeDecode(parsed.pathname);
  } else if (scp && scp[1].length > 1) {
    // scp-like `user@host:path` (one letter before the colon is a Windows drive, not a host).
    host = scp[1].toLowerCase();
    path = scp[2];
  }
  path = path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  return host ? `${host}/${path.replace(/^\/+/, '')}` : path;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The application id for a remote URL and the config directory's path inside the
 * repository (`''` or `.` for its top). Not a valid tag value (too long, or characters AWS
 * refuses): a readable prefix plus a hash of the whole, so it stays distinct and stable.
 */
export function applicationId(remote: string, pathInRepo: string): string {
  const path = pathInRepo.replace(/\\/g, '/').replace(/^\.?\/+|\/+$/g, '');
  const id = path && path !== '.' ? `${normaliseRemote(remote)}/${path}` : normaliseRemote(remote);
  if (id !== '' && isTagValue(id)) return id;
  const suffix = `+sha256:${contentHash(id)}`;
  const readable = [...id].map((c) => (isTagValue(c) ? c : '_')).join('');
  return `${readable.slice(0, MAX_TAG_VALUE - suffix.length)}${suffix}`;
}

export interface ResolvedApplication {
  application: string;
  /** Why the default is weaker than usual (no remote to derive it from), for a warning. */
  warning?: string;
}

const run = promisify(execFile);

async function gitIn(dir: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', dir, ...args], { timeout: 10_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    return stdout.replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

/**
 * The application of a config directory: `explicit` (checked by the option parser), else its checkout's
 * `origin` plus its path in the repository, else — no git remote — its absolute path,
 * with a warning: distinct, but not the same in another checkout.
 */
export async function resolveApplication(configDir: string, explicit?: string): Promise<ResolvedApplication> {
  if (explicit !== undefined) return { application: explicit };
  const remote = await gitIn(configDir, ['remote', 'get-url', 'origin']);
  const prefix = remote ? await gitIn(configDir, ['rev-parse', '--show-prefix']) : undefined;
  if (remote && prefix !== undefined) return { application: applicationId(remote, prefix) };
  const fallback = applicationId(resolve(configDir), '');
  return {
    application: fallback,
    warning: `${configDir} is not in a git checkout with an origin remote: its application is its path, ${fallback}, which another checkout would not share; set --application NAME (ECS_GITOPS_APPLICATION) to keep it stable`,
  };
}
