// `ecs-gitops diff` in a fresh process, as CI runs it: the same load, clients, read, plan
// and rendering as src/commands/diff.ts, from the compiled dist/, with its calls counted
// and its peak RSS measured. Prints JSON. Run by restart.ts:
//
//   node test/bench/diff-child.mjs <simulator endpoint> <repository>
import { clientsFor, readAndPlan } from '../../dist/commands/common.js';
import { loadConfig } from '../../dist/load/index.js';
import { differs, renderPlan } from '../../dist/commands/render.js';
import { sampleRss } from './rss.mjs';

const [endpoint, dir] = process.argv.slice(2);
const rss = sampleRss();
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
const loaded = await loadConfig(dir);
if (!loaded.ok) throw new Error('invalid repository');
const aws = { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops', application: 'test' };
const { clients, close } = await clientsFor(aws);
const { plan, ownershipWarning } = await readAndPlan(loaded.state, clients, aws, { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 });
const rendered = renderPlan(plan, { color: false, all: false });
const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
const used = process.cpuUsage(cpu);
close();
process.stdout.write(JSON.stringify({
  wallSeconds,
  cpuSeconds: (used.user + used.system) / 1e6,
  ...rss.stop(),
  differences: plan.resources.filter(differs).length,
  renderedLines: rendered.split('\n').length,
  ownershipWarning: ownershipWarning ?? null,
  stats: clients.calls.snapshot(),
}));
