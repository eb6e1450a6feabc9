// What an unauthenticated client can hold of the server (issue 13, findings 2 and 9): the
// connection cap, header and body deadlines, the webhook's bounded reads, and Node's
// own refusals answered in the API's one error shape.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { defaultMaxConnections, descriptorLimit } from '../../src/http/limits.js';
import { setup } from './fixture.js';

async function listening(app: ReturnType<typeof setup>['app']) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** Opens a connection, writes `text`, and resolves with everything read until the server closes it. */
function rawRequest(port: number, text: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.write(text);
  return { socket, answer: new Promise((resolve) => socket.once('close', () => resolve(received))) };
}

/** The JSON body of the first response in `answer`. */
function bodyOf(answer: string): { error: { code: string } } {
  const start = answer.indexOf('\r\n\r\n') + 4;
  const length = Number(/content-length: (\d+)/i.exec(answer)?.[1]);
  return JSON.parse(answer.slice(start, start + length)) as { error: { code: string } };
}

t.test('half-sent requests: connections stay under the cap, /livez still answers, and each slow client is cut off at the header deadline', async (t) => {
  const { app } = setup(t, { limits: { maxConnections: 20, headersTimeoutMs: 400 } });
  const port = await listening(app);
  const slow = Array.from({ length: 100 }, () => rawRequest(port, 'GET /livez HTTP/1.1\r\nHost: x\r\n'));
  await Promise.all(slow.map(({ socket }) => new Promise((resolve) => (socket.connecting ? socket.once('connect', resolve) : resolve(undefined)))));
  const live = await fetch(`http://127.0.0.1:${port}/livez`);
  t.equal(live.status, 200, '/livez answers past 100 half-open connections');
  const open = await new Promise<number>((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  t.ok(open <= 20, `the server holds ${open} connections, at most the cap of 20`);
  const answers = await Promise.all(slow.map((s) => s.answer));
  const timedOut = answers.filter((a) => a.startsWith('HTTP/1.1 408'));
  t.ok(timedOut.length > 0, 'the connections kept are answered 408 at the header deadline');
  t.same(bodyOf(timedOut[0]).error.code, 'REQUEST_TIMEOUT');
});

t.test('webhook bodies: a bounded number read at once, unsigned ones never read, and a stalled body cut off at the request deadline', async (t) => {
  const { app } = setup(t, { webhookSecret: 's3cret', limits: { maxWebhookBodies: 4, requestTimeoutMs: 600, headersTimeoutMs: 500 } });
  const port = await listening(app);
  const head = (signed: boolean) =>
    `POST /api/v1/webhooks/git HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n${signed ? `X-Hub-Signature-256: sha256=${'0'.repeat(64)}\r\n` : ''}\r\n{"ref":"`;
  const unsigned = rawRequest(port, head(false));
  t.match(await unsigned.answer, /^HTTP\/1.1 401/, 'no signature: refused before the body is read');
  const stalled = Array.from({ length: 10 }, () => rawRequest(port, head(true)));
  const answers = await Promise.all(stalled.map((s) => s.answer));
  const busy = answers.filter((a) => a.startsWith('HTTP/1.1 429'));
  t.equal(busy.length, 6, 'six of ten are refused while four bodies are being read');
  t.equal(bodyOf(busy[0]).error.code, 'TOO_MANY_REQUESTS');
  t.match(busy[0], /retry-after: 1/i);
  t.equal(answers.filter((a) => a.startsWith('HTTP/1.1 408')).length, 4, 'the four stalled bodies are cut off');
  const after = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks/git`, { method: 'POST', headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, body: '{}' });
  t.equal(after.status, 401, 'their slots are free again: the next delivery is read and its signature checked');
});

t.test("Node's own refusals come in the API's error shape: 400 for a malformed request, 431 for huge headers", async (t) => {
  const { app } = setup(t);
  const port = await listening(app);
  const malformed = await rawRequest(port, 'NONSENSE\r\n\r\n').answer;
  t.match(malformed, /^HTTP\/1.1 400/);
  t.equal(bodyOf(malformed).error.code, 'BAD_REQUEST');
  const huge = await rawRequest(port, `GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`).answer;
  t.match(huge, /^HTTP\/1.1 431/);
  t.equal(bodyOf(huge).error.code, 'HEADERS_TOO_LARGE');
});

t.test('the default connection cap stays well below the descriptor limit', async (t) => {
  t.equal(defaultMaxConnections(1024), 256);
  t.equal(defaultMaxConnections(100), 64);
  t.equal(defaultMaxConnections(1_048_576), 4096);
  const limit = descriptorLimit();
  if (limit !== undefined) t.ok(defaultMaxConnections() < limit, `cap ${defaultMaxConnections()} < ${limit} descriptors`);
});
