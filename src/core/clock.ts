/**
 * Time, injected. Everything that waits (rate limits, backoff, polling Cloud Map
 * operations, waiting for a service to drain) asks a `Clock`, so tests step time instead
 * of sleeping and finish in milliseconds.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` on this clock; rejects with an `AbortError` when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

/** Wall-clock time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Sleeper {
  at: number;
  seq: number;
  resolve(): void;
}

export interface ManualClockOptions {
  /** Start time (ms since the epoch); default 2025-01-01T00:00:00Z. */
  start?: number;
  /**
   * When a sleep is pending and nothing else is left to run (checked after the I/O and
   * timers already queued), move time to the earliest sleeper's due time and wake it. A
   * test can then simply await code that sleeps.
   */
  autoAdvance?: boolean;
  /**
   * With `autoAdvance`: time stands still while this says work is under way that the
   * clock cannot see (e.g. HTTP requests on the wire), as it would take no time at all.
   */
  busy?: () => boolean;
}

/**
 * A clock that moves only when told (or, with `autoAdvance`, when every task is asleep).
 * Sleepers wake in due-time order; ties in the order they went to sleep.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  private readonly listeners: ((now: number, deltaMs: number) => void)[] = [];
  private autoScheduled = false;
  readonly autoAdvance: boolean;
  private busy: () => boolean;

  constructor(options: ManualClockOptions = {}) {
    this.current = options.start ?? Date.UTC(2025, 0, 1);
    this.autoAdvance = options.autoAdvance ?? false;
    this.busy = options.busy ?? (() => false);
  }

  /** Sets the `busy` check after construction (the clients that report it are often built later). */
  pauseWhile(busy: () => boolean): void {
    this.busy = busy;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const sleeper: Sleeper = { at: this.current + Math.max(0, ms), seq: this.seq++, resolve };
      if (signal) {
        const onAbort = () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(abortError(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        sleeper.resolve = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      }
      this.sleepers.push(sleeper);
      this.scheduleAuto();
    });
  }

  /** Moves time forward by `ms`, waking every sleeper that falls due. */
  advance(ms: number): void {
    this.advanceTo(this.current + Math.max(0, ms));
  }

  /** Moves time to `at` (never backwards), waking every sleeper due by then. */
  advanceTo(at: number): void {
    const target = Math.max(this.current, at);
    const due = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.sleepers = this.sleepers.filter((s) => s.at > target);
    const delta = target - this.current;
    this.current = target;
    if (delta > 0) for (const listener of this.listeners) listener(target, delta);
    for (const s of due) s.resolve();
  }

  /** Called with the new time and the step whenever time moves (e.g. to move a simulator's clock along). */
  onAdvance(listener: (now: number, deltaMs: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Number of sleeps still waiting. */
  pendingSleeps(): number {
    return this.sleepers.length;
  }

  private scheduleAuto(): void {
    if (!this.autoAdvance || this.autoScheduled) return;
    this.autoScheduled = true;
    // Two turns of the event loop: let work already in flight (answers being parsed,
    // other tasks about to sleep) settle before time jumps; wait while `busy` says so.
    const attempt = () => setImmediate(() => setImmediate(() => {
      if (this.busy()) {
        setTimeout(attempt, 1);
        return;
      }
      this.autoScheduled = false;
      if (this.sleepers.length === 0) return;
      const earliest = Math.min(...this.sleepers.map((s) => s.at));
      this.advanceTo(earliest);
      if (this.sleepers.length > 0) this.scheduleAuto();
    }));
    attempt();
  }
}
