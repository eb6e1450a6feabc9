/** What the HTTP server is built from; the composition root supplies the real objects. */
import type { Clock } from '../core/clock.js';
import type { StatusStore } from '../runtime/status.js';
import type { Logger, Metrics } from '../telemetry.js';
import type { HttpLimits } from './limits.js';

export interface CloudMapRegistration {
  /** The CloudMapService document the ECS service registers its tasks in. */
  cloudMapService: string;
  instances: { id: string; attributes: Record<string, string> }[];
}

export interface ControllerFacade {
  /** Enqueue a full sync now (api) or after refreshing the checkout (webhook). Never throws. */
  requestSync(trigger: 'api' | 'webhook', detail?: string): { accepted: boolean; message: string };
  /**
   * The Cloud Map instances ECS registered for a Service's tasks, read when asked (they are
   * not part of a resync: one ListInstances per registry).
   */
  cloudMapInstances?(key: string): Promise<CloudMapRegistration[] | undefined>;
}

export interface ServerDeps {
  status: StatusStore;
  controller: ControllerFacade;
  metrics: Metrics;
  logger: Logger;
  /** Bearer token of `POST /api/v1/sync` (ECS_GITOPS_API_TOKEN); the endpoint is disabled without it. */
  apiToken?: string;
  /** HMAC secret of `POST /api/v1/webhooks/git` (ECS_GITOPS_WEBHOOK_SECRET); the endpoint is disabled without it. */
  webhookSecret?: string;
  /** The controller's version, shown by the status endpoint and the OpenAPI document. */
  version: string;
  /** Times the cache and budget of live AWS reads made for clients. Default: the system clock. */
  clock?: Pick<Clock, 'now'>;
  /** Timeouts and caps of the server; defaults in `httpLimits`. */
  limits?: Partial<HttpLimits>;
}
