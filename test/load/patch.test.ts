// Strategic merge and JSON Patch over this controller's kinds: every keyed list merges
// item by item by its natural key, `$patch: delete` removes an item, other lists are
// replaced, and a failing JSON patch applies nothing.
import t from 'tap';
import { MERGE_KEYS, jsonPatch, strategicMerge } from '../../src/load/patch.js';
import type { Kind } from '../../src/api/kinds.js';

type Json = Record<string, unknown>;

/** `{spec: {containerDefinitions: [{name: 'app', environment: list}]}}` for `spec.containerDefinitions.*.environment`. */
function nest(path: string[], list: unknown[], kind: Kind = 'TaskDefinition'): Json {
  const build = (rest: string[], done: string[]): unknown => {
    if (rest.length === 0) return list;
    const [head, next, ...tail] = rest;
    if (next === '*') {
      // The parent list item of a nested keyed list is found by its own key (containerDefinitions by name, services by portName).
      const parentKey = MERGE_KEYS[kind]?.[[...done, head].join('.')]?.fields[0] ?? ['name'];
      return { [head]: [{ ...Object.fromEntries(parentKey.map((f) => [f, 'app'])), ...(build(tail, [...done, head, '*']) as Json) }] };
    }
    return { [head]: build([next, ...tail].filter((p) => p !== undefined), [...done, head]) };
  };
  return build(path, []) as Json;
}

function listAt(doc: Json, path: string[]): Json[] {
  let node: unknown = doc;
  for (const part of path) node = part === '*' ? (node as unknown[])[0] : (node as Json)[part];
  return node as Json[];
}

t.test('every keyed list merges by its natural key: a matching item is merged, a new one appended, $patch: delete removes one', async (t) => {
  for (const [kind, lists] of Object.entries(MERGE_KEYS) as [Kind, Record<string, { fields: string[][] }>][]) {
    for (const [dotted, key] of Object.entries(lists)) {
      const path = dotted.split('.');
      const fields = key.fields[0];
      const item = (tag: string, extra: Json = {}) => ({ ...Object.fromEntries(fields.map((f) => [f, `${f}-${tag}`])), ...extra });
      const target = nest(path, [item('a', { note: 'kept' }), item('b', { note: 'old' }), item('c')], kind);
      const patch = nest(path, [item('b', { note: 'new' }), item('d'), { ...item('c'), $patch: 'delete' }], kind);
      const merged = strategicMerge(kind, target, patch);
      t.same(merged.problems, [], `${kind} ${dotted}: no problem`);
      t.same(listAt(merged.value!, path), [item('a', { note: 'kept' }), item('b', { note: 'new' }), item('d')], `${kind} ${dotted} merges by ${fields.join('+')}`);
      t.same(listAt(target, path).length, 3, `${kind} ${dotted}: the target itself is unchanged`);
    }
  }
});

t.test('portMappings match by containerPort and protocol (tcp when left out), or by name', async (t) => {
  const target = { spec: { containerDefinitions: [{ name: 'web', portMappings: [{ containerPort: 80, protocol: 'tcp', hostPort: 80 }, { containerPort: 9000, name: 'admin' }] }] } };
  const patch = { spec: { containerDefinitions: [{ name: 'web', portMappings: [{ containerPort: 80, appProtocol: 'http' }, { containerPort: 80, protocol: 'udp' }, { name: 'admin', containerPort: 9001 }] }] } };
  const { value, problems } = strategicMerge('TaskDefinition', target, patch);
  t.same(problems, []);
  t.same((value!.spec as Json).containerDefinitions, [
    {
      name: 'web',
      portMappings: [
        { containerPort: 80, protocol: 'tcp', hostPort: 80, appProtocol: 'http' },
        { containerPort: 9001, name: 'admin' },
        { containerPort: 80, protocol: 'udp' },
      ],
    },
  ]);
});

t.test('lists without a natural key are replaced; null removes a field; $patch: replace replaces a mapping', async (t) => {
  const target = { spec: { networkConfiguration: { awsvpcConfiguration: { subnets: ['a', 'b'], assignPublicIp: 'ENABLED' } }, deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 } } };
  const patch = { spec: { networkConfiguration: { awsvpcConfiguration: { subnets: ['c'], assignPublicIp: null } }, deploymentConfiguration: { $patch: 'replace', maximumPercent: 150 } } };
  const { value, problems } = strategicMerge('Service', target, patch);
  t.same(problems, []);
  t.same(value, { spec: { networkConfiguration: { awsvpcConfiguration: { subnets: ['c'] } }, deploymentConfiguration: { maximumPercent: 150 } } });
});

t.test('a list item without its key, a delete of a missing item and an unknown directive are problems, and nothing is returned', async (t) => {
  const target = { spec: { containerDefinitions: [{ name: 'web', environment: [{ name: 'A', value: '1' }] }] } };
  const noKey = strategicMerge('TaskDefinition', target, { spec: { containerDefinitions: [{ image: 'x' }] } });
  t.match(noKey.problems, [{ message: /needs name to say which item it patches/ }]);
  t.notOk(noKey.value);
  const missing = strategicMerge('TaskDefinition', target, { spec: { containerDefinitions: [{ name: 'web', environment: [{ name: 'B', $patch: 'delete' }] }] } });
  t.match(missing.problems, [{ message: /has no item with name "B"/ }]);
  const directive = strategicMerge('TaskDefinition', target, { spec: { $setElementOrder: [] } });
  t.match(directive.problems, [{ message: /\$setElementOrder is not supported/ }]);
});

t.test('$patch: delete at the root removes the document', async (t) => {
  t.same(strategicMerge('Service', { spec: {} }, { $patch: 'delete' }), { delete: true, problems: [] });
});

t.test('JSON patch: add, replace, remove (and append with -)', async (t) => {
  const target = { spec: { desiredCount: 1, launchType: 'FARGATE', loadBalancers: [{ containerName: 'web', containerPort: 80 }] } };
  const { value, problems } = jsonPatch(target, [
    { op: 'replace', path: '/spec/desiredCount', value: 3 },
    { op: 'add', path: '/spec/enableExecuteCommand', value: true },
    { op: 'add', path: '/spec/loadBalancers/-', value: { containerName: 'web', containerPort: 443 } },
    { op: 'remove', path: '/spec/launchType' },
  ]);
  t.same(problems, []);
  t.same(value, { spec: { desiredCount: 3, enableExecuteCommand: true, loadBalancers: [{ containerName: 'web', containerPort: 80 }, { containerName: 'web', containerPort: 443 }] } });
  t.equal(target.spec.desiredCount, 1, 'the target is unchanged');
});

t.test('JSON patch: one failing operation applies none, and names the operation', async (t) => {
  const target = { spec: { desiredCount: 1 } };
  const result = jsonPatch(target, [
    { op: 'replace', path: '/spec/desiredCount', value: 5 },
    { op: 'remove', path: '/spec/launchType' },
  ]);
  t.notOk(result.value);
  t.match(result.problems, [{ path: [1, 'path'], message: '/spec/launchType does not exist in the target; nothing to remove' }]);
  t.match(jsonPatch(target, [{ op: 'replace', path: '/spec/launchType', value: 'EC2' }]).problems, [{ message: /use add/ }]);
  t.match(jsonPatch(target, [{ op: 'frobnicate', path: '/spec' }]).problems, [{ message: /op must be one of add, remove, replace, move, copy, test/ }]);
});

t.test('every list of mappings in the schemas has a merge key, or is one that has no natural key', async (t) => {
  const { readFileSync, readdirSync } = await import('node:fs');
  // A PAUSE lifecycle hook has no target ARN: two hooks may differ only in their stages, so the list is replaced whole.
  const noNaturalKey = new Set(['Service spec.placementConstraints', 'TaskDefinition spec.placementConstraints', 'Service spec.deploymentConfiguration.lifecycleHooks']);
  const lists: string[] = [];
  for (const file of readdirSync('crds/schemas').filter((f) => f.endsWith('.json') && f !== 'all.json')) {
    const schema = JSON.parse(readFileSync(`crds/schemas/${file}`, 'utf8')) as Json;
    const kind = ((schema.properties as Json).kind as { const?: string; enum?: string[] }).const ?? ((schema.properties as Json).kind as { enum: string[] }).enum[0];
    const walk = (node: Json | undefined, path: string[]) => {
      if (!node || typeof node !== 'object') return;
      if (node.type === 'array') {
        const items = node.items as Json | undefined;
        if (items?.type === 'object') lists.push(`${kind} ${path.join('.')}`);
        walk(items, [...path, '*']);
        return;
      }
      for (const [k, v] of Object.entries((node.properties as Record<string, Json> | undefined) ?? {})) walk(v, [...path, k]);
      for (const alt of [...((node.anyOf as Json[]) ?? []), ...((node.oneOf as Json[]) ?? []), ...((node.allOf as Json[]) ?? [])]) walk(alt, path);
    };
    walk(schema, []);
  }
  t.ok(lists.length > 20, `${lists.length} lists of mappings`);
  for (const list of new Set(lists)) {
    const [kind, path] = list.split(' ');
    t.ok(MERGE_KEYS[kind as Kind]?.[path] !== undefined || noNaturalKey.has(list), list);
  }
});
