// The README is the user's reference: it must name every flag, metric and endpoint the
// code has, so a change to one without the other fails here.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { RUN_OPTIONS } from '../src/commands/run.js';
import { SYNC_OPTIONS } from '../src/commands/sync.js';
import { DIFF_OPTIONS } from '../src/commands/diff.js';
import { envName } from '../src/config.js';
import { METRIC_NAMES } from '../src/telemetry.js';

const readme = readFileSync('README.md', 'utf8');

t.test('every flag of run, sync and diff is documented, with its environment variable for run', async (t) => {
  for (const flag of Object.keys(RUN_OPTIONS)) {
    t.ok(readme.includes(`\`--${flag}`), `--${flag}`);
    t.ok(readme.includes(envName(flag)), envName(flag));
  }
  for (const flag of [...Object.keys(SYNC_OPTIONS), ...Object.keys(DIFF_OPTIONS)]) t.ok(readme.includes(`--${flag}`), `--${flag}`);
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
