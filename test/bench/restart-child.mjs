// A restarted daemon, alone in its process and run from the compiled dist/ as in
// production (its own token buckets on, caches cold), against an estate already in sync
// behind AWS's real rates: the time from start to /readyz 200 (the first full pass), the
// calls that pass made, and the process's peak RSS. Prints JSON. Run by restart.ts:
//
//   node test/bench/restart-child.mjs <simulator endpoint> <repository>
import { startDaemon } from '../../dist/daemon.js';
import { sampleRss } from './rss.mjs';

const [endpoint, repo] = process.argv.slice(2);
const rss = sampleRss();
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
const daemon = await startDaemon({
  repo,
  gitIntervalMs: 60_000,
  debounceMs: 300,
  resyncMs: 3_600_000,
  selfHeal: true,
  prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 },
  aws: { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops', application: 'test' },
  embeddedAws: false,
  rateLimit: true,
  listen: { host: '127.0.0.1', port: 0 },
  logLevel: 'silent',
  stopGraceMs: 5_000,
});
let readySeconds;
for (;;) {
  const res = await fetch(`${daemon.url}/readyz`);
  await res.arrayBuffer();
  if (res.status === 200) {
    readySeconds = Number(process.hrtime.bigint() - start) / 1e9;
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const used = process.cpuUsage(cpu);
const counts = daemon.status.counts();
const stats = daemon.calls.snapshot();
const ownership = daemon.status.controllerStatus().cloudMapOwnership;
await daemon.stop();
process.stdout.write(JSON.stringify({
  readySeconds,
  cpuSeconds: (used.user + used.system) / 1e6,
  ...rss.stop(),
  sync: counts.sync,
  ownership,
  stats,
}));
