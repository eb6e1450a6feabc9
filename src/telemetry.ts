/**
 * Logs and metrics. The logger is pino writing JSON lines (or, for a person at a
 * terminal, the same events as text lines through pino-pretty); a reconcile's child logger
 * carries `kind`, `name`, `revision` and `reconcileId` so one resource's story can be
 * filtered out of the stream. The metrics live in their own prom-client `Registry`, named
 * the Prometheus way (prefix `ecs_gitops_`, base units, `_total`, `_info`,
 * `_timestamp_seconds`), and every series exists from the first scrape: each label
 * combination the product can produce starts at 0, so dashboards and `rate()` never see
 * a series appear out of nothing.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KINDS } from './api/kinds.js';
import type { Kind } from './api/kinds.js';
import { API_OPERATIONS } from './aws/clients.js';
import type { AwsService, CallEvent, CallRecorder, RecordedTarget } from './aws/clients.js';
import type { HealthStatus } from './core/health.js';
import type { SyncStatus } from './core/plan.js';
import type { StatusStore } from './runtime/status.js';
import { NOTIFICATION_RESULTS, SINK_TYPES, type NotificationResult, type SinkType } from './notify/delivery.js';
import { NOTIFICATION_EVENTS, type NotificationEvent } from './notify/events.js';

// ---------------------------------------------------------------- logs

export type Logger = PinoLogger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LoggerOptions {
  level: LogLevel;
  /** JSON lines (the default: for CloudWatch and log shippers) or text lines for a terminal. */
  format?: LogFormat;
  /** With `format: 'text'`: colour the level and the fields. */
  color?: boolean;
  /** Where the lines go; standard output when absent. */
  destination?: DestinationStream;
}

/** What a reconcile's child logger carries on every line. */
export interface ReconcileLogContext {
  kind: Kind;
  name: string;
  revision?: string;
  reconcileId: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    // Level names instead of numbers and ISO times: CloudWatch Logs Insights and humans read these directly.
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { pid: process.pid },
  };
  if (options.format !== 'text') return pino(settings, options.destination ?? pino.destination({ dest: 1, sync: false }));
  // In-process and synchronous: a terminal reads a line as it happens, and no worker thread is started.
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  const toText = textLine(options.color === true);
  return pino(settings, { write: (line: string) => destination.write(toText(line)) });
}

/**
 * One text line per JSON line: local time, level, the resource it is about (`Kind/name`,
 * from a reconcile's `kind` and `name` or a step's `key`), the message, then the other
 * fields as compact JSON.
 */
function textLine(colorize: boolean): (line: string) => string {
  return prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: '{if kind}{kind}/{name} {end}{if key}{key} {end}{msg}',
    ignore: 'pid,hostname,kind,name,key',
    singleLine: true,
    // Errors stay on their line as JSON, like any other field.
    errorLikeObjectKeys: [],
  });
}

/** The child logger of one reconcile of one resource. */
export function reconcileLogger(logger: Logger, context: ReconcileLogContext): Logger {
  return logger.child({ kind: context.kind, name: context.name, revision: context.revision ?? null, reconcileId: context.reconcileId });
}

// ---------------------------------------------------------------- metrics

export const METRIC_PREFIX = 'ecs_gitops_';

/** How one reconcile of one resource ended. */
export const RECONCILE_RESULTS = ['success', 'error', 'conflict', 'stalled'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

export const SYNC_STATUSES: readonly SyncStatus[] = ['Synced', 'OutOfSync', 'Unknown'];
export const HEALTH_STATUSES: readonly HealthStatus[] = ['Healthy', 'Progressing', 'Degraded', 'Missing', 'Unknown'];

/** Seconds; a reconcile ranges from a cached no-op to a rollout wait. */
const RECONCILE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds of one HTTP attempt against ECS or Cloud Map. */
const AWS_REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics' `application` label of a daemon run by the single-application flags (no `--config`). */
export const DEFAULT_APPLICATION = 'default';

/**
 * Every metric the controller defines (prom-client's default process metrics come on top).
 * The controller's series carry the application they are about; `resourceInfo` has one
 * series per resource, so its cardinality is the number of resources the daemon knows.
 */
export const METRICS = {
  reconcileDuration: { name: 'ecs_gitops_reconcile_duration_seconds', type: 'histogram', labels: ['application', 'kind', 'result'], help: 'Time to reconcile one resource, by application, kind and result.' },
  reconcileTotal: { name: 'ecs_gitops_reconcile_total', type: 'counter', labels: ['application', 'kind', 'result'], help: 'Reconciles of one resource, by application, kind and result (success, error, conflict, stalled).' },
  resources: { name: 'ecs_gitops_resources', type: 'gauge', labels: ['application', 'kind', 'sync_status', 'health_status'], help: 'Resources the controller knows, by application, kind, sync status and health status.' },
  resourceInfo: {
    name: 'ecs_gitops_resource_info',
    type: 'gauge',
    labels: ['application', 'kind', 'name', 'sync_status', 'health_status'],
    help: 'One series (value 1) per resource the controller knows, with its current sync and health status; a resource whose status changes moves to a new series, one that is forgotten has none.',
  },
  driftDetected: { name: 'ecs_gitops_drift_detected_total', type: 'counter', labels: ['application', 'kind'], help: 'Times a resource that was in sync was found changed in AWS.' },
  awsCalls: { name: 'ecs_gitops_aws_api_calls_total', type: 'counter', labels: ['account', 'region', 'service', 'operation'], help: 'AWS API operations sent (one per operation, however many attempts), by target account and region.' },
  awsErrors: { name: 'ecs_gitops_aws_api_errors_total', type: 'counter', labels: ['account', 'region', 'service', 'operation'], help: 'AWS API operations that failed after every retry.' },
  awsThrottles: { name: 'ecs_gitops_aws_api_throttles_total', type: 'counter', labels: ['account', 'region', 'service', 'operation'], help: 'AWS API attempts answered with a throttling error.' },
  awsRequestDuration: { name: 'ecs_gitops_aws_api_request_duration_seconds', type: 'histogram', labels: ['account', 'region', 'service', 'operation'], help: 'Duration of one HTTP attempt of an AWS API operation.' },
  limiterWait: { name: 'ecs_gitops_aws_rate_limiter_wait_seconds', type: 'histogram', labels: ['account', 'region', 'category'], help: "Time an AWS API operation waited for the client-side rate limiter of its account and region (0 when a token was free)." },
  limiterTokens: { name: 'ecs_gitops_aws_rate_limiter_tokens', type: 'gauge', labels: ['account', 'region', 'category'], help: 'Tokens free in the client-side rate limiter of an account and region, by throttling category.' },
  limiterWaiting: { name: 'ecs_gitops_aws_rate_limiter_waiting', type: 'gauge', labels: ['account', 'region', 'category'], help: 'AWS API operations waiting for a token of the rate limiter of an account and region.' },
  queueDepth: { name: 'ecs_gitops_workqueue_depth', type: 'gauge', labels: ['application'], help: "Resource keys waiting in the application's work queue." },
  queueRetries: { name: 'ecs_gitops_workqueue_retries_total', type: 'counter', labels: ['application'], help: "Resource keys put back on the application's work queue with a backoff." },
  queueLongestRunning: { name: 'ecs_gitops_workqueue_longest_running_seconds', type: 'gauge', labels: ['application'], help: "How long the application's longest reconcile still running has been running." },
  revision: { name: 'ecs_gitops_git_revision_info', type: 'gauge', labels: ['application', 'revision'], help: "The git revision whose desired state is in force for the application (1); revision=\"\" with 0 before the first." },
  lastSuccessfulSync: { name: 'ecs_gitops_last_successful_sync_timestamp_seconds', type: 'gauge', labels: ['application'], help: "When the application's last full sync without errors finished, in seconds since the epoch (0 before the first)." },
  loadErrors: { name: 'ecs_gitops_snapshot_load_errors', type: 'gauge', labels: ['application'], help: "Errors in the newest snapshot of the application's config source (0 when it is valid)." },
  loadFailures: { name: 'ecs_gitops_snapshot_load_failures_total', type: 'counter', labels: ['application'], help: "Snapshots of the application's config source that failed to load." },
  notifications: { name: 'ecs_gitops_notifications_total', type: 'counter', labels: ['sink', 'event', 'result'], help: 'Notifications by sink, event and result (sent, failed after every attempt, dropped unsent).' },
} as const satisfies Record<string, { name: `${typeof METRIC_PREFIX}${string}`; type: 'counter' | 'gauge' | 'histogram'; labels: readonly string[]; help: string }>;

/** The names of every metric the controller defines, for docs and tests. */
export const METRIC_NAMES: readonly string[] = Object.values(METRICS).map((m) => m.name);

/** What one application's controller reports (runtime/controller.ts's ControllerMetrics). */
export interface ApplicationMetrics {
  observeReconcile(kind: Kind, result: ReconcileResult, seconds: number): void;
  driftDetected(kind: Kind): void;
  queue: {
    setDepth(n: number): void;
    retried(): void;
    setLongestRunning(seconds: number): void;
  };
  /** The revision now in force; the previous revision's series goes away. */
  setRevision(revision: string): void;
  setLastSuccessfulSync(epochMs: number): void;
  /** Errors in the newest snapshot (0 when it loaded). */
  setLoadErrors(n: number): void;
  loadFailed(): void;
}

export interface Metrics {
  registry: Registry;
  /**
   * The series of one application, read from its status store at scrape time and
   * written by its controller through what this returns; every one of its label sets
   * starts at 0. Asking again for a name gives the same object.
   */
  forApplication(name: string, status: StatusStore): ApplicationMetrics;
  /** A notification's outcome (src/notify). */
  notification(sink: SinkType, event: NotificationEvent, result: NotificationResult): void;
  /** Stops listening to the call recorder. */
  close(): void;
}

/** Default metrics dropped because their names break the Prometheus conventions (see createMetrics). */
export const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/** A metric's name, help and label names, as prom-client takes them. */
function described<L extends string>(metric: { name: string; help: string; labels: readonly L[] }): { name: string; help: string; labelNames: readonly L[] } {
  return { name: metric.name, help: metric.help, labelNames: metric.labels };
}

/** Every operation the product may call, as label sets (STS calls go through the SDK's credential providers, uncounted). */
function awsOperations(): { service: AwsService; operation: string }[] {
  const services = (Object.keys(API_OPERATIONS) as (keyof typeof API_OPERATIONS)[]).filter((s): s is AwsService => s !== 'sts');
  return services.flatMap((service) => Object.keys(API_OPERATIONS[service]).map((operation) => ({ service, operation })));
}

/** Seconds an operation waits for a token: none, a refill of a fast bucket, up to a long queue behind a slow one. */
const LIMITER_WAIT_BUCKETS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The account and region labels of a target or event; the account is empty when it could not be learned. */
const where = (t: { account?: string | undefined; region?: string | undefined }) => ({ account: t.account ?? '', region: t.region ?? '' });

/**
 * The registry and its metrics. With `status`, the daemon's single application
 * (`DEFAULT_APPLICATION`) is registered at once; a daemon of several applications calls
 * `forApplication` for each.
 */
export function createMetrics({ status, calls }: { status?: StatusStore; calls: CallRecorder }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  // Unprefixed on purpose: the standard Node.js dashboards query process_* and nodejs_*.
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges with a counter's `_total` suffix, which Prometheus's
  // linter rejects; each is the sum of the per-type gauge beside it (nodejs_active_handles{type}…).
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);

  const applications = new Map<string, { status: StatusStore; metrics: ApplicationMetrics }>();
  const m = METRICS;
  const reconcileDuration = new Histogram({ ...described(m.reconcileDuration), buckets: RECONCILE_BUCKETS, registers });
  const reconcileTotal = new Counter({ ...described(m.reconcileTotal), registers });

  // Read from the status stores at scrape time, so the gauges can never disagree with the API.
  const resources: Gauge<'application' | 'kind' | 'sync_status' | 'health_status'> = new Gauge({
    ...described(m.resources),
    registers,
    collect() {
      for (const [application, { status }] of applications) {
        const counts = new Map<string, number>();
        for (const r of status.list()) {
          const key = `${r.kind}\0${r.sync}\0${r.health.status}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        for (const kind of KINDS) {
          for (const sync_status of SYNC_STATUSES) {
            for (const health_status of HEALTH_STATUSES) {
              resources.set({ application, kind, sync_status, health_status }, counts.get(`${kind}\0${sync_status}\0${health_status}`) ?? 0);
            }
          }
        }
      }
    },
  });
  // Rebuilt at every scrape: a resource's old status or a forgotten resource leaves no stale series.
  const resourceInfo: Gauge<'application' | 'kind' | 'name' | 'sync_status' | 'health_status'> = new Gauge({
    ...described(m.resourceInfo),
    registers,
    collect() {
      resourceInfo.reset();
      for (const [application, { status }] of applications) {
        for (const r of status.list()) resourceInfo.set({ application, kind: r.kind, name: r.name, sync_status: r.sync, health_status: r.health.status }, 1);
      }
    },
  });
  // …and let go once read: one series per resource (15,000 label sets at 5,000 services) is not held between scrapes.
  const readInfo = resourceInfo.get.bind(resourceInfo);
  resourceInfo.get = async () => {
    const read = await readInfo();
    resourceInfo.reset();
    return read;
  };

  const drift = new Counter({ ...described(m.driftDetected), registers });

  const awsCalls = new Counter({ ...described(m.awsCalls), registers });
  const awsErrors = new Counter({ ...described(m.awsErrors), registers });
  const awsThrottles = new Counter({ ...described(m.awsThrottles), registers });
  const awsDuration = new Histogram({ ...described(m.awsRequestDuration), buckets: AWS_REQUEST_BUCKETS, registers });
  const limiterWait = new Histogram({ ...described(m.limiterWait), buckets: LIMITER_WAIT_BUCKETS, registers });
  // Read from each target's limiter at scrape time.
  const limiterTokens: Gauge<'account' | 'region' | 'category'> = new Gauge({
    ...described(m.limiterTokens),
    registers,
    collect() {
      for (const target of calls.targets()) {
        for (const category of target.limiter?.categories() ?? []) limiterTokens.set({ ...where(target), category }, Math.floor(target.limiter!.available(category)));
      }
    },
  });
  const limiterWaiting: Gauge<'account' | 'region' | 'category'> = new Gauge({
    ...described(m.limiterWaiting),
    registers,
    collect() {
      for (const target of calls.targets()) {
        for (const category of target.limiter?.categories() ?? []) limiterWaiting.set({ ...where(target), category }, target.limiter!.waiting(category));
      }
    },
  });
  // Every series of a target from the moment its clients exist.
  const addTarget = (target: RecordedTarget) => {
    for (const operation of awsOperations()) {
      const labels = { ...where(target), ...operation };
      awsCalls.inc(labels, 0);
      awsErrors.inc(labels, 0);
      awsThrottles.inc(labels, 0);
      awsDuration.zero(labels);
    }
    for (const category of target.limiter?.categories() ?? []) limiterWait.zero({ ...where(target), category });
  };
  calls.targets().forEach(addTarget);
  const stopTargets = calls.onTarget(addTarget);
  const stopCalls = calls.onCall((event: CallEvent) => {
    const labels = { ...where(event), service: event.service, operation: event.operation };
    if (event.kind === 'operation') {
      awsCalls.inc(labels);
      if (event.outcome !== 'ok') awsErrors.inc(labels);
    } else if (event.kind === 'attempt') {
      awsDuration.observe(labels, event.seconds);
      if (event.throttled) awsThrottles.inc(labels);
    } else {
      limiterWait.observe({ ...where(event), category: event.category }, event.seconds);
    }
  });
  const unsubscribe = () => {
    stopTargets();
    stopCalls();
  };

  const queueDepth = new Gauge({ ...described(m.queueDepth), registers });
  const queueRetries = new Counter({ ...described(m.queueRetries), registers });
  const queueLongestRunning = new Gauge({ ...described(m.queueLongestRunning), registers });
  const revisionInfo = new Gauge({ ...described(m.revision), registers });
  const lastSuccessfulSync = new Gauge({ ...described(m.lastSuccessfulSync), registers });
  const loadErrors = new Gauge({ ...described(m.loadErrors), registers });
  const loadFailures = new Counter({ ...described(m.loadFailures), registers });

  const notifications = new Counter({ ...described(m.notifications), registers });
  for (const sink of SINK_TYPES) for (const event of NOTIFICATION_EVENTS) for (const result of NOTIFICATION_RESULTS) notifications.inc({ sink, event, result }, 0);

  function forApplication(application: string, status: StatusStore): ApplicationMetrics {
    const known = applications.get(application);
    if (known) return known.metrics;
    const app = { application };
    for (const kind of KINDS) {
      for (const result of RECONCILE_RESULTS) {
        reconcileDuration.zero({ application, kind, result });
        reconcileTotal.inc({ application, kind, result }, 0);
      }
      drift.inc({ application, kind }, 0);
    }
    queueDepth.set(app, 0);
    queueRetries.inc(app, 0);
    queueLongestRunning.set(app, 0);
    let revision = '';
    revisionInfo.set({ application, revision }, 0);
    lastSuccessfulSync.set(app, 0);
    loadErrors.set(app, 0);
    loadFailures.inc(app, 0);
    const metrics: ApplicationMetrics = {
      observeReconcile(kind, result, seconds) {
        reconcileDuration.observe({ application, kind, result }, seconds);
        reconcileTotal.inc({ application, kind, result });
      },
      driftDetected(kind) {
        drift.inc({ application, kind });
      },
      queue: {
        setDepth: (n) => queueDepth.set(app, n),
        retried: () => queueRetries.inc(app),
        setLongestRunning: (seconds) => queueLongestRunning.set(app, seconds),
      },
      setRevision(next) {
        if (next === revision) return;
        revisionInfo.remove({ application, revision });
        revision = next;
        revisionInfo.set({ application, revision }, 1);
      },
      setLastSuccessfulSync: (epochMs) => lastSuccessfulSync.set(app, epochMs / 1000),
      setLoadErrors: (n) => loadErrors.set(app, n),
      loadFailed: () => loadFailures.inc(app),
    };
    applications.set(application, { status, metrics });
    return metrics;
  }

  if (status) forApplication(DEFAULT_APPLICATION, status);
  return { registry, forApplication, notification: (sink, event, result) => notifications.inc({ sink, event, result }), close: unsubscribe };
}
