// The status API of a daemon with several applications: the applications, each one's
// resources, resource and plan, its own sync; the daemon-wide endpoints answering for
// all of them; readiness waiting for every application.
import t from 'tap';
import { signBody } from '../../src/http/index.js';
import { API, MAIN, PLAN, T0, WEB, populate, setup, setupApplications } from './fixture.js';

t.test('/api/v1/applications lists every application by name with its source, target and status', async (t) => {
  const { app, applications } = setupApplications(t, ['shop', 'billing', 'search']);
  populate(applications.shop.status);
  applications.billing.status.recordSnapshot('bbbb222', [{ code: 'SCHEMA', severity: 'error', file: 'prod/api.yaml', line: 7, column: 3, field: 'spec.desiredCount', message: 'must be integer' }]);
  const res = await app.inject('/api/v1/applications');
  t.equal(res.statusCode, 200);
  const items = res.json().items;
  t.same(items.map((i: { name: string }) => i.name), ['billing', 'search', 'shop'], 'sorted by name');
  t.same(items[2], {
    name: 'shop',
    application: 'github.com/acme/shop/prod',
    source: { repo: '/srv/shop', path: 'prod', gitUrl: null, branch: null, overlay: null },
    target: { region: 'eu-west-1', account: null, roleArn: 'arn:aws:iam::111122223333:role/shop' },
    appliedRevision: 'aaaa111',
    attemptedRevision: 'aaaa111',
    lastSyncAt: '2025-06-01T12:00:00.000Z',
    lastSuccessfulSyncAt: '2025-06-01T11:59:00.000Z',
    resources: { total: 4, sync: { Synced: 2, OutOfSync: 2, Unknown: 0 }, health: { Healthy: 1, Progressing: 1, Degraded: 1, Missing: 1, Unknown: 0 } },
    loadErrors: [],
    ready: true,
  });
  t.match(items[0], { name: 'billing', attemptedRevision: 'bbbb222', appliedRevision: null, ready: false, loadErrors: [{ file: 'prod/api.yaml', line: 7, field: 'spec.desiredCount', formatted: 'prod/api.yaml:7:3 spec.desiredCount: must be integer' }] });

  const one = await app.inject('/api/v1/applications/billing');
  t.equal(one.statusCode, 200);
  t.same(one.json(), items[0], 'one application is its list item');
  const unknown = await app.inject('/api/v1/applications/nope');
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, 'NOT_FOUND');
});

t.test("an application's resources, resource and plan are its own", async (t) => {
  const { app, applications } = setupApplications(t, ['shop', 'billing']);
  populate(applications.shop.status);
  applications.billing.status.recordPlan(MAIN, {});
  const shop = (await app.inject('/api/v1/applications/shop/resources')).json().items;
  t.same(shop.map((i: { key: string }) => i.key), ['CloudMapNamespace/internal', 'Cluster/main', 'Service/api', 'Service/web']);
  t.notOk('application' in shop[0], 'an application’s own list does not repeat its name');
  const degraded = (await app.inject('/api/v1/applications/shop/resources?health=Degraded')).json().items;
  t.same(degraded.map((i: { key: string }) => i.key), [API.key], 'filters as /api/v1/resources does');
  t.equal((await app.inject('/api/v1/applications/shop/resources?health=Sick')).statusCode, 400);
  t.same((await app.inject('/api/v1/applications/billing/resources')).json().items.map((i: { key: string }) => i.key), ['Cluster/main']);
  t.equal((await app.inject('/api/v1/applications/nope/resources')).statusCode, 404);

  const web = await app.inject('/api/v1/applications/shop/resources/Service/web');
  t.equal(web.statusCode, 200);
  t.match(web.json(), { key: WEB.key, health: { status: 'Progressing' }, lastDiff: WEB.changes });
  const missing = await app.inject('/api/v1/applications/billing/resources/Service/web');
  t.equal(missing.statusCode, 404, 'another application’s resource is not found');
  t.match(missing.json().error.message, /billing/);
  t.equal((await app.inject('/api/v1/applications/shop/resources/Pod/web')).statusCode, 400, 'an unknown kind is a bad request');

  const plan = await app.inject('/api/v1/applications/shop/plan');
  t.equal(plan.statusCode, 200);
  t.same(plan.json().steps.map((s: { id: string }) => s.id), PLAN.steps.map((s) => s.id));
  t.equal((await app.inject('/api/v1/applications/billing/plan')).statusCode, 404, 'no plan before its first full pass');
});

t.test('with several applications the daemon-wide endpoints answer for all of them, naming each resource’s application', async (t) => {
  const { app, applications } = setupApplications(t, ['shop', 'billing']);
  populate(applications.shop.status);
  applications.billing.status.recordPlan(API, {});
  applications.billing.status.setPlan({ resources: [API], steps: [] });
  applications.billing.status.updateController({ appliedRevision: 'cccc333', lastSyncAt: T0 - 5_000, lastSuccessfulSyncAt: T0 - 5_000, ready: true });
  const items = (await app.inject('/api/v1/resources?kind=Service')).json().items;
  t.same(
    items.map((i: { application: string; key: string }) => `${i.application} ${i.key}`),
    ['billing Service/api', 'shop Service/api', 'shop Service/web'],
  );
  const status = (await app.inject('/api/v1/status')).json();
  t.equal(status.resources.total, 5, 'counts are summed');
  t.equal(status.resources.health.Degraded, 2);
  t.equal(status.appliedRevision, null, 'no one revision stands for several repositories');
  t.equal(status.lastSyncAt, new Date(T0 - 5_000).toISOString(), 'the oldest last sync: a stuck application shows');
  t.equal(status.ready, true);
  const detail = (await app.inject('/api/v1/resources/Service/api')).json();
  t.equal(detail.application, 'billing', 'the first application by name that has it');
  const plan = (await app.inject('/api/v1/plan')).json();
  t.same(plan.resources.map((r: { application: string; key: string }) => `${r.application} ${r.key}`), ['billing Service/api', ...PLAN.resources.map((r) => `shop ${r.key}`)]);
});

t.test('/readyz is 200 only when every application finished its first full pass', async (t) => {
  const { app, applications } = setupApplications(t, ['shop', 'billing', 'search']);
  applications.shop.status.updateController({ ready: true });
  let ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().error.message, 'the first full sync has not finished for billing, search');
  applications.billing.status.updateController({ ready: true });
  applications.search.status.updateController({ ready: true });
  ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200);
  applications.search.status.updateController({ shuttingDown: true });
  t.equal((await app.inject('/readyz')).statusCode, 503, 'shutting down');
});

t.test('POST /api/v1/applications/:name/sync asks that application only; /api/v1/sync asks them all', async (t) => {
  const { app, applications } = setupApplications(t, ['shop', 'billing'], { apiToken: 'tok' });
  const auth = { authorization: 'Bearer tok' };
  const one = await app.inject({ method: 'POST', url: '/api/v1/applications/billing/sync', headers: auth });
  t.equal(one.statusCode, 202);
  t.same(applications.billing.controller.requests, [{ trigger: 'api' }]);
  t.same(applications.shop.controller.requests, []);
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/applications/billing/sync' })).statusCode, 401, 'the same token as /api/v1/sync');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/applications/nope/sync', headers: auth })).statusCode, 404);
  applications.billing.controller.answer = { accepted: false, message: 'no valid snapshot loaded yet' };
  const refused = await app.inject({ method: 'POST', url: '/api/v1/applications/billing/sync', headers: auth });
  t.equal(refused.statusCode, 503);
  t.equal(refused.json().error.code, 'SYNC_NOT_ACCEPTED');

  const all = await app.inject({ method: 'POST', url: '/api/v1/sync', headers: auth });
  t.equal(all.statusCode, 202, 'accepted while one application accepts');
  t.match(all.json().message, /billing: no valid snapshot loaded yet; shop: full sync queued/);
  t.equal(applications.shop.controller.requests.length, 1);
});

t.test('POST /api/v1/applications/:name/sync is disabled without a token', async (t) => {
  const { app } = setupApplications(t, ['shop']);
  const res = await app.inject({ method: 'POST', url: '/api/v1/applications/shop/sync', headers: { authorization: 'Bearer x' } });
  t.equal(res.statusCode, 403);
  t.match(res.json().error.message, /ECS_GITOPS_API_TOKEN/);
});

t.test('with one application (the single-application flags) /api/v1/applications lists it as default, and the old endpoints are unchanged', async (t) => {
  const { app, status } = setup(t);
  populate(status);
  const items = (await app.inject('/api/v1/applications')).json().items;
  t.same(items.map((i: { name: string }) => i.name), ['default']);
  t.equal(items[0].resources.total, 4);
  const list = (await app.inject('/api/v1/resources')).json().items;
  t.notOk(list.some((i: object) => 'application' in i), 'no application field with one application');
  t.same((await app.inject('/api/v1/applications/default/resources')).json().items, list);
  t.same((await app.inject('/api/v1/applications/default/resources/Service/api')).json().key, API.key);
});

t.test('a git push refreshes and syncs every application', async (t) => {
  const { app, applications } = setupApplications(t, ['shop', 'billing'], { webhookSecret: 's3cret' });
  const push = JSON.stringify({ ref: 'refs/heads/main', after: 'abc123' });
  const res = await app.inject({ method: 'POST', url: '/api/v1/webhooks/git', payload: push, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signBody('s3cret', push) } });
  t.equal(res.statusCode, 202);
  for (const name of ['shop', 'billing']) t.same(applications[name].controller.requests, [{ trigger: 'webhook', detail: 'refs/heads/main@abc123' }], name);
});
