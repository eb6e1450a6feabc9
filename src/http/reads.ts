/**
 * Reads of AWS made because an HTTP client asked (the live Cloud Map instances of a
 * Service). Open endpoints must not let anyone spend the controller's AWS rate limit, so
 * each read is cached for a short time, concurrent requests for one key share one call,
 * and the calls together stay inside their own small token bucket — the slice
 * `CLIENT_READ_LIMITS` keeps out of reconciliation's buckets. When the bucket is empty
 * the last answer is served however old, or the read is refused; nothing waits.
 */
import { CLIENT_READ_LIMITS, onBehalfOfClient } from '../aws/clients.js';

export const CLIENT_READ_TTL_MS = 10_000;

/** The bucket is empty and nothing was cached for this key. */
export class ReadBudgetExhausted extends Error {
  override readonly name = 'ReadBudgetExhausted';
}

interface Entry<T> {
  at: number;
  result: { ok: true; value: T } | { ok: false; error: Error };
}

export interface ClientReadsOptions {
  now: () => number;
  ttlMs?: number;
  budget?: { burst: number; perSecond: number };
}

export class ClientReads<T> {
  private readonly cache = new Map<string, Entry<T>>();
  private readonly inflight = new Map<string, Promise<T>>();
  private readonly ttlMs: number;
  private readonly burst: number;
  private readonly perMs: number;
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly options: ClientReadsOptions) {
    const budget = options.budget ?? CLIENT_READ_LIMITS.cloudmap!;
    this.ttlMs = options.ttlMs ?? CLIENT_READ_TTL_MS;
    this.burst = budget.burst;
    this.perMs = budget.perSecond / 1000;
    this.tokens = budget.burst;
    this.refilledAt = options.now();
  }

  /** The value for `key`: cached, joined to a read under way, or read now if the budget allows. */
  read(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.options.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < this.ttlMs) return settled(cached);
    const running = this.inflight.get(key);
    if (running) return running;
    if (!this.take(now)) {
      if (cached) return settled(cached);
      const waitS = Math.ceil((1 - this.tokens) / this.perMs / 1000);
      return Promise.reject(new ReadBudgetExhausted(`live reads of AWS for API clients are rate-limited; try again in ${waitS} s`));
    }
    const read = onBehalfOfClient(load).then(
      (value) => this.store(key, { ok: true, value }),
      (err: unknown) => this.store(key, { ok: false, error: err instanceof Error ? err : new Error(String(err)) }),
    );
    this.inflight.set(key, read);
    return read;
  }

  private store(key: string, result: Entry<T>['result']): Promise<T> {
    this.inflight.delete(key);
    const now = this.options.now();
    // Keys are resources that exist; expired entries of removed ones go when the cache grows.
    if (this.cache.size >= 1000) for (const [k, e] of this.cache) if (now - e.at >= this.ttlMs) this.cache.delete(k);
    const entry = { at: now, result };
    this.cache.set(key, entry);
    return settled(entry);
  }

  private take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.refilledAt) * this.perMs);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function settled<T>(entry: Entry<T>): Promise<T> {
  return entry.result.ok ? Promise.resolve(entry.result.value) : Promise.reject(entry.result.error);
}
