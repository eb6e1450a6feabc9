import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_DIR, deriveSchemas, referenceMarkdown, strictSchema, SCHEMA_DIR } from '../../src/tools/derive-schemas.js';

t.test('the committed JSON Schemas are exactly what the CRDs derive (run `npm run schemas` if not)', async (t) => {
  const derived = deriveSchemas();
  t.same(readdirSync(SCHEMA_DIR).sort(), derived.map((d) => d.fileName).sort(), 'one file per kind plus all.json');
  for (const d of derived) {
    t.equal(readFileSync(join(SCHEMA_DIR, d.fileName), 'utf8'), d.content, `crds/schemas/${d.fileName} is current`);
  }
  t.same(derived.filter((d) => d.kind !== '*').map((d) => d.kind).sort(),
    ['CloudMapInstance', 'CloudMapNamespace', 'CloudMapService', 'Cluster', 'Service', 'TaskDefinition']);
});

t.test('derivation makes unknown fields errors, int-or-string and sets explicit, and keeps CEL rules', async (t) => {
  const out = strictSchema({
    type: 'object',
    'x-kubernetes-validations': [{ rule: 'true' }],
    properties: {
      cpu: { 'x-kubernetes-int-or-string': true, description: 'CPU units' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      nested: { type: 'object', properties: { a: { type: 'string' } } },
      subnets: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    },
  });
  t.same(out, {
    type: 'object',
    'x-kubernetes-validations': [{ rule: 'true' }],
    additionalProperties: false,
    properties: {
      cpu: { description: 'CPU units', anyOf: [{ type: 'integer' }, { type: 'string' }] },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      nested: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
      subnets: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    },
  });
});

t.test('the resource reference is generated from the CRDs and current (run `npm run schemas` if not)', async (t) => {
  const reference = referenceMarkdown();
  t.equal(readFileSync(join(CRD_DIR, 'REFERENCE.md'), 'utf8'), reference);
  for (const kind of ['Cluster', 'TaskDefinition', 'Service', 'CloudMapNamespace', 'CloudMapService', 'CloudMapInstance']) t.match(reference, `\n## ${kind}\n`);
  t.match(reference, /\| `spec\.desiredCount` \| integer \|/);
  t.match(reference, /\| `spec\.containerDefinitions\[\]\.image` \| string \(required\) \|/);
});
