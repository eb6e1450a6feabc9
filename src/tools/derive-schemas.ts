/**
 * Derives plain JSON Schema files from the CustomResourceDefinitions in crds/.
 *
 * The CRDs are structural Kubernetes schemas, where unknown fields are pruned rather
 * than refused. The derived schemas are strict, like kubeconform -strict: every object
 * that lists its properties refuses any other, and Kubernetes extensions are turned
 * into their JSON Schema meaning. They serve ajv in the loader and editors through a
 * `# yaml-language-server: $schema=` modeline; they are never edited by hand. The CRDs'
 * CEL rules (`x-kubernetes-validations`) are kept as they are, for the loader to run.
 *
 *   npm run schemas        rewrite crds/schemas/ and crds/REFERENCE.md
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CEL_RULES } from '../api/crd.js';
import { KINDS, type Kind } from '../api/kinds.js';
import { MERGE_KEYS } from '../load/patch.js';

export const CRD_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));
export const SCHEMA_DIR = join(CRD_DIR, 'schemas');

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rewrites one node of a structural schema (and its children) into strict JSON Schema. */
export function strictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    // CEL rules stay: the loader evaluates them (see src/load/schema.ts); the other
    // Kubernetes extensions are translated below or have no JSON Schema meaning.
    if (key.startsWith('x-kubernetes-') && key !== CEL_RULES) continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, strictSchema(child)]));
    } else {
      out[key] = strictSchema(value);
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    // Each bound belongs to the branch it can apply to.
    const integer: JsonObject = { type: 'integer' };
    const string: JsonObject = { type: 'string' };
    for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']) moveKey(out, integer, key);
    for (const key of ['pattern', 'minLength', 'maxLength', 'format']) moveKey(out, string, key);
    delete out.type;
    out.anyOf = [integer, string];
  }
  if (node['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (isObject(out.properties) && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function moveKey(from: JsonObject, to: JsonObject, key: string): void {
  if (key in from) {
    to[key] = from[key];
    delete from[key];
  }
}

export interface DerivedSchema {
  kind: string;
  fileName: string;
  content: string;
}

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
}

/** Reads every CRD and returns the derived files (one per kind, plus `all.json`). */
export function deriveSchemas(crdDir = CRD_DIR): DerivedSchema[] {
  const files = readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort();
  const derived: DerivedSchema[] = [];
  for (const file of files) {
    const crd = parse(readFileSync(join(crdDir, file), 'utf8')) as Crd;
    const kind = crd.spec.names.kind;
    const version = crd.spec.versions[0];
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: `${kind} (${crd.spec.group}/${version.name})`,
      ...(strictSchema(version.schema.openAPIV3Schema) as JsonObject),
    };
    derived.push({ kind, fileName: `${kind.toLowerCase()}.json`, content: JSON.stringify(schema, null, 2) + '\n' });
  }
  // One schema for files that mix kinds: the document's `kind` selects the kind's schema.
  // No `$id` anywhere, so editors resolve `./<kind>.json` beside the file itself.
  const all = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Any ecs-gitops.io document',
    type: 'object',
    required: ['kind'],
    properties: { kind: { enum: derived.map((d) => d.kind) } },
    allOf: derived.map((d) => ({
      if: { properties: { kind: { const: d.kind } } },
      then: { $ref: `./${d.fileName}` },
    })),
  };
  derived.push({ kind: '*', fileName: 'all.json', content: JSON.stringify(all, null, 2) + '\n' });
  return derived;
}

// ---------------------------------------------------------------- the resource reference

type SchemaNode = {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
};

function typeOf(node: SchemaNode): string {
  if (node['x-kubernetes-int-or-string']) return 'integer or string';
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object' && !node.properties && typeof node.additionalProperties === 'object') return `map of ${typeOf(node.additionalProperties)}`;
  return node.type ?? 'any';
}

function constraints(node: SchemaNode): string {
  const out: string[] = [];
  if (node.enum) out.push(`one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (node.minimum !== undefined || node.maximum !== undefined) out.push(`${node.minimum ?? '…'}–${node.maximum ?? '…'}`);
  if (node.minLength !== undefined || node.maxLength !== undefined) out.push(`${node.minLength ?? 0}–${node.maxLength ?? '…'} chars`);
  if (node.minItems !== undefined || node.maxItems !== undefined) out.push(`${node.minItems ?? 0}–${node.maxItems ?? '…'} items`);
  if (node.pattern) out.push(`pattern \`${node.pattern}\``);
  return out.join('; ');
}

const cell = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

/** Rows for every field below `node`, depth first; list items are shown as `field[]`. */
function fieldRows(node: SchemaNode, path: string, rows: string[]): void {
  const required = new Set(node.required ?? []);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const field = path ? `${path}.${name}` : name;
    rows.push(`| \`${field}\` | ${typeOf(child)}${required.has(name) ? ' (required)' : ''} | ${cell(child.description)} | ${cell(constraints(child))} |`);
    if (child.properties) fieldRows(child, field, rows);
    if (child.items?.properties) fieldRows(child.items, `${field}[]`, rows);
  }
}

/** The resource reference (crds/REFERENCE.md): every kind and field, from the CRDs. */
export function referenceMarkdown(crdDir = CRD_DIR): string {
  const lines = [
    '# Resource reference',
    '',
    '<!-- Generated from crds/*.yaml by `npm run schemas`; do not edit. -->',
    '',
    'Every document has `apiVersion: ecs-gitops.io/v1alpha1`, `kind`, `metadata` (`name`, optional `labels` and `annotations`) and `spec`. Unknown fields are errors. Rules that span fields are listed under each kind. Kinds appear in the order they are applied.',
    '',
  ];
  const crds = readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((file) => parse(readFileSync(join(crdDir, file), 'utf8')) as Crd)
    .sort((a, b) => KINDS.indexOf(a.spec.names.kind as Kind) - KINDS.indexOf(b.spec.names.kind as Kind));
  for (const crd of crds) {
    const root = crd.spec.versions[0].schema.openAPIV3Schema as SchemaNode;
    const spec = root.properties?.spec ?? {};
    lines.push(`## ${crd.spec.names.kind}`, '', cell(root.description), '');
    if (spec.description) lines.push(cell(spec.description), '');
    lines.push('| field | type | description | constraints |', '| --- | --- | --- | --- |');
    const rows: string[] = [];
    fieldRows(spec, 'spec', rows);
    lines.push(...rows, '');
    const rules: string[] = [];
    const collect = (node: SchemaNode, path: string) => {
      for (const v of node['x-kubernetes-validations'] ?? []) rules.push(`- \`${path || '(document)'}\`: ${v.message ?? v.rule}`);
      for (const [name, child] of Object.entries(node.properties ?? {})) collect(child, path ? `${path}.${name}` : name);
      if (node.items) collect(node.items, `${path}[]`);
    };
    collect(root, '');
    if (rules.length) lines.push('Rules:', '', ...rules, '');
    lines.push(...mergeKeyLines(crd.spec.names.kind as Kind));
  }
  return lines.join('\n');
}

/** How an overlay's strategic-merge patch matches this kind's list items (src/load/patch.ts). */
function mergeKeyLines(kind: Kind): string[] {
  const keys = MERGE_KEYS[kind];
  if (!keys) return [];
  const field = (f: string) => `\`${f}\``;
  return [
    'Merge keys — an overlay\'s strategic-merge patch merges an item of these lists into the item with the same key, appends it when there is none, and removes the item with `$patch: delete`; every other list is replaced whole:',
    '',
    ...Object.entries(keys).map(([path, key]) => {
      const fields = key.fields.map((alternative) => alternative.map(field).join(' + ')).join(', or ');
      const defaults = Object.entries(key.defaults ?? {}).map(([f, v]) => `${field(f)} ${JSON.stringify(v)} when left out`);
      return `- \`${path.replace(/\.\*/g, '[]')}\`: ${fields}${defaults.length ? ` (${defaults.join(', ')})` : ''}`;
    }),
    '',
  ];
}

function main(): void {
  rmSync(SCHEMA_DIR, { recursive: true, force: true });
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const schema of deriveSchemas()) {
    writeFileSync(join(SCHEMA_DIR, schema.fileName), schema.content);
    console.log(`wrote crds/schemas/${schema.fileName}`);
  }
  writeFileSync(join(CRD_DIR, 'REFERENCE.md'), referenceMarkdown());
  console.log('wrote crds/REFERENCE.md');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
