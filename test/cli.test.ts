import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { main } from '../src/cli.js';
import { cluster } from './load/docs.js';

const run = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), color: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

t.test('validate exits 0 on a valid directory and says what it found', async (t) => {
  const dir = t.testdir({ 'c.yaml': cluster() });
  const r = await run('validate', dir);
  t.equal(r.code, 0);
  t.equal(r.out, `${dir}: valid — 1 document in 1 file (1 Cluster)`);
});

t.test('validate exits 1 on an invalid directory and lists the errors with file:line', async (t) => {
  const dir = t.testdir({ 'c.yaml': cluster().replace('enabled', 'sometimes') });
  const r = await run('validate', dir);
  t.equal(r.code, 1);
  t.match(r.out, /c\.yaml:8:14 spec\.settings\[0\]\.value: must be one of /);
  t.match(r.out, /invalid — 1 error in 1 document in 1 file; nothing from this revision would be applied/);
});

t.test('validate --output json is machine-readable', async (t) => {
  const dir = t.testdir({ 'c.yaml': cluster().replace('store', 'bad name') });
  const r = await run('validate', dir, '--output', 'json');
  t.equal(r.code, 1);
  const report = JSON.parse(r.out);
  t.equal(report.valid, false);
  t.match(report.errors, [{ code: 'SCHEMA', field: 'metadata.name', line: 4, column: 9 }]);
});

t.test('usage and I/O errors exit 2', async (t) => {
  t.equal((await run('validate', '/nonexistent/config')).code, 2);
  t.match((await run('validate', '/nonexistent/config')).out, /cannot read config root \/nonexistent\/config: ENOENT/);
  t.match((await run('validate', '--output', 'xml', '.')).err, /--output must be one of text, json, not "xml"/);
  t.equal((await run('validate', '--output', 'xml', '.')).code, 2);
  t.equal((await run('frobnicate')).code, 2);
  t.equal((await run('validate', '--bogus')).code, 2);
});

t.test('the built command validates the examples (npm run build first)', async (t) => {
  t.ok(existsSync('dist/cli.js'), 'dist/cli.js exists — `npm test` builds it first');
  const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.js', 'validate', 'examples']);
  t.match(stdout, /^examples: valid — \d+ documents in \d+ files/m);
});
