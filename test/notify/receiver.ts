// A notification receiver for tests: an HTTP server on 127.0.0.1 (a free port, closed in
// t.teardown) that keeps every request it gets and answers as the test tells it — 200 by
// default, a status with headers, or never. It verifies the webhook's signature the way
// a receiver should, with node:crypto, independently of src/notify.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Received {
  headers: IncomingHttpHeaders;
  /** The raw body, as sent. */
  raw: string;
  body: Record<string, unknown> & { event?: string; id?: string; summary?: string; resources?: { key: string; field?: string; recoveredFrom?: string[] }[] };
  /** Whether the test's answer went out (false while the receiver holds the request). */
  answered: boolean;
  /** When it arrived, on the test's clock. */
  at: number;
}

/** How to answer one request: a status (with headers), or 'hang' to never answer. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers for the next requests, in order; then 200. */
  answer(...answers: Answer[]): void;
  /** Resolves once `n` requests have arrived (at once if they have). */
  until(n: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(t: { teardown(fn: () => unknown): void }, now: () => number = Date.now): Promise<Receiver> {
  const received: Received[] = [];
  const answers: Answer[] = [];
  const waiters: { n: number; resolve(r: Received[]): void }[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Received['body'] = {};
      try {
        body = JSON.parse(raw) as Received['body'];
      } catch {
        // kept raw
      }
      const entry: Received = { headers: req.headers, raw, body, answered: false, at: now() };
      received.push(entry);
      const answer = answers.shift() ?? { status: 200 };
      if (answer === 'hang') held.push(res);
      else {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.status < 300 ? 'ok' : 'no');
        entry.answered = true;
      }
      for (const w of waiters.filter((w) => received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(received);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    answer: (...a) => void answers.push(...a),
    until: (n) => (received.length >= n ? Promise.resolve(received) : new Promise((resolve) => waiters.push({ n, resolve }))),
    close,
  };
}

/** What a receiver checks: the signature over `<timestamp>.<raw body>`, in constant time, and a fresh timestamp. */
export function signatureValid(secret: string, r: Received, nowMs = Date.now()): boolean {
  const timestamp = String(r.headers['x-ecs-gitops-timestamp'] ?? '');
  const received = Buffer.from(String(r.headers['x-ecs-gitops-signature'] ?? ''));
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.raw}`).digest('hex')}`);
  const fresh = Math.abs(nowMs / 1000 - Number(timestamp)) <= 300;
  return fresh && received.length === expected.length && timingSafeEqual(received, expected);
}
