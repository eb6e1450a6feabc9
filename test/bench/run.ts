/**
 * `npm run bench`: the benchmarks, against the simulator with AWS's token buckets on.
 * Writes test/bench/results.json and test/bench/RESULTS.md (with the machine noted).
 * Not part of CI's pass/fail.
 *
 *   npm run bench                              everything, default sizes
 *   npm run bench -- --only cold --services 1000 --scale 20
 *   npm run bench -- --only soak --duration 600
 *   npm run bench -- --only restart --services 5000 --clusters 50
 *   npx tsx test/bench/run.ts --render       RESULTS.md again from results.json
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { coldConvergence } from './cold.js';
import { peerComparison } from './peer.js';
import { restartAtScale } from './restart.js';
import { API_LIMITS } from '../../src/aws/clients.js';
import { soak } from './soak.js';
import { steadyState } from './steady.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    services: { type: 'string' },
    clusters: { type: 'string' },
    scale: { type: 'string' },
    duration: { type: 'string' },
    out: { type: 'string', default: 'test/bench' },
    render: { type: 'boolean' },
  },
});
if (values.render) {
  writeFileSync(`${values.out}/RESULTS.md`, markdown(JSON.parse(readFileSync(`${values.out}/results.json`, 'utf8')) as Record<string, unknown>));
  process.exit(0);
}
const only = new Set((values.only ?? 'cold,restart,steady,peer,soak').split(','));
// A run of some benchmarks (--only) keeps the others' last results; each says when and under what load it ran.
const previous = `${values.out}/results.json`;
const kept = values.only && existsSync(previous) ? (JSON.parse(readFileSync(previous, 'utf8')) as Record<string, unknown>) : {};
// Sections from a run before `ran` was recorded carry that run's date.
for (const [name, section] of Object.entries(kept)) {
  if (section && typeof section === 'object' && !Array.isArray(section) && name !== 'machine' && !('ran' in section)) kept[name] = { ...section, ran: { at: kept.date } };
}
const results: Record<string, unknown> = {
  ...kept,
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
  date: new Date().toISOString(),
};

const load = () => loadavg().map((n) => Math.round(n * 100) / 100);

async function step<T extends object>(name: string, fn: () => Promise<T>) {
  if (!only.has(name)) return;
  console.error(`bench ${name}…`);
  const before = { at: new Date().toISOString(), loadAverage: load() };
  const result = await fn();
  results[name] = { ...result, ran: { ...before, loadAverageAtEnd: load(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim() } };
  console.error(JSON.stringify(results[name], null, 2));
}

await step('cold', () => coldConvergence({ services: Number(values.services ?? 1000), clusters: Number(values.clusters ?? 10), scale: Number(values.scale ?? 20) }));
await step('restart', () => restartAtScale({ services: Number(values.services ?? 5000), clusters: Number(values.clusters ?? 50) }));
await step('steady', () => steadyState({ services: Number(values.services ?? 5000), clusters: Number(values.clusters ?? 50), changes: 5 }));
await step('peer', () => peerComparison({ services: 100 }));
await step('soak', () => soak({ durationSeconds: Number(values.duration ?? 60) }));

writeFileSync(`${values.out}/results.json`, JSON.stringify(results, null, 2) + '\n');
writeFileSync(`${values.out}/RESULTS.md`, markdown(results));
console.error(`wrote ${values.out}/results.json and ${values.out}/RESULTS.md`);

function markdown(r: Record<string, unknown>): string {
  const m = r.machine as Record<string, unknown>;
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GiB, Node ${m.node}; ${r.date}. Reproduce with \`npm run bench\` (see test/bench/run.ts).`,
    '',
  ];
  const ran = (section: unknown) => {
    const x = (section as { ran?: { at: string; loadAverage?: number[]; loadAverageAtEnd?: number[]; command?: string } }).ran;
    if (x && !x.loadAverage) return [`Ran ${x.at} (load average not recorded).`, ''];
    return x?.loadAverage ? [`Ran ${x.at} with \`${x.command}\`; load average (1, 5, 15 min) ${x.loadAverage.join(', ')} at the start, ${x.loadAverageAtEnd?.join(', ')} at the end, on ${m.cores} cores.`, ''] : [];
  };
  const table = (rows: [string, unknown][]) => ['| measure | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${typeof v === 'object' ? `\`${JSON.stringify(v)}\`` : v} |`), ''];
  const cold = r.cold as Record<string, unknown> | undefined;
  if (cold) {
    lines.push('## Cold convergence', '', `${cold.services} services with task definitions in ${cold.clusters} clusters, each in Cloud Map, from empty; token buckets at AWS's rates × ${cold.rateScale}.`, '', ...ran(cold));
    lines.push(...table([
      ['wall time (scaled)', `${cold.wallSeconds} s`], ['lower bound of the buckets (scaled)', `${cold.boundSeconds} s (${cold.boundCategory})`], ['ratio to the bound (target ≤ 1.10)', cold.ratioToBound],
      ['wall time at AWS\'s real rates', `${cold.wallSecondsAtRealRates} s`], ['bound at real rates', `${cold.boundSecondsAtRealRates} s`],
      ['failed steps', cold.failedSteps], ['API calls', cold.apiCalls], ['throttled attempts', `${cold.throttledAttempts} (${cold.throttledPercent} %, target ≤ 1 %)`],
      ['controller CPU', `${cold.cpuSeconds} s`], ['controller peak RSS', `${cold.peakRssMB} MB`], ['calls by operation', cold.callsByOperation],
    ]));
  }
  const restart = r.restart as { restartedDaemon: Record<string, unknown>; freshDiff: Record<string, unknown> } & Record<string, unknown> | undefined;
  if (restart) {
    const d = restart.restartedDaemon;
    const f = restart.freshDiff;
    lines.push('## Cold start', '', `${restart.services} services in ${restart.clusters} clusters (${restart.documents} documents), each registered in Cloud Map (${restart.cloudMapObjects} namespaces and Cloud Map services), already in sync; token buckets at AWS's real rates. Each process is fresh and alone, run from dist/. Read one tag at a time (before \`tag:GetResources\`, or with it denied), the ${restart.cloudMapObjects} Cloud Map objects' tags alone would take ${Math.round((Number(restart.cloudMapObjects) - API_LIMITS.cloudmap.burst) / API_LIMITS.cloudmap.perSecond)} s at the controller's Cloud Map pace.`, '', ...ran(restart));
    lines.push('| measure | restarted daemon (start → /readyz 200) | `ecs-gitops diff` in a fresh process |', '| --- | --- | --- |');
    const row = (name: string, a: unknown, b: unknown) => lines.push(`| ${name} | ${typeof a === 'object' ? `\`${JSON.stringify(a)}\`` : a} | ${typeof b === 'object' ? `\`${JSON.stringify(b)}\`` : b} |`);
    row('wall time (target ≤ 60 s)', `${d.readySeconds} s`, `${f.wallSeconds} s`);
    row(`Cloud Map tag reads (target ≤ ⌈objects / 100⌉ + 10 = ${d.tagReadBudget})`, d.tagReads, f.tagReads);
    row('ownership read', (d.ownership as { mode?: string } | undefined)?.mode ?? '—', f.ownershipWarning ?? 'bulk');
    row('API calls', d.apiCalls, f.apiCalls);
    row('DescribeServices', d.describeServices, f.describeServices);
    row('DescribeTaskDefinition', d.describeTaskDefinition, f.describeTaskDefinition);
    row('throttled attempts', d.throttledAttempts, f.throttledAttempts);
    row('CPU', `${d.cpuSeconds} s`, `${f.cpuSeconds} s`);
    row('peak RSS (target ≤ 300 MB), default heap', `${d.peakRssMB} MB`, `${f.peakRssMB} MB`);
    row('calls by operation', d.callsByOperation, f.callsByOperation);
    lines.push('');
    const q = restart.steadyResync as Record<string, unknown> | undefined;
    if (q) {
      lines.push('Then one resync of a controller with warm caches (as in the steady state below), on the same estate:', '');
      lines.push(...table([
        [`DescribeServices (minimum ⌈S/10⌉ = ${q.describeServicesMinimum})`, q.describeServices], ['write calls (target 0)', q.writes], ['DescribeTaskDefinition (target 0)', q.describeTaskDefinition],
        ['Cloud Map tag reads', q.tagReads], ['wall time', `${q.wallSeconds} s`], ['peak RSS', `${q.peakRssMB} MB`], ['calls by operation', q.callsByOperation],
      ]));
    }
  }
  const steady = r.steady as { resync: Record<string, unknown>; oneChange: Record<string, unknown> } & Record<string, unknown> | undefined;
  if (steady) {
    const s = steady.resync;
    lines.push('## Steady state', '', `${steady.services} services in ${steady.clusters} clusters (${steady.documents} documents), in sync; one resync at AWS's real rates, cache warm.`, '', ...ran(steady));
    lines.push(...table([
      ['DescribeServices calls (minimum ⌈S/10⌉)', `${s.describeServices} (${s.describeServicesMinimum})`], ['write calls (target 0)', s.writes], ['DescribeTaskDefinition calls (target 0)', s.describeTaskDefinition],
      ['API calls', s.apiCalls], ['calls by operation', s.callsByOperation], ['wall time', `${s.wallSeconds} s`], ['service-read bucket bound', `${s.boundSeconds} s (${s.boundCategory})`],
      ['controller CPU per resource (target ≤ 0.2 ms)', `${s.cpuMsPerResource} ms`], ['controller peak RSS (target ≤ 300 MB), default heap on a 24 GiB machine', `${s.peakRssMB} MB (heap in use at the end: ${s.heapUsedMB} MB)`],
      ['… with the heap capped at 256 MB, as in a 512 MiB task', `peak RSS ${(s.cappedHeap256MB as Record<string, unknown>).peakRssMB} MB, CPU ${(s.cappedHeap256MB as Record<string, unknown>).cpuMsPerResource} ms per resource`],
    ]));
    const o = steady.oneChange;
    lines.push('### One change', '', `With the daemon watching those ${steady.services} services, one file rewritten (a new image), ${o.changes} times; buckets on.`, '');
    lines.push(...table([['file write → first write call, p50 (target ≤ 1 s, debounce included)', `${o.firstWriteMsP50} ms`], ['… max', `${o.firstWriteMsMax} ms`], ['debounce', `${o.debounceMs} ms`], ['resources reconciled per change', o.resourcesReconciledPerChange]]));
  }
  const peer = r.peer as { awsCliLoop: Record<string, unknown>; ecsGitops: Record<string, unknown> } & Record<string, unknown> | undefined;
  if (peer) {
    lines.push('## Against an AWS CLI deploy loop', '', ...ran(peer), `A new image on ${peer.services} services at AWS's real rates: \`register-task-definition\` + \`update-service\` per service (as CI pipelines do) versus one commit synced by ecs-gitops. RegisterTaskDefinition's bucket bounds both at ${peer.lowerBoundSeconds} s.`, '');
    lines.push('| | wall time | API calls | notes |', '| --- | --- | --- | --- |');
    lines.push(`| AWS CLI loop | ${peer.awsCliLoop.wallSeconds} s | ${peer.awsCliLoop.apiCalls} | ${peer.awsCliLoop.failedServices} services failed; ${peer.awsCliLoop.note} |`);
    lines.push(`| ecs-gitops | ${peer.ecsGitops.wallSeconds} s | ${peer.ecsGitops.apiCalls} (${peer.ecsGitops.writes} writes) | ${peer.ecsGitops.throttledAttempts} throttled attempts; tags record each revision, so the next sync reads no task definition |`, '');
  }
  const s = r.soak as { samples: Record<string, unknown>[] } & Record<string, unknown> | undefined;
  if (s) {
    lines.push('## Soak', '', ...ran(s), `${s.commits} changes over ${s.durationSeconds} s to a ${s.services}-service repository; RSS growth over the second half: ${s.rssGrowthSecondHalfMB} MB, heap: ${s.heapGrowthSecondHalfMB} MB.`, '');
    lines.push('| t (s) | changes | RSS (MB) | heap (MB) | event-loop p99 (ms) |', '| --- | --- | --- | --- | --- |');
    for (const x of s.samples) lines.push(`| ${x.atSeconds} | ${x.commits} | ${x.rssMB} | ${x.heapMB} | ${x.eventLoopP99Ms} |`);
    lines.push('');
  }
  return lines.join('\n');
}
