import t from 'tap';
import { readFileSync } from 'node:fs';
import { SPECS_FILE, specTypes, typeOf } from '../../src/tools/spec-types.js';

t.test('the committed spec types are exactly what the CRDs generate (run `npm run schemas` if not)', async (t) => {
  const generated = specTypes();
  t.equal(readFileSync(SPECS_FILE, 'utf8'), generated, 'src/api/specs.ts is current');
  for (const kind of ['Cluster', 'TaskDefinition', 'Service', 'CloudMapNamespace', 'CloudMapService', 'CloudMapInstance']) {
    t.match(generated, new RegExp(`\\nexport type ${kind}Spec = \\{`), `${kind} has a spec type`);
    t.match(generated, new RegExp(`\\n  ${kind}: ${kind}Spec;`), `${kind} is in Specs`);
  }
});

t.test('schema shapes become the TypeScript a reader expects', async (t) => {
  const cases: [string, object, string][] = [
    ['enum', { type: 'string', enum: ['A', "it's"] }, `'A' | 'it\\'s'`],
    ['int-or-string', { anyOf: [{ type: 'integer' }, { type: 'string' }] }, 'number | string'],
    ['list of scalars', { type: 'array', items: { type: 'string' } }, 'string[]'],
    ['map', { type: 'object', additionalProperties: { type: 'string' } }, 'Record<string, string>'],
    ['free-form object', { type: 'object' }, 'Record<string, unknown>'],
    ['list of unions', { type: 'array', items: { enum: ['tcp', 'udp'] } }, `Array<'tcp' | 'udp'>`],
    [
      'object: required and optional fields, documented',
      { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'The name.' }, 'odd-key': { type: 'boolean' } } },
      `{\n  /** The name. */\n  name: string;\n  "odd-key"?: boolean;\n}`,
    ],
  ];
  for (const [name, schema, want] of cases) t.equal(typeOf(schema), want, name);
});
