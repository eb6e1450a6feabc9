import t from 'tap';
import { ERROR_CODES } from '../../src/http/index.js';
import { setup } from './fixture.js';

const ROUTES = [
  ['get', '/livez'],
  ['get', '/readyz'],
  ['get', '/metrics'],
  ['get', '/api/v1/status'],
  ['get', '/api/v1/resources'],
  ['get', '/api/v1/resources/{kind}/{name}'],
  ['get', '/api/v1/plan'],
  ['post', '/api/v1/sync'],
  ['get', '/api/v1/applications'],
  ['get', '/api/v1/applications/{name}'],
  ['get', '/api/v1/applications/{name}/resources'],
  ['get', '/api/v1/applications/{name}/resources/{kind}/{rname}'],
  ['get', '/api/v1/applications/{name}/plan'],
  ['post', '/api/v1/applications/{name}/sync'],
  ['post', '/api/v1/webhooks/git'],
  ['get', '/openapi.json'],
  ['get', '/'],
  ['get', '/ui/{file}'],
  ['get', '/api/v1/events'],
];

t.test('/openapi.json is an OpenAPI 3 document listing every route, and nothing else', async (t) => {
  const { app } = setup(t);
  const res = await app.inject('/openapi.json');
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.match(doc.openapi, /^3\./);
  t.equal(doc.info.version, '1.2.3');
  const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => [m, path]));
  t.same(listed.sort(), [...ROUTES].sort());
  for (const [method, path] of listed) {
    const op = doc.paths[path][method];
    t.ok(op.summary, `${method} ${path} has a summary`);
    t.ok(Object.keys(op.responses).length > 0, `${method} ${path} documents its responses`);
  }
});

t.test('the document carries the schemas the routes validate with: filters with their enums, path parameters, error codes', async (t) => {
  const { app } = setup(t);
  const doc = (await app.inject('/openapi.json')).json();
  const list = doc.paths['/api/v1/resources'].get;
  t.same(
    list.parameters.map((p: { name: string; in: string }) => [p.name, p.in]),
    [
      ['kind', 'query'],
      ['sync', 'query'],
      ['health', 'query'],
    ],
  );
  t.same(list.parameters.find((p: { name: string }) => p.name === 'sync').schema.enum, ['Synced', 'OutOfSync', 'Unknown']);
  t.ok(list.responses['400'], 'the 400 for an unknown filter value is documented');

  const one = doc.paths['/api/v1/resources/{kind}/{name}'].get;
  t.same(one.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required]), [
    ['kind', 'path', true],
    ['name', 'path', true],
  ]);
  t.ok(one.responses['404']);

  const errorSchema = one.responses['404'].content['application/json'].schema;
  t.same(errorSchema.properties.error.properties.code.enum, Object.keys(ERROR_CODES));

  t.same(doc.paths['/api/v1/sync'].post.security, [{ bearerAuth: [] }]);
  t.same(doc.paths['/api/v1/webhooks/git'].post.security, [{ webhookSignature: [] }]);
  t.ok(doc.paths['/api/v1/webhooks/git'].post.requestBody.content['application/json']);
  t.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  t.ok(doc.paths['/metrics'].get.responses['200'].content['text/plain'], 'metrics are documented as text');
});

t.test('operation ids are unique', async (t) => {
  const { app } = setup(t);
  const doc = (await app.inject('/openapi.json')).json();
  const ids = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
  t.equal(new Set(ids).size, ids.length, ids.join(', '));
});

t.test('every status a route answers to hostile requests is declared in the document, in the one error shape', async (t) => {
  const { app, status } = setup(t, { apiToken: 'tok', webhookSecret: 's' });
  status.updateController({ ready: true });
  const doc = (await app.inject('/openapi.json')).json();
  const credentials = { authorization: 'Bearer tok', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
  const hostile: Record<string, { headers?: Record<string, string>; payload?: string; suffix?: string }> = {
    'xml body': { headers: { 'content-type': 'application/xml' }, payload: '<a/>' },
    'unparseable content type': { headers: { 'content-type': ';;;' }, payload: 'x' },
    '2 MB body': { headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(2_000_000) },
    'broken JSON': { headers: { 'content-type': 'application/json' }, payload: '{' },
    'bad percent-encoding in the query': { suffix: '?%zz=1' },
    'unknown query parameter': { suffix: '?nope=1' },
  };
  for (const [method, path] of ROUTES) {
    const url = path.replace('{kind}', 'Service').replace('{rname}', 'web').replace('{name}', path.includes('/applications/') ? 'default' : 'web').replace('{file}', 'app.js');
    // The event stream stays open, so inject would never return; test/http/stream.test.ts covers it on a socket.
    for (const [name, request] of Object.entries(path === '/api/v1/events' ? {} : hostile)) {
      const res = await app.inject({ method: method.toUpperCase() as 'GET' | 'POST', url: url + (request.suffix ?? ''), headers: { ...credentials, ...request.headers }, ...(request.payload ? { payload: request.payload } : {}) });
      const declared = doc.paths[path][method].responses[String(res.statusCode)];
      t.ok(declared, `${method} ${path} with ${name}: ${res.statusCode} is declared`);
      if (res.statusCode >= 400) t.ok(Object.keys(ERROR_CODES).includes(res.json().error?.code), `${method} ${path} with ${name}: ${res.statusCode} has a catalogued code`);
    }
    for (const status of [400, 408, 431, 500]) t.ok(doc.paths[path][method].responses[String(status)], `${method} ${path} declares the server's own ${status}`);
  }
  for (const path of ['/api/v1/sync', '/api/v1/webhooks/git']) {
    for (const status of [413, 415]) t.ok(doc.paths[path].post.responses[String(status)], `${path} declares ${status}`);
  }
  t.ok(doc.paths['/api/v1/webhooks/git'].post.responses['429']);
});
