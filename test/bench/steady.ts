/**
 * Steady state: S services in C clusters, all in sync. What one resync costs — API calls
 * by operation against the minimum, wall time against the service-read bucket, controller
 * CPU per resource, peak RSS — with AWS's token buckets on at their real rates. Also the
 * one-change case: the daemon watching that repository, one file written, time from the
 * write to the first write call and the resources reconciled for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CallStats } from '../../src/aws/clients.js';
import { startDaemon } from '../../src/daemon.js';
import { round } from './cold.js';
import { benchAws as aws, callsByOperation, convergeUnthrottled, generateRepo, noPrune as prune, runChild, startSimProcess, sum, tokenBucketBound, writeService, type RepoShape } from './lib.js';

export interface SteadyOptions {
  services: number;
  clusters: number;
  /** How many single-file changes to time. */
  changes: number;
}

export async function steadyState({ services, clusters, changes }: SteadyOptions) {
  const shape: RepoShape = { services, clusters, cloudMap: true };
  const dir = generateRepo(mkdtempSync(join(tmpdir(), 'ecs-gitops-steady-')), shape);
  const sim = await startSimProcess({ throttle: false });
  try {
    const { state, seconds: setupSeconds } = await convergeUnthrottled(dir, sim.endpoint);

    // One resync at AWS's real rates, by a controller alone in a fresh process (so its
    // memory and CPU are its own), caches warm.
    type ChildResult = { wallSeconds: number; cpuSeconds: number; peakRssMB: number; maxRssMB: number; heapUsedMB: number; eventLoopP99Ms: number; steps: number; stats: CallStats };
    const resyncIn = (nodeFlags: string[]) => runChild<ChildResult>('resync-child.mjs', [sim.endpoint, dir], nodeFlags);
    const resync = await resyncIn([]);
    // V8 sizes its heap from the memory it sees: on this 24 GiB machine it lets garbage pile
    // up; in a task with 512 MiB (the template's default) it collects sooner. The same run
    // with the heap capped as such a task would have it:
    const capped = await resyncIn(['--max-old-space-size=256']);
    const stats = resync.stats;
    const resources = state.resources.size;
    const minimumDescribe = Math.ceil(services / 10);
    const bound = tokenBucketBound(stats);

    // One change, through the daemon: file written → first write call (the daemon starts
    // unthrottled, then every change runs against the token buckets).
    await sim.setFaults({ throttle: false });
    const oneChange = await timeOneChange(dir, sim.endpoint, shape, changes, () => sim.setFaults({ throttle: true }));

    return {
      services,
      clusters,
      documents: resources,
      setupSeconds: round(setupSeconds),
      resync: {
        wallSeconds: round(resync.wallSeconds),
        boundSeconds: round(bound.seconds),
        boundCategory: bound.category,
        ratioToBound: round(resync.wallSeconds / bound.seconds, 3),
        apiCalls: sum(stats, 'calls'),
        writes: Object.entries(stats).filter(([k]) => !/:(Describe|List|Get)/.test(k)).reduce((n, [, s]) => n + s.calls, 0),
        describeServices: stats['ecs:DescribeServices']?.calls ?? 0,
        describeServicesMinimum: minimumDescribe,
        describeTaskDefinition: stats['ecs:DescribeTaskDefinition']?.calls ?? 0,
        callsByOperation: callsByOperation(stats),
        throttledAttempts: sum(stats, 'throttles'),
        planSteps: resync.steps,
        cpuSeconds: round(resync.cpuSeconds),
        cpuMsPerResource: round((resync.cpuSeconds * 1000) / resources, 4),
        peakRssMB: round(resync.peakRssMB),
        maxRssWholeProcessMB: round(resync.maxRssMB),
        heapUsedMB: round(resync.heapUsedMB),
        cappedHeap256MB: { peakRssMB: round(capped.peakRssMB), cpuMsPerResource: round((capped.cpuSeconds * 1000) / resources, 4), wallSeconds: round(capped.wallSeconds), writes: Object.entries(capped.stats).filter(([k]) => !/:(Describe|List|Get)/.test(k)).length },
        eventLoopP99Ms: round(resync.eventLoopP99Ms),
      },
      oneChange,
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeOneChange(dir: string, endpoint: string, shape: RepoShape, changes: number, whenReady: () => Promise<void>) {
  const daemon = await startDaemon({
    repo: dir,
    gitIntervalMs: 60_000,
    debounceMs: 300,
    resyncMs: 3_600_000,
    selfHeal: true,
    prune,
    aws: aws(endpoint),
    embeddedAws: false,
    // The simulator's buckets are the ground truth here; the daemon's own pacing would
    // spend its start-up on 5,000 Cloud Map tag reads at the assumed 10/s.
    rateLimit: false,
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'silent',
    stopGraceMs: 5_000,
  });
  try {
    const until = async (check: () => boolean, ms: number) => {
      const end = performance.now() + ms;
      while (!check() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
      return check();
    };
    if (!(await until(() => daemon.status.controllerStatus().ready && daemon.status.counts().sync.OutOfSync === 0, 600_000))) throw new Error('daemon never got ready');
    await whenReady();
    const latencies: number[] = [];
    const reconciled: number[] = [];
    for (let i = 0; i < changes; i++) {
      // Let the previous change's rollout settle (the controller looks again every 3 s until it is Healthy).
      await new Promise((r) => setTimeout(r, 6000));
      let firstWrite = 0;
      const before = daemon.status.list().map((r) => [r.key, r.lastReconciledAt] as const);
      const off = daemon.calls.onCall((e) => {
        if (e.kind === 'operation' && !firstWrite && !/^(Describe|List|Get)/.test(e.operation)) firstWrite = performance.now();
      });
      const written = performance.now();
      writeService(dir, i % shape.services, { ...shape, tag: `2.0.${i}` });
      await until(() => firstWrite > 0, 30_000);
      off();
      latencies.push(firstWrite - written);
      await until(() => daemon.status.get(`Service/svc-${String(i % shape.services).padStart(5, '0')}`)?.sync === 'Synced', 30_000);
      await new Promise((r) => setTimeout(r, 200));
      const after = new Map(daemon.status.list().map((r) => [r.key, r.lastReconciledAt]));
      reconciled.push(before.filter(([key, at]) => after.get(key) !== at).length);
    }
    latencies.sort((a, b) => a - b);
    return {
      changes,
      debounceMs: 300,
      firstWriteMsP50: round(latencies[Math.floor(latencies.length / 2)]),
      firstWriteMsMax: round(latencies[latencies.length - 1]),
      resourcesReconciledPerChange: reconciled,
    };
  } finally {
    await daemon.stop();
  }
}
