/**
 * Generates src/api/specs.ts, the TypeScript type of each kind's `spec`, from the CRDs in
 * crds/ (through the strict schemas derived from them, so the types refuse what the
 * loader refuses). The CRDs stay the one source of truth; the generated file is checked
 * in and a test fails when it is stale.
 *
 *   npm run schemas        rewrite crds/schemas/, crds/REFERENCE.md and src/api/specs.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_DIR, deriveSchemas } from './derive-schemas.js';

export const SPECS_FILE = fileURLToPath(new URL('../../src/api/specs.ts', import.meta.url));

interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  enum?: unknown[];
  anyOf?: SchemaNode[];
}

const INDENT = '  ';

/** A doc comment for a field, on one line; `*\/` cannot end it early. */
function docComment(description: string | undefined, indent: string): string[] {
  if (!description) return [];
  return [`${indent}/** ${description.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/')} */`];
}

const literal = (value: unknown) => (typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(value));

/** The TypeScript type of one schema node; nested objects are written inline. */
export function typeOf(node: SchemaNode, indent = ''): string {
  if (node.enum) return node.enum.map(literal).join(' | ');
  if (node.anyOf) return node.anyOf.map((n) => typeOf(n, indent)).join(' | ');
  switch (node.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const item = node.items ? typeOf(node.items, indent) : 'unknown';
      return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'object':
      return objectType(node, indent);
    default:
      return 'unknown';
  }
}

function objectType(node: SchemaNode, indent: string): string {
  if (!node.properties) {
    const values = typeof node.additionalProperties === 'object' ? typeOf(node.additionalProperties, indent) : 'unknown';
    return `Record<string, ${values}>`;
  }
  const required = new Set(node.required ?? []);
  const inner = indent + INDENT;
  const lines = ['{'];
  for (const [name, child] of Object.entries(node.properties)) {
    lines.push(...docComment(child.description, inner));
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
    lines.push(`${inner}${key}${required.has(name) ? '' : '?'}: ${typeOf(child, inner)};`);
  }
  lines.push(`${indent}}`);
  return lines.join('\n');
}

/** The content of src/api/specs.ts for the CRDs in `crdDir`. */
export function specTypes(crdDir = CRD_DIR): string {
  const kinds: string[] = [];
  const out = [
    '/**',
    ' * The `spec` of each kind, as TypeScript types. Generated from crds/*.yaml by',
    ' * `npm run schemas` (src/tools/spec-types.ts); do not edit.',
    ' */',
    '',
  ];
  for (const derived of deriveSchemas(crdDir)) {
    if (derived.kind === '*') continue;
    const root = JSON.parse(derived.content) as SchemaNode;
    const spec = root.properties?.spec ?? {};
    kinds.push(derived.kind);
    out.push(...docComment(spec.description, ''), `export type ${derived.kind}Spec = ${typeOf(spec)};`, '');
  }
  out.push('/** Every kind\'s spec type, by kind. */', 'export interface Specs {', ...kinds.map((k) => `${INDENT}${k}: ${k}Spec;`), '}', '');
  return out.join('\n');
}

function main(): void {
  writeFileSync(SPECS_FILE, specTypes());
  console.log('wrote src/api/specs.ts');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
