/**
 * What one client may hold of the server: time to send headers and the whole request,
 * open connections, and webhook bodies buffered at once. The read endpoints are open to
 * anyone who can reach the port, so none of this may depend on credentials, and the
 * health endpoints must keep answering while someone holds connections open on purpose.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpLimits {
  /** Time from connecting to the end of the request headers. */
  headersTimeoutMs: number;
  /** Time from connecting to the end of the request body. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections; the oldest that has not sent a full request yet makes room for a new one. */
  maxConnections: number;
  /** Webhook bodies read at once; more are refused with 429 before their body is read. */
  maxWebhookBodies: number;
  /**
   * GETs other than the health checks held at once, waiting for their turn or being
   * answered; more are refused with 503 (`shedding.ts`).
   */
  maxReads: number;
  /**
   * The kernel's queue of connections not yet accepted. With Node's default of 511 a burst
   * of connections overflows it and a health check's SYN is dropped, which its client
   * retries only after 1 s, then 3 s. The kernel caps it (net.core.somaxconn).
   */
  backlog: number;
}

/** The soft limit of open file descriptors (Linux), or undefined where it cannot be read. */
export function descriptorLimit(limitsFile = '/proc/self/limits'): number | undefined {
  try {
    const line = readFileSync(limitsFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.trim().split(/\s+/)[3];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A quarter of the descriptors, between 64 and 4,096: the rest stays for AWS
 * connections, the file watcher, git and the log.
 */
export function defaultMaxConnections(descriptors = descriptorLimit()): number {
  return Math.max(64, Math.min(4096, Math.floor((descriptors ?? 1024) / 4)));
}

export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  return Object.freeze({
    headersTimeoutMs: 5_000,
    requestTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
    maxConnections: defaultMaxConnections(),
    maxWebhookBodies: 4,
    maxReads: 256,
    backlog: 4096,
    ...overrides,
  });
}

/**
 * Caps open connections at `max`. When a connection arrives at the cap, the oldest one
 * that has not delivered a complete request (a slow or silent client) is closed to make
 * room, and the newcomer is kept; so a flood of half-open connections evicts itself
 * while a health check, which sends its request at once, gets through. Only when every
 * connection is busy with a request is the newcomer refused.
 */
export function capConnections(server: Server, max: number): void {
  // Insertion order is age: the first entry is the oldest waiting connection.
  const waiting = new Set<Socket>();
  const open = new Set<Socket>();
  const close = (socket: Socket) => {
    open.delete(socket);
    waiting.delete(socket);
    socket.destroy();
  };
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => close(socket));
    if (open.size > max) {
      const oldest = waiting.values().next().value;
      if (oldest === undefined) return close(socket);
      close(oldest);
    }
    waiting.add(socket);
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    waiting.delete(socket);
    // Between keep-alive requests the connection waits again, as the newest.
    response.once('finish', () => {
      if (!socket.destroyed) waiting.add(socket);
    });
  });
}
