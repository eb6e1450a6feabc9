// How `run` logs: text lines for a person at a terminal (run under a pseudo-terminal by
// util-linux `script`), JSON lines for everything else (a pipe, ECS's log driver), and
// what --log-format / ECS_GITOPS_LOG_FORMAT ask for either way.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI, spawnDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/eventually.js';

t.jobs = 2;

// Under CI=true a missing `script` fails the test instead of skipping it.
const hasScript = spawnSync('script', ['--version']).status === 0 || process.env.CI === 'true';
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** `run --embedded-aws` on examples/ under a pseudo-terminal; its terminal output and its pid. */
function runOnTerminal(t: Test, env: Record<string, string> = {}) {
  const clean: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const key of Object.keys(clean)) if (key.startsWith('ECS_GITOPS_') && !(key in env)) delete clean[key];
  delete clean.NO_COLOR;
  const command = `exec ${process.execPath} --no-warnings ${CLI} run --embedded-aws --repo examples --listen 127.0.0.1:0`;
  // stdin stays open: script ends the session when its input ends.
  const script = spawn('script', ['-qfec', command, '/dev/null'], { env: clean, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  script.stdout.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (script.exitCode === null && script.signalCode === null) script.kill('SIGKILL');
  });
  return {
    /** Lines as a person reads them (colours taken out). */
    lines: () => screen.replace(ANSI, '').split(/\r?\n/),
    raw: () => screen,
    /** The daemon: script's child, which the shell replaced by node (`exec`). */
    pid: () => Number(readFileSync(`/proc/${script.pid}/task/${script.pid}/children`, 'utf8').trim().split(/\s+/)[0]),
    exited,
  };
}

t.test('on a terminal: human-readable lines with time, level, resource and message; SIGTERM ends it', { skip: !hasScript && 'util-linux script is not installed' }, async (t) => {
  const run = runOnTerminal(t);
  await waitFor(() => run.lines().some((l) => / INFO: TaskDefinition\/\S+ applied/.test(l)), 'the first sync', 60_000, 100, run.raw);
  const lines = run.lines();
  const started = lines.find((l) => l.includes('ecs-gitops started'));
  t.match(started, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: ecs-gitops started \{"revision":"sha256:[0-9a-f]{64}","valid":true,"url":"http:\/\/127\.0\.0\.1:\d+","application":"[^"]+"\}$/);
  t.match(lines.find((l) => l.includes('Cluster/store applied')), /^\[[\d:.]+\] INFO: Cluster\/store applied \{"reconcileId":"\w+","revision":"sha256:/, 'the resource a line is about comes first');
  const logLines = lines.filter((l) => l.startsWith('['));
  t.ok(logLines.length >= 3);
  t.notOk(lines.some((l) => l.startsWith('{')), 'no JSON line');
  t.ok(run.raw().includes('\x1b[32mINFO\x1b[39m'), 'the level is coloured on a terminal');

  process.kill(run.pid(), 'SIGTERM');
  t.equal(await run.exited, 0, 'the daemon exits 0 on SIGTERM');
  t.ok(run.lines().some((l) => /^\[[\d:.]+\] INFO: shutting down$/.test(l)), 'its shutdown is logged as text too');
});

t.test('on a terminal, ECS_GITOPS_LOG_FORMAT=json keeps JSON lines', { skip: !hasScript && 'util-linux script is not installed' }, async (t) => {
  const run = runOnTerminal(t, { ECS_GITOPS_LOG_FORMAT: 'json' });
  await waitFor(() => run.lines().some((l) => l.includes('"msg":"ecs-gitops started"')), 'the start', 60_000, 100, run.raw);
  const logged = run.lines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string });
  t.match(logged.find((l) => l.msg === 'ecs-gitops started'), { level: 'info', revision: /^sha256:/ });
  process.kill(run.pid(), 'SIGTERM');
  t.equal(await run.exited, 0);
});

t.test('without a terminal: JSON lines; --log-format text asks for text', async (t) => {
  const json = spawnDaemon(t, { repo: 'examples', embeddedAws: true });
  const text = spawnDaemon(t, { repo: 'examples', embeddedAws: true, args: ['--log-format', 'text'] });
  await waitFor(() => json.logged('ecs-gitops started').length > 0, 'the JSON start line', 60_000, 100, json.tail);
  await waitFor(() => text.logs.some((l) => l.msg.includes('ecs-gitops started')), 'the text start line', 60_000, 100, text.tail);
  t.ok(json.logs.length > 0);
  t.same(json.logs.filter((l) => l.level === 'raw'), [], 'every line is JSON');
  t.match(json.logged('ecs-gitops started'), [{ level: 'info', pid: json.pid }]);
  t.ok(text.logs.length > 0);
  t.ok(text.logs.every((l) => l.level === 'raw'), 'no line is JSON');
  t.ok(text.logs.some((l) => /^\[[\d:.]+\] INFO: ecs-gitops started \{/.test(l.msg)), 'and no colour codes through a pipe');
  json.kill('SIGTERM');
  text.kill('SIGTERM');
  t.match(await json.exited, { code: 0 });
  t.match(await text.exited, { code: 0 });
});
