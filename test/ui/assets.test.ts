// The web UI's files as the server sends them: the page at `/`, its script and style under
// `/ui/`, compressed, under a Content Security Policy that loads nothing from elsewhere,
// and light: JS + CSS under 200 KB compressed, the budget.
import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { loadAssets, UI_FILES } from '../../src/http/ui.js';
import { setup } from '../http/fixture.js';

const BUDGET_BYTES = 200 * 1024;

t.test('/ is the page; its script and style come from /ui/ on the same server, gzip-compressed when accepted', async (t) => {
  const { app } = setup(t);
  const page = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip, deflate' } });
  t.equal(page.statusCode, 200);
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  t.equal(page.headers['content-encoding'], 'gzip');
  const html = gunzipSync(page.rawPayload).toString('utf8');
  t.equal(html, readFileSync('src/http/ui/index.html', 'utf8'));
  const loaded = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]);
  t.same(loaded.sort(), ['/ui/app.css', '/ui/app.js', 'data:,'].sort(), 'everything the page loads is on this server');
  t.match(page.headers['content-security-policy'], /default-src 'none'; script-src 'self'; style-src 'self'/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');

  const plain = await app.inject('/ui/app.js');
  t.equal(plain.statusCode, 200);
  t.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
  t.notOk(plain.headers['content-encoding'], 'uncompressed for a client that does not accept gzip');
  t.equal(plain.body, readFileSync('src/http/ui/app.js', 'utf8'));
  t.equal((await app.inject('/ui/app.css')).headers['content-type'], 'text/css; charset=utf-8');
});

t.test('nothing else is served from /ui/', async (t) => {
  const { app } = setup(t);
  for (const url of ['/ui/nope.js', '/ui/index.html', '/ui/..%2Fui.ts', '/ui/%2e%2e%2fstatus.ts']) {
    const res = await app.inject(url);
    t.equal(res.statusCode, 404, url);
    t.equal(res.json().error.code, 'NOT_FOUND', url);
  }
});

t.test(`JS + CSS weigh under ${BUDGET_BYTES / 1024} KB compressed`, async (t) => {
  const assets = loadAssets();
  const compressed = ['app.js', 'app.css'].reduce((n, f) => n + assets.get(f as keyof typeof UI_FILES)!.gzip.length, 0);
  t.comment(`app.js + app.css: ${compressed} bytes gzip-compressed`);
  t.ok(compressed < BUDGET_BYTES, `${compressed} bytes < ${BUDGET_BYTES}`);
});

t.test('the script uses no browser storage that outlives the tab and no cookie', async (t) => {
  const script = readFileSync('src/http/ui/app.js', 'utf8');
  t.notMatch(script, /localStorage|document\.cookie|indexedDB/);
  t.notMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function/, 'nothing from the API is parsed as HTML or code');
});

t.test('without its files (a build that skipped the copy) the UI answers 404 naming the step; nothing else is held up', async (t) => {
  const nowhere = [new URL('file:///nonexistent/ui/')];
  t.throws(() => loadAssets(nowhere), /the web UI's files are missing \(`npm run build` copies src\/http\/ui\/ to dist\/http\/ui\/\)/);
  const Fastify = (await import('fastify')).default;
  const { installErrorHandlers } = await import('../../src/http/errors.js');
  const { uiRoutes } = await import('../../src/http/ui.js');
  const warnings: string[] = [];
  const app = Fastify();
  installErrorHandlers(app);
  app.log.warn = ((msg: string) => warnings.push(msg)) as never;
  await app.register(uiRoutes, { dirs: nowhere });
  const res = await app.inject('/');
  t.equal(res.statusCode, 404);
  t.equal(res.json().error.code, 'NOT_FOUND');
  t.match(res.json().error.message, /npm run build/);
  t.match(warnings, [/the web UI's files are missing/], 'logged at start');
  await app.close();
});
