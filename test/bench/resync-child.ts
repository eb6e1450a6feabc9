/**
 * One controller, alone in its process, against an estate that is already in sync:
 * load the repository, warm the caches with one full read (unthrottled), then measure one
 * resync with AWS's token buckets on. Prints JSON. Run by steady.ts:
 *
 *   tsx test/bench/resync-child.ts <simulator endpoint> <repository>
 */
import { createAwsClients, destroyAwsClients, RateLimiter } from '../../src/aws/clients.js';
import { LiveCache } from '../../src/aws/reader.js';
import { readAndPlan } from '../../src/commands/common.js';
import { loadConfig } from '../../src/load/index.js';
import { measure } from './lib.js';

const [endpoint, dir] = process.argv.slice(2);
const aws = { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops' };
const prune = { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 };
const setFaults = (faults: object) => fetch(`${endpoint}/_sim/faults`, { method: 'POST', body: JSON.stringify(faults), headers: { 'content-type': 'application/json' } });

const loaded = await loadConfig(dir);
if (!loaded.ok) throw new Error('invalid repository');
const cache = new LiveCache();
const warm = createAwsClients({ region: 'us-east-1', endpoint });
await readAndPlan(loaded.state, warm, aws, prune, cache);
destroyAwsClients(warm);

await setFaults({ throttle: true });
const clients = createAwsClients({ region: 'us-east-1', endpoint }, { limiter: new RateLimiter() });
const resync = await measure(() => readAndPlan(loaded.state, clients, aws, prune, cache));
await setFaults({ throttle: false });
destroyAwsClients(clients);
process.stdout.write(JSON.stringify({ ...resync, value: undefined, steps: resync.value.plan.steps.length, resources: loaded.state.resources.size, stats: clients.calls.snapshot() }));
