/**
 * Cold convergence: S services with their task definitions in C clusters, each
 * registered in Cloud Map, from an empty account — against the simulator with AWS's
 * token buckets on (scaled by `scale` so it runs in minutes), the controller pacing
 * itself with the same buckets. Wall time is reported against the lower bound the
 * buckets impose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients, destroyAwsClients, RateLimiter } from '../../src/aws/clients.js';
import { LiveCache } from '../../src/aws/reader.js';
import { readAndPlan } from '../../src/commands/common.js';
import { systemClock } from '../../src/runtime/clock.js';
import { loadConfig } from '../../src/load/index.js';
import { executePlan } from '../../src/runtime/executor.js';
import { callsByOperation, generateRepo, measure, startSimProcess, sum, tokenBucketBound } from './lib.js';

export interface ColdOptions {
  services: number;
  clusters: number;
  scale: number;
}

export async function coldConvergence({ services, clusters, scale }: ColdOptions) {
  const dir = generateRepo(mkdtempSync(join(tmpdir(), 'ecs-gitops-cold-')), { services, clusters, cloudMap: true });
  const sim = await startSimProcess({ throttle: true, rateScale: scale });
  const clients = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint }, { limiter: new RateLimiter({ scale }) });
  const aws = { region: 'us-east-1', endpoint: sim.endpoint, controllerId: 'ecs-gitops', application: 'test' };
  const prune = { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 };
  try {
    const loaded = await loadConfig(dir);
    if (!loaded.ok) throw new Error('generated repository is invalid');
    const cache = new LiveCache();
    const firstLast = new Map<string, [number, number]>();
    const registerTimes: number[] = [];
    const t0 = performance.now();
    clients.calls.onCall((e) => {
      if (e.kind !== 'operation') return;
      const at = (performance.now() - t0) / 1000;
      const key = `${e.service}:${e.operation}`;
      if (process.env.BENCH_DEBUG && key === 'ecs:RegisterTaskDefinition') registerTimes.push(at);
      const fl = firstLast.get(key);
      firstLast.set(key, fl ? [fl[0], at] : [at, at]);
    });
    let passes = 0;
    let failed = 0;
    let steps = 0;
    let convergedAt = 0;
    const started = process.hrtime.bigint();
    const run = await measure(async () => {
      // Converge: passes until nothing is left to do (the first does everything unless something fails);
      // the last pass only confirms and is not counted in the convergence time.
      for (passes = 1; passes <= 5; passes++) {
        const { plan } = await readAndPlan(loaded.state, clients, aws, prune, cache);
        if (plan.steps.length === 0) break;
        convergedAt = Number(process.hrtime.bigint() - started) / 1e9;
        const { results } = await executePlan(plan, { clients, clock: systemClock, concurrency: 16 });
        steps += results.length;
        failed = results.filter((r) => r.status !== 'succeeded').length;
        convergedAt = Number(process.hrtime.bigint() - started) / 1e9;
        if (process.env.BENCH_DEBUG) {
          for (const r of results.filter((x) => x.status !== 'succeeded').slice(0, 5)) console.error(`pass ${passes}: ${r.id} ${r.status} ${r.error?.name} ${r.error?.message}`);
          console.error(`pass ${passes}: ${results.length} steps, ${failed} not succeeded: ${plan.steps.slice(0, 3).map((s) => s.id).join(', ')}`);
        }
      }
    });
    if (process.env.BENCH_DEBUG) {
      const buckets = new Map<number, number>();
      for (const at of registerTimes) buckets.set(Math.floor(at / 5), (buckets.get(Math.floor(at / 5)) ?? 0) + 1);
      console.error('registrations per 5 s:', [...buckets].map(([b, n]) => `${b * 5}s:${n}`).join(' '));
    }
    const stats = clients.calls.snapshot();
    const bound = tokenBucketBound(stats, scale);
    const calls = sum(stats, 'calls');
    return {
      services,
      clusters,
      documents: loaded.state.resources.size,
      rateScale: scale,
      passes,
      steps,
      failedSteps: failed,
      wallSeconds: round(convergedAt),
      confirmSeconds: round(run.wallSeconds - convergedAt),
      boundSeconds: round(bound.seconds),
      boundCategory: bound.category,
      ratioToBound: round(convergedAt / bound.seconds, 3),
      wallSecondsAtRealRates: round(convergedAt * scale),
      boundSecondsAtRealRates: round(bound.seconds * scale),
      apiCalls: calls,
      throttledAttempts: sum(stats, 'throttles'),
      throttledPercent: round((100 * sum(stats, 'throttles')) / calls, 3),
      cpuSeconds: round(run.cpuSeconds),
      peakRssMB: round(run.peakRssMB),
      callsByOperation: callsByOperation(stats),
      firstAndLastCallSeconds: Object.fromEntries([...firstLast].map(([k, [a, b]]) => [k, [round(a), round(b)]])),
      errorsByOperation: Object.fromEntries(Object.entries(stats).filter(([, s]) => s.errors > 0).map(([k, s]) => [k, s.errors])),
    };
  } finally {
    destroyAwsClients(clients);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
