// CLI start-up errors are one line (issue 13, finding 9): a port in use is a message a
// user can act on, not a stack trace.
import t from 'tap';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { cluster } from './load/docs.js';
import { cli as run } from './helpers/cli.js';
import { freePort } from './helpers/moto.js';

t.test('`run` on a port in use prints one line and exits 2', async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => busy.close(resolve)));
  const port = (busy.address() as AddressInfo).port;
  const dir = t.testdir({ 'empty.yaml': '' });
  const failure = await promisify(execFile)(process.execPath, ['--no-warnings', 'dist/cli.js', 'run', '--repo', dir, '--endpoint', 'http://127.0.0.1:9', '--listen', `127.0.0.1:${port}`, '--log-level', 'silent'], {
    timeout: 60_000,
    env: { ...process.env, ECS_GITOPS_DEBUG: '' },
  }).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
  t.ok(failure, 'the command fails');
  t.equal(failure?.code, 2);
  const lines = (failure?.stderr ?? '').trim().split('\n');
  t.equal(lines.length, 1, `one line: ${failure?.stderr}`);
  t.match(lines[0], /^ecs-gitops: .*EADDRINUSE/);
  t.notMatch(failure?.stderr ?? '', /\n\s+at /, 'no stack trace');
});

t.test('diff and sync with -o json or yaml: an unreachable endpoint is {error} on stdout, exit 2', async (t) => {
  const dir = t.testdir({ 'c.yaml': cluster() });
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const cases: [string, string, (text: string) => unknown][] = [['diff', 'json', (text) => JSON.parse(text)], ['sync', 'yaml', (text) => parseYaml(text)]];
  for (const [command, format, parse] of cases) {
    const r = await run(command, dir, '--endpoint', endpoint, '-o', format);
    t.equal(r.code, 2, `${command} -o ${format}`);
    t.equal(r.err, '', 'nothing on stderr');
    t.match(parse(r.out), { error: /cannot reach the AWS endpoint .*ECONNREFUSED/ });
  }
  const text = await run('diff', dir, '--endpoint', endpoint);
  t.equal(text.code, 2);
  t.equal(text.out, '');
  // (after the warning that the directory, in no git checkout, is its own application)
  t.match(text.err, /^error: cannot reach the AWS endpoint/m, 'in text, on stderr as before');
});

t.test('diff and sync with -o json: an invalid config is its findings on stdout, exit 2, AWS untouched', async (t) => {
  const dir = t.testdir({ 'c.yaml': cluster().replace('enabled', 'sometimes') });
  for (const command of ['diff', 'sync']) {
    const r = await run(command, dir, '--endpoint', 'http://127.0.0.1:9', '-o', 'json');
    t.equal(r.code, 2, command);
    t.equal(r.err, '');
    const report = JSON.parse(r.out) as { error: string; valid: boolean; errors: unknown[] };
    t.match(report, { valid: false, error: /invalid — 1 error; refusing to act on it$/ });
    t.match(report.errors, [{ file: /c\.yaml$/, line: 8, column: 14, field: 'spec.settings[0].value', message: /must be one of/ }]);
  }
});

t.test('the built command: --help exits 0 on stdout, an unknown flag exits 2 with one line on stderr', async (t) => {
  const exec = (...argv: string[]) =>
    promisify(execFile)(process.execPath, ['--no-warnings', 'dist/cli.js', ...argv]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const help = await exec('sync', '--help');
  t.equal(help.code, 0);
  t.match(help.stdout, /^usage: ecs-gitops sync \[dir\] \[options\]\n/);
  t.equal(help.stderr, '');
  const bogus = await exec('sync', '--bogus');
  t.equal(bogus.code, 2);
  t.equal(bogus.stdout, '');
  t.equal(bogus.stderr, "ecs-gitops sync: unknown option '--bogus' (see ecs-gitops sync --help)\n");
});
