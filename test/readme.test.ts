// The README is the user's reference: it must name every flag, metric and endpoint the
// code has, so a change to one without the other fails here.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { main } from '../src/cli.js';
import { COMMANDS } from '../src/commands/index.js';
import { METRIC_NAMES } from '../src/telemetry.js';

const readme = readFileSync('README.md', 'utf8');

/** The README's "Command line" section, split into one text per `### \`command …\`` heading, code blocks left out. */
function commandSections(): Map<string, string> {
  const part = readme.slice(readme.indexOf('\n## Command line'), readme.indexOf('\n## ', readme.indexOf('\n## Command line') + 1));
  const prose = part.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
  const sections = new Map<string, string>();
  for (const block of prose.split(/^(?=### )/m).slice(1)) sections.set(/^### `([a-z-]+)/.exec(block)?.[1] ?? '', block);
  return sections;
}

const flagsIn = (text: string) => new Set([...text.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]));

async function help(...argv: string[]): Promise<string> {
  const out: string[] = [];
  t.equal(await main(argv, { out: (l) => out.push(l), err: () => undefined, color: false }), 0, argv.join(' '));
  return out.join('\n');
}

t.test('each command\'s flags in the README are the flags in its --help, with their environment variables', async (t) => {
  const sections = commandSections();
  for (const command of COMMANDS) {
    const section = sections.get(command.name);
    if (!t.ok(section, `the README has a section for ${command.name}`) || !section) continue;
    const text = await help(command.name, '--help');
    const inHelp = new Set([...text.matchAll(/^ {2}(?:-\w, | {4})--([a-z][a-z0-9-]*)/gm)].map((m) => m[1]).filter((f) => f !== 'help'));
    const inReadme = flagsIn(section);
    for (const flag of inHelp) t.ok(inReadme.has(flag), `${command.name}: --${flag} (in --help) is in the README`);
    for (const flag of inReadme) t.ok(inHelp.has(flag), `${command.name}: --${flag} (in the README) is in --help`);
    for (const [, env] of text.matchAll(/env: (ECS_GITOPS_\w+)$/gm)) t.ok(section.includes(`\`${env}\``), `${command.name}: ${env} is in the README`);
  }
  t.same([...sections.keys()].sort(), COMMANDS.map((c) => c.name).sort(), 'no section for a command that does not exist');
});

t.test('the README explains --help, --version and every output format', async (t) => {
  const part = readme.slice(readme.indexOf('\n## Command line'), readme.indexOf('\n### '));
  for (const word of ['--help', '-h', '--version', '-V', '-o`/`--output text|json|yaml', '`text`', '`json`', '`yaml`']) t.ok(part.includes(word), word);
  const overview = await help('--help');
  for (const flag of flagsIn(overview)) t.ok(part.includes(`--${flag}`), `--${flag} of ecs-gitops --help`);
});

t.test('every metric is in the metrics table', async (t) => {
  for (const name of METRIC_NAMES) t.ok(readme.includes(`| \`${name}\` |`), name);
});

t.test('every route of the status API is in the HTTP table', async (t) => {
  const { buildServer } = await import('../src/http/index.js');
  const { StatusStore } = await import('../src/runtime/status.js');
  const { CallRecorder } = await import('../src/aws/clients.js');
  const { createLogger, createMetrics } = await import('../src/telemetry.js');
  const status = new StatusStore();
  const metrics = createMetrics({ status, calls: new CallRecorder() });
  const app = buildServer({ status, metrics, logger: createLogger({ level: 'silent' }), version: 'test', controller: { requestSync: () => ({ accepted: true, message: '' }) } });
  await app.ready();
  const spec = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const paths = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
  t.ok(paths.length >= 10, `${paths.length} routes`);
  for (const route of paths) t.ok(readme.includes(`\`${route}`), route);
  metrics.close();
  await app.close();
});
