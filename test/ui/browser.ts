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

/**
 * Every visible element with text of its own whose colour against its background (the
 * first opaque one up the tree) has a contrast ratio under `min` (WCAG's formula), as
 * `tag.class "text": ratio`. Disabled controls and closed dialogs are left out.
 */
export function lowContrast(page: Page, min = 4.5): Promise<string[]> {
  // A string, not a function: the TypeScript loader would wrap a function's inner names in a helper the page lacks.
  return page.evaluate(`(${CONTRAST_CHECK})(${min})`);
}

const CONTRAST_CHECK = `function (min) {
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lin = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const luminance = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.getBoundingClientRect().width === 0 || el.disabled || el.closest('dialog:not([open])')) continue;
    const [a, b] = [luminance(rgba(getComputedStyle(el).color)), luminance(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < min) low.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '": ' + ratio.toFixed(2));
  }
  return low;
}`;
