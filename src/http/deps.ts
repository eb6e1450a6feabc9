/** What the HTTP server is built from; the composition root supplies the real objects. */
import type { Clock } from '../core/clock.js';
import type { StatusStore } from '../runtime/status.js';
import { DEFAULT_APPLICATION, type Logger, type Metrics } from '../telemetry.js';
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

/** Where an application's documents come from and where its objects go, as the API shows them. */
export interface ApplicationView {
  repo: string;
  path: string | null;
  /** Redacted: a token in the URL is never shown. */
  gitUrl: string | null;
  branch: string | null;
  overlay: string | null;
  region: string;
  account: string | null;
  roleArn: string | null;
}

/** One application the server answers for: its status store and its controller. */
export interface ApplicationEntry {
  /** Unique: `/api/v1/applications/:name`. */
  name: string;
  /** The value of its application tag. */
  application: string;
  status: StatusStore;
  facade: ControllerFacade;
  view: ApplicationView;
}

export interface ServerDeps {
  /** Every application of the daemon; without it, `status` and `controller` are its one application. */
  applications?: readonly ApplicationEntry[];
  status?: StatusStore;
  controller?: ControllerFacade;
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

/** The applications a server answers for, sorted by name: `deps.applications`, or the one of `deps.status` and `deps.controller`. */
export function applicationsOf(deps: Pick<ServerDeps, 'applications' | 'status' | 'controller'>): readonly ApplicationEntry[] {
  if (deps.applications) return [...deps.applications].sort((a, b) => a.name.localeCompare(b.name));
  if (!deps.status || !deps.controller) throw new Error('buildServer needs applications, or a status store and a controller');
  const view: ApplicationView = { repo: '.', path: null, gitUrl: null, branch: null, overlay: null, region: '', account: null, roleArn: null };
  return [{ name: DEFAULT_APPLICATION, application: DEFAULT_APPLICATION, status: deps.status, facade: deps.controller, view }];
}
