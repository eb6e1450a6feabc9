/**
 * The built-in git poller, for a single container without a git-sync sidecar. It keeps
 * a bare repository in a cache directory, fetches the branch every interval and, when
 * the branch moved, checks the new commit out into a fresh worktree and swaps the
 * `current` symlink to it atomically (a new link under a temporary name, then rename).
 * The source watches `current` exactly as it watches a git-sync link: one snapshot
 * reads one worktree, and a worktree is removed only two swaps later.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { SourceError } from './errors.js';
import { credentialArgs, credentialEnv, git, GitCommandError, redact, splitCredentials, type GitCredentials } from './git.js';

export interface GitPollerOptions {
  url: string;
  /** Default: the remote's HEAD. */
  branch?: string;
  cacheDir: string;
  intervalMs: number;
  clock: Clock;
  timeoutMs: number;
  /** The link now points at a new commit. */
  onUpdate(commit: string): void;
  onError(err: Error): void;
}

/** The private ref the fetched branch is stored under. */
const UPSTREAM_REF = 'refs/ecs-gitops/upstream';

export class GitPoller {
  /** The symlink to the worktree of the newest fetched commit. */
  readonly link: string;
  private readonly bare: string;
  private readonly worktrees: string;
  private readonly abort = new AbortController();
  private readonly url: string;
  private readonly credentials: GitCredentials | undefined;
  private loop: Promise<void> | undefined;
  /** Polls run one at a time: the loop's and those asked for by `pollNow()`. */
  private polling: Promise<unknown> = Promise.resolve();
  private commit: string | undefined;
  /** The worktree before the current one: kept, as a snapshot may still be reading it. */
  private previous: string | undefined;

  constructor(private readonly options: GitPollerOptions) {
    if (options.url.startsWith('-')) throw new SourceError('POLL_FAILED', `git URL ${redact(options.url)} looks like an option`);
    if (options.branch !== undefined && (options.branch === '' || options.branch.startsWith('-') || /[\s:^~?*[\\]|\.\.|@\{/.test(options.branch))) {
      throw new SourceError('POLL_FAILED', `git branch ${JSON.stringify(options.branch)} is not a valid branch name`);
    }
    // A local path is taken relative to where the controller runs, not to the cache.
    const { url, credentials } = splitCredentials(options.url);
    this.url = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+:/.test(url) ? url : resolve(url);
    this.credentials = credentials;
    this.link = join(options.cacheDir, 'current');
    this.bare = join(options.cacheDir, 'repo.git');
    this.worktrees = join(options.cacheDir, 'worktrees');
  }

  /** Fetches once and points the link at the branch's commit. */
  async init(): Promise<void> {
    await mkdir(this.worktrees, { recursive: true });
    await this.git(['init', '--quiet', '--bare', this.bare], this.options.cacheDir);
    await this.pollNow();
  }

  /** Fetches now (a push webhook, a manual sync), after any poll under way. */
  pollNow(): Promise<void> {
    const run = this.polling.then(() => this.sync());
    this.polling = run.catch(() => undefined);
    return run;
  }

  /** Polls every interval until `close()`; failures go to `onError` and polling goes on. */
  start(): void {
    this.loop ??= (async () => {
      while (!this.abort.signal.aborted) {
        try {
          await this.options.clock.sleep(this.options.intervalMs, this.abort.signal);
          await this.pollNow();
        } catch (err) {
          if (this.abort.signal.aborted) return;
          this.options.onError(err instanceof SourceError ? err : new SourceError('POLL_FAILED', `git poll failed: ${(err as Error).message}`, { cause: err }));
        }
      }
    })();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await Promise.all([this.loop, this.polling]);
  }

  /** One poll: fetch, and when the branch moved, check out and swap. */
  private async sync(): Promise<void> {
    const ref = this.options.branch === undefined ? 'HEAD' : `refs/heads/${this.options.branch}`;
    const auth = this.credentials ? credentialArgs() : [];
    await this.git([...auth, '-c', 'protocol.ext.allow=never', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', this.url, `+${ref}:${UPSTREAM_REF}`], this.bare, this.credentials && credentialEnv(this.credentials));
    const commit = (await this.git(['rev-parse', '--verify', `${UPSTREAM_REF}^{commit}`], this.bare)).trim();
    if (commit === this.commit) return;
    const current = await this.currentWorktree();
    if (current && (await this.headOf(current)) === commit) {
      this.commit = commit;
      return;
    }
    const name = `${commit.slice(0, 12)}-${randomBytes(4).toString('hex')}`;
    const worktree = join(this.worktrees, name);
    // No hooks: a user's global core.hooksPath has no business running here.
    await this.git(['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--quiet', '--detach', worktree, commit], this.bare);
    const temporary = join(this.options.cacheDir, `.current-${randomBytes(4).toString('hex')}`);
    await symlink(join('worktrees', name), temporary);
    await rename(temporary, this.link);
    this.commit = commit;
    if (current) this.previous = current;
    await this.removeOldWorktrees(name);
    this.options.onUpdate(commit);
  }

  private async currentWorktree(): Promise<string | undefined> {
    try {
      return basename(await readlink(this.link));
    } catch {
      return undefined;
    }
  }

  private async headOf(name: string): Promise<string | undefined> {
    try {
      return (await this.git(['rev-parse', '--verify', 'HEAD^{commit}'], join(this.worktrees, name))).trim();
    } catch {
      return undefined;
    }
  }

  private async removeOldWorktrees(current: string): Promise<void> {
    for (const name of await readdir(this.worktrees)) {
      if (name === current || name === this.previous) continue;
      const dir = join(this.worktrees, name);
      try {
        await this.git(['worktree', 'remove', '--force', '--force', dir], this.bare);
      } catch (err) {
        if (!(err instanceof GitCommandError)) throw err;
        await rm(dir, { recursive: true, force: true }); // not a registered worktree (a crash mid-add)
      }
    }
    await this.git(['worktree', 'prune'], this.bare);
  }

  private git(args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
    return git(args, { cwd, timeoutMs: this.options.timeoutMs, signal: this.abort.signal, ...(env ? { env } : {}) });
  }
}
