// Time for the simulator. Every asynchronous transition (rollouts, Cloud Map operations,
// draining, token-bucket refills) reads `now()` and waits with `setTimer`, so tests can
// swap in a ManualClock and step time instead of sleeping.

export interface SimTimer {
  cancel(): void;
}

export interface SimClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once, `delayMs` from now on this clock. */
  setTimer(delayMs: number, fn: () => void): SimTimer;
}

/** Wall-clock time; timers are unref'd so they never keep a process alive. */
export class RealClock implements SimClock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): SimTimer {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
}

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told; `advance` runs every timer that falls due, in order. */
export class ManualClock implements SimClock {
  private current: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): SimTimer {
    const timer: ManualTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Moves time forward by `ms`, running due timers (including ones they schedule) at their due times. */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.current = Math.max(this.current, next.at);
      next.cancelled = true;
      next.fn();
    }
    this.current = target;
  }

  /** Number of timers still waiting. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
