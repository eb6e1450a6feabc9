/**
 * The daemon's composition root (`ecs-gitops run`): builds the concrete adapters — the
 * AWS clients (or the embedded simulator behind them), the source, the controller,
 * telemetry and the HTTP server — and wires them together. `startDaemon` returns a
 * handle whose `stop()` shuts everything down in order. The command line is `cli.ts`.
 */
import { packageVersion } from './commands/help.js';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AwsClients, CallRecorder } from './aws/clients.js';
import { TargetPool } from './aws/targets.js';
import { targetOf } from './commands/common.js';
import { LiveCache } from './aws/reader.js';
import { applicationId, resolveApplication } from './application.js';
import type { ApplicationSettings, AwsSettings, PruneSettings } from './config.js';
import { systemClock } from './runtime/clock.js';
import { buildServer } from './http/index.js';
import { Controller } from './runtime/controller.js';
import { StatusStore } from './runtime/status.js';
import { Notifier, type NotificationSettings } from './notify/index.js';
import { gitRevision } from './source/git.js';
import { createSource, SourceError, type Snapshot, type Source } from './source/index.js';
import { LoadCache, loadConfig } from './load/index.js';
import { createLogger, createMetrics, type LogFormat, type LogLevel, type Logger, type Metrics } from './telemetry.js';


export interface DaemonConfig {
  repo: string;
  path?: string;
  gitUrl?: string;
  gitBranch?: string;
  gitIntervalMs: number;
  debounceMs: number;
  resyncMs: number;
  selfHeal: boolean;
  prune: PruneSettings;
  aws: AwsSettings;
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
}

export interface Daemon {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** The AWS endpoint in use (the embedded simulator's, when embedded). */
  awsEndpoint?: string;
  status: StatusStore;
  logger: Logger;
  /** Every AWS call the daemon made, by operation (benchmarks and tests read it). */
  calls: CallRecorder;
  stop(): Promise<void>;
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
    const { aws, clients } = await awsFor(config, closers, logger);
    const status = new StatusStore();
    const metrics = createMetrics({ status, calls: clients.calls });
    closers.push(() => metrics.close());
    // Closed after the controller (closers run in reverse): the last pass is still told, within a bound.
    const notifier = new Notifier(config.notifications ?? {}, { metrics, logger: logger.child({ component: 'notify' }) });
    notifier.watch(status, aws.application);
    closers.push(() => notifier.close());
    const controller = new Controller({
      clients,
      aws,
      prune: config.prune,
      selfHeal: config.selfHeal,
      resyncMs: config.resyncMs,
      clock: systemClock,
      status,
      metrics,
      logger,
      cache: new LiveCache(),
      stopGraceMs: config.stopGraceMs,
    });
    controller.start();
    closers.push(() => controller.stop());
    const source = sourceFor(config, controller, logger);
    closers.push(() => source.close());
    const url = await serve(config, { status, metrics, logger, controller, source }, closers);

    const first = await source.start();
    logger.info({ revision: first.revision, valid: first.result.ok, url, application: aws.application }, 'ecs-gitops started');

    let stopping: Promise<void> | undefined;
    return {
      url,
      ...(aws.endpoint ? { awsEndpoint: aws.endpoint } : {}),
      status,
      logger,
      calls: clients.calls,
      stop() {
        stopping ??= (async () => {
          status.updateController({ shuttingDown: true });
          logger.info({}, 'shutting down');
          // Order: stop reading git, let in-flight AWS work finish (bounded), then stop serving.
          await source.close();
          await controller.stop();
          await closers.closeAll();
          logger.flush?.();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await closers.closeAll();
    throw err;
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
export async function applicationOf(config: Pick<DaemonConfig, 'aws' | 'gitUrl' | 'repo' | 'path'>, logger: Pick<Logger, 'warn'>): Promise<string> {
  if (config.aws.application !== undefined) return config.aws.application;
  if (config.gitUrl) return applicationId(config.gitUrl, config.path ?? '');
  const { application, warning } = await resolveApplication(join(config.repo, config.path ?? ''));
  if (warning) logger.warn({ application }, warning);
  return application;
}

/** The AWS clients: against the configured endpoint, or against the embedded simulator started here. */
async function awsFor(config: DaemonConfig, closers: Closers, logger: Logger): Promise<{ aws: ApplicationSettings; clients: AwsClients }> {
  let aws: ApplicationSettings = { ...config.aws, application: await applicationOf(config, logger) };
  if (config.embeddedAws) {
    const { startSimulator } = await import('./sim/index.js');
    const sim = await startSimulator({ region: aws.region, ...(config.simStateFile ? { stateFile: config.simStateFile } : {}) });
    closers.push(() => sim.close());
    aws = { ...aws, endpoint: sim.endpoint };
    logger.info({ endpoint: sim.endpoint }, 'embedded AWS simulator started');
  }
  // One pool per daemon: clients, rate limiter and credentials per account and region.
  const pool = new TargetPool({
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    rateLimit: config.rateLimit,
    limiter: { clock: systemClock },
    controllerId: aws.controllerId,
    onWarning: (message, err) => logger.warn({ err: { message: (err as Error).message, name: (err as Error).name } }, message),
  });
  closers.push(() => pool.close());
  const { clients, account } = await pool.open(targetOf(aws), aws.application);
  logger.info({ region: aws.region, account: account ?? null, roleArn: aws.roleArn ?? null }, 'AWS target');
  return { aws, clients };
}

/**
 * The checkout, loaded on every change and handed to the controller as a snapshot. When
 * no snapshot can be taken (the config directory vanished, reading it keeps failing),
 * the controller shows a load error; the source delivers only snapshots that differ from
 * the last, so once a read succeeds again the snapshot in force is confirmed to clear it.
 */
function sourceFor(config: DaemonConfig, controller: Controller, logger: Logger): Source {
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
      const result = await loadConfig(root, { cache: loadCache, repositoryRoot: checkout });
      if (failing) setImmediate(confirm);
      return result;
    },
    ...(config.path ? { path: config.path } : {}),
    ...(config.gitUrl ? { gitUrl: config.gitUrl, gitIntervalMs: config.gitIntervalMs } : {}),
    ...(config.gitBranch ? { gitBranch: config.gitBranch } : {}),
    debounceMs: config.debounceMs,
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

/** The HTTP server, listening; returns its URL. */
async function serve(
  config: DaemonConfig,
  deps: { status: StatusStore; metrics: Metrics; logger: Logger; controller: Controller; source: Source },
  closers: Closers,
): Promise<string> {
  const { status, metrics, logger, controller, source } = deps;
  const server = buildServer({
    status,
    metrics,
    logger,
    version: packageVersion(),
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    ...(config.webhookSecret ? { webhookSecret: config.webhookSecret } : {}),
    controller: {
      requestSync(trigger, detail) {
        if (trigger !== 'webhook') return controller.requestSync(trigger, detail);
        // Refused like the sync endpoint while stopping: the source is closed, no sync would follow.
        if (status.controllerStatus().shuttingDown) return { accepted: false, message: 'shutting down' };
        // A push: read the checkout again first, so the sync sees the new commit.
        source.refresh().then(
          () => controller.requestSync(trigger, detail),
          (err: Error) => logger.warn({ err: { message: err.message } }, 'refresh after webhook failed'),
        );
        return { accepted: true, message: 'refreshing the checkout, then a full sync' };
      },
      cloudMapInstances: (key) => controller.cloudMapInstances(key),
    },
  });
  await server.listen({ host: config.listen.host, port: config.listen.port });
  closers.push(() => server.close());
  const address = server.server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}
