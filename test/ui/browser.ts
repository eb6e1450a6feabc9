// A headless Chromium for the web UI's tests: Debian's `chromium` package, driven by
// playwright-core (which downloads no browser of its own). When the executable is
// missing the tests skip with a notice, and fail under CI=true: .ci/run installs it.
//
//   const browser = await launchBrowser(t);   // undefined: skipped (or failed in CI)
//   const page = await openPage(t, browser!, `${url}/#/resources`);
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.ECS_GITOPS_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface TapLike {
  teardown(fn: () => unknown): void;
  fail(message: string): void;
  comment(message: string): void;
}

export async function launchBrowser(t: TapLike): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    const why = `${CHROMIUM} is missing: the browser tests need Debian's chromium package (apt-get install -y chromium)`;
    if (process.env.CI === 'true') t.fail(`${why}; CI must run them`);
    else t.comment(`${why}; skipping (this fails under CI=true)`);
    return undefined;
  }
  // Chromium refuses its sandbox to root, which CI is.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  t.teardown(() => browser.close());
  return browser;
}

export interface OpenedPage {
  page: Page;
  /** Uncaught exceptions of the page's script so far. */
  errors: string[];
}

/** A new page at `url`; its script errors are collected, so a test can assert there were none. */
export async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(url);
  return { page, errors };
}
