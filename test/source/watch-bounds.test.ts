// The watcher stays inside the checkout (issue 13, finding 4): a link out of it — to
// /usr, say — costs no watches, and the watches number what the loader would read.
import t from 'tap';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { watchCheckoutTree } from '../../src/source/watch.js';
import { cluster } from './fixtures.js';

t.test('a symlink out of the config root is not followed; non-YAML files and hidden directories are not watched', async (t) => {
  const dir = t.testdir({ checkout: { config: { 'cluster.yaml': cluster('a'), apps: { 'web.yaml': cluster('web'), 'notes.txt': 'x' }, '.hidden': { 'x.yaml': 'x' } } }, outside: {} });
  const outside = join(dir, 'outside');
  for (let i = 0; i < 200; i++) {
    mkdirSync(join(outside, `d${i}`));
    writeFileSync(join(outside, `d${i}`, 'f.yaml'), 'x');
  }
  const checkout = join(dir, 'checkout');
  symlinkSync(outside, join(checkout, 'config', 'usr'));
  const watcher = await watchCheckoutTree(checkout, join(checkout, 'config'), [], { onChange: () => undefined, onError: () => undefined });
  t.teardown(() => watcher.close());
  const watched = watcher.getWatched();
  const paths = Object.entries(watched).flatMap(([parent, names]) => [parent, ...names.map((n) => join(parent, n))]);
  const escaped = paths.filter((p) => p !== dir && !(p === checkout || p.startsWith(checkout + sep)));
  t.same(escaped, [], 'nothing outside the checkout is watched');
  t.notOk(paths.some((p) => p.startsWith(join(checkout, 'config', 'usr') + sep)), 'nothing below the link');
  t.ok(Object.keys(watched).length <= 5, `${Object.keys(watched).length} directories watched: the checkout, the config tree and their parent`);
});
