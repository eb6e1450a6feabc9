// A load with much to parse runs the YAML parser in a worker thread (src/load/analyse.ts):
// the same findings, positions and documents as in place, the event loop free meanwhile,
// and a worker that fails costs the load nothing.
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseFiles, WORKER_MIN_BYTES } from '../../src/load/analyse.js';
import { loadConfig, formatFinding } from '../../src/load/index.js';
import { SchemaValidator } from '../../src/load/schema.js';
import { cluster, service, taskDefinition } from './docs.js';
import { turnsDuring } from '../helpers/turns.js';

const validator = (() => {
  let v: SchemaValidator | undefined;
  return () => (v ??= new SchemaValidator());
})();

/** A directory of services, one file each, with an unknown field and a YAML error among them. */
function estate(dir: string, services: number): void {
  writeFileSync(join(dir, 'cluster.yaml'), cluster());
  for (let i = 0; i < services; i++) {
    const name = `web-${String(i).padStart(4, '0')}`;
    writeFileSync(join(dir, `${name}.yaml`), `${taskDefinition(name)}---\n${service(name, { taskDefinition: name })}`);
  }
  writeFileSync(join(dir, 'web-0007.yaml'), `${taskDefinition('web-0007').replace('spec:', 'spec:\n  colour: blue')}`);
  writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata: {name: [x\n');
}

t.test('a load parsed in a worker finds exactly what a load in place finds', async (t) => {
  const dir = t.testdir({});
  estate(dir, 300);
  const inWorker = await loadConfig(dir, { analyse: { workerMinBytes: 0 }, onWorkerFailed: (err) => t.fail(`the worker failed: ${err.message}`) });
  const inPlace = await loadConfig(dir, { analyse: { workerMinBytes: Infinity } });
  t.equal(inWorker.ok, false, 'the revision is refused');
  if (inWorker.ok || inPlace.ok) return;
  t.same(inWorker.errors.map(formatFinding), inPlace.errors.map(formatFinding), 'the same findings, with file, line and field');
  t.match(inWorker.errors.map(formatFinding), [/broken\.yaml:4:1 Flow sequence/, /broken\.yaml:4:1 /, /web-0007\.yaml:6:3 spec\.colour: unknown field/]);
  t.equal(inWorker.documents, inPlace.documents);

  writeFileSync(join(dir, 'broken.yaml'), '');
  writeFileSync(join(dir, 'web-0007.yaml'), `${taskDefinition('web-0007')}---\n${service('web-0007', { taskDefinition: 'web-0007' })}`);
  const valid = await loadConfig(dir, { analyse: { workerMinBytes: 0 } });
  const validInPlace = await loadConfig(dir, { analyse: { workerMinBytes: Infinity } });
  t.ok(valid.ok && validInPlace.ok, 'the fixed revision loads');
  if (!valid.ok || !validInPlace.ok) return;
  t.equal(valid.state.resources.size, 601, 'the cluster, and a task definition and a service per file');
  t.same([...valid.state.resources.entries()], [...validInPlace.state.resources.entries()], 'the same documents, in the same order, with their sources');
});

t.test('the files of a large load are parsed in a worker, and the event loop keeps turning', async (t) => {
  const dir = t.testdir({});
  estate(dir, 500);
  const files = readdirSync(dir).sort().map((f) => ({ display: join(dir, f), bytes: readFileSync(join(dir, f)) }));
  const bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  t.ok(bytes >= WORKER_MIN_BYTES, `${bytes} bytes reach the worker threshold`);
  const { result: big, turns } = await turnsDuring(() => analyseFiles(files, validator));
  t.equal(big.where, 'worker', String(big.workerError?.stack));
  t.equal(big.analyses.length, files.length, 'one analysis per file, in order');
  t.same(big.analyses.map((a) => a.documents.length), files.map((f) => (f.display.endsWith('broken.yaml') ? 0 : f.display.endsWith('web-0007.yaml') ? 1 : f.display.endsWith('cluster.yaml') ? 1 : 2)));
  t.ok(turns >= 20, `the event loop had ${turns} turns while the worker parsed`);

  const small = await analyseFiles(files.slice(0, 3), validator);
  t.equal(small.where, 'in place', 'a few files are not worth a worker');
});

t.test('a worker that fails leaves the files to be parsed in place, and says why', async (t) => {
  const dir = t.testdir({ 'crash.mjs': 'throw new Error("no worker today");\n' });
  const files = [{ display: 'cluster.yaml', bytes: Buffer.from(cluster()) }, { display: 'broken.yaml', bytes: Buffer.from('kind: [\n') }];
  const result = await analyseFiles(files, validator, { workerMinBytes: 0, workerScript: new URL(`file://${join(dir, 'crash.mjs')}`) });
  t.equal(result.where, 'in place');
  t.match(result.workerError?.message, /no worker today/);
  t.equal(result.analyses.length, 2);
  t.equal(result.analyses[0].documents.length, 1, 'the valid file is read');
  t.match(result.analyses[1].findings, [{ code: 'YAML_SYNTAX', file: 'broken.yaml' }], 'the broken one is reported');

  const dir2 = t.testdir({ 'cluster.yaml': cluster() });
  const failures: Error[] = [];
  const loaded = await loadConfig(dir2, { analyse: { workerMinBytes: 0, workerScript: new URL(`file://${join(dir, 'crash.mjs')}`) }, onWorkerFailed: (err) => failures.push(err) });
  t.ok(loaded.ok, 'the load succeeds without its worker');
  t.equal(failures.length, 1, 'the failure is reported once');
});
