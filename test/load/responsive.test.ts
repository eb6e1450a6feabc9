// Large loads leave the event loop free for /livez (issue 13, finding 8): thousands of
// files give it a turn every few dozen files, and pathological nesting is refused by a
// linear scan before the recursive parser spends seconds on it.
import t from 'tap';
import { loadConfig } from '../../src/load/index.js';
import { turnsDuring } from '../helpers/turns.js';
import { MAX_FLOW_DEPTH, parseYamlFile } from '../../src/load/parse.js';

t.test('loading 2,000 invalid files gives the event loop a turn again and again', async (t) => {
  const files = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f${i}.yaml`, `apiVersion: ecs-gitops.io/v1alpha1\nkind: Clutser\nmetadata:\n  name: c${i}\n`]));
  const dir = t.testdir({ many: files });
  const { result, turns } = await turnsDuring(() => loadConfig(`${dir}/many`));
  t.equal(result.ok ? 0 : result.errors.length, 2000, 'every file is reported');
  t.ok(turns >= 20, `the event loop had ${turns} turns during the load`);
});

t.test('100,000 nested brackets are refused with the line, without recursing', async (t) => {
  const text = `apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nspec: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
  const { documents, findings } = parseYamlFile('deep.yaml', Buffer.from(text));
  t.same(documents, []);
  t.match(findings, [{ code: 'YAML_SYNTAX', line: 3, column: 7 + MAX_FLOW_DEPTH, message: new RegExp(`nested deeper than ${MAX_FLOW_DEPTH} levels`) }]);
});

t.test('brackets in quotes and comments do not count; ordinary flow collections pass', async (t) => {
  const text = `apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata: {name: a, labels: {x: "${'['.repeat(500)}"}}\n# ${'{'.repeat(500)}\nspec: {tags: {a: '${'['.repeat(500)}'}}\n`;
  const { documents, findings } = parseYamlFile('ok.yaml', Buffer.from(text));
  t.same(findings, []);
  t.equal(documents.length, 1);
});
