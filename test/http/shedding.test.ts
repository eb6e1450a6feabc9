// A flood of GETs of the status API (issue 13, finding 8): health checks are answered ahead
// of the reads, and the reads held at once are bounded — beyond the bound a read is
// refused at once with 503 OVERLOADED and Retry-After. The assertions are on what the
// server answers and in which order, not on how long it takes.
import t from 'tap';
import { get } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { CloudMapRegistration } from '../../src/http/deps.js';
import { WEB, setup } from './fixture.js';

interface Answer {
  status: number;
  retryAfter?: string;
  body: string;
}

/** One GET on its own connection, as a load balancer or a script in a loop would make it. */
function read(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], body }));
    });
    req.on('error', reject);
  });
}

async function listening(app: ReturnType<typeof setup>['app']) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

t.test('reads beyond the bound are refused with 503 and Retry-After; /livez and /readyz still answer; the slots come back', async (t) => {
  const { app, status, controller } = setup(t, { limits: { maxReads: 50 } });
  status.recordPlan(WEB, { cluster: 'main' });
  status.updateController({ ready: true });
  // AWS holds the Cloud Map read, so every read of Service/web stays in flight until released.
  let release!: (value: CloudMapRegistration[]) => void;
  const aws = new Promise<CloudMapRegistration[]>((resolve) => (release = resolve));
  controller.cloudMapInstances = () => aws;
  const port = await listening(app);

  let received = 0;
  let allReceived!: () => void;
  const receivedAll = new Promise<void>((resolve) => (allReceived = resolve));
  app.server.on('request', () => ++received === 300 && allReceived());
  const flood = Array.from({ length: 300 }, () => read(port, '/api/v1/resources/Service/web'));
  await receivedAll;
  t.equal((await read(port, '/livez')).status, 200, '/livez answers while 50 reads are held');
  t.equal((await read(port, '/readyz')).status, 200, '/readyz answers while 50 reads are held');
  t.equal((await read(port, '/api/v1/status')).status, 503, 'any other read is refused while the bound is reached');

  release([]);
  const answers = await Promise.all(flood);
  const ok = answers.filter((a) => a.status === 200);
  const busy = answers.filter((a) => a.status === 503);
  t.equal(ok.length, 50, 'the 50 reads held are answered once AWS answers');
  t.equal(busy.length, 250, 'the other 250 were refused');
  t.ok(
    busy.every((a) => a.retryAfter === '1' && JSON.parse(a.body).error.code === 'OVERLOADED'),
    'each refusal says OVERLOADED in the error shape, with Retry-After: 1',
  );
  t.equal((await read(port, '/api/v1/status')).status, 200, 'once they are answered, reads are served again');
});

t.test('a health check that arrives with a flood of reads is answered before the reads queued ahead of it', async (t) => {
  const { app, status } = setup(t, { limits: { maxReads: 1000 } });
  status.recordPlan(WEB, { cluster: 'main' });
  const port = await listening(app);
  const reads = 400;
  // Every connection is open and accepted by the server before any request is sent, so
  // the requests reach it at once: the 400 reads, then /livez last.
  let accepted = 0;
  let allAccepted!: () => void;
  const acceptedAll = new Promise<void>((resolve) => (allAccepted = resolve));
  app.server.on('connection', () => ++accepted === reads + 1 && allAccepted());
  const sockets = Array.from({ length: reads + 1 }, () => connect(port, '127.0.0.1'));
  await acceptedAll;
  const paths = sockets.map((_, i) => (i < reads ? '/api/v1/resources' : '/livez'));
  const answered: string[] = [];
  const answers = sockets.map((socket, i) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (!text) answered.push(paths[i]!);
      text += chunk;
    });
    return new Promise<string>((resolve, reject) => socket.once('end', () => resolve(text)).once('error', reject));
  });
  sockets.forEach((socket, i) => socket.write(`GET ${paths[i]} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  const texts = await Promise.all(answers);
  t.ok(
    texts.every((text) => text.startsWith('HTTP/1.1 200')),
    'under the bound, every read and the health check are answered',
  );
  const place = answered.indexOf('/livez') + 1;
  t.ok(place <= reads / 2, `/livez was answered ${place}th of ${reads + 1}: it did not wait for the reads that arrived before it`);
});

t.test('/openapi.json declares the 503 of an overloaded server on every read but the health checks', async (t) => {
  const { app } = setup(t);
  const doc = (await app.inject('/openapi.json')).json();
  for (const path of ['/api/v1/status', '/api/v1/resources', '/api/v1/resources/{kind}/{name}', '/api/v1/plan', '/metrics', '/openapi.json']) {
    const declared = doc.paths[path].get.responses['503'];
    t.match(declared?.description, /OVERLOADED/, `GET ${path} declares 503 OVERLOADED`);
    t.ok(declared?.headers?.['Retry-After'], `GET ${path} declares Retry-After`);
  }
  t.notOk(doc.paths['/livez'].get.responses['503'], '/livez is never refused');
  t.notMatch(doc.paths['/readyz'].get.responses['503'].description, /OVERLOADED/, "/readyz's 503 is only NOT_READY");
  t.notOk(doc.paths['/api/v1/sync'].post.responses['503']?.description?.includes('OVERLOADED'), 'requests with a body are not queued');
});
