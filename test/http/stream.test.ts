// GET /api/v1/events over a real socket: a change in the status store reaches an open
// stream as one gathered `change` event; a burst of changes is one event, not one per
// change; the stream outlives the server's request timeout; streams are bounded; closing
// the server ends them.
import t from 'tap';
import type { AddressInfo } from 'node:net';
import { request, type IncomingMessage } from 'node:http';
import { GATHER_MS, MAX_KEYS, MAX_STREAMS } from '../../src/http/stream.js';
import { API, MAIN, WEB, setup } from './fixture.js';

interface Opened {
  response: IncomingMessage;
  /** Resolves with the next complete event (`event` + parsed `data`), skipping comments and the retry field. */
  next(): Promise<{ event: string; data: unknown }>;
  close(): void;
}

async function listen(t: Parameters<typeof setup>[0], limits = {}) {
  const fixture = setup(t, { limits });
  await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (fixture.app.server.address() as AddressInfo).port;
  const open = () =>
    new Promise<Opened>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { accept: 'text/event-stream' } }, (response) => {
        let buffered = '';
        const events: { event: string; data: unknown }[] = [];
        const waiting: ((e: { event: string; data: unknown }) => void)[] = [];
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!event || data === undefined) continue;
            const parsed = { event, data: JSON.parse(data) as unknown };
            const waiter = waiting.shift();
            if (waiter) waiter(parsed);
            else events.push(parsed);
          }
        });
        resolve({
          response,
          next: () => (events.length ? Promise.resolve(events.shift()!) : new Promise((r) => waiting.push(r))),
          close: () => req.destroy(),
        });
      });
      req.on('error', reject);
      req.end();
    });
  return { ...fixture, port, open };
}

t.test('a change in the status reaches an open stream as one change event naming the resources', async (t) => {
  const { status, open } = await listen(t);
  const stream = await open();
  t.equal(stream.response.statusCode, 200);
  t.match(stream.response.headers['content-type'], /^text\/event-stream/);
  t.equal(stream.response.headers['cache-control'], 'no-cache, no-transform');

  status.recordPlan(WEB, {});
  status.recordPlan(MAIN, {});
  status.recordPlan(WEB, {});
  t.same(await stream.next(), { event: 'change', data: { controller: false, keys: ['Service/web', 'Cluster/main'] } }, 'one event for the burst, each key once');

  status.updateController({ ready: true });
  t.same(await stream.next(), { event: 'change', data: { controller: true, keys: [] } });
  status.recordPlan(API, {});
  status.remove(API.key);
  t.same(await stream.next(), { event: 'change', data: { controller: false, keys: ['Service/api'] } }, 'a removal names the key');
  stream.close();
});

t.test(`more than ${MAX_KEYS} changed resources in one window: keys is null (read everything)`, async (t) => {
  const { status, open } = await listen(t);
  const stream = await open();
  for (let i = 0; i <= MAX_KEYS; i++) status.recordPlan({ ...MAIN, key: `Cluster/c${i}` as never, name: `c${i}` }, {});
  status.updateController({ ready: true });
  t.same(await stream.next(), { event: 'change', data: { controller: true, keys: null } });
  stream.close();
});

t.test('a stream outlives the request timeout, which is for receiving requests', async (t) => {
  const { status, open } = await listen(t, { headersTimeoutMs: 100, requestTimeoutMs: 200 });
  const stream = await open();
  const start = Date.now();
  // Wait past the timeouts by waiting for events, not a sleep: one change per gather window until 600 ms have passed.
  let events = 0;
  while (Date.now() - start < 600) {
    status.updateController({ ready: true });
    await stream.next();
    events++;
  }
  t.ok(events >= 600 / (GATHER_MS + 100), `${events} events over ${Date.now() - start} ms on one stream`);
  t.notOk(stream.response.destroyed, 'still open');
  stream.close();
});

t.test(`at most ${MAX_STREAMS} streams; closing one makes room; closing the server ends them`, async (t) => {
  const { app, open, port } = await listen(t);
  const streams = await Promise.all(Array.from({ length: MAX_STREAMS }, () => open()));
  t.ok(streams.every((s) => s.response.statusCode === 200));
  const refused = await fetch(`http://127.0.0.1:${port}/api/v1/events`);
  t.equal(refused.status, 429);
  t.equal(((await refused.json()) as { error: { code: string } }).error.code, 'TOO_MANY_REQUESTS');
  t.equal(refused.headers.get('retry-after'), '10');

  const closed = new Promise((resolve) => streams[0].response.once('close', resolve));
  streams[0].close();
  await closed;
  // The server hears the close a moment later; the next stream is admitted once it has.
  let again: Opened | undefined;
  for (let tries = 0; tries < 50 && !again; tries++) {
    const s = await open().catch(() => undefined);
    if (s?.response.statusCode === 200) again = s;
    else s?.close();
  }
  t.ok(again, 'a stream is admitted again');

  const ended = Promise.all([...streams.slice(1), again!].map((s) => new Promise((resolve) => s.response.once('end', resolve))));
  await app.close();
  t.equal((await ended).length, MAX_STREAMS, 'every open stream ended with the server');
});
