/**
 * Delivery to one sink, off the reconcile path: a bounded queue (full, the oldest message
 * is dropped and counted), one message on the wire at a time, a token bucket per sink,
 * and retries with exponential backoff and jitter on what may pass (a network error, a
 * timeout, 5xx, 429), honouring Retry-After, for a bounded number of attempts. Time is
 * the injected clock's, so tests step it. `close` gives the queue a bounded time to
 * drain, then abandons what is left (counted as dropped).
 */
import type { Clock } from '../core/clock.js';
import type { NotificationEvent } from './events.js';
import type { Message } from './payload.js';

export const SINK_TYPES = ['webhook', 'slack'] as const;
export type SinkType = (typeof SINK_TYPES)[number];

export const NOTIFICATION_RESULTS = ['sent', 'failed', 'dropped'] as const;
export type NotificationResult = (typeof NOTIFICATION_RESULTS)[number];

/** What delivery reports to Prometheus (telemetry's Metrics satisfies it). */
export interface NotificationMetrics {
  notification(sink: SinkType, event: NotificationEvent, result: NotificationResult): void;
}

/** The few logger methods delivery uses (pino's Logger satisfies it). */
export interface DeliveryLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface DeliveryTuning {
  /** Messages waiting per sink at most; beyond, the oldest is dropped. */
  queueSize: number;
  /** Attempts per message at most (the first included). */
  attempts: number;
  /** The first retry's backoff; doubled per retry up to `maxDelayMs`, jittered. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is cut to it. */
  maxRetryAfterMs: number;
  /** One attempt's bound, answer included. */
  timeoutMs: number;
  /** Token bucket per sink: requests in a burst, and refill per second. */
  burst: number;
  perSecond: number;
}

export const DEFAULT_TUNING: DeliveryTuning = {
  queueSize: 100,
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 300_000,
  timeoutMs: 10_000,
  // Slack accepts about one message a second per incoming webhook, with short bursts.
  burst: 10,
  perSecond: 1,
};

/** Where a sink sends and how: the URL, the headers of one attempt, and a form a log line may show. */
export interface SinkTarget {
  type: SinkType;
  url: string;
  /** The URL without what may be secret in it (Slack's path is its credential). */
  shownAs: string;
  headers(message: Message, nowMs: number): Record<string, string>;
}

interface Attempt {
  ok: boolean;
  retryable: boolean;
  retryAfterMs?: number;
  /** The HTTP status, or the network error's name. */
  outcome: string;
}

export class SinkQueue {
  private readonly queue: Message[] = [];
  private wake: (() => void) | undefined;
  private closing = false;
  private readonly abandon = new AbortController();
  private tokens: number;
  private refilledAt: number;
  private readonly worker: Promise<void>;
  private inFlight = 0;

  constructor(
    readonly target: SinkTarget,
    private readonly deps: { clock: Clock; tuning: DeliveryTuning; metrics?: NotificationMetrics; logger?: DeliveryLogger; random?: () => number },
  ) {
    this.tokens = deps.tuning.burst;
    this.refilledAt = deps.clock.now();
    this.worker = this.run();
  }

  /** Never waits: the message is queued (or, the queue full, the oldest one makes room). */
  enqueue(message: Message): void {
    if (this.closing) return this.count(message, 'dropped');
    if (this.queue.length >= this.deps.tuning.queueSize) {
      const oldest = this.queue.shift()!;
      this.count(oldest, 'dropped');
      this.deps.logger?.warn({ sink: this.target.type, to: this.target.shownAs, event: oldest.event, queued: this.deps.tuning.queueSize }, 'notification queue full; dropped the oldest');
    }
    this.queue.push(message);
    this.wake?.();
  }

  /** Requests on the wire now (a test's clock stands still while one is). */
  busy(): boolean {
    return this.inFlight > 0;
  }

  /** Lets the queue drain for at most `boundMs`, then abandons what is left (counted as dropped). */
  async close(boundMs: number): Promise<void> {
    this.closing = true;
    this.wake?.();
    const bound = new AbortController();
    const timedOut = this.deps.clock.sleep(boundMs, bound.signal).then(
      () => 'timed out' as const,
      () => 'timed out' as const,
    );
    const ended = await Promise.race([this.worker.then(() => 'drained' as const), timedOut]);
    bound.abort();
    if (ended === 'drained') return;
    this.abandon.abort();
    await this.worker;
  }

  private async run(): Promise<void> {
    for (;;) {
      const message = this.queue.shift();
      if (!message) {
        if (this.closing) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      if (this.abandon.signal.aborted) {
        this.count(message, 'dropped');
        continue;
      }
      let result: NotificationResult;
      try {
        result = await this.deliver(message);
      } catch (err) {
        // A defect here must cost one message, never the daemon (a rejection nobody awaits ends the process).
        this.deps.logger?.warn({ sink: this.target.type, to: this.target.shownAs, event: message.event, err: { message: (err as Error).message } }, 'notification not delivered');
        result = 'failed';
      }
      this.count(message, result);
    }
  }

  /** Attempts until sent, refused for good, out of attempts, or abandoned at shutdown. */
  private async deliver(message: Message): Promise<NotificationResult> {
    const { tuning, logger } = this.deps;
    let last: Attempt | undefined;
    try {
      for (let attempt = 1; attempt <= tuning.attempts; attempt++) {
        await this.takeToken();
        last = await this.attempt(message);
        if (last.ok) {
          logger?.debug({ sink: this.target.type, to: this.target.shownAs, event: message.event, id: message.id, attempt }, 'notification sent');
          return 'sent';
        }
        if (!last.retryable || attempt === tuning.attempts) break;
        await this.deps.clock.sleep(this.backoff(attempt, last.retryAfterMs), this.abandon.signal);
      }
    } catch (err) {
      if (this.abandon.signal.aborted) return 'dropped';
      throw err;
    }
    logger?.warn({ sink: this.target.type, to: this.target.shownAs, event: message.event, id: message.id, outcome: last?.outcome }, 'notification not delivered');
    return 'failed';
  }

  /** Equal jitter: half the exponential delay, plus up to as much again at random; at least a Retry-After. */
  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const { baseDelayMs, maxDelayMs, maxRetryAfterMs } = this.deps.tuning;
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const jittered = exponential / 2 + (this.deps.random ?? Math.random)() * (exponential / 2);
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, maxRetryAfterMs));
  }

  /** Waits for a token of the sink's bucket. */
  private async takeToken(): Promise<void> {
    const { clock, tuning } = this.deps;
    for (;;) {
      const now = clock.now();
      this.tokens = Math.min(tuning.burst, this.tokens + ((now - this.refilledAt) / 1000) * tuning.perSecond);
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await clock.sleep(Math.ceil(((1 - this.tokens) / tuning.perSecond) * 1000), this.abandon.signal);
    }
  }

  /** One POST, bounded by the attempt timeout and cut short at shutdown. */
  private async attempt(message: Message): Promise<Attempt> {
    const { clock, tuning } = this.deps;
    const request = new AbortController();
    const stopTimer = new AbortController();
    const onAbandon = () => request.abort();
    this.abandon.signal.addEventListener('abort', onAbandon, { once: true });
    let timedOut = false;
    clock.sleep(tuning.timeoutMs, stopTimer.signal).then(
      () => {
        timedOut = true;
        request.abort();
      },
      () => undefined,
    );
    this.inFlight++;
    try {
      const res = await fetch(this.target.url, { method: 'POST', headers: this.target.headers(message, clock.now()), body: message.body, signal: request.signal, redirect: 'error' });
      await res.arrayBuffer();
      if (res.ok) return { ok: true, retryable: false, outcome: String(res.status) };
      const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      const retryAfterMs = retryAfter(res.headers.get('retry-after'), clock.now());
      return { ok: false, retryable, outcome: String(res.status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    } catch (err) {
      if (this.abandon.signal.aborted) throw err;
      return { ok: false, retryable: true, outcome: timedOut ? 'timeout' : networkError(err) };
    } finally {
      this.inFlight--;
      stopTimer.abort();
      this.abandon.signal.removeEventListener('abort', onAbandon);
    }
  }

  private count(message: Message, result: NotificationResult): void {
    this.deps.metrics?.notification(this.target.type, message.event, result);
  }
}

/** Retry-After: delay-seconds or an HTTP date, in milliseconds from `nowMs`. */
export function retryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function networkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as Error).name ?? 'network error';
}
