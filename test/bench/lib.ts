/**
 * Shared pieces of the benchmarks: the simulator in a separate process (so the
 * controller's CPU and memory are measured alone), generated config repositories, and
 * the measurements — wall time, CPU, peak RSS, event-loop delay, API calls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { serviceDocuments } from '../helpers/fleet.js';
import { API_LIMITS, categoryOf, createAwsClients, destroyAwsClients, type CallStats, type AwsService } from '../../src/aws/clients.js';
import { LiveCache } from '../../src/aws/reader.js';
import { readAndPlan } from '../../src/commands/common.js';
import { systemClock } from '../../src/runtime/clock.js';
import { executePlan } from '../../src/runtime/executor.js';
import { loadConfig } from '../../src/load/index.js';
import type { DesiredState } from '../../src/api/kinds.js';

export interface SimProcess {
  endpoint: string;
  setFaults(faults: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

/** `node dist/cli.js sim` on a free port; resolves once it prints its endpoint. */
export async function startSimProcess(options: { throttle?: boolean; rateScale?: number } = {}): Promise<SimProcess> {
  const args = ['dist/cli.js', 'sim', '--port', '0', ...(options.throttle ? ['--throttle'] : []), ...(options.rateScale ? ['--rate-scale', String(options.rateScale)] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return {
    endpoint,
    async setFaults(faults) {
      const res = await fetch(`${endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });
      if (!res.ok) throw new Error(`setting faults failed: ${res.status}`);
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface RepoShape {
  clusters: number;
  services: number;
  /** Register every service in Cloud Map (one private DNS namespace). */
  cloudMap: boolean;
  /** Image tag, to make a changed revision. */
  tag?: string;
}

export const serviceName = (i: number) => `svc-${String(i).padStart(5, '0')}`;

/** A config repository: one file per service holding its task definition, Cloud Map service and service. */
export function generateRepo(dir: string, shape: RepoShape): string {
  mkdirSync(join(dir, 'services'), { recursive: true });
  const base = [
    ...Array.from({ length: shape.clusters }, (_, c) => `apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata: {name: cluster-${c}}\nspec: {}\n`),
    ...(shape.cloudMap ? ['apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapNamespace\nmetadata: {name: bench.local}\nspec: {type: DNS_PRIVATE, vpc: vpc-0a1b2c3d4e5f67890}\n'] : []),
  ];
  writeFileSync(join(dir, 'base.yaml'), base.join('---\n'));
  for (let i = 0; i < shape.services; i++) writeService(dir, i, shape);
  return dir;
}

export function writeService(dir: string, i: number, shape: RepoShape): string {
  const name = serviceName(i);
  const file = join(dir, 'services', `${name}.yaml`);
  const image = `public.ecr.aws/example/${name}:${shape.tag ?? '1.0.0'}`;
  writeFileSync(file, serviceDocuments({ name, image, cluster: `cluster-${i % shape.clusters}`, ...(shape.cloudMap ? { namespace: 'bench.local' } : {}) }));
  return file;
}

export const benchAws = (endpoint: string) => ({ region: 'us-east-1', endpoint, controllerId: 'ecs-gitops', application: 'test' });
export const noPrune = { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 };

/** Set-up, unthrottled: converges the repository in `dir` (a few passes at most); the desired state and the seconds it took. */
export async function convergeUnthrottled(dir: string, endpoint: string): Promise<{ state: DesiredState; seconds: number }> {
  const loaded = await loadConfig(dir);
  if (!loaded.ok) throw new Error('generated repository is invalid');
  const clients = createAwsClients({ region: 'us-east-1', endpoint });
  const cache = new LiveCache();
  const start = performance.now();
  try {
    for (let pass = 0; pass < 5; pass++) {
      const { plan } = await readAndPlan(loaded.state, clients, benchAws(endpoint), noPrune, cache);
      if (plan.steps.length === 0) break;
      await executePlan(plan, { clients, clock: systemClock, concurrency: 32 });
    }
  } finally {
    destroyAwsClients(clients);
  }
  return { state: loaded.state, seconds: (performance.now() - start) / 1000 };
}

/** Runs a child script of test/bench with node `flags`; its JSON output. */
export async function runChild<T>(script: string, args: string[], flags: string[] = []): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, `test/bench/${script}`, ...args], { maxBuffer: 64 * 2 ** 20 });
  return JSON.parse(stdout) as T;
}

/** Wall time, CPU and peak RSS of `fn` in this process. */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; wallSeconds: number; cpuSeconds: number; peakRssMB: number; eventLoopP99Ms: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  try {
    const value = await fn();
    const used = process.cpuUsage(cpu);
    peak = Math.max(peak, process.memoryUsage().rss);
    return {
      value,
      wallSeconds: Number(process.hrtime.bigint() - start) / 1e9,
      cpuSeconds: (used.user + used.system) / 1e6,
      peakRssMB: peak / 1024 / 1024,
      eventLoopP99Ms: lag.percentile(99) / 1e6,
    };
  } finally {
    clearInterval(sampler);
    lag.disable();
  }
}

/**
 * The least time AWS's token buckets allow for these calls: per category,
 * (calls − burst) / rate, categories running in parallel.
 */
export function tokenBucketBound(stats: CallStats, scale = 1): { seconds: number; category: string } {
  const perCategory = new Map<string, number>();
  for (const [key, s] of Object.entries(stats)) {
    const [service, operation] = key.split(':') as [AwsService, string];
    const category = categoryOf(service, operation);
    if (category) perCategory.set(category, (perCategory.get(category) ?? 0) + s.calls);
  }
  let best = { seconds: 0, category: 'none' };
  for (const [category, calls] of perCategory) {
    const limit = API_LIMITS[category as keyof typeof API_LIMITS];
    const seconds = Math.max(0, calls - limit.burst) / (limit.perSecond * scale);
    if (seconds > best.seconds) best = { seconds, category };
  }
  return best;
}

export function callsByOperation(stats: CallStats): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).map(([k, s]) => [k, s.calls]));
}

export const sum = (stats: CallStats, field: 'calls' | 'throttles' | 'errors' | 'attempts') => Object.values(stats).reduce((n, s) => n + s[field], 0);
