/**
 * Against what teams do today: rolling a new image out to N services the way CI
 * pipelines do it — an AWS CLI loop of `register-task-definition` + `update-service` per
 * service — versus one commit converged by ecs-gitops. Both against the simulator with
 * AWS's token buckets at their real rates, each on its own simulator after the same
 * set-up.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createAwsClients, destroyAwsClients, RateLimiter } from '../../src/aws/clients.js';
import { readAndPlan } from '../../src/commands/common.js';
import { systemClock } from '../../src/runtime/clock.js';
import { loadConfig } from '../../src/load/index.js';
import { executePlan } from '../../src/runtime/executor.js';
import { round } from './cold.js';
import { callsByOperation, generateRepo, serviceName, startSimProcess, sum, writeService, type RepoShape, type SimProcess } from './lib.js';

const run = promisify(execFile);
const prune = { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 };
const aws = (endpoint: string) => ({ region: 'us-east-1', endpoint, controllerId: 'ecs-gitops', application: 'test' });

async function converge(dir: string, sim: SimProcess, limiter?: RateLimiter) {
  const loaded = await loadConfig(dir);
  if (!loaded.ok) throw new Error('invalid repository');
  const clients = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint }, limiter ? { limiter } : {});
  try {
    for (let pass = 0; pass < 5; pass++) {
      const { plan } = await readAndPlan(loaded.state, clients, aws(sim.endpoint), prune);
      if (plan.steps.length === 0) break;
      await executePlan(plan, { clients, clock: systemClock, concurrency: 16 });
    }
    return clients.calls.snapshot();
  } finally {
    destroyAwsClients(clients);
  }
}

export async function peerComparison({ services }: { services: number }) {
  const shape: RepoShape = { services, clusters: 1, cloudMap: false };
  const dir = generateRepo(mkdtempSync(join(tmpdir(), 'ecs-gitops-peer-')), shape);
  const [cliSim, gitopsSim] = await Promise.all([startSimProcess(), startSimProcess()]);
  try {
    await Promise.all([converge(dir, cliSim), converge(dir, gitopsSim)]);
    await Promise.all([cliSim.setFaults({ throttle: true }), gitopsSim.setFaults({ throttle: true })]);

    // The pipeline way: one register-task-definition and one update-service per service.
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    const cli = (...args: string[]) => run('aws', ['--endpoint-url', cliSim.endpoint, '--output', 'json', ...args], { env });
    let cliCalls = 0;
    let cliFailures = 0;
    const cliStart = performance.now();
    for (let i = 0; i < services; i++) {
      const name = serviceName(i);
      const container = JSON.stringify([{ name: 'app', image: `public.ecr.aws/example/${name}:2.0.0`, portMappings: [{ containerPort: 8080 }], environment: [{ name: 'LOG_LEVEL', value: 'info' }] }]);
      try {
        cliCalls++;
        await cli('ecs', 'register-task-definition', '--family', name, '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE', '--cpu', '256', '--memory', '512', '--container-definitions', container);
        cliCalls++;
        await cli('ecs', 'update-service', '--cluster', 'cluster-0', '--service', name, '--task-definition', name);
      } catch {
        cliFailures++;
      }
    }
    const cliSeconds = (performance.now() - cliStart) / 1000;

    // The ecs-gitops way: one commit touching every service, one sync.
    for (let i = 0; i < services; i++) writeService(dir, i, { ...shape, tag: '2.0.0' });
    const gitopsStart = performance.now();
    const stats = await converge(dir, gitopsSim, new RateLimiter());
    const gitopsSeconds = (performance.now() - gitopsStart) / 1000;
    const writes = Object.entries(stats).filter(([k]) => !/:(Describe|List|Get)/.test(k)).reduce((n, [, s]) => n + s.calls, 0);
    return {
      services,
      awsCliLoop: { wallSeconds: round(cliSeconds), apiCalls: cliCalls, failedServices: cliFailures, note: 'one AWS CLI process per call; the CLI retries throttling itself' },
      ecsGitops: { wallSeconds: round(gitopsSeconds), apiCalls: sum(stats, 'calls'), writes, throttledAttempts: sum(stats, 'throttles'), callsByOperation: callsByOperation(stats) },
      lowerBoundSeconds: round(Math.max(0, services - 20) / 1),
    };
  } finally {
    await Promise.all([cliSim.stop(), gitopsSim.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
