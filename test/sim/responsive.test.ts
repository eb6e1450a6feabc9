// `ecs-gitops sim` as a process, on the real clock: one small CreateService asking for
// two billion tasks must neither hang it nor grow it, its health endpoint must keep
// answering while the tasks start, and SIGTERM must stop it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { ECS_TARGET_PREFIX } from '../../src/sim/index.js';

/** Resident set size of a process in MiB (Linux), or undefined elsewhere. */
function rssMiB(pid: number | undefined): number | undefined {
  const file = `/proc/${String(pid)}/status`;
  if (pid === undefined || !existsSync(file)) return undefined;
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'))?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

const call = async (endpoint: string, operation: string, body: unknown): Promise<Response> =>
  fetch(endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': `${ECS_TARGET_PREFIX}.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body),
  });

t.test('a CreateService of 2^31-1 tasks keeps ecs-gitops sim responsive and SIGTERM stops it', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sim', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`sim exited with ${String(code)}: ${output}`)));
  });
  t.equal((await call(endpoint, 'CreateCluster', { clusterName: 'c' })).status, 200);
  t.equal((await call(endpoint, 'RegisterTaskDefinition', { family: 'w', containerDefinitions: [{ name: 'w', image: 'nginx', memory: 64 }] })).status, 200);
  const rssBefore = rssMiB(child.pid);
  const created = await call(endpoint, 'CreateService', { cluster: 'c', serviceName: 'w', taskDefinition: 'w', desiredCount: 2147483647 });
  t.equal(created.status, 200, 'the 90-byte CreateService is answered');

  // Across the default task start time (1.5 s) the health endpoint answers promptly.
  let slowest = 0;
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    const started = performance.now();
    const health = await fetch(`${endpoint}/_sim/health`);
    slowest = Math.max(slowest, performance.now() - started);
    t.equal(health.status, 200);
    await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(slowest < 500, `slowest health answer ${slowest.toFixed(0)} ms`);
  const described = (await (await call(endpoint, 'DescribeServices', { cluster: 'c', services: ['w'] })).json()) as { services: { runningCount: number }[] };
  t.equal(described.services[0].runningCount, 2147483647, 'all tasks are running');
  const rssAfter = rssMiB(child.pid);
  if (rssBefore !== undefined && rssAfter !== undefined) {
    t.ok(rssAfter - rssBefore < 50, `RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MiB`);
  }

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  t.equal(code, 0, 'SIGTERM stops it cleanly');
  t.match(output, /simulator stopped/);
});
