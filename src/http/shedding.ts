/**
 * Reads take their turn; health checks never wait for them. Node serves connections in
 * the order their data arrives, so under a burst of thousands of GETs a health check used
 * to wait behind every request that reached the server before it — seconds on a busy
 * machine, long enough for ECS to kill the task. Here every GET other than `/livez` and
 * `/readyz` joins a queue that is served a few requests per turn of the event loop;
 * between turns Node accepts new connections and answers health checks at once. The
 * reads held (queued or being answered) are bounded: beyond the bound a read is refused
 * at once with 503 OVERLOADED and `Retry-After`, which costs less than answering it and
 * holds nothing. Requests with a body (sync, webhook) have their own limits and are not
 * queued.
 *
 * What this cannot reorder is the kernel's queue of connections not yet accepted: Node
 * 20 (libuv 1.46) accepts one connection per turn of the event loop, so a health check
 * on a new connection still waits for the connections that arrived before it to be
 * accepted. Keeping each turn short (a few reads, a refusal that costs less than an
 * answer) is what keeps that wait short.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errorBody } from './errors.js';

/** Answered as soon as they arrive, whatever the reads. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz']);

/** Queued reads started per turn of the event loop. */
export const READS_PER_TURN = 16;

/** What a refused read is told to wait, in seconds. */
export const RETRY_AFTER_S = 1;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const pathOf = (url = '') => {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};

/**
 * Wraps the server's request handler: health checks and requests other than GET go
 * straight to `handle`; a GET waits in the queue, or is refused when `maxReads` are held.
 * `onShed` is called for the first refusal after the queue was last empty.
 */
export function prioritise(handle: Handler, maxReads: number, onShed: (held: number) => void = () => undefined): Handler {
  const queue: [IncomingMessage, ServerResponse][] = [];
  let held = 0;
  let turnScheduled = false;
  let shedding = false;
  const refusal = new ApiError('OVERLOADED', `the server is answering as many reads as it holds at once (${maxReads}); retry after ${RETRY_AFTER_S} s`, { 'retry-after': String(RETRY_AFTER_S) });
  const body = JSON.stringify(errorBody(refusal.code, refusal.message));
  const headers = { ...refusal.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };

  const turn = () => {
    turnScheduled = false;
    for (let started = 0; started < READS_PER_TURN && queue.length > 0; ) {
      const [request, response] = queue.shift()!;
      // A client that gave up while its read was queued costs nothing more.
      if (request.socket.destroyed || response.writableEnded) continue;
      started++;
      handle(request, response);
    }
    if (queue.length > 0) schedule();
    else shedding = false;
  };
  const schedule = () => {
    if (turnScheduled) return;
    turnScheduled = true;
    // setImmediate runs after the poll phase: the connections and health checks that
    // arrived meanwhile are served before the next few reads.
    setImmediate(turn);
  };

  return (request: IncomingMessage, response: ServerResponse) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || HEALTH_PATHS.has(pathOf(request.url))) return handle(request, response);
    if (held >= maxReads) {
      if (!shedding) onShed(held);
      shedding = true;
      response.writeHead(refusal.status, headers).end(body);
      return;
    }
    held++;
    response.once('close', () => held--);
    queue.push([request, response]);
    schedule();
  };
}
