// The application id: every clone of one repository gives the same, two repositories (or
// two paths of one) give different ones, and whatever the URL, it is a valid tag value.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applicationId, normaliseRemote, resolveApplication } from '../src/application.js';
import { AWS_OPTIONS, awsSettings, parseCommandLine } from '../src/config.js';
import { applicationOf } from '../src/daemon.js';
import { isTagValue } from '../src/core/tags.js';
import { cli } from './helpers/cli.js';

t.test('remote URLs normalise to host/path: scheme, user, credentials, default port and .git dropped', async (t) => {
  const table: [string, string][] = [
    ['https://github.com/acme/deploy', 'github.com/acme/deploy'],
    ['https://github.com/acme/deploy.git', 'github.com/acme/deploy'],
    ['https://github.com/acme/deploy/', 'github.com/acme/deploy'],
    ['https://x-access-token:ghp_secret@github.com/acme/deploy.git', 'github.com/acme/deploy'],
    ['https://GitHub.com:443/acme/deploy', 'github.com/acme/deploy'],
    ['http://git.internal:8080/acme/deploy', 'git.internal:8080/acme/deploy'],
    ['git@github.com:acme/deploy.git', 'github.com/acme/deploy'],
    ['github.com:acme/deploy', 'github.com/acme/deploy'],
    ['ssh://git@github.com/acme/deploy.git', 'github.com/acme/deploy'],
    ['ssh://git@github.com:22/acme/deploy', 'github.com/acme/deploy'],
    ['ssh://git@gitlab.example.com:2222/group/sub/deploy.git', 'gitlab.example.com:2222/group/sub/deploy'],
    ['git://github.com/acme/deploy.git', 'github.com/acme/deploy'],
    ['/srv/git/deploy.git', '/srv/git/deploy'],
    ['file:///srv/git/deploy.git', '/srv/git/deploy'],
  ];
  for (const [url, want] of table) t.equal(normaliseRemote(url), want, url);
});

t.test('the id is the normalised remote plus the path in the repository', async (t) => {
  t.equal(applicationId('git@github.com:acme/deploy.git', 'prod/ecs/'), 'github.com/acme/deploy/prod/ecs');
  t.equal(applicationId('https://github.com/acme/deploy', 'prod/ecs'), 'github.com/acme/deploy/prod/ecs', 'SSH and HTTPS clones agree');
  t.equal(applicationId('https://github.com/acme/deploy', ''), 'github.com/acme/deploy', 'the top of the repository adds nothing');
  t.equal(applicationId('https://github.com/acme/deploy', '.'), 'github.com/acme/deploy');
  t.not(applicationId('https://github.com/acme/deploy', 'staging'), applicationId('https://github.com/acme/deploy', 'prod'), 'two paths of one repository differ');
  t.not(applicationId('https://github.com/acme/payments', ''), applicationId('https://github.com/acme/orders', ''), 'two repositories differ');
});

t.test('an id that is no valid tag value becomes a readable prefix plus a hash, stable and distinct', async (t) => {
  const long = `https://github.com/acme/${'very-long-name-'.repeat(20)}`;
  const odd = 'https://github.com/acme/deploy~team';
  for (const [remote, path] of [[long, 'prod'], [odd, ''], ['https://github.com/acme/deploy', 'config (ünïcode)/#1']]) {
    const id = applicationId(remote, path);
    t.ok(isTagValue(id), `${id} is a tag value`);
    t.match(id, /\+sha256:[0-9a-f]{32}$/);
    t.equal(applicationId(remote, path), id, 'stable');
  }
  t.ok(applicationId(long, 'prod').startsWith('github.com/acme/very-long-name-'), 'a readable prefix');
  t.not(applicationId(long, 'prod'), applicationId(long, 'staging'), 'a long id truncated still differs by its hash');
  t.not(applicationId('https://github.com/acme/a~b', ''), applicationId('https://github.com/acme/a%b', ''), 'characters replaced alike still differ by the hash');
});

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

function clone(dir: string, origin: string): string {
  mkdirSync(join(dir, 'deploy', 'prod'), { recursive: true });
  git(dir, 'init', '-q');
  git(dir, 'remote', 'add', 'origin', origin);
  return join(dir, 'deploy', 'prod');
}

t.test('two clones of one repository at different paths, HTTPS and SSH, give the same id; another repository another', async (t) => {
  const root = t.testdir({});
  const https = clone(join(root, 'ci', 'build-17'), 'https://ci-token@github.com/acme/platform.git');
  const ssh = clone(join(root, 'home', 'laptop'), 'git@github.com:acme/platform.git');
  const other = clone(join(root, 'other'), 'git@github.com:acme/payments.git');
  const a = await resolveApplication(https);
  t.same(a, { application: 'github.com/acme/platform/deploy/prod' });
  t.same(await resolveApplication(ssh), a);
  t.equal((await resolveApplication(other)).application, 'github.com/acme/payments/deploy/prod');
  // git-sync swaps a symlink between worktrees: the id follows the repository, not the link.
  symlinkSync(join(root, 'ci', 'build-17'), join(root, 'current'));
  t.same(await resolveApplication(join(root, 'current', 'deploy', 'prod')), a);
});

/** A directory in no git checkout (tap's fixtures live in the project's own clone, which may have an origin). */
function outsideGit(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-gitops-app-'));
  writeFileSync(join(dir, 'c.yaml'), '');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('without a git remote: the absolute path, with a warning that names --application', async (t) => {
  const dir = outsideGit(t);
  const resolved = await resolveApplication(dir);
  t.equal(resolved.application, resolve(dir));
  t.match(resolved.warning, /not in a git checkout with an origin remote.*--application NAME/);
  t.same(await resolveApplication(dir, 'payments'), { application: 'payments' }, '--application wins, without a warning');
});

t.test('--application is checked as a tag value: a usage error, exit 2', async (t) => {
  t.equal(awsSettings({ application: 'github.com/acme/deploy prod:eu@1' }, {}).application, 'github.com/acme/deploy prod:eu@1');
  for (const bad of ['', ' ', 'team#1', 'a'.repeat(257), 'quote"d']) {
    t.throws(() => awsSettings({ application: bad }, {}), { code: 'USAGE' }, JSON.stringify(bad));
  }
  const dir = t.testdir({ 'c.yaml': '' });
  const r = await cli('diff', dir, '--application', 'team#1', '--endpoint', 'http://127.0.0.1:9');
  t.equal(r.code, 2);
  t.match(r.err, /--application must be 1-256 letters, digits, spaces or \+ - = \. _ : \/ @/);
  const { values } = parseCommandLine([], AWS_OPTIONS, { ECS_GITOPS_APPLICATION: 'payments' });
  t.equal(awsSettings(values, {}).application, 'payments', 'ECS_GITOPS_APPLICATION sets it');
});

t.test('the daemon: --application, else the polled --git-url plus --path, else the checkout', async (t) => {
  const warnings: string[] = [];
  const logger = { warn: (_: object, message?: string) => void warnings.push(message ?? '') };
  const aws = { region: 'us-east-1', controllerId: 'ecs-gitops' };
  t.equal(await applicationOf({ aws: { ...aws, application: 'payments' }, repo: '/srv/checkout', gitUrl: 'https://github.com/acme/deploy' }, logger), 'payments');
  t.equal(await applicationOf({ aws, repo: '/srv/checkout', gitUrl: 'https://token@github.com/acme/deploy.git', path: 'prod' }, logger), 'github.com/acme/deploy/prod');
  const root = t.testdir({});
  clone(join(root, 'checkout'), 'git@github.com:acme/deploy.git');
  t.equal(await applicationOf({ aws, repo: join(root, 'checkout'), path: 'deploy/prod' }, logger), 'github.com/acme/deploy/deploy/prod', 'a git-sync checkout: what its origin says');
  t.same(warnings, []);
  const plain = outsideGit(t);
  t.equal(await applicationOf({ aws, repo: plain }, logger), resolve(plain));
  t.match(warnings, [/--application NAME/], 'a directory outside git is warned about in the log');
});
