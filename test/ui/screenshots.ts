// `npm run screenshots`: the README's pictures of the web UI, taken in headless Chromium
// from a daemon on the simulator in a state worth looking at — the examples synced, then
// billing given an image whose tasks fail to start (Degraded, rolled back), inventory
// scaled behind the controller's back with self-heal off (OutOfSync, a diff), and an
// invalid commit (a load error with file:line). Writes docs/screenshots/*.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { gitRepo, startDaemon } from '../helpers/daemon.js';
import { launchBrowser } from './browser.js';
import { EXAMPLES } from '../helpers/examples.js';

const OUT = 'docs/screenshots';
const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };

const teardowns: (() => unknown)[] = [];
const t = {
  teardown: (fn: () => unknown) => teardowns.push(fn),
  fail: (message: string) => {
    throw new Error(message);
  },
  comment: (message: string) => console.error(message),
};

async function main(): Promise<void> {
  const browser = await launchBrowser(t);
  if (!browser) throw new Error('no browser');
  const sim = await startSimulator({ rolloutTimings: FAST });
  t.teardown(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), 'ecs-gitops-screenshots-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const repo = gitRepo(dir);
  const daemon = await startDaemon(t, { repo: repo.dir, endpoint: sim.endpoint, apiToken: 'screenshot-token', args: ['--no-self-heal'], logLevel: 'warn' });
  t.teardown(() => daemon.stop('SIGKILL'));
  await daemon.until(async () => (await daemon.status()).resources.health.Healthy === EXAMPLES.total, 'all Healthy', 60_000);

  const bad = '123456789012.dkr.ecr.us-east-1.amazonaws.com/store/billing:broken-1';
  sim.faults.failImage(bad);
  repo.edit('store/billing.yaml', (text) => text.replace(/image: (\S+)/, `image: ${bad}`));
  repo.commit('billing 2.0: a broken image');
  await daemon.until(async () => (await daemon.resource('Service', 'billing'))?.health.message?.includes('rolled back') === true, 'billing rolled back', 60_000);

  const answer = sim.invoke(`${ECS_TARGET_PREFIX}.UpdateService`, JSON.stringify({ cluster: 'store', service: 'inventory', desiredCount: 4 }));
  if (answer.status !== 200) throw new Error(`UpdateService: ${JSON.stringify(answer.body)}`);
  await daemon.until(async () => (await daemon.resource('Service', 'inventory'))?.sync === 'OutOfSync', 'inventory drift seen', 30_000);

  repo.edit('store/shipping.yaml', (text) => text.replace('desiredCount: 2', 'desiredCount: two'));
  repo.commit('shipping: a typo');
  await daemon.until(async () => (await daemon.status()).loadErrors.length > 0, 'the load error', 30_000);

  mkdirSync(OUT, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const shoot = async (name: string, hash: string, ready: string, fullPage = false) => {
    await page.goto(`${daemon.url}/${hash}`);
    await page.locator(ready).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage });
    console.error(`${OUT}/${name}.png`);
  };
  await shoot('overview', '#/', '#load-errors table');
  await shoot('resources', '#/resources', 'tr[data-key="Service/billing"]');
  await shoot('resource-degraded', '#/resource/Service/billing', '#deployments', true);
  await shoot('resource-diff', '#/resource/Service/inventory', '#diff .add', true);
  await shoot('plan', '#/plan', 'ol li');
  await page.goto(`${daemon.url}/#/`);
  await page.locator('#sync-open').click();
  await page.locator('#sync-submit').click();
  await page.locator('#sync-result.refused').waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(OUT, 'sync-refused.png') });
  console.error(`${OUT}/sync-refused.png`);
}

try {
  await main();
} finally {
  for (const fn of teardowns.reverse()) await fn();
}
