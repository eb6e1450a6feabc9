// The CLI as `ecs-gitops sync|diff …` runs it, in-process, and a sync "in a new process"
// that reports the API calls it made.
//
//   const { code, out } = await cli('diff', dir, '--endpoint', sim.endpoint);
//   const { writes, count } = await plannedCalls(dir, sim.endpoint, true);
import { main } from '../../src/cli.js';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import { readAndPlan } from '../../src/commands/common.js';
import { resolveApplication } from '../../src/application.js';
import { executePlan } from '../../src/runtime/executor.js';
import { systemClock } from '../../src/runtime/clock.js';
import { loadConfig } from '../../src/load/index.js';

/** Runs the command line `argv`; its exit code and what it printed. */
export async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), color: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Loads `dir`, reads and plans (and with `apply`, syncs) with a fresh call recorder — a new process, as in CI. */
export async function plannedCalls(dir: string, endpoint: string, apply = false) {
  const loaded = await loadConfig(dir);
  if (!loaded.ok) throw new Error('invalid config');
  const clients = createAwsClients({ region: 'us-east-1', endpoint });
  // The application the CLI gives the directory, so this plan and `cli('sync', dir)` agree.
  const aws = { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops', application: (await resolveApplication(dir)).application };
  try {
    const { plan } = await readAndPlan(loaded.state, clients, aws, { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 });
    if (apply) await executePlan(plan, { clients, clock: systemClock });
    const stats = clients.calls.snapshot();
    const count = (op: string) => Object.entries(stats).filter(([k]) => k.endsWith(`:${op}`)).reduce((n, [, s]) => n + s.calls, 0);
    return { plan, count, writes: clients.calls.writes(), stats };
  } finally {
    destroyAwsClients(clients);
  }
}
