import t from 'tap';
import { KINDS } from '../../src/api/kinds.js';
import { CLIENT_READ_TTL_MS } from '../../src/http/reads.js';
import { API, MAIN, NS, PLAN, T0, WEB, populate, setup } from './fixture.js';

t.test('/livez answers while the process runs; /readyz is 503 until the first sync, 200 after, 503 again while shutting down', async (t) => {
  const { app, status } = setup(t);
  const live = await app.inject('/livez');
  t.equal(live.statusCode, 200);
  t.same(live.json(), { status: 'ok' });

  let ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 503);
  t.same(ready.json(), { error: { code: 'NOT_READY', message: 'the first full sync has not finished' } });

  status.updateController({ ready: true });
  ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ok' });

  status.updateController({ shuttingDown: true });
  ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().error.code, 'NOT_READY');
  t.match(ready.json().error.message, /shutting down/);
  t.equal((await app.inject('/livez')).statusCode, 200, 'still alive while shutting down');
});

t.test('/api/v1/status before anything happened: nulls, zero counts, not ready', async (t) => {
  const { app } = setup(t);
  const res = await app.inject('/api/v1/status');
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    version: '1.2.3',
    appliedRevision: null,
    attemptedRevision: null,
    lastSyncAt: null,
    lastSuccessfulSyncAt: null,
    resources: { total: 0, sync: { Synced: 0, OutOfSync: 0, Unknown: 0 }, health: { Healthy: 0, Progressing: 0, Degraded: 0, Missing: 0, Unknown: 0 } },
    loadErrors: [],
    ready: false,
    shuttingDown: false,
    cloudMapOwnership: null,
  });
});

t.test('/api/v1/status says how Cloud Map ownership is read, and why per object', async (t) => {
  const { app, status } = setup(t);
  status.updateController({ cloudMapOwnership: { mode: 'per-object', reason: 'tag:GetResources failed, AccessDeniedException', since: Date.UTC(2026, 0, 2) } });
  t.same((await app.inject('/api/v1/status')).json().cloudMapOwnership, { mode: 'per-object', reason: 'tag:GetResources failed, AccessDeniedException', since: '2026-01-02T00:00:00.000Z' });
  status.updateController({ cloudMapOwnership: { mode: 'bulk', since: Date.UTC(2026, 0, 3) } });
  t.same((await app.inject('/api/v1/status')).json().cloudMapOwnership, { mode: 'bulk', reason: null, since: '2026-01-03T00:00:00.000Z' }, 'bulk again: no reason');
});

t.test('/api/v1/status after a pass and an invalid newer revision: revisions, ISO times, counts and formatted load errors', async (t) => {
  const { app, status } = setup(t);
  populate(status);
  status.updateController({
    attemptedRevision: 'bbbb222',
    loadErrors: [
      { code: 'SCHEMA', severity: 'error', file: 'apps/web.yaml', line: 12, column: 7, field: 'spec.desiredCount', message: 'must be integer' },
      { code: 'YAML_SYNTAX', severity: 'error', file: 'apps/api.yaml', line: 3, column: 1, message: 'unexpected end of the stream' },
    ],
  });
  const body = (await app.inject('/api/v1/status')).json();
  t.equal(body.appliedRevision, 'aaaa111');
  t.equal(body.attemptedRevision, 'bbbb222');
  t.equal(body.lastSyncAt, '2025-06-01T12:00:00.000Z');
  t.equal(body.lastSuccessfulSyncAt, '2025-06-01T11:59:00.000Z');
  t.same(body.resources, { total: 4, sync: { Synced: 2, OutOfSync: 2, Unknown: 0 }, health: { Healthy: 1, Progressing: 1, Degraded: 1, Missing: 1, Unknown: 0 } });
  t.same(body.loadErrors, [
    { code: 'SCHEMA', severity: 'error', file: 'apps/web.yaml', line: 12, column: 7, field: 'spec.desiredCount', message: 'must be integer', formatted: 'apps/web.yaml:12:7 spec.desiredCount: must be integer' },
    { code: 'YAML_SYNTAX', severity: 'error', file: 'apps/api.yaml', line: 3, column: 1, field: null, message: 'unexpected end of the stream', formatted: 'apps/api.yaml:3:1 unexpected end of the stream' },
  ]);
  t.equal(body.ready, true);
});

t.test('/api/v1/resources lists summaries in apply order and filters by kind, sync and health', async (t) => {
  const { app, status } = setup(t);
  populate(status);
  const all = await app.inject('/api/v1/resources');
  t.equal(all.statusCode, 200);
  const items = all.json().items;
  t.same(items.map((i: { key: string }) => i.key), ['CloudMapNamespace/internal', 'Cluster/main', 'Service/api', 'Service/web']);
  t.same(items[3], {
    key: 'Service/web',
    kind: 'Service',
    name: 'web',
    awsName: 'shop-web',
    sync: 'OutOfSync',
    health: { status: 'Progressing', message: 'rolling out web:8: 1/2 tasks running' },
    action: 'update',
    message: 'task definition changed',
    lastReconciledAt: '2025-06-01T12:00:00.000Z',
    lastError: null,
    refs: ['Cluster/main', 'TaskDefinition/web'],
    revision: null,
  });
  t.same(items[2].lastError, { at: '2025-06-01T12:00:00.000Z', code: 'InvalidParameterException', reaction: 'stall', message: 'the role cannot be assumed' });
  t.notOk('normalizedDesired' in items[3], 'summaries leave the bodies out');

  const keys = async (query: string) => (await app.inject(`/api/v1/resources?${query}`)).json().items.map((i: { key: string }) => i.key);
  t.same(await keys('kind=Service'), [API.key, WEB.key]);
  t.same(await keys('sync=OutOfSync'), [NS.key, WEB.key]);
  t.same(await keys('health=Healthy'), [MAIN.key]);
  t.same(await keys('kind=Service&health=Degraded'), [API.key]);
  t.same(await keys('kind=TaskDefinition'), [], 'a valid filter that matches nothing is an empty list');
});

t.test('/api/v1/resources refuses unknown filter values and parameters with 400 BAD_REQUEST naming what is allowed', async (t) => {
  const { app } = setup(t);
  const cases = [
    { query: 'kind=Deployment', allowed: KINDS.join(', ') },
    { query: 'sync=synced', allowed: 'Synced, OutOfSync, Unknown' },
    { query: 'health=Broken', allowed: 'Healthy, Progressing, Degraded, Missing, Unknown' },
  ];
  for (const { query, allowed } of cases) {
    const res = await app.inject(`/api/v1/resources?${query}`);
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().error.code, 'BAD_REQUEST');
    t.match(res.json().error.message, `must be one of: ${allowed}`, query);
  }
  const typo = await app.inject('/api/v1/resources?knd=Service');
  t.equal(typo.statusCode, 400);
  t.match(typo.json().error.message, /unknown query parameter knd/);
});

t.test('/api/v1/resources/:kind/:name shows everything the store holds about one resource', async (t) => {
  const { app, status, clock } = setup(t);
  populate(status);
  clock.advance(1000);
  status.recordEvent('Service/web', 'Normal', 'Updated', 'UpdateService shop-web');
  const res = await app.inject('/api/v1/resources/Service/web');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body, {
    key: 'Service/web',
    awsName: 'shop-web',
    liveId: WEB.liveId,
    sync: 'OutOfSync',
    health: { status: 'Progressing', message: 'rolling out web:8: 1/2 tasks running' },
    desired: { cluster: 'main', taskDefinition: 'web', desiredCount: 2 },
    normalizedDesired: { spec: { taskDefinition: 'web:8', desiredCount: 2 } },
    normalizedLive: { spec: { taskDefinition: 'web:7', desiredCount: 2 } },
    lastDiff: [{ path: 'spec.taskDefinition', from: 'web:7', to: 'web:8' }],
    lastError: null,
  });
  t.same(body.liveSummary.deployments.map((d: { taskDefinition: string; runningCount: number }) => [d.taskDefinition, d.runningCount]), [
    ['web:8', 1],
    ['web:7', 2],
  ]);
  t.same(body.liveSummary.cloudMapInstances, [{ instanceId: 'task-1', attributes: { AWS_INSTANCE_IPV4: '10.0.0.7' } }]);
  t.same(body.events, [
    { at: '2025-06-01T12:00:01.000Z', type: 'Normal', reason: 'Updated', message: 'UpdateService shop-web' },
    { at: '2025-06-01T12:00:00.000Z', type: 'Warning', reason: 'OutOfSync', message: 'update: spec.taskDefinition (task definition changed)' },
  ]);

  const api = (await app.inject('/api/v1/resources/Service/api')).json();
  t.equal(api.lastError.code, 'InvalidParameterException');
  t.equal(api.events[0].reason, 'InvalidParameterException', 'the error is also an event');
  t.equal(api.liveSummary, null, 'nothing live recorded is null, not absent');
});

t.test('/api/v1/resources/:kind/:name: an unknown name is 404 NOT_FOUND, an unknown kind 400', async (t) => {
  const { app, status } = setup(t);
  populate(status);
  const missing = await app.inject('/api/v1/resources/Service/nope');
  t.equal(missing.statusCode, 404);
  t.same(missing.json(), { error: { code: 'NOT_FOUND', message: 'no resource Service/nope' } });
  const kind = await app.inject('/api/v1/resources/Deployment/web');
  t.equal(kind.statusCode, 400);
  t.equal(kind.json().error.code, 'BAD_REQUEST');
  t.match(kind.json().error.message, /path parameter kind must be one of: CloudMapNamespace/);
});

t.test('/api/v1/plan is 404 before the first plan, then the plan without normalised bodies', async (t) => {
  const { app, status } = setup(t);
  const none = await app.inject('/api/v1/plan');
  t.equal(none.statusCode, 404);
  t.equal(none.json().error.code, 'NOT_FOUND');

  populate(status);
  const res = await app.inject('/api/v1/plan');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.same(body.steps, PLAN.steps, 'steps with their calls as planned');
  t.same(body.resources.map((r: { key: string }) => r.key), PLAN.resources.map((r) => r.key));
  t.same(body.resources[2], {
    key: 'Service/web',
    kind: 'Service',
    name: 'web',
    awsName: 'shop-web',
    action: 'update',
    sync: 'OutOfSync',
    health: WEB.health,
    changes: WEB.changes,
    message: 'task definition changed',
    liveId: WEB.liveId,
  });
  t.notOk('desired' in body.resources[2] || 'live' in body.resources[2], 'no bulky bodies');
});

t.test('unknown routes and methods are JSON 404s; malformed requests are 4xx with a code, never a stack trace', async (t) => {
  const { app } = setup(t);
  const unknown = await app.inject('/api/v2/status');
  t.equal(unknown.statusCode, 404);
  t.same(unknown.json(), { error: { code: 'NOT_FOUND', message: 'no route GET /api/v2/status' } });
  const method = await app.inject({ method: 'DELETE', url: '/api/v1/status' });
  t.equal(method.statusCode, 404);
  t.equal(method.json().error.code, 'NOT_FOUND');
  const badUrl = await app.inject('/api/v1/resources/Service/%E0%A4%A');
  t.equal(badUrl.statusCode, 400, 'bad percent-encoding');
  t.equal(badUrl.json().error.code, 'BAD_REQUEST');
  t.notMatch(badUrl.body, /at .*\.(ts|js):\d+/, 'no stack trace');
});

t.test('each request is logged at debug level with method, url, status and duration', async (t) => {
  const { app, logLines } = setup(t);
  await app.inject('/api/v1/resources?kind=Service');
  await app.inject('/nope');
  const requests = logLines.filter((l) => l.msg === 'request');
  t.match(requests, [
    { level: 'debug', method: 'GET', url: '/api/v1/resources?kind=Service', statusCode: 200, durationMs: Number },
    { level: 'debug', method: 'GET', url: '/nope', statusCode: 404 },
  ]);
  t.notOk(logLines.some((l) => l.level === 'info' && l.msg === 'incoming request'), 'no per-request info lines from fastify');
});

t.test('time in responses comes from the store clock', async (t) => {
  const { app, status } = setup(t);
  status.updateController({ lastSyncAt: T0 + 1234 });
  t.equal((await app.inject('/api/v1/status')).json().lastSyncAt, '2025-06-01T12:00:01.234Z');
});

t.test('diff values of every JSON type come through the detail endpoint unchanged', async (t) => {
  const { app, status } = setup(t);
  const changes = [
    { path: 'spec.containerDefinitions[0].environment', from: [{ name: 'A', value: '1' }], to: [{ name: 'A', value: '2' }, { name: 'B', value: '3' }] },
    { path: 'spec.cpu', from: '256', to: 512 },
    { path: 'spec.networkMode', to: 'awsvpc' },
    { path: 'spec.placementConstraints', from: null },
  ];
  status.recordPlan({ key: 'TaskDefinition/web', kind: 'TaskDefinition', name: 'web', awsName: 'web', action: 'update', sync: 'OutOfSync', health: { status: 'Healthy' }, changes }, undefined);
  t.same((await app.inject('/api/v1/resources/TaskDefinition/web')).json().lastDiff, changes);
});

t.test('a Service resource shows the Cloud Map instances registered for its tasks, read when asked', async (t) => {
  const { app, status, controller, clock } = setup(t);
  status.recordPlan(WEB, { cluster: 'main' }, { runningCount: 1 });
  status.recordPlan(MAIN, {});
  const asked: string[] = [];
  controller.cloudMapInstances = async (key) => {
    asked.push(key);
    return [{ cloudMapService: 'web', instances: [{ id: 'task-1', attributes: { AWS_INSTANCE_IPV4: '10.0.0.7', AWS_INSTANCE_PORT: '8080' } }] }];
  };
  const web = (await app.inject('/api/v1/resources/Service/web')).json();
  t.same(web.liveSummary, { runningCount: 1, cloudMapInstances: [{ cloudMapService: 'web', instances: [{ id: 'task-1', attributes: { AWS_INSTANCE_IPV4: '10.0.0.7', AWS_INSTANCE_PORT: '8080' } }] }] });
  await app.inject('/api/v1/resources/Cluster/main');
  t.same(asked, ['Service/web'], 'only Services are looked up');
  controller.cloudMapInstances = async () => {
    throw new Error('Rate exceeded');
  };
  clock.advance(CLIENT_READ_TTL_MS);
  const failed = await app.inject('/api/v1/resources/Service/web');
  t.equal(failed.statusCode, 200, 'the rest of the resource is still shown');
  t.same(failed.json().liveSummary.cloudMapInstances, { error: 'Rate exceeded' });
});
