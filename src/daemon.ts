/**
 * The daemon's composition root (`ecs-gitops run`): builds the concrete adapters — the
 * AWS clients (or the embedded simulator behind them), the sources, the controllers,
 * telemetry and the HTTP server — and wires them together. Each application (the
 * controller configuration's, or the one the single-application flags describe) gets its
 * own source, load cache, controller with its work queue, and status store; they share
 * one HTTP server, one metrics registry and one logger. `startDaemon` returns a handle
 * whose `stop()` shuts everything down in order. The command line is `cli.ts`.
 */
import { packageVersion } from './commands/help.js';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CallRecorder, type AwsClients } from './aws/clients.js';
import { TargetPool, targetOf } from './aws/targets.js';
import type { LiveCache } from './aws/reader.js';
import { applicationId, resolveApplication } from './application.js';
import type { ApplicationSettings, AwsSettings, PruneSettings } from './config.js';
import { systemClock } from './runtime/clock.js';
import { buildServer, type ApplicationEntry, type ApplicationView, type ControllerFacade } from './http/index.js';
import type { ApplicationConfig, ApplicationSource, ApplicationTarget } from './controller-config.js';
import { Controller } from './runtime/controller.js';
import { StatusStore } from './runtime/status.js';
import { Notifier, type NotificationSettings } from './notify/index.js';
import { gitRevision, redact } from './source/git.js';
import { createSource, SourceError, type Snapshot, type Source } from './source/index.js';
import { LoadCache, loadConfig } from './load/index.js';
import { KUSTOMIZATION_FILES } from './load/files.js';
import { DEFAULT_APPLICATION, createLogger, createMetrics, type LogFormat, type LogLevel, type Logger, type Metrics } from './telemetry.js';


export interface DaemonConfig {
  /** With the single-application flags: the checkout to watch. Absent with `applications`. */
  repo?: string;
  path?: string;
  gitUrl?: string;
  gitBranch?: string;
  /** The applications' defaults below, or (without `applications`) the one application's settings. */
  gitIntervalMs: number;
  debounceMs: number;
  resyncMs: number;
  selfHeal: boolean;
  prune: PruneSettings;
  /** Daemon-wide: controller id and endpoint; the region (and, single, the application) of the one application or the default. */
  aws: AwsSettings;
  /** From `--config`: the applications, each with its own source, target, controller and status. */
  applications?: readonly ApplicationConfig[];
  /** Run the simulator in-process and point the clients at it. */
  embeddedAws: boolean;
  /** With `embeddedAws`: keep the simulator's state in this file across restarts. */
  simStateFile?: string;
  /** Keep API calls under AWS's published rates on the client side (default on against real AWS). */
  rateLimit: boolean;
  listen: { host: string; port: number };
  logLevel: LogLevel;
  /** JSON lines unless told otherwise (`run` picks text on a terminal). */
  logFormat?: LogFormat;
  /** Colour text log lines. */
  logColor?: boolean;
  /** Bound for in-flight work at shutdown; below ECS's 30 s stopTimeout. */
  stopGraceMs: number;
  apiToken?: string;
  webhookSecret?: string;
  /** Where notifications go (none when absent). */
  notifications?: NotificationSettings;
  /** Logs go here (default stdout). */
  logDestination?: NodeJS.WritableStream;
  /** With `applications`: how long one whose source gave no first snapshot waits before trying again (default `FIRST_SNAPSHOT_RETRY_MS`). */
  firstSnapshotRetryMs?: number;
}

/** One application as the daemon runs it. */
export interface DaemonApplication {
  name: string;
  /** The value of its application tag. */
  application: string;
  status: StatusStore;
  controller: Controller;
}

export interface Daemon {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** The AWS endpoint in use (the embedded simulator's, when embedded). */
  awsEndpoint?: string;
  /** The first application's status (the only one with the single-application flags). */
  status: StatusStore;
  /** Every application, in the configured order. */
  applications: DaemonApplication[];
  logger: Logger;
  /** Every AWS call the daemon made, by operation (benchmarks and tests read it). */
  calls: CallRecorder;
  stop(): Promise<void>;
}

/** The applications a configuration runs: the file's, or the one the single-application flags describe. */
export function applicationsOf(config: DaemonConfig): readonly ApplicationConfig[] {
  if (config.applications) return config.applications;
  if (config.repo === undefined) throw new Error('a daemon needs a repository (--repo) or applications (--config)');
  return [
    {
      name: DEFAULT_APPLICATION,
      ...(config.aws.application !== undefined ? { application: config.aws.application } : {}),
      source: {
        repo: config.repo,
        ...(config.path !== undefined ? { path: config.path } : {}),
        ...(config.gitUrl !== undefined ? { gitUrl: config.gitUrl } : {}),
        ...(config.gitBranch !== undefined ? { gitBranch: config.gitBranch } : {}),
        gitIntervalMs: config.gitIntervalMs,
      },
      target: targetOf(config.aws),
      prune: config.prune,
      selfHeal: config.selfHeal,
      resyncMs: config.resyncMs,
    },
  ];
}

export async function startDaemon(config: DaemonConfig): Promise<Daemon> {
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat ?? 'json',
    color: config.logColor === true,
    ...(config.logDestination ? { destination: config.logDestination } : {}),
  });
  const closers = new Closers(logger);
  try {
    const configured = applicationsOf(config);
    const endpoint = await endpointFor(config, closers, logger);
    const pool = new ClientPool(config, logger);
    closers.push(() => pool.close());
    const metrics = createMetrics({ calls: pool.calls });
    closers.push(() => metrics.close());
    // Closed after the controllers (closers run in reverse): the last pass is still told, within a bound.
    const notifier = new Notifier(config.notifications ?? {}, { metrics, logger: logger.child({ component: 'notify' }) });
    closers.push(() => notifier.close());
    // Each application its own source, cache, work queue, controller and status: none waits for another.
    const running: RunningApplication[] = [];
    for (const app of configured) running.push(await startApplication(app, { config, endpoint, pool, metrics, notifier, logger, closers }));
    const url = await serve(config, { applications: running, metrics, logger }, closers);

    // Started together: one slow or failing first read does not hold back the others.
    const stopping = new AbortController();
    closers.push(() => stopping.abort());
    const retry = { retry: config.applications !== undefined, retryMs: config.firstSnapshotRetryMs ?? FIRST_SNAPSHOT_RETRY_MS, url, stopping: stopping.signal };
    await Promise.all(running.map((app) => startSource(app, retry)));

    let stopped: Promise<void> | undefined;
    return {
      url,
      ...(endpoint ? { awsEndpoint: endpoint } : {}),
      status: running[0].status,
      applications: running.map(({ name, application, status, controller }) => ({ name, application, status, controller })),
      logger,
      calls: pool.calls,
      stop() {
        stopped ??= (async () => {
          stopping.abort();
          for (const app of running) app.status.updateController({ shuttingDown: true });
          logger.info({}, 'shutting down');
          // Order: stop reading git, let in-flight AWS work finish (bounded, all applications at once), then stop serving.
          await Promise.all(running.map((app) => app.source.close()));
          await Promise.all(running.map((app) => app.controller.stop()));
          await closers.closeAll();
          logger.flush?.();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await closers.closeAll();
    throw err;
  }
}

/** What the daemon holds of one application while it runs. */
interface RunningApplication extends ApplicationEntry {
  controller: Controller;
  /** The source in use: replaced when a first start failed and is tried again. */
  source: Source;
  newSource(): Source;
  logger: Logger;
}

/** One application: its clients, status, controller (with its own work queue) and source, started; the HTTP server's view of it. */
async function startApplication(
  app: ApplicationConfig,
  shared: { config: DaemonConfig; endpoint: string | undefined; pool: ClientPool; metrics: Metrics; notifier: Notifier; logger: Logger; closers: Closers },
): Promise<RunningApplication> {
  const { config, endpoint, pool, metrics, notifier, closers } = shared;
  const logger = config.applications ? shared.logger.child({ application: app.name }) : shared.logger;
  const application = await applicationOf({ ...app.source, aws: app.application !== undefined ? { application: app.application } : {} }, logger);
  const target = await pool.open(app.target, application, endpoint);
  logger.info({ region: target.region, account: target.account ?? null, roleArn: app.target.roleArn ?? null }, 'AWS target');
  const aws: ApplicationSettings = { region: target.region, controllerId: config.aws.controllerId, application, ...(target.endpoint ? { endpoint: target.endpoint } : {}) };
  const status = new StatusStore();
  const controller = new Controller({
    clients: target.clients,
    aws,
    prune: app.prune,
    selfHeal: app.selfHeal,
    resyncMs: app.resyncMs,
    clock: systemClock,
    status,
    metrics: metrics.forApplication(app.name, status),
    logger,
    cache: target.cache,
    stopGraceMs: config.stopGraceMs,
  });
  controller.start();
  closers.push(() => controller.stop());
  // Its own sinks when the configuration gives it some, else the daemon's (--notify-*). Messages
  // name the application as the API does: its name with --config, its tag value alone.
  let notifies = notifier;
  if (app.notifications) {
    notifies = new Notifier(app.notifications, { metrics, logger: logger.child({ component: 'notify' }) });
    closers.push(() => notifies.close());
  }
  closers.push(notifies.watch(status, config.applications ? app.name : application));
  const view: ApplicationView = {
    repo: app.source.repo,
    path: app.source.path ?? null,
    gitUrl: app.source.gitUrl !== undefined ? redact(app.source.gitUrl) : null,
    branch: app.source.gitBranch ?? null,
    overlay: null,
    region: target.region,
    account: target.account ?? null,
    roleArn: app.target.roleArn ?? null,
  };
  // Whether the config directory is rendered as an overlay is known at each load of it.
  const newSource = () =>
    sourceFor(app.source, config.debounceMs, controller, logger, (root) => {
      view.overlay = KUSTOMIZATION_FILES.some((file) => existsSync(join(root, file))) ? (app.source.path ?? '.') : null;
    });
  const running: RunningApplication = {
    name: app.name,
    application,
    source: newSource(),
    newSource,
    status,
    controller,
    logger,
    view,
    facade: controllerFacade(controller, () => running.source, status, logger),
  };
  closers.push(() => running.source.close());
  return running;
}

/** How long an application whose source gave no first snapshot waits before trying again. */
export const FIRST_SNAPSHOT_RETRY_MS = 10_000;

/**
 * Starts an application's source and logs its first snapshot. With `retry` (a daemon of
 * several applications), a source that gives none — a checkout not cloned yet, a remote
 * that does not answer — is a load error in that application's status, tried again every
 * `retryMs` until `stopping`, while the others run; alone, it fails the start.
 */
async function startSource(app: RunningApplication, context: { retry: boolean; retryMs: number; url: string; stopping: AbortSignal }): Promise<void> {
  const { retry, retryMs, url, stopping } = context;
  try {
    const first = await app.source.start();
    // With several applications every line already names the application; its tag goes beside it.
    const tag = retry ? { applicationTag: app.application } : { application: app.application };
    app.logger.info({ revision: first.revision, valid: first.result.ok, url, ...tag }, 'ecs-gitops started');
  } catch (err) {
    if (!retry || stopping.aborted) throw err;
    const message = (err as Error).message;
    app.logger.error({ err: { message } }, `no first snapshot; trying again in ${retryMs / 1000} s`);
    app.controller.sourceFailed(app.view.path ?? '.', message);
    void systemClock.sleep(retryMs, stopping).then(
      () => {
        app.source = app.newSource();
        return startSource(app, context);
      },
      () => undefined,
    );
  }
}

/** What to undo at shutdown, undone in reverse order; a failing step is logged and the rest still run. */
class Closers {
  private readonly closers: (() => Promise<void> | void)[] = [];

  constructor(private readonly logger: Logger) {}

  push(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        this.logger.warn({ err }, 'error while shutting down');
      }
    }
  }
}

/** The application: `--application`, else the polled URL plus `--path`, else what the checkout's origin says. */
export async function applicationOf(config: { aws: Partial<AwsSettings>; repo: string; gitUrl?: string; path?: string }, logger: Pick<Logger, 'warn'>): Promise<string> {
  if (config.aws.application !== undefined) return config.aws.application;
  if (config.gitUrl) return applicationId(config.gitUrl, config.path ?? '');
  const { application, warning } = await resolveApplication(join(config.repo, config.path ?? ''));
  if (warning) logger.warn({ application }, warning);
  return application;
}

/** The endpoint every client is pointed at: `--endpoint`, the embedded simulator started here, or none (AWS). */
async function endpointFor(config: DaemonConfig, closers: Closers, logger: Logger): Promise<string | undefined> {
  if (!config.embeddedAws) return config.aws.endpoint;
  const { startSimulator } = await import('./sim/index.js');
  const sim = await startSimulator({ region: config.aws.region, ...(config.simStateFile ? { stateFile: config.simStateFile } : {}) });
  closers.push(() => sim.close());
  logger.info({ endpoint: sim.endpoint }, 'embedded AWS simulator started');
  return sim.endpoint;
}

/**
 * The clients of every application (src/aws/targets.ts): one call recorder, and per
 * account and region one rate limiter and cache, credentials assumed per role. A target
 * may name its own endpoint (two simulators in a test), which gets a pool of its own
 * sharing the recorder.
 */
class ClientPool {
  readonly calls = new CallRecorder();
  private readonly pools = new Map<string, TargetPool>();

  constructor(
    private readonly config: DaemonConfig,
    private readonly logger: Logger,
  ) {}

  async open(target: ApplicationTarget, application: string, daemonEndpoint: string | undefined): Promise<{ clients: AwsClients; account: string | undefined; region: string; endpoint: string | undefined; cache: LiveCache }> {
    const endpoint = target.endpoint ?? daemonEndpoint;
    let pool = this.pools.get(endpoint ?? '');
    if (!pool) {
      pool = new TargetPool({
        ...(endpoint ? { endpoint } : {}),
        calls: this.calls,
        rateLimit: this.config.rateLimit,
        limiter: { clock: systemClock },
        controllerId: this.config.aws.controllerId,
        onWarning: (message, err) => this.logger.warn({ err: { message: (err as Error).message, name: (err as Error).name } }, message),
      });
      this.pools.set(endpoint ?? '', pool);
    }
    const opened = await pool.open(target, application);
    return { ...opened, endpoint };
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close();
  }
}

/**
 * The checkout, loaded on every change and handed to the controller as a snapshot. When
 * no snapshot can be taken (the config directory vanished, reading it keeps failing),
 * the controller shows a load error; the source delivers only snapshots that differ from
 * the last, so once a read succeeds again the snapshot in force is confirmed to clear it.
 */
function sourceFor(config: ApplicationSource, debounceMs: number, controller: Controller, logger: Logger, loading: (root: string) => void): Source {
  const loadCache = new LoadCache();
  let failing = false;
  const confirm = () => {
    failing = false;
    source.refresh().then(
      (snapshot) => controller.sourceRecovered(snapshot),
      () => (failing = true),
    );
  };
  const source = createSource({
    repo: config.repo,
    load: async (root, checkout) => {
      loading(root);
      const result = await loadConfig(root, { cache: loadCache, repositoryRoot: checkout, onWorkerFailed: (err) => logger.warn({ err }, 'the YAML worker thread failed; parsed the files in the main thread') });
      if (failing) setImmediate(confirm);
      return result;
    },
    ...(config.path ? { path: config.path } : {}),
    ...(config.gitUrl ? { gitUrl: config.gitUrl, gitIntervalMs: config.gitIntervalMs } : {}),
    ...(config.gitBranch ? { gitBranch: config.gitBranch } : {}),
    debounceMs,
    onSnapshot: (snapshot: Snapshot) => controller.applySnapshot(snapshot),
    onError: (err) => {
      const code = (err as { code?: string }).code;
      if (err instanceof SourceError && code !== 'CONFIG_PATH_MISSING' && code !== 'CONFIG_UNSTABLE') {
        logger.error({ err: { message: err.message, code } }, 'cannot read the config source; keeping the last valid revision');
        return;
      }
      failing = true;
      // A commit that removed the config directory is still a revision: status names it as attempted.
      void gitRevision(config.repo, config.repo)
        .catch(() => undefined)
        .then((revision) => controller.sourceFailed(config.path ?? '.', err.message, revision));
    },
  });
  return source;
}

/** What the status API may ask of one application's controller: a sync now, or (a push) after reading the checkout again. */
function controllerFacade(controller: Controller, source: () => Source, status: StatusStore, logger: Logger): ControllerFacade {
  return {
    requestSync(trigger, detail) {
      if (trigger !== 'webhook') return controller.requestSync(trigger, detail);
      // Refused like the sync endpoint while stopping: the source is closed, no sync would follow.
      if (status.controllerStatus().shuttingDown) return { accepted: false, message: 'shutting down' };
      // A push: read the checkout again first, so the sync sees the new commit.
      source().refresh().then(
        () => controller.requestSync(trigger, detail),
        (err: Error) => logger.warn({ err: { message: err.message } }, 'refresh after webhook failed'),
      );
      return { accepted: true, message: 'refreshing the checkout, then a full sync' };
    },
    cloudMapInstances: (key) => controller.cloudMapInstances(key),
  };
}

/** The HTTP server, listening; returns its URL. */
async function serve(config: DaemonConfig, deps: { applications: ApplicationEntry[]; metrics: Metrics; logger: Logger }, closers: Closers): Promise<string> {
  const server = buildServer({
    applications: deps.applications,
    metrics: deps.metrics,
    logger: deps.logger,
    version: packageVersion(),
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    ...(config.webhookSecret ? { webhookSecret: config.webhookSecret } : {}),
  });
  await server.listen({ host: config.listen.host, port: config.listen.port });
  closers.push(() => server.close());
  const address = server.server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}
