/**
 * The clocks behind the core's `Clock` interface: wall-clock time for the daemon and the
 * commands, and a manual clock that tests step (or let run ahead whenever every task is
 * asleep), so backoff, resync and rollouts finish in milliseconds.
 */
import type { Clock } from '../core/clock.js';

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

interface Timer {
  at: number;
  seq: number;
  fn(): void;
  cancelled: boolean;
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
 * Sleepers wake in due-time order; ties in the order they went to sleep. It also keeps
 * timers (`setTimer`, the simulator's clock interface), so one clock can drive both the
 * controller and the simulator it talks to: AWS moves exactly as far as the controller waits.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  private timers: Timer[] = [];
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

  /**
   * Runs `fn` once, `delayMs` from now, synchronously inside the `advance` that reaches
   * it (with `now()` at its due time). Timers alone never make an auto-advancing clock
   * move: only a sleeper does.
   */
  setTimer(delayMs: number, fn: () => void): { cancel(): void } {
    const timer: Timer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Moves time forward by `ms`, waking every sleeper that falls due. */
  advance(ms: number): void {
    this.advanceTo(this.current + Math.max(0, ms));
  }

  /** Moves time to `at` (never backwards), running every timer and waking every sleeper due by then. */
  advanceTo(at: number): void {
    const target = Math.max(this.current, at);
    const from = this.current;
    this.runTimersUntil(target);
    const due = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.sleepers = this.sleepers.filter((s) => s.at > target);
    const delta = target - from;
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

  /** Number of timers still waiting. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Runs due timers in due order at their due times, including timers they set that fall due too. */
  private runTimersUntil(target: number): void {
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: Timer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) return;
      next.cancelled = true;
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
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
