import t from 'tap';
import { WEBHOOK_BODY_LIMIT, signBody } from '../../src/http/index.js';
import { setup } from './fixture.js';

const TOKEN = 's3cret-token-value';
const SECRET = 'webhook-secret';

t.test('POST /api/v1/sync without a configured token is 403 FORBIDDEN and says how to enable it', async (t) => {
  const { app, controller } = setup(t);
  const res = await app.inject({ method: 'POST', url: '/api/v1/sync', headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(res.statusCode, 403);
  t.equal(res.json().error.code, 'FORBIDDEN');
  t.match(res.json().error.message, /ECS_GITOPS_API_TOKEN/);
  t.same(controller.requests, [], 'nothing was requested');
});

t.test('POST /api/v1/sync with a missing or wrong token is 401 with WWW-Authenticate: Bearer', async (t) => {
  const { app, controller } = setup(t, { apiToken: TOKEN });
  const cases: Record<string, string | undefined> = {
    missing: undefined,
    'wrong token': `Bearer ${TOKEN}x`,
    'a prefix of the token': `Bearer ${TOKEN.slice(0, 5)}`,
    'another scheme': `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
    'the bare token': TOKEN,
  };
  for (const [name, authorization] of Object.entries(cases)) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/sync', headers: authorization ? { authorization } : {} });
    t.equal(res.statusCode, 401, name);
    t.equal(res.json().error.code, 'UNAUTHORIZED', name);
    t.match(res.headers['www-authenticate'], /^Bearer /, name);
  }
  t.same(controller.requests, [], 'nothing was requested');
});

t.test('POST /api/v1/sync with the right token is 202 with the controller’s answer, requested once', async (t) => {
  const { app, controller } = setup(t, { apiToken: TOKEN });
  const res = await app.inject({ method: 'POST', url: '/api/v1/sync', headers: { authorization: `bearer ${TOKEN}` } });
  t.equal(res.statusCode, 202);
  t.same(res.json(), { accepted: true, message: 'full sync queued' });
  t.same(controller.requests, [{ trigger: 'api' }]);

  const withJson = await app.inject({ method: 'POST', url: '/api/v1/sync', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
  t.equal(withJson.statusCode, 202, 'an empty JSON body (as curl -H content-type sends) is fine');

  controller.answer = { accepted: false, message: 'shutting down' };
  const refused = await app.inject({ method: 'POST', url: '/api/v1/sync', headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(refused.statusCode, 503);
  t.same(refused.json(), { error: { code: 'SYNC_NOT_ACCEPTED', message: 'shutting down' } });
  t.equal(controller.requests.length, 3);
});

t.test('GET /api/v1/sync is not a way around the token', async (t) => {
  const { app, controller } = setup(t, { apiToken: TOKEN });
  const res = await app.inject({ method: 'GET', url: '/api/v1/sync' });
  t.equal(res.statusCode, 404);
  t.same(controller.requests, []);
});

const push = JSON.stringify({ ref: 'refs/heads/main', before: '1'.repeat(40), after: 'abcdef0123456789abcdef0123456789abcdef01', repository: { full_name: 'shop/config' } });

function webhook(body: string | Buffer, headers: Record<string, string>) {
  return { method: 'POST' as const, url: '/api/v1/webhooks/git', payload: body, headers: { 'content-type': 'application/json', ...headers } };
}

t.test('a push with a good signature is 202 and requests a webhook sync naming the ref and commit', async (t) => {
  const { app, controller } = setup(t, { webhookSecret: SECRET });
  const res = await app.inject(webhook(push, { 'x-github-event': 'push', 'x-hub-signature-256': signBody(SECRET, push) }));
  t.equal(res.statusCode, 202);
  t.same(res.json(), { accepted: true, message: 'full sync queued' });
  t.same(controller.requests, [{ trigger: 'webhook', detail: 'refs/heads/main@abcdef0123456789abcdef0123456789abcdef01' }]);
});

t.test('the signature covers the raw bytes: re-serialised JSON with the same meaning does not verify', async (t) => {
  const { app, controller } = setup(t, { webhookSecret: SECRET });
  const spaced = JSON.stringify(JSON.parse(push), null, 2);
  const res = await app.inject(webhook(spaced, { 'x-github-event': 'push', 'x-hub-signature-256': signBody(SECRET, push) }));
  t.equal(res.statusCode, 401);
  const exact = await app.inject(webhook(spaced, { 'x-github-event': 'push', 'x-hub-signature-256': signBody(SECRET, spaced) }));
  t.equal(exact.statusCode, 202, 'the same bytes as signed verify, whitespace and all');
  t.equal(controller.requests.length, 1);
});

t.test('GitHub’s form-encoded delivery (payload=<json>) is verified over the raw form body', async (t) => {
  const { app, controller } = setup(t, { webhookSecret: SECRET });
  const form = `payload=${encodeURIComponent(push)}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/git',
    payload: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push', 'x-hub-signature-256': signBody(SECRET, form) },
  });
  t.equal(res.statusCode, 202);
  t.same(controller.requests, [{ trigger: 'webhook', detail: 'refs/heads/main@abcdef0123456789abcdef0123456789abcdef01' }]);
});

t.test('a bad or missing signature is 401 UNAUTHORIZED and triggers nothing', async (t) => {
  const { app, controller } = setup(t, { webhookSecret: SECRET });
  const cases: Record<string, Record<string, string>> = {
    missing: {},
    'another secret': { 'x-hub-signature-256': signBody('not-the-secret', push) },
    'the SHA-1 header style': { 'x-hub-signature-256': signBody(SECRET, push).replace('sha256=', 'sha1=') },
    'truncated digest': { 'x-hub-signature-256': signBody(SECRET, push).slice(0, 40) },
    garbage: { 'x-hub-signature-256': 'sha256=zz' },
  };
  for (const [name, headers] of Object.entries(cases)) {
    const res = await app.inject(webhook(push, { 'x-github-event': 'push', ...headers }));
    t.equal(res.statusCode, 401, name);
    t.equal(res.json().error.code, 'UNAUTHORIZED', name);
  }
  t.same(controller.requests, []);
});

t.test('without a configured secret the webhook is 403 FORBIDDEN, whatever is sent', async (t) => {
  const { app, controller } = setup(t);
  const res = await app.inject(webhook(push, { 'x-github-event': 'push', 'x-hub-signature-256': signBody(SECRET, push) }));
  t.equal(res.statusCode, 403);
  t.equal(res.json().error.code, 'FORBIDDEN');
  t.match(res.json().error.message, /ECS_GITOPS_WEBHOOK_SECRET/);
  t.same(controller.requests, []);
});

t.test('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE, even when correctly signed', async (t) => {
  const { app, controller } = setup(t, { webhookSecret: SECRET });
  const big = JSON.stringify({ ref: 'refs/heads/main', padding: 'x'.repeat(WEBHOOK_BODY_LIMIT) });
  const res = await app.inject(webhook(big, { 'x-github-event': 'push', 'x-hub-signature-256': signBody(SECRET, big) }));
  t.equal(res.statusCode, 413);
  t.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
  t.same(controller.requests, []);
});

t.test('ping is 200 and triggers nothing; other events are 200 and ignored; a push without an event header syncs', async (t) => {
  const { app, controller } = setup(t, { webhookSecret: SECRET });
  const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
  const pong = await app.inject(webhook(ping, { 'x-github-event': 'ping', 'x-hub-signature-256': signBody(SECRET, ping) }));
  t.equal(pong.statusCode, 200);
  t.same(pong.json(), { accepted: true, message: 'pong' });

  const issue = JSON.stringify({ action: 'opened' });
  const ignored = await app.inject(webhook(issue, { 'x-github-event': 'issues', 'x-hub-signature-256': signBody(SECRET, issue) }));
  t.equal(ignored.statusCode, 200);
  t.equal(ignored.json().accepted, false);
  t.match(ignored.json().message, /issues ignored/);
  t.same(controller.requests, [], 'neither ping nor issues trigger a sync');

  const plain = await app.inject(webhook(push, { 'x-hub-signature-256': signBody(SECRET, push) }));
  t.equal(plain.statusCode, 202);
  t.equal(controller.requests.length, 1);
});

t.test('a signed body that is not a JSON object is 400 BAD_REQUEST', async (t) => {
  const { app, controller } = setup(t, { webhookSecret: SECRET });
  for (const body of ['not json', '[1,2]', '']) {
    const res = await app.inject(webhook(body, { 'x-github-event': 'push', 'x-hub-signature-256': signBody(SECRET, body) }));
    t.equal(res.statusCode, 400, JSON.stringify(body));
    t.equal(res.json().error.code, 'BAD_REQUEST');
  }
  t.same(controller.requests, []);
});
