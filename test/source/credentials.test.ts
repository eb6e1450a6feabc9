// Git credentials (issue 13, finding 5): a token in --git-url never reaches git's
// arguments (which `ps` shows), error messages or logs; git gets it from a credential
// helper reading its environment, and the server still sees it.
import t from 'tap';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ManualClock } from '../../src/runtime/clock.js';
import { redact, splitCredentials } from '../../src/source/git.js';
import { GitPoller } from '../../src/source/poller.js';

const SECRET = 'S3cret-token';

t.test('a password in the git URL goes to git through its environment, never its arguments or a message', async (t) => {
  const dir = t.testdir({ cache: {}, bin: {} });
  // A git in front of the real one that writes down the arguments each run was given, as `ps` would show them.
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const argsLog = join(dir, 'args.log');
  writeFileSync(join(dir, 'bin', 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argsLog}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(dir, 'bin', 'git'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${join(dir, 'bin')}:${path}`;
  t.teardown(() => {
    process.env.PATH = path;
  });

  const authorizations: string[] = [];
  const server = createServer((request, response) => {
    const auth = request.headers.authorization;
    if (!auth) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    authorizations.push(auth);
    response.writeHead(403).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://alice:${SECRET}@127.0.0.1:${(server.address() as AddressInfo).port}/config.git`;

  const errors: Error[] = [];
  const poller = new GitPoller({ url, cacheDir: join(dir, 'cache'), intervalMs: 60_000, clock: new ManualClock(), timeoutMs: 20_000, onUpdate: () => undefined, onError: (e) => errors.push(e) });
  const failure = await poller.init().then(
    () => undefined,
    (e: Error) => e,
  );
  await poller.close();
  t.ok(failure, 'the fetch fails: the server refuses');
  t.notMatch(failure?.message ?? '', SECRET, 'the error message holds no password');
  t.match(failure?.message ?? '', /127\.0\.0\.1/);
  t.same(authorizations.slice(0, 1), [`Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`], 'git sent the credentials to the server');
  const args = readFileSync(argsLog, 'utf8');
  t.match(args, /fetch/, 'the wrapper saw the fetch');
  t.notMatch(args, SECRET, 'no git process had the password in its arguments');
});

t.test('URLs are redacted wherever printed; credentials come from the URL or the environment', async (t) => {
  t.equal(redact(`https://alice:${SECRET}@github.com/o/r.git`), 'https://***@github.com/o/r.git');
  t.same(splitCredentials(`https://alice:${SECRET}@github.com/o/r.git`, {}), { url: 'https://github.com/o/r.git', credentials: { username: 'alice', password: SECRET } });
  t.same(splitCredentials('https://github.com/o/r.git', { ECS_GITOPS_GIT_PASSWORD: SECRET }), { url: 'https://github.com/o/r.git', credentials: { username: 'x-access-token', password: SECRET } });
  t.same(splitCredentials('ssh://git@github.com/o/r.git', {}), { url: 'ssh://git@github.com/o/r.git' }, 'a user name alone stays in the URL');
});
