/**
 * Soak: the daemon watching a repository while changes keep coming — one file rewritten
 * every `intervalMs` for `durationSeconds` — sampling RSS and event-loop delay, to show
 * memory does not grow without bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startDaemon } from '../../src/daemon.js';
import { round } from './cold.js';
import { generateRepo, startSimProcess, writeService, type RepoShape } from './lib.js';

export async function soak({ durationSeconds, services = 50, intervalMs = 2000 }: { durationSeconds: number; services?: number; intervalMs?: number }) {
  const shape: RepoShape = { services, clusters: 2, cloudMap: true };
  const dir = generateRepo(mkdtempSync(join(tmpdir(), 'ecs-gitops-soak-')), shape);
  const sim = await startSimProcess();
  const daemon = await startDaemon({
    repo: dir, gitIntervalMs: 60_000, debounceMs: 200, resyncMs: 10_000, selfHeal: true,
    prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 },
    aws: { region: 'us-east-1', endpoint: sim.endpoint, controllerId: 'ecs-gitops', application: 'test' },
    embeddedAws: false, rateLimit: false, listen: { host: '127.0.0.1', port: 0 }, logLevel: 'silent', stopGraceMs: 5_000,
  });
  const samples: { atSeconds: number; rssMB: number; heapMB: number; eventLoopP99Ms: number; commits: number }[] = [];
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const start = Date.now();
  let commits = 0;
  try {
    while (Date.now() - start < durationSeconds * 1000) {
      writeService(dir, commits % services, { ...shape, tag: `3.0.${commits}` });
      commits++;
      await new Promise((r) => setTimeout(r, intervalMs));
      if (commits % Math.max(1, Math.round(5000 / intervalMs)) === 0) {
        global.gc?.();
        const mem = process.memoryUsage();
        samples.push({ atSeconds: round((Date.now() - start) / 1000, 0), rssMB: round(mem.rss / 2 ** 20, 1), heapMB: round(mem.heapUsed / 2 ** 20, 1), eventLoopP99Ms: round(lag.percentile(99) / 1e6, 1), commits });
        lag.reset();
      }
    }
  } finally {
    lag.disable();
    await daemon.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const half = samples.slice(Math.floor(samples.length / 2));
  return {
    durationSeconds,
    services,
    commits,
    samples,
    rssGrowthSecondHalfMB: half.length > 1 ? round(half[half.length - 1].rssMB - half[0].rssMB, 1) : 0,
    heapGrowthSecondHalfMB: half.length > 1 ? round(half[half.length - 1].heapMB - half[0].heapMB, 1) : 0,
  };
}
