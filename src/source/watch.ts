/**
 * File watching with chokidar. Two watchers: one on the checkout's parent directory
 * that sees the checkout path itself change (a git-sync style symlink swapped by
 * rename, or a directory removed and re-created), and one on the resolved checkout
 * that sees the config files and the git metadata that moves HEAD. The second is
 * re-targeted whenever the checkout resolves somewhere new. Neither follows symbolic
 * links, so the watches never leave the checkout and number at most the directories and
 * YAML files the loader would read.
 */
import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

export interface WatchHandlers {
  onChange(path: string): void;
  onError(err: Error): void;
}

const YAML_FILE = /\.ya?ml$/i;

/** Metadata that changes when a commit, checkout, reset or `git add` moves HEAD or the index. */
const GIT_METADATA = /^(HEAD|index|packed-refs|refs(\/.*)?)$/;

function within(dir: string, path: string): string | undefined {
  if (path === dir) return '';
  return path.startsWith(dir + sep) ? path.slice(dir.length + 1) : undefined;
}

/**
 * Resolves once the initial scan is done, then reports changes. Events of the scan
 * itself are dropped: chokidar reports an unfollowed symlink as added even with
 * `ignoreInitial`, and the first snapshot is read after this anyway.
 */
async function ready(watcher: FSWatcher, handlers: WatchHandlers): Promise<FSWatcher> {
  watcher.on('error', (err) => handlers.onError(err instanceof Error ? err : new Error(String(err))));
  await new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
  watcher.on('all', (_event, path) => handlers.onChange(path));
  return watcher;
}

/** Watches the entry `checkout` in its parent directory, without following it. */
export function watchCheckoutEntry(checkout: string, handlers: WatchHandlers): Promise<FSWatcher> {
  const entry = resolve(checkout);
  const parent = dirname(entry);
  const watcher = watch(parent, {
    depth: 0,
    ignoreInitial: true,
    followSymlinks: false,
    ignored: (path: string) => path !== parent && path !== entry,
  });
  return ready(watcher, handlers);
}

/**
 * Watches `configDir` (inside the resolved `checkout`) and the git metadata
 * directories. The checkout itself is watched, with everything outside the config
 * directory ignored, so a config directory removed and created again is still seen.
 */
export function watchCheckoutTree(checkout: string, configDir: string, gitDirs: readonly string[], handlers: WatchHandlers, followed: ReadonlySet<string> = new Set()): Promise<FSWatcher> {
  const configRelative = relative(checkout, configDir);
  // The most specific git dir first: a linked worktree's own dir lies inside the common one.
  const metadataDirs = [...gitDirs].sort((a, b) => b.length - a.length);
  const ignored = (path: string, stats?: Stats): boolean => {
    for (const gitDir of metadataDirs) {
      const inGit = within(gitDir, path);
      if (inGit !== undefined) return inGit !== '' && !GIT_METADATA.test(inGit.split(sep).join('/'));
    }
    const inCheckout = within(checkout, path);
    if (inCheckout === undefined) return true;
    if (inCheckout === '') return false;
    // An ancestor of the config directory: watched so its re-creation is seen.
    if (configRelative === inCheckout || configRelative.startsWith(inCheckout + sep)) return false;
    const inConfig = configRelative === '' ? inCheckout : within(configRelative, inCheckout);
    // A directory overlays read beside the config directory (a base) is watched like it.
    const inFollowed = inConfig === undefined ? [...followed].map((dir) => within(dir, inCheckout)).find((rest) => rest !== undefined) : undefined;
    const inside = inConfig ?? inFollowed;
    if (inside === undefined) return true;
    // The loader skips hidden entries (.git, .github): so does the watcher.
    if (inside.split(sep).some((part) => part.startsWith('.'))) return true;
    return stats?.isFile() === true && !YAML_FILE.test(path) && basename(path) !== 'Kustomization';
  };
  const watched = [...followed].map((dir) => join(checkout, dir));
  const watcher = watch([checkout, ...watched, ...metadataDirs.filter((d) => within(checkout, d) === undefined)], {
    ignoreInitial: true,
    ignored,
    // A link is watched as a link, never followed: one to /usr in the checkout must not
    // cost thousands of watches. Links the loader follows stay inside the config root,
    // whose real files are watched where they are.
    followSymlinks: false,
  });
  return ready(watcher, handlers);
}
