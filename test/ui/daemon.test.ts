// The web UI in a real headless Chromium, served by the daemon (`node dist/cli.js run`)
// on the simulator, driven through a git repository the test commits to: the overview
// on the first sync, the sync button refused without the token, a change made in AWS
// behind the controller's back appearing in the open diff view, and a Degraded service
// (an image whose tasks fail to start) found from the tree with its reason and the
// revision ECS rolled back to. Self-heal is off so the out-of-band change stays.
import t from 'tap';
import { startSimulator } from '../../src/sim/index.js';
import { awsCli } from '../helpers/aws-cli.js';
import { gitRepo, startDaemon } from '../helpers/daemon.js';
import { launchBrowser, lowContrast, openPage } from './browser.js';
import { EXAMPLES } from '../helpers/examples.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const TOKEN = 'ui-sync-token-for-tests';
const WAIT = { timeout: 60_000 };
// Code run in the page is written as strings: the tests are type-checked without the DOM library.

const browser = await launchBrowser(t);
if (browser) {
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  const repo = gitRepo(t.testdir());
  const first = repo.head();
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, apiToken: TOKEN, args: ['--no-self-heal'], logLevel: 'warn' });
  t.teardown(() => daemon.stop('SIGKILL'));
  await daemon.until(async () => {
    const s = await daemon.status();
    return s.ready && s.resources.sync.Synced === EXAMPLES.total && s.resources.health.Healthy === EXAMPLES.total;
  }, `all ${EXAMPLES.total} resources Synced and Healthy`, 60_000);

  t.test('the overview shows the revision in force, the last sync and the counts', async (t) => {
    const { page, errors } = await openPage(browser, `${daemon.url}/`);
    await page.locator(`#applied-revision[title="${first}"]`).waitFor(WAIT);
    t.equal(await page.locator('#attempted-revision').getAttribute('title'), first, 'attempted = applied');
    t.match(await page.locator('h2', { hasText: 'Resources' }).textContent(), `Resources (${EXAMPLES.total})`);
    t.match(await page.locator('a.count.s-Synced').textContent(), new RegExp(`^${EXAMPLES.total}\\s*Synced$`));
    t.match(await page.locator('a.count.h-Healthy').textContent(), new RegExp(`^${EXAMPLES.total}\\s*Healthy$`));
    t.match(await page.locator('#load-errors').textContent(), /None/);
    await page.locator('#live.on').waitFor(WAIT);
    t.equal(await page.locator('#live').textContent(), 'live', 'the event stream is open');
    t.same(await lowContrast(page), [], 'every text has a contrast ratio of at least 4.5:1');
    t.same(errors, [], 'no script errors');
    await page.close();
  });

  t.test('the sync button asks for the token; without it (or with a wrong one) the API refuses', async (t) => {
    const { page, errors } = await openPage(browser, `${daemon.url}/`);
    // From the keyboard: focus the button, Enter opens the dialog with the focus in the token field.
    await page.locator('#sync-open').focus();
    await page.keyboard.press('Enter');
    await page.locator('#sync-dialog[open]').waitFor(WAIT);
    t.equal(await page.evaluate('document.activeElement?.id'), 'sync-token', 'the token field has the focus');
    await page.keyboard.press('Enter');
    await page.locator('#sync-result.refused').waitFor(WAIT);
    t.match(await page.locator('#sync-result').textContent(), /^Refused: .*\(401 UNAUTHORIZED\) — enter the API token$/);

    await page.keyboard.type('not-the-token');
    await page.keyboard.press('Enter');
    await page.locator('#sync-result.refused', { hasText: 'the token is not valid' }).waitFor(WAIT);

    await page.locator('#sync-token').fill(TOKEN);
    await page.locator('#sync-submit').click();
    await page.locator('#sync-result.accepted').waitFor(WAIT);
    t.match(await page.locator('#sync-result').textContent(), /^Accepted: /);

    const kept = await page.evaluate('({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })');
    t.same(kept, { local: 0, session: 0, cookie: '' }, 'the token is kept in the page’s memory only');
    t.same(errors, [], 'no script errors');
    await page.close();
  });

  t.test('a change made in AWS behind the controller’s back appears in the open diff view without a reload', async (t) => {
    const { page, errors } = await openPage(browser, `${daemon.url}/#/resource/Service/inventory`);
    await page.locator('#no-diff').waitFor(WAIT);
    await page.evaluate("window.marker = 'same page'");

    await awsCli(sim.endpoint, ['ecs', 'update-service', '--cluster', 'store', '--service', 'inventory', '--desired-count', '5']);
    const row = page.locator('#changes tr', { hasText: 'desiredCount' });
    await row.waitFor(WAIT);
    t.match(await row.textContent(), /spec\.desiredCount\s*5\s*2/, 'live 5, desired 2');
    t.match(await page.locator('#diff .del', { hasText: 'desiredCount' }).textContent(), /"desiredCount": 5/);
    t.match(await page.locator('#diff .add', { hasText: 'desiredCount' }).textContent(), /"desiredCount": 2/);
    t.match(await page.locator('#sync').textContent(), /OutOfSync/);
    t.equal(await page.evaluate('window.marker'), 'same page', 'the page was not reloaded');
    t.equal(await page.evaluate("performance.getEntriesByType('navigation').length"), 1, 'one navigation');
    t.same(errors, [], 'no script errors');
    await page.close();
  });

  t.test('a Degraded service is found from the tree; its page shows why and the revision ECS rolled back to', async (t) => {
    const bad = '123456789012.dkr.ecr.us-east-1.amazonaws.com/store/billing:broken-1';
    sim.faults.failImage(bad);
    repo.edit('store/billing.yaml', (text) => text.replace(/image: (\S+)/, `image: ${bad}`));
    repo.commit('billing: an image whose tasks fail to start');

    const { page, errors } = await openPage(browser, `${daemon.url}/#/resources`);
    await page.locator('#filter-status').selectOption('Degraded');
    await page.locator('#tree-summary', { hasText: 'match' }).waitFor(WAIT);
    const billing = page.locator('tr[data-key="Service/billing"]:not(.context) a', { hasText: 'billing' });
    // The tree updates by itself when the rollback is seen.
    await billing.waitFor(WAIT);
    t.equal(await page.locator('tr[data-key="Service/api-gateway"]').count(), 0, 'a Healthy service is filtered out');
    t.match(await page.locator('#tree-summary').textContent(), new RegExp(`^\\d+ of ${EXAMPLES.total} resources match$`));
    await billing.focus();
    await page.keyboard.press('Enter');

    // The health and its reason, in one element at one moment.
    const health = page.locator('#health', { hasText: /Degraded.*rolled back from billing:2 to billing:1/ });
    await health.waitFor(WAIT);
    t.equal(await health.count(), 1, 'Degraded: rolled back from billing:2 to billing:1');
    t.equal(await page.locator('#runs').textContent(), 'billing:1', 'the revision it runs');
    t.match(await page.locator('#deployments').textContent(), /billing:1/);
    t.same(await lowContrast(page), [], 'every text has a contrast ratio of at least 4.5:1');
    t.same(errors, [], 'no script errors');
    await page.close();
  });
}
