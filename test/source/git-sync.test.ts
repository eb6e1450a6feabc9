import t from 'tap';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/load/index.js';
import type { Snapshot } from '../../src/source/index.js';
import { cluster, commitAll, git, keys, recordedSource, waitFor } from './fixtures.js';

/**
 * The layout git-sync keeps: one repository, a worktree per synced commit, and a
 * symlink that is swapped atomically (new link under a temporary name, then rename).
 */
function gitSyncLayout(root: string, names: string[]): { link: string; commits: string[]; worktree(i: number): string; swapTo(i: number): void } {
  const repo = join(root, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '--quiet');
  const commits = names.map((name) => {
    for (const file of readdirSync(repo)) if (file.endsWith('.yaml')) unlinkSync(join(repo, file));
    writeFileSync(join(repo, `${name}.yaml`), cluster(name));
    return commitAll(repo, name);
  });
  const worktree = (i: number) => join(root, '.worktrees', commits[i]);
  commits.forEach((commit, i) => git(repo, 'worktree', 'add', '--quiet', '--detach', worktree(i), commit));
  const link = join(root, 'current');
  const swapTo = (i: number) => {
    const temporary = join(root, `.tmp-link-${i}`);
    symlinkSync(join('.worktrees', commits[i]), temporary);
    renameSync(temporary, link);
  };
  swapTo(0);
  return { link, commits, worktree, swapTo };
}

t.test('git-sync: a swap of the link is seen, and each snapshot is one worktree, never a mix', async (t) => {
  const root = t.testdir({});
  const sync = gitSyncLayout(root, ['a', 'b', 'c']);
  const { source, snapshots, errors } = recordedSource(t, { repo: sync.link });

  const first = await source.start();
  t.equal(first.revision, sync.commits[0]);
  t.equal(first.root, sync.worktree(0));
  t.same(keys(first), ['Cluster/a']);

  sync.swapTo(1);
  await waitFor(() => snapshots.length >= 2, 'the snapshot after the first swap');
  t.equal(snapshots[1].revision, sync.commits[1]);
  t.equal(snapshots[1].root, sync.worktree(1));
  t.same(keys(snapshots[1]), ['Cluster/b']);

  // The watcher was re-targeted on the new worktree: an edit there is seen too.
  sync.swapTo(2);
  await waitFor(() => snapshots.length >= 3, 'the snapshot after the second swap');
  t.same(keys(snapshots[2]), ['Cluster/c']);
  writeFileSync(join(sync.worktree(2), 'extra.yaml'), cluster('extra'));
  await waitFor(() => snapshots.length >= 4, 'the snapshot of an edit in the new worktree');
  t.equal(snapshots[3].revision, `${sync.commits[2]}-dirty`);
  t.same(keys(snapshots[3]), ['Cluster/c', 'Cluster/extra']);

  const expected = new Map([0, 1, 2].map((i) => [sync.commits[i], [`Cluster/${'abc'[i]}`]]));
  for (const s of snapshots.slice(0, 3)) t.same(keys(s), expected.get(s.revision), `${s.revision} holds its own commit's content only`);
  t.equal(snapshots[3].displayRoot, '.', 'messages name files in the checkout, not the worktree or the link');
  t.same(errors, []);
});

t.test('git-sync: a worktree emptied or deleted mid-read is read again, never reported as empty', async (t) => {
  const root = t.testdir({});
  const sync = gitSyncLayout(root, ['a', 'b', 'c']);
  // The loader is where a read takes longest: git-sync swaps the link and removes the
  // old worktree right then.
  let duringLoad: (() => void) | undefined;
  const { source, snapshots, errors, loads } = recordedSource(t, {
    repo: sync.link,
    load: async (dir) => {
      const act = duringLoad;
      duringLoad = undefined;
      act?.();
      return loadConfig(dir);
    },
  });
  await source.start();

  // The old worktree's files are gone but its directory is still there: loaded alone,
  // this is a valid, empty config.
  duringLoad = () => {
    sync.swapTo(1);
    rmSync(join(sync.worktree(0), 'a.yaml'));
  };
  let reads = loads();
  const second = await source.refresh();
  t.ok(loads() - reads >= 2, 'the spoilt read was thrown away and the config read again');
  t.equal(second.revision, sync.commits[1]);
  t.same(keys(second), ['Cluster/b']);

  // The whole worktree is removed.
  duringLoad = () => {
    sync.swapTo(2);
    rmSync(sync.worktree(1), { recursive: true, force: true });
  };
  reads = loads();
  const third = await source.refresh();
  t.ok(loads() - reads >= 2, 'read again');
  t.equal(third.revision, sync.commits[2]);
  t.same(keys(third), ['Cluster/c']);
  t.notOk(existsSync(sync.worktree(1)));

  await waitFor(() => snapshots.length >= 3, 'both snapshots delivered');
  t.notOk(snapshots.some((s: Snapshot) => keys(s).length === 0), 'no snapshot without documents');
  t.notOk(snapshots.some((s: Snapshot) => s.result.ok && s.result.state.resources.size === 0));
  t.same(errors, [], 'a swap is not an error');
});
