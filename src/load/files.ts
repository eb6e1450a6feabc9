/**
 * Finds the YAML files below a config root. The walk uses synchronous calls: a config
 * directory is thousands of small files at most, and one system call after another is
 * several times faster than as many round trips through the thread pool. Hidden files and directories (`.git`,
 * `.github`) are skipped; symbolic links are followed only while they stay inside the
 * root, so a checkout cannot make the controller read the rest of the machine.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { Finding } from './findings.js';

export interface ConfigFile {
  /** Path relative to the root, with `/` separators; the sort key. */
  relative: string;
  /** The path to show the user: the root as they named it joined with `relative`. */
  display: string;
  /** The resolved path to read. */
  real: string;
  size: number;
}

/** The root itself is missing or not a directory: a usage error, not a config error. */
export class ConfigRootError extends Error {
  readonly code = 'CONFIG_ROOT';
}

const YAML_FILE = /\.ya?ml$/i;

function inside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + sep);
}

/**
 * A load of thousands of files is seconds of synchronous work; the daemon shares its
 * event loop with `/livez`. Every call gives the loop a turn once 50 files or 10 ms have
 * passed since the last one, so health checks are answered within milliseconds.
 */
export function eventLoopTurns(everyItems = 50, everyMs = 10): () => Promise<void> {
  let items = 0;
  let since = performance.now();
  return async () => {
    if (++items < everyItems && performance.now() - since < everyMs) return;
    await new Promise<void>((resolveTurn) => setImmediate(resolveTurn));
    items = 0;
    since = performance.now();
  };
}

/** A directory holding a kustomization: rendered as a whole, its files not read one by one. */
export interface KustomizationDir {
  /** Path relative to the root, with `/` separators (`''` for the root itself). */
  relative: string;
  /** The resolved directory. */
  real: string;
  /** The kustomization's file name in it (`kustomization.yaml`). */
  file: string;
}

/** The file names that make a directory a kustomization, in kustomize's order of preference. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/**
 * The repository root a config directory belongs to: the nearest directory at or above it
 * holding `.git` (a directory, or a file in a linked worktree), else the directory
 * itself. Overlays may read bases anywhere below it, nothing above.
 */
export function repositoryRoot(dir: string): string {
  const start = realpathSync(dir);
  for (let at = start; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return start;
  }
}

export async function listConfigFiles(root: string): Promise<{ files: ConfigFile[]; kustomizations: KustomizationDir[]; findings: Finding[] }> {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    if (!statSync(realRoot).isDirectory()) throw new ConfigRootError(`${root} is not a directory`);
  } catch (err) {
    if (err instanceof ConfigRootError) throw err;
    throw new ConfigRootError(`cannot read config root ${root}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }

  const files: ConfigFile[] = [];
  const kustomizations: KustomizationDir[] = [];
  const findings: Finding[] = [];
  const visited = new Set<string>([realRoot]);
  const problem = (display: string, code: Finding['code'], message: string) =>
    findings.push({ code, severity: 'error', file: display, line: 1, column: 1, message });

  const turn = eventLoopTurns();
  async function walk(realDir: string, relDir: string): Promise<void> {
    await turn();
    let entries;
    try {
      entries = readdirSync(realDir, { withFileTypes: true });
    } catch (err) {
      problem(join(root, relDir), 'FILE_UNREADABLE', `cannot read directory: ${(err as NodeJS.ErrnoException).code}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const kustomization = KUSTOMIZATION_FILES.find((name) => entries.some((e) => e.name === name));
    if (kustomization) {
      kustomizations.push({ relative: relDir, real: realDir, file: kustomization });
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const display = join(root, rel);
      let real = join(realDir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          real = realpathSync(real);
        } catch {
          if (YAML_FILE.test(entry.name)) problem(display, 'FILE_UNREADABLE', 'symbolic link points to nothing');
          continue;
        }
        if (!inside(realRoot, real)) {
          problem(display, 'SYMLINK_OUTSIDE_ROOT', `symbolic link resolves to ${real}, outside the config root ${realRoot}; refusing to read it`);
          continue;
        }
        const target = statSync(real);
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) {
        if (visited.has(real)) continue; // a link back up the tree
        visited.add(real);
        await walk(real, rel);
      } else if (isFile && YAML_FILE.test(entry.name)) {
        const { size } = statSync(real);
        files.push({ relative: rel, display, real, size });
      }
    }
  }

  await walk(realRoot, '');
  return { files, kustomizations, findings };
}

