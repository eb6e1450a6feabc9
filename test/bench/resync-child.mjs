// One controller, alone in its process and run from the compiled dist/ as in production,
// against an estate that is already in sync: load the repository, warm the caches with
// one full read (unthrottled), then measure one resync with AWS's token buckets on.
// Prints JSON. Run by steady.ts (after `npm run build`):
//
//   node test/bench/resync-child.mjs <simulator endpoint> <repository>
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createAwsClients, destroyAwsClients, RateLimiter } from '../../dist/aws/clients.js';
import { LiveCache } from '../../dist/aws/reader.js';
import { readAndPlan } from '../../dist/commands/common.js';
import { loadConfig } from '../../dist/load/index.js';

const [endpoint, dir] = process.argv.slice(2);
const aws = { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops', application: 'test' };
const prune = { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 };
const setFaults = (faults) => fetch(`${endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });

const loaded = await loadConfig(dir);
if (!loaded.ok) throw new Error('invalid repository');
const cache = new LiveCache();
const warm = createAwsClients({ region: 'us-east-1', endpoint });
await readAndPlan(loaded.state, warm, aws, prune, cache);
destroyAwsClients(warm);

await setFaults({ throttle: true });
const clients = createAwsClients({ region: 'us-east-1', endpoint }, { limiter: new RateLimiter() });
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
const { plan } = await readAndPlan(loaded.state, clients, aws, prune, cache);
const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
const used = process.cpuUsage(cpu);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
await setFaults({ throttle: false });
destroyAwsClients(clients);
process.stdout.write(JSON.stringify({
  wallSeconds,
  cpuSeconds: (used.user + used.system) / 1e6,
  peakRssMB: peak / 2 ** 20,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20,
  eventLoopP99Ms: lag.percentile(99) / 1e6,
  steps: plan.steps.length,
  resources: loaded.state.resources.size,
  stats: clients.calls.snapshot(),
}));
