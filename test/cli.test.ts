import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { main } from '../src/cli.js';
import { COMMANDS } from '../src/commands/index.js';
import { envOf } from '../src/config.js';
import { startSimulator } from '../src/sim/index.js';
import { cluster } from './load/docs.js';
import { copyExamples } from './helpers/repo.js';
import { EXAMPLES } from './helpers/examples.js';

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
  t.match((await run('validate', '--output', 'xml', '.')).err, /--output must be one of text, json, yaml, not "xml"/);
  t.equal((await run('validate', '--output', 'xml', '.')).code, 2);
  t.equal((await run('frobnicate')).code, 2);
  t.equal((await run('validate', '--bogus')).code, 2);
});

t.test('the built command validates the examples (npm run build first)', async (t) => {
  t.ok(existsSync('dist/cli.js'), 'dist/cli.js exists — `npm test` builds it first');
  const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.js', 'validate', 'examples']);
  t.match(stdout, /^examples: valid — \d+ documents in \d+ files/m);
});

/** What -o json and -o yaml print, read back. */
const PARSERS = { json: (text: string): unknown => JSON.parse(text), yaml: (text: string): unknown => parseYaml(text) };

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

t.test('every command\'s --help, -h and `help <command>` exit 0 and list each flag with its variable', async (t) => {
  for (const command of COMMANDS) {
    const { options } = await command.load();
    for (const argv of [[command.name, '--help'], [command.name, '-h'], ['help', command.name], [command.name, '--endpoint', 'x', '-h']]) {
      const r = await run(...argv);
      t.equal(r.code, 0, argv.join(' '));
      t.equal(r.err, '', `${argv.join(' ')}: nothing on stderr`);
      t.match(r.out, new RegExp(`^usage: ecs-gitops ${command.name}\\b`), `${argv.join(' ')}: usage first`);
      for (const [flag, entry] of Object.entries(options)) {
        const line = r.out.split('\n').findIndex((l) => new RegExp(`^  (-${entry.short}, )?\\s*--${flag}\\b`).test(l));
        t.ok(line >= 0, `${command.name} --help lists --${flag}`);
        if (entry.placeholder) t.match(r.out.split('\n')[line], `--${flag} ${entry.placeholder}`, `--${flag} shows what it takes`);
        t.match(r.out, new RegExp(`env: ${envOf(flag, entry)}$`, 'm'), `${command.name} --help names ${envOf(flag, entry)}`);
        if (entry.default !== undefined) t.match(r.out, `default: ${entry.default}; env: ${envOf(flag, entry)}`, `--${flag}'s default`);
      }
    }
  }
});

t.test('--help, -h and help list every command; no command is a usage error', async (t) => {
  for (const flag of ['--help', '-h', 'help']) {
    const r = await run(flag);
    t.equal(r.code, 0, flag);
    for (const command of COMMANDS) t.match(r.out, new RegExp(`^  ${command.name}\\b.*${command.summary.slice(0, 20).replace(/[()]/g, '.')}`, 'm'), `${flag} lists ${command.name}`);
    t.match(r.out, /--version/);
  }
  const none = await run();
  t.equal(none.code, 2);
  t.equal(none.err, 'ecs-gitops: no command given (see ecs-gitops --help)');
});

t.test('--version and -V print the version in package.json and exit 0', async (t) => {
  for (const flag of ['--version', '-V']) t.same(await run(flag), { code: 0, out: VERSION, err: '' }, flag);
  const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli.js', '--version']);
  t.equal(stdout, `${VERSION}\n`, 'the built command finds package.json too');
});

t.test('an unknown flag exits 2 with one line naming it and pointing to --help', async (t) => {
  for (const command of COMMANDS) {
    const r = await run(command.name, '--no-such-flag');
    t.equal(r.code, 2, command.name);
    t.equal(r.out, '', `${command.name}: nothing on stdout`);
    t.equal(r.err, `ecs-gitops ${command.name}: unknown option '--no-such-flag' (see ecs-gitops ${command.name} --help)`);
  }
  t.equal((await run('frobnicate')).err, 'ecs-gitops: unknown command "frobnicate" (see ecs-gitops --help)');
  t.equal((await run('help', 'frobnicate')).code, 2);
});

t.test('validate -o yaml is the same data as -o json, for a valid and an invalid directory', async (t) => {
  const root = t.testdir({ valid: { 'c.yaml': cluster() }, invalid: { 'c.yaml': cluster().replace('store', 'bad name') } });
  const dirs = { valid: `${root}/valid`, invalid: `${root}/invalid` };
  for (const [name, dir] of Object.entries(dirs)) {
    const json = await run('validate', dir, '-o', 'json');
    const yaml = await run('validate', dir, '--output=yaml');
    t.equal(yaml.code, json.code, name);
    t.equal(yaml.code, name === 'valid' ? 0 : 1);
    t.same(parseYaml(yaml.out), JSON.parse(json.out), `${name}: yaml parses back to json's data`);
  }
  t.match(parseYaml((await run('validate', dirs.invalid, '-oyaml')).out), { valid: false, errors: [{ code: 'SCHEMA', file: /c\.yaml$/, line: 4, column: 9, field: 'metadata.name' }] });
});

t.test('with -o json or yaml a usage error is a document on stdout', async (t) => {
  for (const [format, parse] of Object.entries(PARSERS)) {
    const r = await run('validate', '-o', format, '--bogus');
    t.equal(r.code, 2, format);
    t.equal(r.err, '');
    t.same(parse(r.out), { error: "unknown option '--bogus'", help: 'ecs-gitops validate --help' });
    const missing = await run('validate', '-o', format, '/nonexistent/config');
    t.equal(missing.code, 2);
    t.match(parse(missing.out), { valid: false, error: /cannot read config root \/nonexistent\/config: ENOENT/ });
  }
});

t.test('strings that would drive a terminal are escaped in json and yaml, and read back intact', async (t) => {
  const { serialize } = await import('../src/commands/output.js');
  const data = { name: 'a\u202eb\u009bc', [`k\u2066`]: ['plain', 'x\u007fy'] };
  for (const [format, parse] of Object.entries(PARSERS)) {
    const text = serialize(format as 'json' | 'yaml', data);
    t.notMatch(text, /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, `${format}: no raw control or override`);
    t.same(parse(text), data, `${format}: parses back`);
  }
});

t.test('diff and sync -o yaml are the same data as -o json, against the simulator', async (t) => {
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const dir = copyExamples(t.testdir());
  const both = async (...argv: string[]) => {
    const json = await run(...argv, '-o', 'json');
    const yaml = await run(...argv, '-o', 'yaml');
    t.equal(yaml.code, json.code, `${argv[0]}: same exit code`);
    // The time each API call took is the one thing two runs do not share.
    const untimed = (data: unknown) => JSON.parse(JSON.stringify(data).replace(/"seconds":[\d.e-]+/g, '"seconds":0')) as unknown;
    t.same(untimed(parseYaml(yaml.out)), untimed(JSON.parse(json.out)), `${argv.join(' ')}: yaml parses back to json's data`);
    return { code: json.code, data: JSON.parse(json.out) as Record<string, unknown> };
  };
  const before = await both('diff', dir, '--endpoint', sim.endpoint);
  t.equal(before.code, 1);
  t.match(before.data, { differences: true, summary: new RegExp(`^Plan: ${EXAMPLES.total} to create`) });
  t.match((await both('sync', dir, '--dry-run', '--endpoint', sim.endpoint)).data, { summary: new RegExp(`^Plan: ${EXAMPLES.total} to create`) });

  const applied = await run('sync', dir, '--endpoint', sim.endpoint, '-o', 'yaml');
  t.equal(applied.code, 0, applied.err);
  const report = parseYaml(applied.out) as { results: { status: string }[]; writes: number };
  t.equal(report.results.length, EXAMPLES.total);
  t.ok(report.results.every((r) => r.status === 'succeeded'), 'every step succeeded');
  t.ok(report.writes >= EXAMPLES.total, `${report.writes} writes`);

  const again = await both('sync', dir, '--endpoint', sim.endpoint);
  t.equal(again.code, 0);
  t.match(again.data, { results: [], writes: 0 }, 'nothing left to do');
  t.equal((await both('diff', dir, '--endpoint', sim.endpoint)).code, 0);
});
