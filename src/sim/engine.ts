// The simulator without a socket: state, clock-driven transitions, faults, throttling,
// eventual consistency and persistence behind one `invoke(target, body)` call. The HTTP
// server in server.ts only translates requests to `invoke` and answers back.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CLOUDMAP_OPERATIONS, CLOUDMAP_READS, cloudMapHooks, nextCloudMapDue, processCloudMapDue } from './cloudmap.js';
import type { SimClock, SimTimer } from './clock.js';
import { RealClock } from './clock.js';
import type { FaultSettings, RolloutTimings, SimContext } from './context.js';
import { DEFAULT_FAULTS, DEFAULT_TIMINGS } from './context.js';
import { ECS_OPERATIONS, ECS_READS } from './ecs.js';
import type { Service } from './errors.js';
import { AwsError, accessDenied, serverError, throttled, unknownOperation } from './errors.js';
import { arns } from './ids.js';
import { nextDue, processDue, reconcileService } from './rollout.js';
import type { SimState, TaskState } from './state.js';
import { clone, emptyState } from './state.js';
import { typeProblem } from './shapes.js';
import { TAGGING_OPERATIONS, TAGGING_READS } from './tagging.js';
import { Throttler } from './throttle.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';
export const CLOUDMAP_TARGET_PREFIX = 'Route53AutoNaming_v20170314';
export const TAGGING_TARGET_PREFIX = 'ResourceGroupsTaggingAPI_20170126';

/** Each service's target prefix, operations, read operations and IAM action prefix. */
const SERVICES: Record<string, { service: Service; operations: Record<string, (ctx: SimContext, input: object) => unknown>; reads: ReadonlySet<string>; iam: string }> = {
  [ECS_TARGET_PREFIX]: { service: 'ecs', operations: ECS_OPERATIONS, reads: ECS_READS, iam: 'ecs' },
  [CLOUDMAP_TARGET_PREFIX]: { service: 'cloudmap', operations: CLOUDMAP_OPERATIONS, reads: CLOUDMAP_READS, iam: 'servicediscovery' },
  [TAGGING_TARGET_PREFIX]: { service: 'tagging', operations: TAGGING_OPERATIONS, reads: TAGGING_READS, iam: 'tag' },
};

export interface EngineOptions {
  /** Default us-east-1. */
  region?: string;
  /** Default 123456789012. */
  accountId?: string;
  /** Default: real time. */
  clock?: SimClock;
  /** AWS token buckets on/off (default off). */
  throttle?: boolean;
  /** Multiplies bucket refill rates (default 1). */
  rateScale?: number;
  /** JSON persistence: loaded at start, saved on change (debounced) and on close. */
  stateFile?: string;
  faults?: Partial<FaultSettings>;
  /** How long tasks take to start/stop etc. on the clock; defaults give a demo rollout of a few seconds. */
  rolloutTimings?: Partial<RolloutTimings>;
}

export interface InvokeResult {
  status: number;
  body: unknown;
  /** The `dropRate` fault: the call took effect, but the server resets the connection instead of answering. */
  drop?: true;
}

const SAVE_DEBOUNCE_MS = 200;

/** mulberry32: a small seeded PRNG so injected error rates are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SimEngine {
  readonly region: string;
  readonly accountId: string;
  readonly clock: SimClock;
  readonly timings: RolloutTimings;
  readonly faults: FaultSettings;
  private state: SimState;
  private readonly throttler: Throttler;
  private random: () => number;
  private readonly lag = new Map<string, { until: number; before: unknown }>();
  private timer: SimTimer | undefined;
  private timerAt: number | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly stateFile: string | undefined;
  private readonly ctx: SimContext;

  constructor(opts: EngineOptions = {}) {
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '123456789012';
    this.clock = opts.clock ?? new RealClock();
    this.timings = { ...DEFAULT_TIMINGS, ...(opts.rolloutTimings ?? {}) };
    this.faults = { ...clone(DEFAULT_FAULTS), ...(opts.faults ?? {}) };
    if (opts.throttle !== undefined) this.faults.throttle = opts.throttle;
    this.throttler = new Throttler(this.clock, opts.rateScale ?? 1);
    this.random = prng(this.faults.seed);
    this.stateFile = opts.stateFile;
    this.state = this.load();
    const getState = (): SimState => this.state;
    const arnMaker = arns(this.region, this.accountId);
    this.ctx = {
      get state() { return getState(); },
      clock: this.clock,
      arns: arnMaker,
      region: this.region,
      accountId: this.accountId,
      timings: this.timings,
      faults: this.faults,
      nextSeq: () => ++this.state.seq,
      written: (key, before) => this.written(key, before),
      visible: (key, current) => this.visible(key, current),
      cloudMap: cloudMapHooks(() => this.ctx),
    };
    this.settle();
  }

  /** Answers one API call: `target` is the X-Amz-Target header, `body` the raw JSON text. */
  invoke(target: string | undefined, body: string): InvokeResult {
    const dot = (target ?? '').lastIndexOf('.');
    const prefix = dot > 0 ? (target as string).slice(0, dot) : '';
    const operation = dot > 0 ? (target as string).slice(dot + 1) : '';
    const known = Object.hasOwn(SERVICES, prefix) ? SERVICES[prefix] : undefined;
    const service: Service = known?.service ?? 'ecs';
    const table = known?.operations;
    const handler = table && Object.hasOwn(table, operation) ? table[operation] : undefined;
    try {
      if (!handler) throw unknownOperation();
      let input: unknown;
      try {
        input = body.trim() === '' ? {} : JSON.parse(body);
      } catch {
        throw new AwsError('SerializationException', 'Request body is not valid JSON.', { namespace: 'com.amazon.coral.service' });
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new AwsError('SerializationException', 'Request body must be a JSON object.', { namespace: 'com.amazon.coral.service' });
      }
      const problem = typeProblem(service, operation, input);
      if (problem) throw new AwsError('SerializationException', problem, { namespace: 'com.amazon.coral.service' });
      const f = this.faults;
      const action = `${known!.iam}:${operation}`;
      if (f.deniedOperations.includes(operation) || f.deniedOperations.includes(action)) throw accessDenied(action, this.accountId);
      if (f.errorRate > 0 && (f.errorOperations.length === 0 || f.errorOperations.includes(operation)) && this.random() < f.errorRate) {
        throw serverError(service);
      }
      if (f.throttle && !this.throttler.take(service, operation)) throw throttled(service);
      const result = handler(this.ctx, input);
      const read = known!.reads.has(operation);
      if (!read) this.settle();
      if (!read && f.dropRate > 0 && (f.dropOperations.length === 0 || f.dropOperations.includes(operation)) && this.random() < f.dropRate) {
        return { status: 200, body: result, drop: true };
      }
      return { status: 200, body: result };
    } catch (err) {
      if (err instanceof AwsError) return { status: err.status, body: err.body(service) };
      const message = err instanceof Error ? err.message : String(err);
      const e = service === 'ecs'
        ? new AwsError('ServerException', `Internal error: ${message}`, { status: 500 })
        : new AwsError('InternalFailure', `Internal error: ${message}`, { status: 500, namespace: 'com.amazon.coral.service' });
      return { status: e.status, body: e.body(service) };
    }
  }

  setFaults(f: Partial<FaultSettings>): void {
    Object.assign(this.faults, clone(f));
    if (f.seed !== undefined) this.random = prng(f.seed);
    if (f.throttle === false) this.throttler.reset();
  }

  /** Forgets all state (and lagging reads and throttling buckets); faults stay as set. */
  reset(): void {
    this.state = emptyState();
    this.lag.clear();
    this.throttler.reset();
    this.settle();
  }

  dump(): SimState {
    return clone(this.state);
  }

  /** Applies due transitions, reconciles every service, re-arms the timer, schedules a save. */
  settle(): void {
    processCloudMapDue(this.ctx);
    processDue(this.ctx);
    for (const svc of this.state.services) reconcileService(this.ctx, svc);
    this.arm();
    this.scheduleSave();
  }

  private arm(): void {
    const a = nextDue(this.ctx);
    const b = nextCloudMapDue(this.ctx);
    const due = a === undefined ? b : b === undefined ? a : Math.min(a, b);
    if (due === this.timerAt && this.timer) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = due;
    if (due === undefined) return;
    this.timer = this.clock.setTimer(due - this.clock.now(), () => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.settle();
    });
  }

  private written(key: string, before: unknown): void {
    const lagMs = this.faults.consistencyLagMs;
    if (lagMs <= 0) return;
    const now = this.clock.now();
    const existing = this.lag.get(key);
    const keep = existing && existing.until > now ? existing.before : before;
    this.lag.set(key, { until: now + lagMs, before: keep });
  }

  private visible<T>(key: string, current: T | undefined): T | undefined {
    if (this.lag.size === 0) return current;
    const entry = this.lag.get(key);
    if (!entry) return current;
    if (entry.until <= this.clock.now()) {
      this.lag.delete(key);
      return current;
    }
    return entry.before as T | undefined;
  }

  private load(): SimState {
    if (!this.stateFile || !existsSync(this.stateFile)) return emptyState();
    const parsed = JSON.parse(readFileSync(this.stateFile, 'utf8')) as SimState;
    if (parsed?.version !== 1) throw new Error(`${this.stateFile}: not a simulator state file (version ${String(parsed?.version)})`);
    const state = { ...emptyState(), ...parsed };
    // State files written before tasks were grouped hold one task per entry.
    for (const svc of state.services) {
      for (const t of svc.tasks as (TaskState & { ip?: string })[]) {
        if (t.count !== undefined) continue;
        const [, b, c, d] = (t.ip ?? '10.0.0.0').split('.').map(Number);
        Object.assign(t, { id: t.id.slice(0, 24), first: parseInt(t.id.slice(24), 16) || 0, count: 1, ipBase: (b << 16) + (c << 8) + d, registered: t.registeredIn.length > 0 ? 1 : 0 });
        delete t.ip;
      }
    }
    return state;
  }

  private scheduleSave(): void {
    if (!this.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, SAVE_DEBOUNCE_MS);
    this.saveTimer.unref();
  }

  /** Writes the state file now (temp file + rename, so a crash never leaves half a file). */
  save(): void {
    if (!this.stateFile) return;
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.stateFile);
  }

  /** Stops timers and flushes the state file. */
  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    this.save();
  }
}
