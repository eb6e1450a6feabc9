/**
 * What a snapshot holds, independent of git: a hash of the config files the loader
 * reads, and the loader's answer with file names as the user named the directory.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Resource, ResourceKey } from '../api/kinds.js';
import { DEFAULT_MAX_FILE_BYTES, type Finding, type LoadResult } from '../load/index.js';
import { eventLoopTurns, listConfigFiles } from '../load/files.js';

/**
 * `sha256:<hex>` over the YAML files below `root` that the loader reads (the same
 * walk: hidden entries skipped, links followed inside the root), in path order, each
 * as path, length and bytes. A file the loader refuses for its size counts by its size
 * alone, as the loader's answer depends on nothing else. Throws when the root or a
 * file vanishes while being read.
 */
export async function hashConfig(root: string, inputs: readonly string[] = []): Promise<string> {
  const listed = await listConfigFiles(root);
  // Overlays read files the walk does not list (a kustomization's directory, bases beside
  // the config root): the loader names them, by real path, and they count too.
  const walked = new Set(listed.files.map((f) => f.real));
  const extra = [...new Set(inputs)].filter((real) => !walked.has(real)).sort();
  const files = [
    ...listed.files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0)),
    ...extra.map((real) => ({ relative: relative(root, real), real, size: statOrZero(real) })),
  ];
  const hash = createHash('sha256');
  // Thousands of files: give /livez a turn now and then, as the loader does.
  const turn = eventLoopTurns();
  for (const file of files) {
    await turn();
    hash.update(`${file.relative}\0`);
    if (file.size > DEFAULT_MAX_FILE_BYTES) {
      hash.update(`size ${file.size}\0`);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(file.real);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw err;
      hash.update(`unreadable ${code}\0`);
      continue;
    }
    hash.update(`${bytes.length}\0`);
    hash.update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Size of a file read by an overlay; a vanished one is a vanishing read, like a listed file. */
function statOrZero(real: string): number {
  try {
    return statSync(real).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 0;
    throw err;
  }
}

/**
 * The loader names files by the root it was given. The source hands it the resolved
 * directory (so one snapshot reads one worktree) and maps the names back here to the
 * directory as the user named it.
 */
export function withDisplayPaths(result: LoadResult, resolvedRoot: string, displayRoot: string, checkout?: string): LoadResult {
  if (resolvedRoot === displayRoot) return result;
  // What the loader puts before a relative path: join() normalises the root the same way.
  const displayPrefix = join(displayRoot, 'x').slice(0, -1);
  const resolvedPrefix = resolvedRoot + sep;
  // Files overlays read beside the config root are named from the top of the checkout.
  const checkoutPrefix = checkout === undefined || checkout === resolvedRoot ? undefined : checkout + sep;
  const rename = (file: string): string => {
    if (file === resolvedRoot) return displayRoot;
    if (file.startsWith(resolvedPrefix)) return displayPrefix + file.slice(resolvedPrefix.length);
    if (checkoutPrefix && file.startsWith(checkoutPrefix)) return file.slice(checkoutPrefix.length);
    return file;
  };
  // Messages name other files too ("already defined at <file>:3:1").
  const inMessage = (message: string) => {
    const named = message.split(resolvedPrefix).join(displayPrefix);
    return checkoutPrefix ? named.split(checkoutPrefix).join('') : named;
  };
  const finding = (f: Finding): Finding => ({ ...f, file: rename(f.file), message: inMessage(f.message) });
  const warnings = result.warnings.map(finding);
  if (!result.ok) return { ...result, warnings, errors: result.errors.map(finding) };
  const resources = new Map<ResourceKey, Resource>();
  for (const [key, resource] of result.state.resources) {
    resources.set(key, { ...resource, source: { ...resource.source, file: rename(resource.source.file) } });
  }
  return { ...result, warnings, state: { ...result.state, resources } };
}
