/**
 * Time, injected. Everything that waits (rate limits, backoff, polling Cloud Map
 * operations, waiting for a service to drain) asks a `Clock`, so tests step time instead
 * of sleeping and finish in milliseconds. The core only names the interface; the clocks
 * themselves, which hold timers, live in `runtime/clock.ts`.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` on this clock; rejects with an `AbortError` when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
