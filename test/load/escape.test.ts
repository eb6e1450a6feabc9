// Untrusted text on a terminal (issue 13, finding 7): a file name or key from a checkout
// cannot forge a log line or drive the terminal when `validate` prints it.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeForTerminal } from '../../src/load/index.js';
import { cluster } from './docs.js';

function validate(dir: string, ...flags: string[]): { status: number; out: string } {
  try {
    return { status: 0, out: execFileSync(process.execPath, ['dist/cli.js', 'validate', ...flags, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { status: e.status, out: e.stdout + e.stderr };
  }
}

t.test('a file name holding a newline and ESC[2J prints as one escaped line', async (t) => {
  const dir = t.testdir({});
  const name = 'evil\n::error file=x::forged\u001b[2J\u202e.yaml';
  writeFileSync(join(dir, name), cluster().replace('kind: Cluster', 'kind: Clutser'));
  const { status, out } = validate(dir);
  t.equal(status, 1);
  t.notOk(out.includes('\u001b'), 'no ESC reaches the terminal');
  t.notMatch(out, /\u202e/, 'no bidirectional override either');
  t.notMatch(out, /^::error/m, 'no forged line');
  t.match(out, /evil\\n::error file=x::forged\\x1b\[2J\\u202e\.yaml:2:7 kind: unknown kind/);
  const json = validate(dir, '--output', 'json');
  t.notOk(json.out.includes('\u001b') || json.out.includes('\u202e'), 'the JSON output escapes them too');
  t.equal(JSON.parse(json.out).errors[0].file, join(dir, name), 'and still reads back as the real name');
});

t.test('escapeForTerminal leaves ordinary text alone', async (t) => {
  t.equal(escapeForTerminal('services/web.yaml: must be ^[a-z]+\\.x$ — café'), 'services/web.yaml: must be ^[a-z]+\\.x$ — café');
  t.equal(escapeForTerminal('a\tb\rc\u0000\u009b'), 'a\\tb\\rc\\x00\\x9b');
});
