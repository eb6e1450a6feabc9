// CLI start-up errors are one line (issue 13, finding 9): a port in use is a message a
// user can act on, not a stack trace.
import t from 'tap';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

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
