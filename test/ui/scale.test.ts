// The web UI at 5,000 resources: a status store filled as a pass over a large repository
// leaves it, behind the real HTTP server on a port, read by a headless Chromium. The
// budget is the issue's: the page is readable (its first rows drawn) within 1 s of the
// navigation, measured by the browser's own performance timeline.
import t from 'tap';
import type { AddressInfo } from 'node:net';
import type { ResourcePlan } from '../../src/core/plan.js';
import { resourcePlan, setup, T0 } from '../http/fixture.js';
import { launchBrowser, lowContrast, openPage } from './browser.js';

export const BUDGET_MS = 1000;
const CLUSTERS = 5;
const SERVICES = 2000;
const NAMESPACES = 5;
const CLOUDMAP_SERVICES = 990;
const TOTAL = CLUSTERS + 2 * SERVICES + NAMESPACES + CLOUDMAP_SERVICES;

const pad = (i: number) => String(i).padStart(4, '0');

/** 5,000 resources: clusters with their services and task definitions, namespaces with their Cloud Map services; a few Degraded and OutOfSync. */
function fill(status: ReturnType<typeof setup>['status']): void {
  const record = (plan: ResourcePlan, spec: Record<string, unknown>, live?: Record<string, unknown>) => status.recordPlan(plan, spec, live);
  for (let c = 0; c < CLUSTERS; c++) record(resourcePlan({ kind: 'Cluster', name: `cluster-${c}` }), {});
  for (let n = 0; n < NAMESPACES; n++) record(resourcePlan({ kind: 'CloudMapNamespace', name: `ns-${n}.local` }), { type: 'DNS_PRIVATE' });
  for (let m = 0; m < CLOUDMAP_SERVICES; m++) record(resourcePlan({ kind: 'CloudMapService', name: `svc-${pad(m)}` }), { namespace: `ns-${m % NAMESPACES}.local` });
  for (let s = 0; s < SERVICES; s++) {
    const name = `svc-${pad(s)}`;
    record(resourcePlan({ kind: 'TaskDefinition', name }), { containerDefinitions: [{ name, image: `repo/${name}:1.0.${s}` }] });
    const degraded = s % 250 === 7;
    const desired = { spec: { taskDefinition: `${name}:2`, desiredCount: 2, cluster: `cluster-${s % CLUSTERS}` } };
    record(
      resourcePlan({
        kind: 'Service',
        name,
        sync: degraded ? 'OutOfSync' : 'Synced',
        health: degraded ? { status: 'Degraded', message: `the deployment circuit breaker rolled back from ${name}:2 to ${name}:1` } : { status: 'Healthy', message: `${name}:2: 2/2 tasks running` },
        desired,
        live: desired,
      }),
      { cluster: `cluster-${s % CLUSTERS}`, taskDefinition: name, desiredCount: 2, ...(s < CLOUDMAP_SERVICES ? { serviceRegistries: [{ cloudMapService: name }] } : {}) },
      { taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${name}:${degraded ? 1 : 2}`, desiredCount: 2, runningCount: 2, pendingCount: 0, deployments: [] },
    );
  }
  status.setPlan({ resources: [], steps: [] });
  status.updateController({ appliedRevision: 'c0ffee'.repeat(6) + 'abcd', attemptedRevision: 'c0ffee'.repeat(6) + 'abcd', lastSyncAt: T0, lastSuccessfulSyncAt: T0, ready: true });
}

const browser = await launchBrowser(t);
if (browser) {
  const { app, status } = setup(t);
  fill(status);
  t.equal(status.list().length, TOTAL);
  t.equal(TOTAL, 5000);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  /**
   * Milliseconds from the navigation to the page's mark that its content is drawn, and to
   * the first contentful paint: the fastest of five visits. The machine running the
   * tests runs other tests at once; their load only ever adds time, so the fastest visit
   * is the one that measures the page.
   */
  const fastest = async (url: string, ready: string) => {
    let best = { rendered: Infinity, firstContentfulPaint: Infinity, steps: '' };
    for (let visit = 0; visit < 5; visit++) {
      const { page, errors } = await openPage(browser, url);
      await page.locator(ready).waitFor({ timeout: 30_000 });
      const timing = (await page.evaluate(
        "({ rendered: performance.getEntriesByName('ecs-gitops:rendered')[0]?.startTime ?? Infinity, firstContentfulPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Infinity, steps: [...performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/')).map((e) => e.name.replace(/^http:..[^/]+/, '') + ' ' + Math.round(e.startTime) + '→' + Math.round(e.responseStart) + '→' + Math.round(e.responseEnd)), ...performance.getEntriesByType('mark').map((m) => m.name + ' ' + Math.round(m.startTime))].join(', ') })",
      )) as typeof best;
      if (timing.rendered < best.rendered) best = timing;
      if (errors.length) throw new Error(`script errors: ${errors.join('; ')}`);
      await page.close();
    }
    return best;
  };

  t.test(`the resource tree of ${TOTAL} resources is drawn within ${BUDGET_MS} ms, one page of rows at a time`, async (t) => {
    const { rendered, firstContentfulPaint, steps } = await fastest(`${url}/#/resources`, `#tree-summary:text("${TOTAL} of ${TOTAL} resources")`);
    t.comment(`first contentful paint ${firstContentfulPaint.toFixed(0)} ms, tree drawn ${rendered.toFixed(0)} ms after the navigation (fastest of five visits: ${steps})`);
    t.ok(rendered < BUDGET_MS, `the tree is drawn ${rendered.toFixed(0)} ms after the navigation (budget ${BUDGET_MS} ms)`);
    t.ok(firstContentfulPaint < BUDGET_MS, `first contentful paint at ${firstContentfulPaint.toFixed(0)} ms`);

    const { page, errors } = await openPage(browser, `${url}/#/resources`);
    await page.locator('#tree-summary', { hasText: `${TOTAL} of ${TOTAL} resources` }).waitFor({ timeout: 30_000 });
    const rows = await page.locator('table.tree tbody tr').count();
    t.ok(rows > 0 && rows <= 200, `${rows} rows in the page, not all of them`);
    t.match(await page.locator('.pager').textContent(), /page 1 of \d+/);

    await page.locator('.pager button', { hasText: 'Next' }).click();
    t.match(await page.locator('.pager').textContent(), /page 2 of \d+/, 'the next page');
    t.equal(await page.evaluate('document.activeElement?.tagName'), 'A', 'the focus moves to the first row of the new page');

    await page.locator('#filter-q').fill('svc-1507');
    await page.locator('#tree-summary', { hasText: `2 of ${TOTAL} resources match` }).waitFor({ timeout: 10_000 });
    t.same(
      await page.locator('table.tree tbody tr[data-key]:not(.context)').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key'))),
      ['Service/svc-1507', 'TaskDefinition/svc-1507'],
      'the Service (under its cluster) and its task definition',
    );
    t.equal(await page.locator('table.tree tbody tr.context[data-key="Cluster/cluster-2"]').count(), 1, 'the cluster as context');
    await page.locator('#filter-q').fill('');
    await page.locator('#filter-status').selectOption('Degraded');
    await page.locator('#tree-summary', { hasText: `8 of ${TOTAL} resources match` }).waitFor({ timeout: 10_000 });
    t.same(await lowContrast(page), [], 'every text has a contrast ratio of at least 4.5:1');
    t.same(errors, [], 'no script errors');
    await page.close();
  });

  t.test(`the overview of ${TOTAL} resources is drawn within ${BUDGET_MS} ms`, async (t) => {
    const { rendered } = await fastest(`${url}/`, `h2:text("Resources (${TOTAL})")`);
    t.ok(rendered < BUDGET_MS, `drawn ${rendered.toFixed(0)} ms after the navigation (budget ${BUDGET_MS} ms; fastest of five visits)`);
    const { page, errors } = await openPage(browser, `${url}/`);
    await page.locator('a.count.h-Degraded').waitFor({ timeout: 30_000 });
    t.match(await page.locator('a.count.h-Degraded').textContent(), /^8\s*Degraded$/);
    t.equal(await page.locator('table a[href^="#/resource/Service/"]').count(), 8, 'the eight Degraded services need attention');
    t.same(errors, [], 'no script errors');
    await page.close();
  });
}
