// The loader never throws on large or odd input (issue 12, item 4): a document or file
// that yields a hundred thousand problems is refused with a bounded list (so neither
// `validate`'s output nor the daemon's status grows with it), and a failure inside the
// loader is a finding naming the file, so `validate` prints findings, never a stack.
import t from 'tap';
import { loadConfig } from '../../src/load/index.js';
import { SchemaValidator } from '../../src/load/schema.js';
import type { ParsedDocument } from '../../src/load/parse.js';
import { main } from '../../src/cli.js';
import { cluster } from './docs.js';

/** A TaskDefinition whose containerDefinitions is a flow list of `items` numbers: one schema error per item. */
const hugeList = (items: number) =>
  `apiVersion: ecs-gitops.io/v1alpha1\nkind: TaskDefinition\nmetadata:\n  name: web\nspec:\n  containerDefinitions: [${Array(items).fill('1').join(',')}]\n`;

t.test('a list of 150,000 bad items is refused with a bounded list of findings, not a RangeError', async (t) => {
  const dir = t.testdir({ 'huge.yaml': hugeList(150_000), 'c.yaml': cluster() });
  const result = await loadConfig(dir);
  t.equal(result.ok, false);
  if (result.ok) return;
  t.ok(result.errors.length <= 100, `${result.errors.length} findings, not one per item`);
  t.match(result.errors.find((e) => e.code === 'TOO_MANY_PROBLEMS'), { file: `${dir}/huge.yaml`, line: 1, message: /and \d+ more problems in this document/ });
  t.match(result.errors.find((e) => e.code === 'SCHEMA'), { file: `${dir}/huge.yaml`, line: 6, field: /^spec\.containerDefinitions/ });
});

t.test('validate on that file prints findings and exits 1, with no stack trace', async (t) => {
  const dir = t.testdir({ 'huge.yaml': hugeList(150_000) });
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['validate', dir], { out: (l) => out.push(l), err: (l) => err.push(l), color: false });
  t.equal(code, 1);
  t.same(err, [], 'nothing on stderr');
  t.match(out.join('\n'), /huge\.yaml:1:1 and \d+ more problems in this document/);
  t.notMatch(out.join('\n'), /RangeError|\n\s+at /);
});

t.test('a file of 50,000 bad documents lists 100 errors and counts the rest; 50,000 empty ones stay valid', async (t) => {
  const dir = t.testdir({ 'many.yaml': '---\nkind: Clutser\n'.repeat(50_000), 'empty.yaml': '---\n# nothing\n'.repeat(50_000), 'c.yaml': cluster() });
  const result = await loadConfig(dir);
  if (result.ok) return t.fail('the unknown kinds are errors');
  t.equal(result.errors.length, 101, 'errors: 100 listed and one counting the rest');
  t.match(result.errors.at(-1), { code: 'TOO_MANY_PROBLEMS', severity: 'error', file: `${dir}/many.yaml`, line: 202, message: 'and 49900 more errors in this file from here on' });
  t.equal(result.warnings.length, 101, 'warnings likewise');
  t.match(result.warnings.at(-1), { code: 'TOO_MANY_PROBLEMS', severity: 'warning', file: `${dir}/empty.yaml` });

  const empty = await loadConfig(t.testdir({ 'empty.yaml': '---\n# nothing\n'.repeat(50_000), 'c.yaml': cluster() }));
  t.equal(empty.ok, true, 'warnings alone, however many, do not refuse a revision');
});

/** The real validator, failing on one file the way a defect in it would. */
class FailingOn extends SchemaValidator {
  constructor(private readonly file: RegExp) {
    super();
  }

  override check(doc: ParsedDocument) {
    if (this.file.test(doc.file)) throw new TypeError("Cannot read properties of undefined (reading 'items')");
    return super.check(doc);
  }
}

t.test('a failure inside the loader is a finding naming the file; the other files are still checked', async (t) => {
  const dir = t.testdir({ 'a.yaml': cluster('a'), 'b.yaml': cluster('b'), 'c.yaml': cluster('c').replace('enabled', 'sometimes') });
  const result = await loadConfig(dir, { validator: new FailingOn(/b\.yaml$/) });
  t.equal(result.ok, false, 'the revision is refused');
  if (result.ok) return;
  t.match(result.errors, [
    { code: 'LOADER_FAILED', severity: 'error', file: `${dir}/b.yaml`, line: 1, column: 1, message: /the loader failed on this file \(TypeError: Cannot read properties/ },
    { code: 'SCHEMA', file: `${dir}/c.yaml`, line: 8 },
  ]);
});
