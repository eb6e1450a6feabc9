/**
 * `GET /api/v1/events`: server-sent events that tell a client (the web UI) the status
 * changed, so it reads again what it shows instead of polling. The status store hears
 * thousands of changes in one pass over a large repository; a stream gathers them for
 * `GATHER_MS` and sends one `change` event naming the resources (or `null` when there are
 * too many to name), so a client reads again at most twice a second. The streams are
 * few and bounded: each holds one of the server's reads (shedding.ts) for as long as it
 * is open.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ResourceKey } from '../api/kinds.js';
import type { StatusListener } from '../runtime/status.js';
import { applicationsOf, type ServerDeps } from './deps.js';
import { ApiError } from './errors.js';
import { ROUTE_SCHEMAS } from './schemas.js';

/** Changes within this window go out as one event. */
export const GATHER_MS = 500;
/** A comment line this often keeps idle proxies and the server's socket timeout from closing the stream. */
export const HEARTBEAT_MS = 15_000;
/** Streams open at once; more are refused with 429. */
export const MAX_STREAMS = 32;
/** Past this many changed resources in one window the event says `null`: read everything. */
export const MAX_KEYS = 100;
/** How long a client waits before reconnecting (the `retry:` field). */
export const RECONNECT_MS = 3_000;

export interface ChangeEvent {
  controller: boolean;
  keys: ResourceKey[] | null;
}

export interface StreamOptions {
  deps: Pick<ServerDeps, 'applications' | 'status' | 'controller'>;
  /** Defaults above; tests shorten them. */
  gatherMs?: number;
  heartbeatMs?: number;
  maxStreams?: number;
}

/** One open stream: gathers changes and writes them out, skipping a window while the client is slow to read. */
class Stream {
  private keys = new Set<ResourceKey>();
  private controller = false;
  private tooMany = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly gatherMs: number,
    heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => this.res.write(': keep-alive\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  change(event: Parameters<StatusListener>[0]): void {
    if (event.type === 'controller') this.controller = true;
    else if (!this.tooMany) {
      this.keys.add(event.type === 'removed' ? event.key : event.status.key);
      if (this.keys.size > MAX_KEYS) {
        this.tooMany = true;
        this.keys.clear();
      }
    }
    this.timer ??= setTimeout(() => this.flush(), this.gatherMs);
  }

  private flush(): void {
    this.timer = undefined;
    // A client that does not read keeps its changes until it drains: one event then, not a backlog.
    if (this.res.writableNeedDrain) {
      this.res.once('drain', () => this.flush());
      return;
    }
    const event: ChangeEvent = { controller: this.controller, keys: this.tooMany ? null : [...this.keys] };
    this.keys = new Set();
    this.controller = false;
    this.tooMany = false;
    this.res.write(`event: change\ndata: ${JSON.stringify(event)}\n\n`);
  }

  close(): void {
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.res.writableEnded) this.res.end();
  }
}

export async function streamRoutes(app: FastifyInstance, options: StreamOptions): Promise<void> {
  // Every application's store: a change in any of them is a change of the page.
  const stores = applicationsOf(options.deps).map((a) => a.status);
  const maxStreams = options.maxStreams ?? MAX_STREAMS;
  const open = new Set<Stream>();
  // Open streams never end by themselves: closing the server ends them, or it would wait for them.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.close();
  });

  app.get('/api/v1/events', { schema: ROUTE_SCHEMAS.events }, async (request, reply) => {
    if (open.size >= maxStreams) throw new ApiError('TOO_MANY_REQUESTS', `${maxStreams} event streams are open; poll /api/v1/status instead, or retry later`, { 'retry-after': '10' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    const stream = new Stream(res, options.gatherMs ?? GATHER_MS, options.heartbeatMs ?? HEARTBEAT_MS);
    open.add(stream);
    const unsubscribes = stores.map((status) => status.onChange((event) => stream.change(event)));
    res.once('close', () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
      open.delete(stream);
      stream.close();
    });
    request.log.debug({ streams: open.size }, 'event stream opened');
  });
}
