/**
 * Notifications: the daemon tells a generic webhook and a Slack incoming webhook when a
 * sync fails, a resource turns Degraded, ECS rolls a deployment back, a resource stalls,
 * a revision is invalid, drift is healed, and when things recover. Flow: the status
 * store's changes (collected, then read once per turn of the event loop, never inside
 * the controller's write) → events.ts (what changed, once) → payload.ts (each sink's
 * format) → delivery.ts (queued per sink, rate-limited, retried).
 */
import { randomUUID } from 'node:crypto';
import type { ResourceKey } from '../api/kinds.js';
import { UsageError, type OptionTable, type OptionValues } from '../config.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../runtime/clock.js';
import type { StatusStore } from '../runtime/status.js';
import { DEFAULT_TUNING, SinkQueue, type DeliveryLogger, type DeliveryTuning, type NotificationMetrics, type SinkTarget } from './delivery.js';
import { EventDetector, NOTIFICATION_EVENTS, type Notification, type NotificationEvent } from './events.js';
import { slackBody, webhookBody, webhookHeaders, type Message } from './payload.js';

export { NOTIFICATION_EVENTS, type Notification, type NotificationEvent } from './events.js';
export { NOTIFICATION_RESULTS, SINK_TYPES, type NotificationMetrics, type NotificationResult, type SinkType } from './delivery.js';

/** The environment variable of the webhook's signing secret (a secret, so never a flag: flags show in `ps`). */
export const WEBHOOK_SECRET_ENV = 'ECS_GITOPS_NOTIFY_WEBHOOK_SECRET';

/** How long `close` lets the queues drain at shutdown. */
export const FLUSH_BOUND_MS = 5_000;

export const NOTIFY_OPTIONS = {
  'notify-webhook': { type: 'string', placeholder: 'URL', description: `POST a JSON message, HMAC-signed with ${WEBHOOK_SECRET_ENV}, to this URL on each notification` },
  'notify-slack': { type: 'string', placeholder: 'URL', description: 'post each notification to this Slack incoming webhook' },
  'notify-events': { type: 'string', placeholder: 'E,…', default: 'all', description: `notify only these events: ${NOTIFICATION_EVENTS.join(', ')}` },
} as const satisfies OptionTable;

export interface NotificationSettings {
  webhook?: { url: string; secret?: string };
  slack?: { url: string };
  /** The events sinks are sent (every event when absent). */
  events?: readonly NotificationEvent[];
}

function httpUrl(text: string, flag: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {
    // reported below
  }
  throw new UsageError(`${flag} must be an http(s) URL`);
}

/** The notification flags and environment into settings (the secret from the environment only). */
export function notificationSettings(values: OptionValues, env: NodeJS.ProcessEnv = process.env): NotificationSettings {
  const webhook = values['notify-webhook'] as string | undefined;
  const slack = values['notify-slack'] as string | undefined;
  const eventsText = values['notify-events'] as string | undefined;
  const secret = env[WEBHOOK_SECRET_ENV];
  let events: NotificationEvent[] | undefined;
  if (eventsText !== undefined && eventsText.trim() !== 'all') {
    events = eventsText.split(',').map((e) => e.trim()).filter(Boolean) as NotificationEvent[];
    const unknown = events.filter((e) => !(NOTIFICATION_EVENTS as readonly string[]).includes(e));
    if (unknown.length > 0 || events.length === 0) {
      throw new UsageError(`--notify-events must list events among ${NOTIFICATION_EVENTS.join(', ')} (or all), not ${JSON.stringify(eventsText)}`);
    }
  }
  return Object.freeze({
    ...(webhook ? { webhook: Object.freeze({ url: httpUrl(webhook, '--notify-webhook'), ...(secret ? { secret } : {}) }) } : {}),
    ...(slack ? { slack: Object.freeze({ url: httpUrl(slack, '--notify-slack') }) } : {}),
    ...(events ? { events: Object.freeze(events) } : {}),
  });
}

interface Sink {
  queue: SinkQueue;
  format(id: string, n: Notification): string;
}

export interface NotifierDeps {
  clock?: Clock;
  metrics?: NotificationMetrics;
  logger?: DeliveryLogger & { info(obj: object, msg?: string): void };
  tuning?: Partial<DeliveryTuning>;
  /** For jitter (tests make it fixed). */
  random?: () => number;
}

/** `https://user:pass@host/…` → the URL without them, and the Basic authorization header they stand for. */
function withoutCredentials(text: string): { url: string; authorization: Record<string, string> } {
  const url = new URL(text);
  if (!url.username && !url.password) return { url: url.href, authorization: {} };
  const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  url.username = '';
  url.password = '';
  return { url: url.href, authorization: { authorization: `Basic ${basic}` } };
}

/** A URL as a log line may show it: scheme and host, no path (Slack's path is its credential) and no user. */
function shown(url: string): string {
  return new URL(url).origin;
}

/**
 * The notifications of one daemon: its sinks, and `watch` per application's status store.
 * Nothing here runs inside the controller's write: a change only marks what to look at.
 */
export class Notifier {
  private readonly sinks: Sink[] = [];
  private readonly events: ReadonlySet<NotificationEvent>;
  private readonly clock: Clock;
  private readonly unwatch = new Set<() => void>();
  private closed = false;

  constructor(
    settings: NotificationSettings,
    private readonly deps: NotifierDeps = {},
  ) {
    this.clock = deps.clock ?? systemClock;
    this.events = new Set(settings.events ?? NOTIFICATION_EVENTS);
    const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
    const queueDeps = { clock: this.clock, tuning, ...(deps.metrics ? { metrics: deps.metrics } : {}), ...(deps.logger ? { logger: deps.logger } : {}), ...(deps.random ? { random: deps.random } : {}) };
    if (settings.webhook) {
      const { secret } = settings.webhook;
      // fetch refuses a URL with credentials in it: they go as Basic authentication instead.
      const { url, authorization } = withoutCredentials(settings.webhook.url);
      const target: SinkTarget = { type: 'webhook', url, shownAs: shown(url), headers: (message, now) => ({ ...webhookHeaders(message, now, secret), ...authorization }) };
      this.sinks.push({ queue: new SinkQueue(target, queueDeps), format: webhookBody });
      if (!secret) deps.logger?.warn({ sink: 'webhook', to: target.shownAs }, `notifications to the webhook are not signed: set ${WEBHOOK_SECRET_ENV}`);
    }
    if (settings.slack) {
      const { url } = settings.slack;
      const target: SinkTarget = { type: 'slack', url, shownAs: shown(url), headers: () => ({ 'content-type': 'application/json' }) };
      this.sinks.push({ queue: new SinkQueue(target, queueDeps), format: (_id, n) => slackBody(n) });
    }
    if (this.sinks.length > 0) deps.logger?.info({ sinks: this.sinks.map((s) => `${s.queue.target.type} ${s.queue.target.shownAs}`), events: [...this.events] }, 'notifications on');
  }

  /** Whether any sink is configured. */
  get enabled(): boolean {
    return this.sinks.length > 0;
  }

  /** Requests on the wire now (tests hold a stepped clock while one is). */
  busy(): boolean {
    return this.sinks.some((s) => s.queue.busy());
  }

  /**
   * Follows one application's status store; returns the unsubscribe. Changes are only
   * collected in the store's listener; they are read and judged on the next turn of the
   * event loop, once for a whole pass.
   */
  watch(status: StatusStore, application: string): () => void {
    if (!this.enabled || this.closed) return () => undefined;
    const detector = new EventDetector(application, this.clock.now());
    const changed = new Set<ResourceKey>();
    const removed = new Set<ResourceKey>();
    let controllerChanged = false;
    let scheduled: NodeJS.Immediate | undefined;
    const judge = () => {
      scheduled = undefined;
      const resources = [...changed].flatMap((key) => status.get(key) ?? []);
      const changes = { resources, removed: [...removed], controller: status.controllerStatus(), controllerChanged, at: this.clock.now() };
      changed.clear();
      removed.clear();
      controllerChanged = false;
      try {
        for (const n of detector.detect(changes)) this.send(n);
      } catch (err) {
        this.deps.logger?.warn({ err: { message: (err as Error).message } }, 'notifications: could not judge a status change');
      }
    };
    const stop = status.onChange((event) => {
      if (event.type === 'resource') {
        changed.add(event.status.key);
        removed.delete(event.status.key);
      } else if (event.type === 'removed') {
        changed.delete(event.key);
        removed.add(event.key);
      } else {
        controllerChanged = true;
      }
      scheduled ??= setImmediate(judge);
    });
    const unwatch = () => {
      stop();
      // What the last pass changed is still told (at shutdown, the final pass's outcome).
      if (scheduled) {
        clearImmediate(scheduled);
        judge();
      }
      this.unwatch.delete(unwatch);
    };
    this.unwatch.add(unwatch);
    return unwatch;
  }

  /** Queues a notification for every sink that takes its event; never waits. */
  send(n: Notification): void {
    if (!this.events.has(n.event)) return;
    const id = randomUUID();
    for (const sink of this.sinks) {
      const message: Message = { id, event: n.event, body: sink.format(id, n) };
      sink.queue.enqueue(message);
    }
  }

  /** Stops watching, then lets each sink's queue drain for at most `boundMs`; what is left is dropped (and counted). */
  async close(boundMs = FLUSH_BOUND_MS): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unwatch of [...this.unwatch]) unwatch();
    await Promise.all(this.sinks.map((s) => s.queue.close(boundMs)));
  }
}
