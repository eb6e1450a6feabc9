/**
 * The work queue of resource keys, after client-go's: a key waits in the queue at most
 * once however often it is added (a burst of events collapses into one run), a key is
 * never processed twice at once (added while processing, it runs again after), and
 * failures back off per key exponentially, capped. Time is the injected Clock.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/clock.js';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 5 * 60_000 };

export class WorkQueue<K> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Map<K, number>();
  private readonly failures = new Map<K, number>();
  private readonly waiting = new Map<K, number>();
  private readonly waiters: (() => void)[] = [];
  private closed = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    // One listener per delayed key; thousands of keys may wait at once.
    setMaxListeners(0, this.abort.signal);
  }

  /** Queues `key` unless it is already waiting; a key being processed is queued again when done. */
  add(key: K): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.wake();
    }
  }

  /** Queues `key` after `ms` (an earlier pending delay for the key wins). */
  addAfter(key: K, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const due = this.clock.now() + ms;
    const pending = this.waiting.get(key);
    if (pending !== undefined && pending <= due) return;
    this.waiting.set(key, due);
    this.clock.sleep(ms, this.abort.signal).then(
      () => {
        if (this.waiting.get(key) !== due) return;
        this.waiting.delete(key);
        this.add(key);
      },
      () => undefined,
    );
  }

  /** Queues `key` after its next backoff: base × 2^failures, capped. Returns the delay. */
  addRateLimited(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** n);
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its backoff starts again from the base. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * Waits for work, then takes every key that is ready (a batch: reads are batched
   * across them). Resolves with [] once the queue is shut down.
   */
  async takeBatch(): Promise<K[]> {
    while (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.closed) return [];
    const batch = this.queue.splice(0, this.queue.length);
    const now = this.clock.now();
    for (const key of batch) {
      this.dirty.delete(key);
      this.processing.set(key, now);
    }
    return batch;
  }

  /** Processing of `key` finished; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.wake();
    }
  }

  /** Keys waiting to be taken. */
  depth(): number {
    return this.queue.length;
  }

  /** Seconds the longest-running key has been processing. */
  longestRunningSeconds(): number {
    const now = this.clock.now();
    let longest = 0;
    for (const since of this.processing.values()) longest = Math.max(longest, now - since);
    return longest / 1000;
  }

  isProcessing(key: K): boolean {
    return this.processing.has(key);
  }

  /** Stops taking work: pending delays are dropped and `takeBatch` resolves with []. */
  shutDown(): void {
    this.closed = true;
    this.abort.abort();
    this.wake();
  }

  get shuttingDown(): boolean {
    return this.closed;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
