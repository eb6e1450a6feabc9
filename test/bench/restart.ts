/**
 * Cold start at scale: S services in C clusters, each registered in Cloud Map, already in
 * sync; the simulator's token buckets on at AWS's real rates. Two fresh processes, each
 * alone (so its memory and CPU are its own), run from dist/ as in production:
 *   - a restarted daemon: time from start to /readyz 200 (its first full pass);
 *   - `ecs-gitops diff`, as CI runs it on a pull request;
 *   - then, for the steady state, one resync of a controller whose caches are warm
 *     (resync-child.mjs, as the steady benchmark runs it).
 * Reported: wall time, calls by operation, Cloud Map tag reads against
 * ⌈(namespaces + Cloud Map services) / 100⌉ + 10, peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallStats } from '../../src/aws/clients.js';
import { round } from './cold.js';
import { callsByOperation, convergeUnthrottled, generateRepo, runChild, startSimProcess, sum } from './lib.js';

export interface RestartOptions {
  services: number;
  clusters: number;
}

interface ChildResult {
  cpuSeconds: number;
  peakRssMB: number;
  maxRssMB: number;
  heapUsedMB: number;
  stats: CallStats;
}

/** Calls that learn Cloud Map ownership: bulk pages and per-object tag reads. */
const tagReads = (stats: CallStats) => (stats['tagging:GetResources']?.calls ?? 0) + (stats['servicediscovery:ListTagsForResource']?.calls ?? 0);

function summary(r: ChildResult, budget: number) {
  return {
    tagReads: tagReads(r.stats),
    tagReadBudget: budget,
    apiCalls: sum(r.stats, 'calls'),
    throttledAttempts: sum(r.stats, 'throttles'),
    describeServices: r.stats['ecs:DescribeServices']?.calls ?? 0,
    describeTaskDefinition: r.stats['ecs:DescribeTaskDefinition']?.calls ?? 0,
    cpuSeconds: round(r.cpuSeconds),
    peakRssMB: round(r.peakRssMB),
    maxRssWholeProcessMB: round(r.maxRssMB),
    callsByOperation: callsByOperation(r.stats),
  };
}

export async function restartAtScale({ services, clusters }: RestartOptions) {
  const dir = generateRepo(mkdtempSync(join(tmpdir(), 'ecs-gitops-restart-')), { services, clusters, cloudMap: true });
  const sim = await startSimProcess({ throttle: false });
  try {
    const { state, seconds: setupSeconds } = await convergeUnthrottled(dir, sim.endpoint);
    const cloudMapObjects = 1 + services; // the namespace and one Cloud Map service per service
    const budget = Math.ceil(cloudMapObjects / 100) + 10;
    await sim.setFaults({ throttle: true });

    const daemon = await runChild<ChildResult & { readySeconds: number; sync: Record<string, number>; ownership: unknown }>('restart-child.mjs', [sim.endpoint, dir]);
    // Let the buckets refill before the next process draws on them.
    await new Promise((r) => setTimeout(r, 10_000));
    const diff = await runChild<ChildResult & { wallSeconds: number; differences: number; ownershipWarning: string | null }>('diff-child.mjs', [sim.endpoint, dir]);
    await new Promise((r) => setTimeout(r, 10_000));
    // resync-child.mjs warms its caches unthrottled, then turns the buckets back on for the measured resync.
    await sim.setFaults({ throttle: false });
    const resync = await runChild<ChildResult & { wallSeconds: number; steps: number }>('resync-child.mjs', [sim.endpoint, dir]);
    return {
      services,
      clusters,
      documents: state.resources.size,
      cloudMapObjects,
      setupSeconds: round(setupSeconds),
      restartedDaemon: { readySeconds: round(daemon.readySeconds), sync: daemon.sync, ownership: daemon.ownership, ...summary(daemon, budget) },
      freshDiff: { wallSeconds: round(diff.wallSeconds), differences: diff.differences, ownershipWarning: diff.ownershipWarning, ...summary(diff, budget) },
      steadyResync: {
        wallSeconds: round(resync.wallSeconds),
        planSteps: resync.steps,
        writes: Object.entries(resync.stats).filter(([k]) => !/:(Describe|List|Get)/.test(k)).reduce((n, [, s]) => n + s.calls, 0),
        describeServicesMinimum: Math.ceil(services / 10),
        ...summary(resync, budget),
      },
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
