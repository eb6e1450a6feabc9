/**
 * The composition root: the only place that builds concrete adapters — the AWS clients
 * (or the embedded simulator behind them), the source, the controller, telemetry and the
 * HTTP server — and wires them together. `startDaemon` returns a handle whose `stop()`
 * shuts everything down in order.
 */
import type { AddressInfo } from 'node:net';
import { createAwsClients, destroyAwsClients, RateLimiter, type CallRecorder } from './aws/clients.js';
import { LiveCache } from './aws/reader.js';
import type { AwsSettings, PruneSettings } from './config.js';
import { systemClock } from './runtime/clock.js';
import { buildServer } from './http/index.js';
import { Controller } from './runtime/controller.js';
import { StatusStore } from './runtime/status.js';
import { createSource, type Snapshot } from './source/index.js';
import { LoadCache, loadConfig } from './load/index.js';
import { createLogger, createMetrics, type LogLevel, type Logger } from './telemetry.js';

export const VERSION = '0.1.0';

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
  /** Bound for in-flight work at shutdown; below ECS's 30 s stopTimeout. */
  stopGraceMs: number;
  apiToken?: string;
  webhookSecret?: string;
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
  const logger = createLogger({ level: config.logLevel, ...(config.logDestination ? { destination: config.logDestination } : {}) });
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err }, 'error while shutting down');
      }
    }
  };
  try {
    let aws = config.aws;
    if (config.embeddedAws) {
      const { startSimulator } = await import('./sim/index.js');
      const sim = await startSimulator({ region: aws.region, ...(config.simStateFile ? { stateFile: config.simStateFile } : {}) });
      closers.push(() => sim.close());
      aws = { ...aws, endpoint: sim.endpoint };
      logger.info({ endpoint: sim.endpoint }, 'embedded AWS simulator started');
    }
    const clients = createAwsClients(
      { region: aws.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}) },
      config.rateLimit ? { limiter: new RateLimiter({ clock: systemClock }) } : {},
    );
    closers.push(() => destroyAwsClients(clients));
    const status = new StatusStore();
    const metrics = createMetrics({ status, calls: clients.calls });
    closers.push(() => metrics.close());
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

    const onSnapshot = (snapshot: Snapshot) => controller.applySnapshot(snapshot);
    const loadCache = new LoadCache();
    const source = createSource({
      repo: config.repo,
      load: (root) => loadConfig(root, { cache: loadCache }),
      ...(config.path ? { path: config.path } : {}),
      ...(config.gitUrl ? { gitUrl: config.gitUrl, gitIntervalMs: config.gitIntervalMs } : {}),
      ...(config.gitBranch ? { gitBranch: config.gitBranch } : {}),
      debounceMs: config.debounceMs,
      onSnapshot,
      onError: (err) => logger.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'cannot read the config source; keeping the last valid revision'),
    });
    closers.push(() => source.close());

    const server = buildServer({
      status,
      metrics,
      logger,
      version: VERSION,
      ...(config.apiToken ? { apiToken: config.apiToken } : {}),
      ...(config.webhookSecret ? { webhookSecret: config.webhookSecret } : {}),
      controller: {
        requestSync(trigger, detail) {
          if (trigger === 'webhook') {
            // Refused like the sync endpoint while stopping: the source is closed, no sync would follow.
            if (status.controllerStatus().shuttingDown) return { accepted: false, message: 'shutting down' };
            // A push: read the checkout again first, so the sync sees the new commit.
            source.refresh().then(
              () => controller.requestSync(trigger, detail),
              (err: Error) => logger.warn({ err: { message: err.message } }, 'refresh after webhook failed'),
            );
            return { accepted: true, message: 'refreshing the checkout, then a full sync' };
          }
          return controller.requestSync(trigger, detail);
        },
        cloudMapInstances: (key) => controller.cloudMapInstances(key),
      },
    });
    await server.listen({ host: config.listen.host, port: config.listen.port });
    closers.push(() => server.close());
    const address = server.server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

    const first = await source.start();
    logger.info({ revision: first.revision, valid: first.result.ok, url }, 'ecs-gitops started');

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
          await closeAll();
          logger.flush?.();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
