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
  | 'tagging-read';

/** Burst and refill per second of each category ("Request throttling for the Amazon ECS API"). */
export const API_LIMITS: Readonly<Record<ApiCategory, { burst: number; perSecond: number }>> = {
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

/**
 * Every ECS and Cloud Map operation the product may call, with its throttling category.
 * This is the one list: `send` runs only these, and the IAM policy is checked against it.
 */
export const API_OPERATIONS: Readonly<Record<AwsService, Readonly<Record<string, ApiCategory>>>> = {
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

export type CallEvent =
  /** An operation finished: `outcome` is `ok` or the error's name. */
  | { kind: 'operation'; service: AwsService; operation: string; outcome: string }
  /** One HTTP attempt finished. */
  | { kind: 'attempt'; service: AwsService; operation: string; outcome: string; throttled: boolean; seconds: number };

const zero = (): OperationStats => ({ calls: 0, errors: 0, throttles: 0, attempts: 0, seconds: 0 });

export class CallRecorder {
  private stats = new Map<string, OperationStats>();
  private readonly listeners = new Set<(event: CallEvent) => void>();
  private wire = 0;

  record(event: CallEvent): void {
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

  /** Subscribes to every operation and attempt; returns the unsubscribe function. */
  onCall(listener: (event: CallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

// ---------------------------------------------------------------- client-side rate limiting

interface Bucket {
  tokens: number;
  at: number;
  burst: number;
  perMs: number;
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

/**
 * Token buckets per API category. `acquire` reserves a token at once — the bucket may go
 * negative — and sleeps until the reservation is covered, so waiters are served in
 * arrival order and the sleep is computed once, not polled.
 */
export class RateLimiter {
  private readonly buckets = new Map<ApiCategory, Bucket>();
  private readonly clock: Clock;

  constructor(options: RateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const scale = (options.scale ?? 1) * (options.headroom ?? DEFAULT_HEADROOM);
    const now = this.clock.now();
    for (const category of Object.keys(API_LIMITS) as ApiCategory[]) {
      const published = options.limits?.[category] ?? API_LIMITS[category];
      const reserved = CLIENT_READ_LIMITS[category] ?? { burst: 0, perSecond: 0 };
      const limit = { burst: Math.max(1, published.burst - reserved.burst), perSecond: Math.max(published.perSecond / 10, published.perSecond - reserved.perSecond) };
      this.buckets.set(category, { tokens: limit.burst, at: now, burst: limit.burst, perMs: (limit.perSecond * scale) / 1000 });
    }
  }

  /** Milliseconds a caller arriving now would wait for `category` (0 when a token is free). */
  delayFor(category: ApiCategory): number {
    const bucket = this.refill(category);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / bucket.perMs);
  }

  async acquire(category: ApiCategory, signal?: AbortSignal): Promise<void> {
    const bucket = this.refill(category);
    bucket.tokens -= 1;
    if (bucket.tokens >= 0) return;
    await this.clock.sleep(Math.ceil(-bucket.tokens / bucket.perMs), signal);
  }

  private refill(category: ApiCategory): Bucket {
    const bucket = this.buckets.get(category)!;
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
  credentials?: { accessKeyId: string; secretAccessKey: string };
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
const DUMMY_CREDENTIALS = { accessKeyId: 'ecs-gitops', secretAccessKey: 'ecs-gitops' };

const operationOf = (context: HandlerExecutionContext) => (context.commandName ?? 'Unknown').replace(/Command$/, '');

const errorName = (err: unknown) => (err instanceof Error ? err.name : 'Error');

interface Stack {
  add(middleware: unknown, options: Record<string, unknown>): void;
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
}

function instrument(stack: Stack, service: AwsService, calls: CallRecorder, limiter: RateLimiter | undefined): void {
  // Operations: the outermost step, once per `send`.
  stack.add(
    <Output extends MetadataBearer>(next: InitializeHandler<object, Output>, context: HandlerExecutionContext) =>
      async (args: InitializeHandlerArguments<object>) => {
        const operation = operationOf(context);
        try {
          const result = await next(args);
          calls.record({ kind: 'operation', service, operation, outcome: 'ok' });
          return result;
        } catch (err) {
          calls.record({ kind: 'operation', service, operation, outcome: errorName(err) });
          throw err;
        }
      },
    { step: 'initialize', priority: 'high', name: 'ecsGitopsCountOperations' },
  );
  if (limiter) {
    stack.add(
      <Output extends MetadataBearer>(next: InitializeHandler<object, Output>, context: HandlerExecutionContext) =>
        async (args: InitializeHandlerArguments<object>) => {
          const category = categoryOf(service, operationOf(context));
          // A client read spends the HTTP layer's slice (CLIENT_READ_LIMITS), never reconciliation's.
          if (category && !clientReads.getStore()) await limiter.acquire(category);
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
          calls.record({ kind: 'attempt', service, operation, outcome: 'ok', throttled: false, seconds: (performance.now() - started) / 1000 });
          return result;
        } catch (err) {
          calls.onWire(-1);
          const name = errorName(err);
          calls.record({ kind: 'attempt', service, operation, outcome: name, throttled: THROTTLING_ERRORS.has(name), seconds: (performance.now() - started) / 1000 });
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

export function createAwsClients(config: AwsConfig, options: { calls?: CallRecorder; limiter?: RateLimiter } = {}): AwsClients {
  const calls = options.calls ?? new CallRecorder();
  const limiter = options.limiter;
  const shared = {
    region: config.region,
    retryMode: 'standard',
    maxAttempts: config.maxAttempts ?? 3,
    ...(config.endpoint ? { endpoint: config.endpoint, credentials: config.credentials ?? DUMMY_CREDENTIALS } : config.credentials ? { credentials: config.credentials } : {}),
  };
  const ecs = new ECSClient(shared);
  // The SDK would send Cloud Map's data-plane calls to `data-<host>`; a local endpoint has no such host.
  const cloudMap = new ServiceDiscoveryClient(config.endpoint ? { ...shared, disableHostPrefix: true } : shared);
  instrument(ecs.middlewareStack as unknown as Stack, 'ecs', calls, limiter);
  answerLost(ecs.middlewareStack as unknown as Stack);
  instrument(cloudMap.middlewareStack as unknown as Stack, 'servicediscovery', calls, limiter);
  const tagging = new ResourceGroupsTaggingAPIClient(shared);
  instrument(tagging.middlewareStack as unknown as Stack, 'tagging', calls, limiter);
  return { ecs, cloudMap, tagging, calls, limiter };
}

/** Closes the clients' connection pools. */
export function destroyAwsClients(clients: AwsClients): void {
  clients.ecs.destroy();
  clients.cloudMap.destroy();
  clients.tagging.destroy();
}
