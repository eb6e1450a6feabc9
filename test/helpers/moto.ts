// Starts `moto_server` (the independent AWS emulator) for a tap test.
//
//   const moto = await startMoto(t);          // undefined → the test was skipped
//   if (!moto) return;
//   client = new ECSClient({ endpoint: moto.endpoint, ... });
//   await moto.reset();                       // forget all state between cases
//
// It listens on a free 127.0.0.1 port, is stopped by t.teardown (or `stop()`), and is
// polled until it answers. When `moto_server` is not on PATH the test is skipped locally
// and FAILS when process.env.CI === 'true', so CI never silently loses the contract suite.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { eventually } from './eventually.js';

export interface Moto {
  /** e.g. http://127.0.0.1:43121 */
  endpoint: string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server; also registered with t.teardown. */
  stop(): Promise<void>;
}

/** The subset of a tap Test the helper uses. */
export interface TapLike {
  teardown(fn: () => unknown): void;
  skip?: (name: string, cb: () => void) => unknown;
  plan?: unknown;
  fail(message: string): unknown;
  comment(message: string): unknown;
}

const START_TIMEOUT_MS = 120_000;

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status < 500;
  } catch {
    return false;
  }
}

/** Starts moto for test `t`; resolves undefined when moto is missing and the test was skipped (never under CI). */
export async function startMoto(t: TapLike, env: Record<string, string> = {}): Promise<Moto | undefined> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  try {
    child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
  } catch {
    return missing(t);
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const spawnError = await new Promise<Error | undefined>((resolve) => {
    child.once('error', (err) => resolve(err));
    child.once('spawn', () => resolve(undefined));
  });
  if (spawnError) return missing(t);

  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  t.teardown(stop);

  const exited = () => child.exitCode !== null || child.signalCode !== null;
  if (!(await eventually(async () => exited() || (await answers(endpoint)), START_TIMEOUT_MS)) || exited()) {
    await stop();
    t.fail(`moto_server did not start on ${endpoint}: ${stderr}`);
    return undefined;
  }
  return {
    endpoint,
    stop,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
  };
}

function missing(t: TapLike): undefined {
  if (process.env.CI === 'true') {
    t.fail('moto_server is not on PATH; the contract suite must run in CI (pip install "moto[server]")');
  } else {
    t.comment('moto_server is not on PATH; skipping (this fails under CI=true)');
    t.skip?.('moto_server not installed', () => undefined);
  }
  return undefined;
}
