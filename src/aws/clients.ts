/**
 * The AWS SDK v3 clients the controller uses, with two things added through the SDK's
 * middleware stack: a `CallRecorder` that counts operations, attempts, errors and throttles
 * (the numbers behind the API-call metrics and the tests' call budgets), and an optional
 * client-side `RateLimiter` that keeps each ECS API category under AWS's published token
 * bucket, so a large convergence runs at the limit instead of into ThrottlingException.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  MetadataBearer,
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
} from '@smithy/types';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../runtime/clock.js';
import type { AwsService as PlanService } from '../core/plan.js';

/** The services the plan writes to, and the Resource Groups Tagging API, which only reads (Cloud Map ownership in bulk). */
export type AwsService = PlanService | 'tagging';

// ---------------------------------------------------------------- the operations and their limits

/** AWS's throttling categories (ECS publishes them; Cloud Map's control plane gets one conservative bucket). */
export type ApiCategory =
  | 'cluster-modify'
  | 'cluster-read'
  | 'task-definition-modify'
  | 'task-definition-read'
  | 'task-definition-delete'
  | 'tag-modify'
  | 'tag-read'
  | 'service-modify'
  | 'service-read'
  | 'cloudmap'
  | 'tagging-read'
  | 'sts';

/** The categories the client-side limiter paces (STS is called once per credential refresh, never paced). */
export type PacedCategory = Exclude<ApiCategory, 'sts'>;

/** Burst and refill per second of each category ("Request throttling for the Amazon ECS API"). */
export const API_LIMITS: Readonly<Record<PacedCategory, { burst: number; perSecond: number }>> = {
  'cluster-modify': { burst: 20, perSecond: 1 },
  'cluster-read': { burst: 50, perSecond: 20 },
  'task-definition-modify': { burst: 20, perSecond: 1 },
  'task-definition-read': { burst: 50, perSecond: 20 },
  'task-definition-delete': { burst: 5, perSecond: 1 },
  'tag-modify': { burst: 20, perSecond: 10 },
  'tag-read': { burst: 50, perSecond: 20 },
  'service-modify': { burst: 50, perSecond: 5 },
  'service-read': { burst: 100, perSecond: 20 },
  // AWS publishes no control-plane limit for Cloud Map; the simulator uses the same.
  cloudmap: { burst: 50, perSecond: 10 },
  // Nor for the Resource Groups Tagging API; a cold read needs one call per 100 Cloud Map objects.
  'tagging-read': { burst: 10, perSecond: 5 },
};

/** The services the product calls: ECS and Cloud Map for the objects, STS for a target's account and role. */
export type ApiService = AwsService | 'sts';

/**
 * Every ECS, Cloud Map and STS operation the product may call, with its throttling
 * category. This is the one list: `send` runs only the ECS and Cloud Map ones, a target
 * (src/aws/targets.ts) only the STS ones, and the IAM policy is checked against it.
 */
export const API_OPERATIONS: Readonly<Record<ApiService, Readonly<Record<string, ApiCategory>>>> = {
  ecs: {
    DescribeClusters: 'cluster-read',
    ListClusters: 'cluster-read',
    CreateCluster: 'cluster-modify',
    UpdateCluster: 'cluster-modify',
    PutClusterCapacityProviders: 'cluster-modify',
    DeleteCluster: 'cluster-modify',
    RegisterTaskDefinition: 'task-definition-modify',
    DeregisterTaskDefinition: 'task-definition-modify',
    DescribeTaskDefinition: 'task-definition-read',
    ListTaskDefinitions: 'task-definition-read',
    ListTaskDefinitionFamilies: 'task-definition-read',
    CreateService: 'service-modify',
    UpdateService: 'service-modify',
    DeleteService: 'service-modify',
    DescribeServices: 'service-read',
    ListServices: 'service-read',
    // Not in AWS's throttling table; counted with the service reads they follow.
    ListServiceDeployments: 'service-read',
    DescribeServiceRevisions: 'service-read',
    DescribeServiceDeployments: 'service-read',
    TagResource: 'tag-modify',
    UntagResource: 'tag-modify',
    ListTagsForResource: 'tag-read',
  },
  servicediscovery: {
    CreateHttpNamespace: 'cloudmap',
    CreatePrivateDnsNamespace: 'cloudmap',
    CreatePublicDnsNamespace: 'cloudmap',
    UpdateHttpNamespace: 'cloudmap',
    UpdatePrivateDnsNamespace: 'cloudmap',
    UpdatePublicDnsNamespace: 'cloudmap',
    GetNamespace: 'cloudmap',
    ListNamespaces: 'cloudmap',
    DeleteNamespace: 'cloudmap',
    GetOperation: 'cloudmap',
    CreateService: 'cloudmap',
    GetService: 'cloudmap',
    ListServices: 'cloudmap',
    UpdateService: 'cloudmap',
    DeleteService: 'cloudmap',
    RegisterInstance: 'cloudmap',
    DeregisterInstance: 'cloudmap',
    ListInstances: 'cloudmap',
    TagResource: 'cloudmap',
    UntagResource: 'cloudmap',
    ListTagsForResource: 'cloudmap',
  },
  sts: {
    // The account of the default credentials (no permission needed), and a target's role.
    GetCallerIdentity: 'sts',
    AssumeRole: 'sts',
  },
  tagging: {
    // The owner tags of every Cloud Map namespace and service, 100 a call (src/aws/ownership.ts).
    GetResources: 'tagging-read',
  },
};

export function categoryOf(service: AwsService, operation: string): ApiCategory | undefined {
  return Object.hasOwn(API_OPERATIONS[service], operation) ? API_OPERATIONS[service][operation] : undefined;
}

/** Reads change nothing; every other operation is a write. */
export function isReadOperation(operation: string): boolean {
  return /^(Describe|List|Get|Discover)/.test(operation);
}

/** Error names the SDK treats as throttling (the subset AWS's ECS and Cloud Map answer with). */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set(['ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ThrottledException']);

// ---------------------------------------------------------------- call accounting

export interface OperationStats {
  /** Operations (one per `send`, however many attempts). */
  calls: number;
  /** Operations that finally failed. */
  errors: number;
  /** Attempts answered with a throttling error. */
  throttles: number;
  /** HTTP attempts, retries included. */
  attempts: number;
  /** Time spent in attempts, in seconds. */
  seconds: number;
}

/** Per `service:operation`, e.g. `ecs:DescribeServices`. */
export type CallStats = Record<string, OperationStats>;

/** The account and region a call went to (a target's; the account absent when it could not be learned). */
export interface CallTarget {
  account?: string;
  region?: string;
}

export type CallEvent = CallTarget &
  (
    /** An operation finished: `outcome` is `ok` or the error's name. */
    | { kind: 'operation'; service: AwsService; operation: string; outcome: string }
    /** One HTTP attempt finished. */
    | { kind: 'attempt'; service: AwsService; operation: string; outcome: string; throttled: boolean; seconds: number }
    /** An operation waited `seconds` (0 when a token was free) for the rate limiter's `category`. */
    | { kind: 'wait'; service: AwsService; operation: string; category: ApiCategory; seconds: number }
  );

/** A target the recorder's clients talk to, with its rate limiter (when calls are paced). */
export interface RecordedTarget {
  account: string | undefined;
  region: string;
  limiter: RateLimiter | undefined;
}

const zero = (): OperationStats => ({ calls: 0, errors: 0, throttles: 0, attempts: 0, seconds: 0 });

export class CallRecorder {
  private stats = new Map<string, OperationStats>();
  private readonly listeners = new Set<(event: CallEvent) => void>();
  private readonly targetListeners = new Set<(target: RecordedTarget) => void>();
  private readonly known = new Map<string, RecordedTarget>();
  private wire = 0;

  record(event: CallEvent): void {
    if (event.kind === 'wait') {
      for (const listener of this.listeners) listener(event);
      return;
    }
    const key = `${event.service}:${event.operation}`;
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = zero()));
    if (event.kind === 'operation') {
      s.calls++;
      if (event.outcome !== 'ok') s.errors++;
    } else {
      s.attempts++;
      s.seconds += event.seconds;
      if (event.throttled) s.throttles++;
    }
    for (const listener of this.listeners) listener(event);
  }

  /** HTTP attempts sent and not yet answered. */
  inFlight(): number {
    return this.wire;
  }

  /** Marks an attempt as sent (`+1`) or answered (`-1`). */
  onWire(delta: 1 | -1): void {
    this.wire += delta;
  }

  snapshot(): CallStats {
    const out: CallStats = {};
    for (const [key, s] of [...this.stats].sort(([a], [b]) => a.localeCompare(b))) out[key] = { ...s };
    return out;
  }

  /** The sum over every operation, or over those matching `filter`. */
  total(filter?: { service?: AwsService; operation?: string; writes?: boolean }): OperationStats {
    const sum = zero();
    for (const [key, s] of this.stats) {
      const [service, operation] = key.split(':') as [AwsService, string];
      if (filter?.service && filter.service !== service) continue;
      if (filter?.operation && filter.operation !== operation) continue;
      if (filter?.writes !== undefined && filter.writes === isReadOperation(operation)) continue;
      sum.calls += s.calls;
      sum.errors += s.errors;
      sum.throttles += s.throttles;
      sum.attempts += s.attempts;
      sum.seconds += s.seconds;
    }
    return sum;
  }

  /** Number of operations that may change something (everything but Describe/List/Get/Discover). */
  writes(): number {
    return this.total({ writes: true }).calls;
  }

  reset(): void {
    this.stats = new Map();
  }

  /** Subscribes to every operation, attempt and limiter wait; returns the unsubscribe function. */
  onCall(listener: (event: CallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Names an account and region the recorder's clients call (once each); the metrics give it its series. */
  addTarget(target: RecordedTarget): void {
    const key = `${target.account ?? ''}\0${target.region}`;
    if (this.known.has(key)) return;
    this.known.set(key, target);
    for (const listener of this.targetListeners) listener(target);
  }

  /** The targets named so far. */
  targets(): RecordedTarget[] {
    return [...this.known.values()];
  }

  /** Subscribes to targets named from now on; returns the unsubscribe function. */
  onTarget(listener: (target: RecordedTarget) => void): () => void {
    this.targetListeners.add(listener);
    return () => this.targetListeners.delete(listener);
  }
}

// ---------------------------------------------------------------- client-side rate limiting

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

interface Bucket {
  tokens: number;
  at: number;
  burst: number;
  perMs: number;
  /** Callers waiting for a token, by application, in the order the applications first queued. */
  queues: Map<string, Waiter[]>;
  waiting: number;
  /** A wake-up is scheduled for the first waiter. */
  draining: boolean;
}

export const DEFAULT_HEADROOM = 0.97;

/**
 * The slice of AWS's buckets kept for reads made on behalf of HTTP clients (the status
 * API's live Cloud Map instances). Reconciliation's buckets are the published limits minus
 * this slice, and a client read never draws on them: however hard the API is polled,
 * the controller's own calls keep their full share. The HTTP layer enforces the slice.
 */
export const CLIENT_READ_LIMITS: Readonly<Partial<Record<ApiCategory, { burst: number; perSecond: number }>>> = {
  cloudmap: { burst: 5, perSecond: 1 },
};

const clientReads = new AsyncLocalStorage<true>();

/** Runs `read` as a read on behalf of an HTTP client: the rate limiter leaves reconciliation's tokens alone. */
export function onBehalfOfClient<T>(read: () => Promise<T>): Promise<T> {
  return clientReads.run(true, read);
}

export interface RateLimiterOptions {
  clock?: Clock;
  /** Multiplies every refill rate (benchmarks run AWS's shape faster). Default 1. */
  scale?: number;
  /** Overrides of `API_LIMITS` per category. */
  limits?: Partial<Record<ApiCategory, { burst: number; perSecond: number }>>;
  /**
   * Fraction of the published refill rate to use. AWS's bucket and ours run on different
   * clocks, a network hop apart; spacing calls exactly at the published rate lets jitter
   * land one just before AWS has its token. Default 0.97.
   */
  headroom?: number;
}

/** Whose call waits for a token: the application (limiters are shared by the applications of one account and region). */
export interface AcquireOptions {
  application?: string;
  signal?: AbortSignal;
}

/** A bucket within this much of a whole token counts as having it (refill arithmetic is in floating point). */
const EPSILON = 1e-9;

/**
 * Token buckets per API category, for one account and region (AWS's limits are per
 * account and region). A caller takes a token at once when one is free and nobody waits;
 * otherwise it queues behind its own application's earlier calls, and each token that
 * refills goes to the next application in turn: one application's burst of a hundred
 * calls delays another's single call by one token, not by a hundred. The wake-up is
 * computed once per token, never polled.
 */
export class RateLimiter {
  private readonly buckets = new Map<PacedCategory, Bucket>();
  private readonly clock: Clock;

  constructor(options: RateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const scale = (options.scale ?? 1) * (options.headroom ?? DEFAULT_HEADROOM);
    const now = this.clock.now();
    for (const category of Object.keys(API_LIMITS) as PacedCategory[]) {
      const published = options.limits?.[category] ?? API_LIMITS[category];
      const reserved = CLIENT_READ_LIMITS[category] ?? { burst: 0, perSecond: 0 };
      const limit = { burst: Math.max(1, published.burst - reserved.burst), perSecond: Math.max(published.perSecond / 10, published.perSecond - reserved.perSecond) };
      this.buckets.set(category, { tokens: limit.burst, at: now, burst: limit.burst, perMs: (limit.perSecond * scale) / 1000, queues: new Map(), waiting: 0, draining: false });
    }
  }

  /** The categories this limiter paces. */
  categories(): PacedCategory[] {
    return [...this.buckets.keys()];
  }

  /** Tokens free in `category` now (negative never; 0 while callers wait). */
  available(category: ApiCategory): number {
    const bucket = this.bucket(category);
    if (!bucket) return Infinity;
    return bucket.waiting > 0 ? 0 : Math.max(0, this.refill(bucket).tokens);
  }

  /** The limiter's clock, in milliseconds. */
  now(): number {
    return this.clock.now();
  }

  /** Callers waiting for a token of `category`. */
  waiting(category: ApiCategory): number {
    return this.bucket(category)?.waiting ?? 0;
  }

  /** Milliseconds a caller arriving now would wait for `category` (0 when a token is free). */
  delayFor(category: ApiCategory): number {
    const bucket = this.bucket(category);
    if (!bucket) return 0;
    this.refill(bucket);
    const needed = 1 + bucket.waiting - bucket.tokens;
    return needed <= EPSILON ? 0 : Math.ceil(needed / bucket.perMs);
  }

  /** Resolves when a token of `category` is the caller's; rejects with the signal's reason when it aborts first. */
  acquire(category: ApiCategory, { application = '', signal }: AcquireOptions = {}): Promise<void> {
    const bucket = this.bucket(category);
    if (!bucket) return Promise.resolve();
    this.refill(bucket);
    if (bucket.waiting === 0 && bucket.tokens >= 1 - EPSILON) {
      bucket.tokens -= 1;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      let queue = bucket.queues.get(application);
      if (!queue) bucket.queues.set(application, (queue = []));
      const waiter: Waiter = { resolve, reject };
      if (signal) {
        const onAbort = () => {
          if (!this.remove(bucket, application, waiter)) return;
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.resolve = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      }
      queue.push(waiter);
      bucket.waiting++;
      this.drain(bucket);
    });
  }

  private bucket(category: ApiCategory): Bucket | undefined {
    return this.buckets.get(category as PacedCategory);
  }

  private remove(bucket: Bucket, application: string, waiter: Waiter): boolean {
    const queue = bucket.queues.get(application);
    const at = queue?.indexOf(waiter) ?? -1;
    if (!queue || at < 0) return false;
    queue.splice(at, 1);
    if (queue.length === 0) bucket.queues.delete(application);
    bucket.waiting--;
    return true;
  }

  /** Hands the free tokens out, one application at a time, and sleeps until the next token when callers remain. */
  private drain(bucket: Bucket): void {
    if (bucket.draining) return;
    this.refill(bucket);
    while (bucket.waiting > 0 && bucket.tokens >= 1 - EPSILON) {
      // The application first in line gets one token, then goes to the back of the line.
      const [application, queue] = bucket.queues.entries().next().value as [string, Waiter[]];
      bucket.queues.delete(application);
      const waiter = queue.shift()!;
      if (queue.length > 0) bucket.queues.set(application, queue);
      bucket.waiting--;
      bucket.tokens -= 1;
      waiter.resolve();
    }
    if (bucket.waiting === 0) return;
    bucket.draining = true;
    void this.clock.sleep(Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.perMs))).then(() => {
      bucket.draining = false;
      this.drain(bucket);
    });
  }

  private refill(bucket: Bucket): Bucket {
    const now = this.clock.now();
    if (now > bucket.at) {
      bucket.tokens = Math.min(bucket.burst, bucket.tokens + (now - bucket.at) * bucket.perMs);
      bucket.at = now;
    }
    return bucket;
  }
}

// ---------------------------------------------------------------- the clients

export interface AwsConfig {
  region: string;
  /** One URL for both services (the simulator, moto, a VPC endpoint proxy). */
  endpoint?: string;
  /** Fixed credentials, or a provider (a target's assumed role); the SDK's default chain when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SDK attempts per operation (standard retry mode). Default 3. */
  maxAttempts?: number;
}

export interface AwsClients {
  ecs: ECSClient;
  cloudMap: ServiceDiscoveryClient;
  tagging: ResourceGroupsTaggingAPIClient;
  calls: CallRecorder;
  limiter: RateLimiter | undefined;
}

/** Any endpoint other than AWS accepts any credentials; signing still needs some. */
export const DUMMY_CREDENTIALS = { accessKeyId: 'ecs-gitops', secretAccessKey: 'ecs-gitops' };

/** The endpoint and the credentials to sign with, as client configuration. */
export function withCredentials<C extends object>(endpoint: string | undefined, credentials: C | undefined) {
  const signing = signingCredentials(endpoint, credentials);
  return { ...(endpoint ? { endpoint } : {}), ...(signing ? { credentials: signing } : {}) };
}

/** The credentials to sign with: those given, else dummy ones at an endpoint other than AWS's (it accepts any; signing still needs some), else the SDK's own chain (undefined). */
export function signingCredentials<C extends object>(endpoint: string | undefined, credentials: C | undefined): C | typeof DUMMY_CREDENTIALS | undefined {
  return credentials ?? (endpoint ? DUMMY_CREDENTIALS : undefined);
}

const operationOf = (context: HandlerExecutionContext) => (context.commandName ?? 'Unknown').replace(/Command$/, '');

const errorName = (err: unknown) => (err instanceof Error ? err.name : 'Error');

interface Stack {
  add(middleware: unknown, options: Record<string, unknown>): void;
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
}

/** Where the clients' calls go and for whom: the labels of their events, the limiter's queue. */
interface CallContext extends CallTarget {
  application?: string;
}

function instrument(stack: Stack, service: AwsService, calls: CallRecorder, limiter: RateLimiter | undefined, where: CallContext): void {
  const target: CallTarget = { ...(where.account !== undefined ? { account: where.account } : {}), ...(where.region !== undefined ? { region: where.region } : {}) };
  // Operations: the outermost step, once per `send`.
  stack.add(
    <Output extends MetadataBearer>(next: InitializeHandler<object, Output>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<object>) => {
        const operation = operationOf(context);
        try {
          const result = await next(args);
          calls.record({ kind: 'operation', service, operation, outcome: 'ok', ...target });
          return result;
        } catch (err) {
          calls.record({ kind: 'operation', service, operation, outcome: errorName(err), ...target });
          throw err;
        }
      },
    { step: 'initialize', priority: 'high', name: 'ecsGitopsCountOperations' },
  );
  if (limiter) {
    stack.add(
      <Output extends MetadataBearer>(next: InitializeHandler<object, Output>, context: HandlerExecutionContext) =>
        async (args: InitializeHandlerArguments<object>) => {
          const operation = operationOf(context);
          const category = categoryOf(service, operation);
          // A client read spends the HTTP layer's slice (CLIENT_READ_LIMITS), never reconciliation's.
          if (category && !clientReads.getStore()) {
            const started = limiter.now();
            await limiter.acquire(category, where.application !== undefined ? { application: where.application } : {});
            calls.record({ kind: 'wait', service, operation, category, seconds: (limiter.now() - started) / 1000, ...target });
          }
          return next(args);
        },
      { step: 'initialize', priority: 'low', name: 'ecsGitopsRateLimit' },
    );
  }
  // Attempts: inside the retry loop, once per HTTP request.
  stack.addRelativeTo(
    <Output extends MetadataBearer>(next: FinalizeHandler<object, Output>, context: HandlerExecutionContext) =>
      async (args: FinalizeHandlerArguments<object>) => {
        const operation = operationOf(context);
        const started = performance.now();
        calls.onWire(1);
        try {
          const result = await next(args);
          calls.onWire(-1);
          calls.record({ kind: 'attempt', service, operation, outcome: 'ok', throttled: false, seconds: (performance.now() - started) / 1000, ...target });
          return result;
        } catch (err) {
          calls.onWire(-1);
          const name = errorName(err);
          calls.record({ kind: 'attempt', service, operation, outcome: name, throttled: THROTTLING_ERRORS.has(name), seconds: (performance.now() - started) / 1000, ...target });
          throw err;
        }
      },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'ecsGitopsCountAttempts' },
  );
}

/**
 * Writes AWS may have carried out although no answer came back, and that carry no token
 * that makes a second attempt the same call (RegisterTaskDefinition would register a
 * second identical revision). The SDK never sends these again blind: an attempt that
 * fails without a definite refusal (a connection lost, a timeout, a 5xx) ends the
 * operation with an `AnswerLost` error, which the SDK's retry strategy does not retry;
 * the executor looks for what the lost attempt made before it tries again.
 */
export const NOT_IDEMPOTENT: ReadonlySet<string> = new Set(['RegisterTaskDefinition']);

/**
 * A write of NOT_IDEMPOTENT whose outcome is unknown, carrying the attempt's error as
 * `original`. No `cause` and no status: the SDK must take it for a refusal, not retry it.
 */
export class AnswerLost extends Error {
  override readonly name = 'AnswerLost';
  constructor(
    operation: string,
    readonly original: unknown,
  ) {
    const e = original as { name?: string; code?: string; message?: string };
    super(`${operation} sent, but no answer came back (${e?.code ?? e?.name ?? 'Error'}: ${e?.message ?? String(original)}); it may have taken effect`);
  }
}

function answerLost(stack: Stack): void {
  stack.addRelativeTo(
    <Output extends MetadataBearer>(next: FinalizeHandler<object, Output>, context: HandlerExecutionContext) =>
      async (args: FinalizeHandlerArguments<object>) => {
        const operation = operationOf(context);
        if (!NOT_IDEMPOTENT.has(operation)) return next(args);
        try {
          return await next(args);
        } catch (err) {
          const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
          const status = e?.$metadata?.httpStatusCode;
          // A 4xx (throttling included) is a refusal: nothing was done, the SDK may retry it.
          if (e?.name === 'AbortError' || (status !== undefined && status >= 400 && status < 500)) throw err;
          throw new AnswerLost(operation, err);
        }
      },
    { relation: 'before', toMiddleware: 'ecsGitopsCountAttempts', name: 'ecsGitopsAnswerLost' },
  );
}

export interface AwsClientOptions {
  /** Shared with other clients: one recorder behind one set of metrics. */
  calls?: CallRecorder;
  /** Shared by every client of the same account and region. */
  limiter?: RateLimiter;
  /** The account the calls go to, as the metrics label it. */
  account?: string;
  /** Whose calls these are: the limiter serves applications in turn. */
  application?: string;
}

export function createAwsClients(config: AwsConfig, options: AwsClientOptions = {}): AwsClients {
  const calls = options.calls ?? new CallRecorder();
  const limiter = options.limiter;
  const where: CallContext = { region: config.region, ...(options.account !== undefined ? { account: options.account } : {}), ...(options.application !== undefined ? { application: options.application } : {}) };
  const shared = {
    region: config.region,
    retryMode: 'standard',
    maxAttempts: config.maxAttempts ?? 3,
    ...withCredentials(config.endpoint, config.credentials),
  };
  const ecs = new ECSClient(shared);
  // The SDK would send Cloud Map's data-plane calls to `data-<host>`; a local endpoint has no such host.
  const cloudMap = new ServiceDiscoveryClient(config.endpoint ? { ...shared, disableHostPrefix: true } : shared);
  instrument(ecs.middlewareStack as unknown as Stack, 'ecs', calls, limiter, where);
  answerLost(ecs.middlewareStack as unknown as Stack);
  instrument(cloudMap.middlewareStack as unknown as Stack, 'servicediscovery', calls, limiter, where);
  const tagging = new ResourceGroupsTaggingAPIClient(shared);
  instrument(tagging.middlewareStack as unknown as Stack, 'tagging', calls, limiter, where);
  calls.addTarget({ account: options.account, region: config.region, limiter });
  return { ecs, cloudMap, tagging, calls, limiter };
}

/** Closes the clients' connection pools. */
export function destroyAwsClients(clients: AwsClients): void {
  clients.ecs.destroy();
  clients.cloudMap.destroy();
  clients.tagging.destroy();
}
