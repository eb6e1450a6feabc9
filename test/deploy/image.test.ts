// The container image, without a Docker engine: the runtime stage of the Dockerfile is
// replayed in a temporary directory outside the project (so Node cannot find the
// project's node_modules by walking up) — the same files copied, the same `npm ci` —
// and the CLI is started from there. If the daemon loaded a dev dependency, or a file
// the image does not copy, it would fail here as it would in the image. The `npm ci`
// runs once per set of dependencies and command line, into a directory beside the
// temporary one that later runs reuse (writing and deleting its 7,000 files cost half a
// minute a run).
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseDockerfile, runtimeStage, type Instruction } from './dockerfile.js';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const dockerfile = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = runtimeStage(dockerfile);

/** An environment with nothing that could lead Node to the project's modules. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(NODE_|npm_|TAP|ECS_GITOPS_)/i.test(k)) continue;
    env[k] = v;
  }
  // What the Dockerfile's ENV lines set, as the image would.
  for (const i of runtime.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return { ...env, ...extra };
}

t.test('the Dockerfile builds in one stage and runs in another, as a non-root user, under tini, with node as the command', async (t) => {
  t.ok(dockerfile.stages.length >= 2, 'multi-stage');
  const build = dockerfile.stages.find((s) => s.name === 'build');
  t.ok(build, 'a stage named build');
  t.ok(build!.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args) && !/--omit=dev/.test(i.args)), 'the build stage installs dev dependencies');
  t.ok(build!.instructions.some((i) => i.keyword === 'RUN' && /npm run build/.test(i.args)), 'the build stage compiles');

  const from = runtime.instructions.find((i) => i.keyword === 'FROM')!;
  const base = from.args.split(/\s+/)[0];
  const image = base.startsWith('${') ? dockerfile.args.get(base.replace(/^\$\{|\}$/g, '')) : base;
  t.match(image, /^node:(22|24)-bookworm-slim$/, 'a current Node LTS base, major version pinned');

  const runs = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
  t.match(runs, /npm ci --omit=dev --ignore-scripts/, 'production dependencies only, no lifecycle scripts');
  t.match(runs, /apt-get install -y --no-install-recommends[^\n]*\bgit\b/, 'the git CLI for the built-in poller');
  t.match(runs, /apt-get install -y --no-install-recommends[^\n]*\btini\b/, 'tini');

  const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1);
  t.ok(user && !/^(root|0)(:|$)/.test(user.args), `runs as a non-root user (${user?.args})`);
  const entrypoint = runtime.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  t.same(JSON.parse(entrypoint!.args), ['/usr/bin/tini', '--'], 'tini is PID 1 and forwards signals');
  const cmd = JSON.parse(runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1)!.args) as string[];
  t.same(cmd, ['node', 'dist/cli.js', 'run'], 'exec-form CMD starting node itself (no npm, no shell), so SIGTERM reaches the daemon');
  const health = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  t.match(health?.args, /CMD \["node", "-e", .*\/livez/, 'the health check needs node only, no curl or shell');
});

t.test('.dockerignore keeps the build context to what the Dockerfile copies', async (t) => {
  const ignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  t.equal(ignore[0], '*', 'everything is excluded first');
  const included = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
  const copied = dockerfile.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args)).flatMap((i) => copySources(i));
  for (const source of copied) t.ok(included.includes(source), `${source} is in the build context`);
  for (const heavy of ['node_modules', 'dist', '.git', '.tap']) t.notOk(included.includes(heavy), `${heavy} stays out`);
});

/**
 * The `npm` command line run in a copy of `app`'s package.json and lock file, in a
 * directory of the system's temporary one named by the hash of the lock file, the
 * manifest's dependencies and the command line (not its scripts or tap settings); returns
 * its node_modules.
 * A run that finds it made reuses it; concurrent runs each install and the first rename wins.
 */
async function installOnce(app: string, npm: string[]): Promise<string> {
  const manifest = JSON.parse(await readFile(join(app, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = await readFile(join(app, 'package-lock.json'));
  const installs = JSON.stringify([manifest.dependencies, manifest.devDependencies, manifest.optionalDependencies, manifest.overrides]);
  const key = createHash('sha256').update(installs).update(lock).update(npm.join(' ')).digest('hex').slice(0, 16);
  const done = join(tmpdir(), `ecs-gitops-image-modules-${key}`);
  if (await stat(join(done, 'node_modules')).then(() => true, () => false)) return join(done, 'node_modules');
  const staging = await mkdtemp(`${done}.partial-`);
  await cp(join(app, 'package.json'), join(staging, 'package.json'));
  await cp(join(app, 'package-lock.json'), join(staging, 'package-lock.json'));
  await exec('npm', npm.slice(1), { cwd: staging, env: cleanEnv({ NODE_ENV: 'production' }), timeout: 240_000, maxBuffer: 16 << 20 });
  await rename(staging, done).catch(() => rm(staging, { recursive: true, force: true }));
  return join(done, 'node_modules');
}

function copySources(i: Instruction): string[] {
  const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
  return words.slice(0, -1).map((w) => w.replace(/^\.\//, '').replace(/\/$/, ''));
}

t.test('the runtime stage, replayed outside Docker, validates and runs the daemon with production dependencies only', { timeout: 300_000 }, async (t) => {
  try {
    await stat(join(ROOT, 'dist/cli.js'));
  } catch {
    t.fail('dist/cli.js is missing: run `npm run build` first (npm test does)');
    return;
  }
  const app = await mkdtemp(join(tmpdir(), 'ecs-gitops-image-'));
  t.teardown(() => rm(app, { recursive: true, force: true }));

  // COPY lines of the runtime stage: from the build stage (its WORKDIR is /app, where
  // `npm run build` wrote dist/) or from the build context (the project root).
  const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
  t.ok(copies.length > 0, 'the runtime stage copies files');
  let installed = false;
  for (const i of runtime.instructions) {
    if (i.keyword === 'COPY') {
      const fromStage = /--from=(\S+)/.exec(i.args)?.[1];
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const dest = words.at(-1)!;
      for (const source of words.slice(0, -1)) {
        const local = fromStage ? source.replace(/^\/app\//, '') : source;
        const target = dest.endsWith('/') ? join(app, dest, local.split('/').at(-1)!) : join(app, dest);
        await cp(join(ROOT, local), target, { recursive: true, filter: (src) => !src.includes(`${'/'}.github`) });
      }
    } else if (i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)) {
      const npm = /npm ci[^&;]*/.exec(i.args)![0].trim().split(/\s+/);
      const modules = await installOnce(app, npm);
      t.comment(`${npm.join(' ')}: node_modules from ${modules}`);
      await symlink(modules, join(app, 'node_modules'));
      installed = true;
    }
  }
  t.ok(installed, 'the runtime stage runs npm ci');
  for (const f of ['package.json', 'package-lock.json', 'dist/cli.js', 'crds/schemas', 'node_modules/fastify']) {
    t.ok(await stat(join(app, f)).then(() => true, () => false), `${f} is in the image`);
  }

  const requireFromApp = createRequire(join(app, 'package.json'));
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  for (const dev of Object.keys(pkg.devDependencies)) {
    t.throws(() => requireFromApp.resolve(`${dev}/package.json`), `dev dependency ${dev} is not installed`);
  }

  const config = join(app, 'config');
  await cp(join(ROOT, 'examples'), config, { recursive: true });
  const validate = await exec('node', ['dist/cli.js', 'validate', config], { cwd: app, env: cleanEnv() }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
  t.equal(validate.code, 0, `validate exits 0: ${validate.out}`);
  t.match(validate.out, /valid — \d+ documents/);

  const daemon = spawn('node', ['dist/cli.js', 'run', '--embedded-aws', '--repo', config, '--listen', '127.0.0.1:0', '--log-level', 'warn'], {
    cwd: app,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });
  let output = '';
  daemon.stdout.on('data', (d: Buffer) => (output += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((res) => daemon.on('exit', (code) => res(code)));

  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no status API line within 60 s:\n${output}`)), 60_000);
    const look = () => {
      const m = /status API: (http:\/\/[^/\s]+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    daemon.stdout.on('data', look);
    daemon.stderr.on('data', look);
    exited.then((code) => rej(new Error(`the daemon exited (${code}) before serving:\n${output}`)));
  });
  t.pass(`the daemon started and serves ${url}`);

  const livez = await fetch(`${url}/livez`);
  t.equal(livez.status, 200, '/livez answers 200');
  t.same(await livez.json(), { status: 'ok' });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.match(metrics, /^ecs_gitops_workqueue_depth\{application="default"\} /m, '/metrics serves the controller metrics');
  const ui = await fetch(`${url}/`);
  t.equal(ui.status, 200, `the web UI is in the image (npm run build copies it to dist/): ${ui.status}`);
  t.match(await ui.text(), /<script type="module" src="\/ui\/app\.js">/);

  daemon.kill('SIGTERM');
  // A timer left running would keep this file's process alive for its full 30 s.
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<string>((res) => (timer = setTimeout(() => res('timeout'), 30_000)))]);
  clearTimeout(timer);
  t.equal(code, 0, `exits 0 on SIGTERM within 30 s:\n${output}`);
  t.match(output, /SIGTERM: shutting down/);
  t.notMatch(output, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/, 'no module is missing');
});
