// The embedded AWS: ECS and Cloud Map on the AWS JSON 1.1 wire protocol. `startSimulator`
// runs it on a 127.0.0.1 port for tests and the daemon's embedded mode; see README.md
// beside this file for the behaviour it implements.
import type { AddressInfo } from 'node:net';
import type { SimClock } from './clock.js';
import type { FaultSettings } from './context.js';
import { DEFAULT_FAULTS, DEFAULT_TIMINGS } from './context.js';
import type { EngineOptions, InvokeResult } from './engine.js';
import { CLOUDMAP_TARGET_PREFIX, ECS_TARGET_PREFIX, SimEngine } from './engine.js';
import { createSimServer } from './server.js';
import type { SimState } from './state.js';

export type { SimClock, SimTimer } from './clock.js';
export { ManualClock, RealClock } from './clock.js';
export type { FaultSettings, RolloutTimings } from './context.js';
export type { InvokeResult } from './engine.js';
export type { SimState } from './state.js';
export { DEFAULT_FAULTS, DEFAULT_TIMINGS, ECS_TARGET_PREFIX, CLOUDMAP_TARGET_PREFIX, SimEngine };

export interface SimulatorOptions extends EngineOptions {
  /** 0 / undefined = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface SimFaults {
  /** The current settings (a copy). */
  get(): FaultSettings;
  /** Merges the given settings. */
  set(f: Partial<FaultSettings>): void;
  /** Tasks of containers with this image fail to start from now on. */
  failImage(image: string): void;
  /** Tasks of this image start normally again. */
  healImage(image: string): void;
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:41234 — one endpoint for both ECS and Cloud Map. */
  endpoint: string;
  region: string;
  accountId: string;
  clock: SimClock;
  faults: SimFaults;
  /** Answers one API call in-process, without HTTP (same semantics as the endpoint). */
  invoke(target: string, body: string): InvokeResult;
  /** Forgets all AWS state. */
  reset(): void;
  /** A copy of the whole state. */
  dump(): SimState;
  close(): Promise<void>;
}

function faultsOf(engine: SimEngine): SimFaults {
  return {
    get: () => JSON.parse(JSON.stringify(engine.faults)) as FaultSettings,
    set: (f) => engine.setFaults(f),
    failImage: (image) => {
      if (!engine.faults.failingImages.includes(image)) engine.setFaults({ failingImages: [...engine.faults.failingImages, image] });
    },
    healImage: (image) => engine.setFaults({ failingImages: engine.faults.failingImages.filter((i) => i !== image) }),
  };
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const engine = new SimEngine(opts);
  const server = createSimServer(engine);
  server.keepAliveTimeout = 5000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://${shownHost}:${port}`,
    region: engine.region,
    accountId: engine.accountId,
    clock: engine.clock,
    faults: faultsOf(engine),
    invoke: (target, body) => engine.invoke(target, body),
    reset: () => engine.reset(),
    dump: () => engine.dump(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        engine.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
