// Shared pieces of the source tests: documents, real git, a recording source, and
// the bounded wait every test uses (test/helpers/eventually.ts).
import { execFileSync } from 'node:child_process';
import type { Test } from 'tap';
import { loadConfig } from '../../src/load/index.js';
import { createSource, type Snapshot, type Source, type SourceOptions } from '../../src/source/index.js';

import { waitFor as waitUntil } from '../helpers/eventually.js';

/** The shared bounded wait, checking every 20 ms: these conditions are in-process and cheap. */
export const waitFor = (condition: () => boolean, what: string, timeoutMs = 15_000) => waitUntil(condition, what, timeoutMs, 20);

export const cluster = (name: string) => `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata: {name: ${name}}
spec: {}
`;

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git in `cwd` and returns its trimmed output. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** `git init` + everything committed; returns the commit. */
export function initRepo(dir: string): string {
  git(dir, 'init', '--quiet');
  return commitAll(dir, 'first');
}

export function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export interface Recorded {
  source: Source;
  snapshots: Snapshot[];
  errors: Error[];
  /** How many times the loader ran: every read, delivered or not. */
  loads(): number;
}

/** A source whose snapshots and errors are recorded; closed when the test ends. */
export function recordedSource(t: Test, options: Omit<SourceOptions, 'onSnapshot' | 'onError'>): Recorded {
  const snapshots: Snapshot[] = [];
  const errors: Error[] = [];
  let loads = 0;
  const load = options.load;
  const source = createSource({
    debounceMs: 50,
    ...options,
    load: async (root, checkout) => {
      loads++;
      return load ? load(root, checkout) : loadConfig(root, { repositoryRoot: checkout });
    },
    onSnapshot: (s) => void snapshots.push(s),
    onError: (e) => void errors.push(e),
  });
  t.teardown(() => source.close());
  return { source, snapshots, errors, loads: () => loads };
}

/** The resource keys of a snapshot, or the error codes when it is invalid. */
export function keys(snapshot: Snapshot): string[] {
  return snapshot.result.ok ? [...snapshot.result.state.resources.keys()] : snapshot.result.errors.map((e) => e.code);
}
