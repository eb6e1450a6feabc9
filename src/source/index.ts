/**
 * The source: where desired state comes from. It turns a checkout (a plain directory,
 * a git working tree, a git-sync style symlink to a worktree, or a branch the built-in
 * poller fetches) into a stream of snapshots, each read whole from one resolved
 * directory and handed to `onSnapshot` once.
 *
 * A snapshot is taken at start, after a debounced burst of file events, when the
 * checkout link moves, when the poller swaps in a new commit, and on `refresh()`.
 * Snapshots are taken one at a time; a snapshot with the revision and content of the
 * last one delivered is not delivered again.
 *
 * What never becomes a snapshot: a checkout or config path that does not exist, and a
 * directory that keeps vanishing or changing while it is read. Those are retried a few
 * times and then reported to `onError` (or reject `start()` / `refresh()`), so a later
 * pruning step never mistakes "the directory went away" for "git holds nothing".
 */
import { realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../runtime/clock.js';
import { ConfigRootError, loadConfig, type LoadResult } from '../load/index.js';
import { hashConfig, withDisplayPaths } from './content.js';
import { SourceError } from './errors.js';
import { DEFAULT_GIT_TIMEOUT_MS, gitMetadataDirs, gitRevision } from './git.js';
import { GitPoller } from './poller.js';
import { watchCheckoutEntry, watchCheckoutTree } from './watch.js';

export { SourceError, SOURCE_ERROR_CODES, type SourceErrorCode } from './errors.js';

export interface Snapshot {
  /**
   * Git HEAD commit (40 hex) with `-dirty` appended when `git status` lists changes
   * (untracked files included) under the config path; `sha256:<hex>` content hash of
   * the YAML files when the directory is not in a git checkout (or the repository has
   * no commit yet).
   */
  revision: string;
  /** The resolved directory that was read (symlinks resolved once for the whole snapshot). */
  root: string;
  /** The config directory relative to the checkout (`.` for its top); file names in `result` start with it. */
  displayRoot: string;
  /** The loader's answer for this snapshot: ok with `state`, or the errors. */
  result: LoadResult;
  /** Snapshot time on the injected clock. */
  at: number;
  /** `sha256:<hex>` of the YAML files read (see `revision`); tells apart two dirty states of one commit. */
  contentHash: string;
}

export interface SourceOptions {
  /** The checkout directory; may itself be a symlink (git-sync). Ignored as a checkout with `gitUrl`: then it holds the poller's cache. */
  repo: string;
  /** Sub directory inside the checkout holding the config. */
  path?: string;
  /** Default 300: a burst of file events quieter than this between events becomes one snapshot. */
  debounceMs?: number;
  clock?: Clock;
  /** Built-in poller: fetch this repository (URL or local path) instead of watching an existing checkout. */
  gitUrl?: string;
  /** Default: the remote's HEAD. */
  gitBranch?: string;
  /** Default 60000. */
  gitIntervalMs?: number;
  /** Default `<repo>/.ecs-gitops`. */
  gitCacheDir?: string;
  /** Per git command; default 30000. */
  gitTimeoutMs?: number;
  /** The loader; default `loadConfig`. Given the resolved config directory and the resolved checkout (the repository root overlays stay inside). */
  load?: (root: string, checkout: string) => Promise<LoadResult>;
  onSnapshot(snapshot: Snapshot): void | Promise<void>;
  /** I/O trouble that is not a config error (e.g. the repo vanished) as a `SourceError` with a `code`; also what `onSnapshot` threw. */
  onError?(err: Error): void;
}

export interface Source {
  /** Starts watching (and polling) and resolves with the first snapshot, after `onSnapshot` has seen it. Rejects, with nothing left running, when there is none. */
  start(): Promise<Snapshot>;
  /**
   * Forces a new read now (webhook, manual sync), after a fetch with the built-in poller;
   * resolves with the current snapshot, new or unchanged.
   */
  refresh(): Promise<Snapshot>;
  /** Stops watchers, timers and the poller, and waits for a snapshot in progress. */
  close(): Promise<void>;
  readonly current: Snapshot | undefined;
}

export const DEFAULT_DEBOUNCE_MS = 300;
export const DEFAULT_GIT_INTERVAL_MS = 60_000;
/** Reads of a snapshot before giving up on a vanishing or changing directory, and the first pause between them (doubling). */
export const READ_ATTEMPTS = 5;
export const READ_RETRY_DELAY_MS = 50;

export function createSource(options: SourceOptions): Source {
  return new CheckoutSource(options);
}

type Read =
  | { kind: 'ok'; snapshot: Snapshot; checkout: string }
  | { kind: 'missing'; message: string; cause?: unknown }
  | { kind: 'unstable'; message: string; cause?: unknown };

function isVanishing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return err instanceof ConfigRootError || code === 'ENOENT' || code === 'ENOTDIR';
}

class CheckoutSource implements Source {
  private readonly clock: Clock;
  private readonly debounceMs: number;
  /** The path watched and resolved: `repo`, or the poller's `current` link. */
  private readonly checkout: string;
  private readonly subPath: string;
  private readonly displayRoot: string;
  /** The config directory as the operator named it, for messages to the operator's log. */
  private readonly named: string;
  private readonly load: (root: string, checkout: string) => Promise<LoadResult>;
  /** Real paths of the files the last load's overlays read besides the walk of the config directory. */
  private inputs: readonly string[] = [];
  /** Directories outside the config directory that overlays read from, relative to the checkout: watched too. */
  private readonly followed = new Set<string>();
  private readonly poller: GitPoller | undefined;
  private readonly abort = new AbortController();
  private state: 'new' | 'started' | 'closed' = 'new';
  private latest: Snapshot | undefined;
  /** Snapshots run one after another on this chain. */
  private chain: Promise<unknown> = Promise.resolve();
  /** A snapshot for file events is queued and has not begun reading yet. */
  private queued = false;
  private debounce: AbortController | undefined;
  private burstStart: number | undefined;
  private lastEvent = 0;
  private entryWatcher: FSWatcher | undefined;
  private treeWatcher: FSWatcher | undefined;
  /** The resolved checkout the tree watcher looks at. */
  private watched: string | undefined;
  private retargetNeeded = false;

  constructor(private readonly options: SourceOptions) {
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.subPath = options.path ?? '';
    this.load = options.load ?? ((root, checkout) => loadConfig(root, { repositoryRoot: checkout }));
    if (options.gitUrl) {
      this.poller = new GitPoller({
        url: options.gitUrl,
        ...(options.gitBranch ? { branch: options.gitBranch } : {}),
        cacheDir: resolve(options.gitCacheDir ?? join(options.repo, '.ecs-gitops')),
        intervalMs: options.gitIntervalMs ?? DEFAULT_GIT_INTERVAL_MS,
        clock: this.clock,
        timeoutMs: options.gitTimeoutMs ?? DEFAULT_GIT_TIMEOUT_MS,
        onUpdate: () => this.schedule(),
        onError: (err) => this.report(err),
      });
      this.checkout = this.poller.link;
    } else {
      this.checkout = options.repo;
    }
    // Name files as they sit in the repository, as a user finds them in git: never the
    // machine's path to the checkout, which the status API would show to anyone.
    this.displayRoot = join('.', this.subPath);
    this.named = options.gitUrl ? this.displayRoot : join(options.repo, this.subPath);
  }

  get current(): Snapshot | undefined {
    return this.latest;
  }

  async start(): Promise<Snapshot> {
    if (this.state !== 'new') throw new SourceError('SOURCE_CLOSED', 'a source starts once');
    this.state = 'started';
    try {
      await this.poller?.init();
      this.entryWatcher = await watchCheckoutEntry(this.checkout, {
        onChange: () => {
          this.retargetNeeded = true;
          this.schedule();
        },
        onError: (err) => this.watchError(err),
      });
      // Watch before the first read, so nothing written during it goes unseen.
      const checkout = await realpath(this.checkout).catch(() => undefined);
      if (checkout) await this.retarget(checkout, false);
      const first = await this.enqueue();
      this.poller?.start();
      return first;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async refresh(): Promise<Snapshot> {
    if (this.state !== 'started') throw new SourceError('SOURCE_CLOSED', 'the source is not running');
    // With the built-in poller, "now" means the branch as it is now: fetch first.
    await this.poller?.pollNow();
    return this.enqueue();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.abort.abort();
    this.debounce?.abort();
    await this.poller?.close();
    await Promise.all([this.entryWatcher?.close(), this.treeWatcher?.close()]);
    this.entryWatcher = this.treeWatcher = undefined;
    await this.chain;
  }

  /** A file event: (re)start the quiet period; a burst never holds a snapshot back beyond ten periods. */
  private schedule(): void {
    if (this.state === 'closed') return;
    const now = this.clock.now();
    this.burstStart ??= now;
    this.lastEvent = now;
    // One timer per burst, re-armed until the burst is quiet: a checkout receiving 20,000
    // files must not cost 20,000 timers and aborts.
    if (!this.debounce) this.armDebounce(now);
  }

  /** A snapshot is due `debounceMs` after the last event, and at most 10 × `debounceMs` after the first. */
  private dueAt(): number {
    return Math.min(this.lastEvent + this.debounceMs, this.burstStart! + 10 * this.debounceMs);
  }

  private armDebounce(now: number): void {
    const debounce = new AbortController();
    this.debounce = debounce;
    this.clock.sleep(Math.max(0, this.dueAt() - now), debounce.signal).then(
      () => {
        if (this.debounce !== debounce) return;
        const at = this.clock.now();
        if (at < this.dueAt()) return this.armDebounce(at);
        this.debounce = undefined;
        this.burstStart = undefined;
        if (this.queued || this.state !== 'started') return;
        this.queued = true;
        this.enqueue().catch((err: unknown) => this.report(err));
      },
      () => undefined, // closed
    );
  }


  private enqueue(): Promise<Snapshot> {
    const run = this.chain.then(() => this.takeAndDeliver());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async takeAndDeliver(): Promise<Snapshot> {
    this.queued = false;
    if (this.state === 'closed') throw new SourceError('SOURCE_CLOSED', 'the source is closed');
    let read: Extract<Read, { kind: 'ok' }>;
    try {
      read = await this.take();
    } catch (err) {
      // The entry may come back as a new directory: watch it afresh once it does.
      this.retargetNeeded = true;
      throw err;
    }
    if (this.retargetNeeded || read.checkout !== this.watched) {
      this.retargetNeeded = false;
      await this.retarget(read.checkout, true);
    }
    const { snapshot } = read;
    const last = this.latest;
    if (last && last.revision === snapshot.revision && last.contentHash === snapshot.contentHash) return last;
    this.latest = snapshot;
    try {
      await this.options.onSnapshot(snapshot);
    } catch (err) {
      this.report(err);
    }
    return snapshot;
  }

  /** Reads until one read is consistent, retrying a directory that vanished, moved or changed under it. */
  private async take(): Promise<Extract<Read, { kind: 'ok' }>> {
    let delay = READ_RETRY_DELAY_MS;
    for (let attempt = 1; ; attempt++) {
      const read = await this.read();
      if (read.kind === 'ok') return read;
      if (attempt >= READ_ATTEMPTS) {
        const code = read.kind === 'missing' ? 'CONFIG_PATH_MISSING' : 'CONFIG_UNSTABLE';
        throw new SourceError(code, `${read.message} (after ${READ_ATTEMPTS} reads)`, { cause: read.cause });
      }
      await this.clock.sleep(delay, this.abort.signal);
      delay *= 2;
    }
  }

  /**
   * One read: resolve the checkout once, hash the files, ask git, load, hash again. The
   * read counts only if the checkout still resolves to the same place and the files
   * did not change meanwhile — otherwise a half-deleted worktree could pass for a
   * commit that deleted every document.
   */
  private async read(): Promise<Read> {
    const missing = (what: string, cause?: unknown): Read => ({ kind: 'missing', message: `config path ${this.named} does not exist: ${what}`, cause });
    let checkout: string;
    let root: string;
    try {
      checkout = await realpath(this.checkout);
      root = await realpath(join(checkout, this.subPath));
      if (!(await stat(root)).isDirectory()) return missing(`${root} is not a directory`);
    } catch (err) {
      if (isVanishing(err)) return missing(`${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
      throw err;
    }
    try {
      const before = await hashConfig(root, this.inputs);
      const commit = await gitRevision(root, checkout, this.options.gitTimeoutMs, [...this.followed].map((rel) => join(checkout, rel)));
      const result = await this.load(root, checkout);
      const after = await hashConfig(root, this.inputs);
      const now = await realpath(this.checkout).catch(() => undefined);
      if (now !== checkout) return { kind: 'unstable', message: `the checkout ${this.checkout} moved from ${checkout} to ${now ?? 'nothing'} while it was read` };
      if (after !== before) return { kind: 'unstable', message: `the files in ${this.named} changed while they were read` };
      // Overlays that now read other files: hash those. A change to one of them during this
      // read is an event of the watcher, which follows them from here on: it reads again.
      const inputs = result.inputs ?? [];
      const sameInputs = inputs.length === this.inputs.length && inputs.every((f, i) => f === this.inputs[i]);
      const contentHash = sameInputs ? before : await hashConfig(root, inputs);
      this.inputs = inputs;
      this.follow(checkout, root, inputs);
      const snapshot: Snapshot = {
        revision: commit ?? contentHash,
        root,
        displayRoot: this.displayRoot,
        result: withDisplayPaths(result, root, this.displayRoot, checkout),
        at: this.clock.now(),
        contentHash,
      };
      return { kind: 'ok', snapshot, checkout };
    } catch (err) {
      // A worktree removed mid-read fails anywhere (listing, git, loading): read again.
      const now = await realpath(this.checkout).catch(() => undefined);
      const rootThere = await stat(root).then((s) => s.isDirectory()).catch(() => false);
      if (now !== checkout || !rootThere || isVanishing(err)) return { kind: 'unstable', message: `${root} vanished while it was read: ${(err as Error).message}`, cause: err };
      throw err instanceof SourceError ? err : new SourceError('CONFIG_UNSTABLE', `cannot read ${this.named}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Watches the directories outside the config directory that overlays read (a base
   * beside the environments), so a change to a base is a new snapshot like any other.
   */
  private follow(checkout: string, root: string, inputs: readonly string[]): void {
    for (const file of inputs) {
      // The directory; a file at the top of the checkout alone, not the whole checkout.
      const dir = dirname(file) === checkout ? file : dirname(file);
      if (dir === root || dir.startsWith(root + sep) || !dir.startsWith(checkout + sep)) continue;
      const rel = relative(checkout, dir);
      if (this.followed.has(rel)) continue;
      this.followed.add(rel);
      // A new watcher with it, once ready, then a catch-up read: nothing written meanwhile goes unseen.
      this.retargetNeeded = true;
    }
  }

  /** Points the tree watcher at a new resolved checkout, then takes a snapshot for anything missed while it was blind. */
  private async retarget(checkout: string, catchUp: boolean): Promise<void> {
    if (this.isClosed()) return;
    const previous = this.treeWatcher;
    this.treeWatcher = undefined;
    this.watched = checkout;
    await previous?.close();
    const configDir = join(checkout, this.subPath);
    const gitDirs = await gitMetadataDirs(configDir, checkout, this.options.gitTimeoutMs).catch(() => []);
    const watcher = await watchCheckoutTree(checkout, configDir, gitDirs, {
      onChange: () => this.schedule(),
      onError: (err) => this.watchError(err),
    }, this.followed);
    if (this.isClosed() || this.watched !== checkout) {
      await watcher.close();
      return;
    }
    this.treeWatcher = watcher;
    if (catchUp) this.schedule();
  }

  private watchError(err: Error): void {
    // A watched worktree being removed is expected with git-sync; the read that follows tells.
    if (isVanishing(err)) {
      this.schedule();
      return;
    }
    this.report(new SourceError('WATCH_FAILED', `watching ${this.named}: ${err.message}`, { cause: err }));
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private report(err: unknown): void {
    if (this.isClosed()) return;
    this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
  }
}
