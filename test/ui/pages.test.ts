// The web UI's pages over a status store filled as the HTTP tests fill it (test/http/
// fixture.ts), behind the real server on a port: a resource's last error with its
// reaction and what to do, a rollout's progress, the last plan, and — when the controller
// lists several applications at /api/v1/applications — one card per application.
import t from 'tap';
import type { AddressInfo } from 'node:net';
import { MAX_STREAMS } from '../../src/http/stream.js';
import { WEB, populate, setup, setupApplications } from '../http/fixture.js';
import { launchBrowser, openPage } from './browser.js';

const browser = await launchBrowser(t);

async function serve(t: Parameters<typeof setup>[0]) {
  const fixture = setup(t, { apiToken: 'tok' });
  populate(fixture.status);
  await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...fixture, url: `http://127.0.0.1:${(fixture.app.server.address() as AddressInfo).port}` };
}

/** A server of several applications (the status API's /api/v1/applications lists them). */
async function serveApplications(t: Parameters<typeof setup>[0], names: string[]) {
  const fixture = setupApplications(t, names, { apiToken: 'tok' });
  await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...fixture, url: `http://127.0.0.1:${(fixture.app.server.address() as AddressInfo).port}` };
}

if (browser) {
  t.test('a resource’s last error shows its reaction and what to do; a rollout shows running, pending and desired', async (t) => {
    const { url } = await serve(t);
    const { page, errors } = await openPage(browser, `${url}/#/resource/Service/api`);
    const error = page.locator('#last-error');
    await error.waitFor({ timeout: 10_000 });
    t.match(await error.textContent(), /Last error: InvalidParameterException\s*stall/);
    t.match(await error.textContent(), /the role cannot be assumed/);
    t.match(await error.textContent(), /push a commit/, 'what to do about a stall');

    await page.goto(`${url}/#/resource/Service/web`);
    const deployments = page.locator('#deployments');
    await deployments.waitFor({ timeout: 10_000 });
    t.match(await deployments.textContent(), /PRIMARY.*web:8.*IN_PROGRESS.*1 running · 1 pending · 2 desired/);
    t.equal(await page.locator('#deployments [role="img"]').first().getAttribute('aria-label'), '1 running, 1 pending of 2 desired');
    t.match(await page.locator('#changes').textContent(), /spec\.taskDefinition\s*"web:7"\s*"web:8"/);
    t.match(await page.locator('#instances').textContent(), /10\.0\.0\.7/);
    t.same(errors, []);
  });

  t.test('a live update of the tree leaves the keyboard focus where it was', async (t) => {
    const { url, status } = await serve(t);
    const { page, errors } = await openPage(browser, `${url}/#/resources`);
    const web = page.locator('tr[data-key="Service/web"] a');
    await web.waitFor({ timeout: 10_000 });
    await web.focus();
    status.recordPlan({ ...WEB, health: { status: 'Degraded', message: 'the deployment circuit breaker rolled back from web:8 to web:7' } }, {});
    await page.locator('tr[data-key="Service/web"] .h-Degraded').waitFor({ timeout: 10_000 });
    t.equal(await page.evaluate('document.activeElement?.getAttribute("href")'), '#/resource/Service/web', 'the same row’s link has the focus');
    t.same(errors, []);
  });

  t.test('when the server refuses another event stream the page polls instead', async (t) => {
    const { url, status } = await serve(t);
    const held = await Promise.all(Array.from({ length: MAX_STREAMS }, async () => {
      const controller = new AbortController();
      const res = await fetch(`${url}/api/v1/events`, { signal: controller.signal });
      t.equal(res.status, 200);
      return controller;
    }));
    t.teardown(() => held.forEach((c) => c.abort()));
    const { page, errors } = await openPage(browser, `${url}/#/resources`);
    await page.locator('#live', { hasText: 'live (polling)' }).waitFor({ timeout: 10_000 });
    status.recordPlan({ ...WEB, health: { status: 'Degraded', message: 'rolled back' } }, {});
    await page.locator('tr[data-key="Service/web"] .h-Degraded').waitFor({ timeout: 15_000 });
    t.same(errors, []);
  });

  t.test('the last plan lists what each resource is to have done and the steps with their calls', async (t) => {
    const { url } = await serve(t);
    const { page, errors } = await openPage(browser, `${url}/#/plan`);
    const steps = page.locator('ol li');
    await steps.first().waitFor({ timeout: 10_000 });
    t.same(await steps.allTextContents(), [
      'create HTTP namespace internal CloudMapNamespace/internalservicediscovery:CreateHttpNamespace',
      'update service shop-web Service/webecs:UpdateService',
    ]);
    t.match(await page.locator('table').textContent(), /Service\/web\s*update\s*spec\.taskDefinition: "web:7" → "web:8"/);
    t.same(errors, []);
  });

  t.test('with one application the overview shows the controller; with several, one card each', async (t) => {
    const one = await serve(t);
    const single = await openPage(browser, `${one.url}/`);
    await single.page.locator('#applied-revision').waitFor({ timeout: 10_000 });
    t.equal(await single.page.locator('article.card').count(), 0, 'no cards for a single application');
    t.same(single.errors, []);

    const several = await serveApplications(t, ['payments', 'shop']);
    several.applications.shop.status.recordSnapshot('bbbb222', [{ code: 'SCHEMA', severity: 'error', file: 'shop/web.yaml', line: 12, column: 3, field: 'spec.desiredCount', message: 'must be integer' }]);
    const { page, errors } = await openPage(browser, `${several.url}/`);
    const cards = page.locator('article.card');
    await cards.first().waitFor({ timeout: 10_000 });
    t.same(await cards.locator('h3').allTextContents(), ['payments', 'shop']);
    t.match(await cards.nth(1).textContent(), /shop\/web\.yaml:12:3 spec\.desiredCount: must be integer/, 'its load error with file:line');
    t.equal(await cards.nth(0).locator('h3 a').getAttribute('href'), '#/resources?app=payments', 'a card leads to its resources');
    t.same(errors, []);
  });
}
