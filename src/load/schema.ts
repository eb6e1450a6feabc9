/**
 * Validates documents against the strict JSON Schemas derived from crds/, and turns
 * ajv's errors into findings a user can act on: the field, what it must be, and what
 * was found there.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Environment } from '@marcbachmann/cel-js';
import { Ajv, type ErrorObject, type FuncKeywordDefinition, type ValidateFunction } from 'ajv';
import { CEL_RULES } from '../api/crd.js';
import { API_VERSION, isKind, type Kind } from '../api/kinds.js';
import { fieldPath, MAX_FINDINGS, type Finding } from './findings.js';
import type { ParsedDocument } from './parse.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../../crds/schemas/', import.meta.url));

type Schema = Record<string, unknown>;

export class SchemaValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(schemaDir = SCHEMA_DIR) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: CEL_RULES, schemaType: 'array', errors: true, compile: compileCelRules });
    for (const file of readdirSync(schemaDir)) {
      if (!file.endsWith('.json') || file === 'all.json') continue;
      const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as Schema;
      const kind = (((schema.properties as Schema).kind as Schema).enum as string[])[0];
      delete schema.$schema;
      this.validators.set(kind, ajv.compile(schema));
    }
  }

  /** Findings for one document; an empty list means it is a valid `kind`. */
  check(doc: ParsedDocument): Finding[] {
    const at = (path: (string | number)[], key?: string) => doc.position(path, key);
    const finding = (code: Finding['code'], path: (string | number)[], message: string, key?: string): Finding => ({
      code,
      severity: 'error',
      file: doc.file,
      ...at(path, key),
      field: fieldPath(key === undefined ? path : [...path, key]) || undefined,
      message,
    });
    const value = doc.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [finding('NOT_A_MAPPING', [], `document must be a mapping with apiVersion, kind, metadata and spec; found ${describeValue(value)}`)];
    }
    const { apiVersion, kind } = value as Record<string, unknown>;
    if (kind === undefined) return [finding('MISSING_KIND', [], `document has no kind; add one of: ${this.kinds().join(', ')}`)];
    if (!isKind(kind) || !this.validators.has(kind)) {
      return [finding('UNKNOWN_KIND', ['kind'], `unknown kind ${JSON.stringify(kind)}; expected one of: ${this.kinds().join(', ')}`)];
    }
    if (apiVersion !== API_VERSION) {
      const found = apiVersion === undefined ? 'none' : JSON.stringify(apiVersion);
      return [finding('UNKNOWN_API_VERSION', ['apiVersion'], `apiVersion must be ${API_VERSION}; found ${found}`)];
    }
    const validate = this.validators.get(kind)!;
    if (validate(value)) return [];
    // Cut before placing each in the file, which is what makes a hundred thousand slow;
    // with the one counting the rest, a document stays within MAX_FINDINGS.
    const explained = explain(validate.errors ?? []);
    if (explained.length <= MAX_FINDINGS) return explained.map(({ code, path, key, message }) => finding(code, path, message, key));
    const listed = explained.slice(0, MAX_FINDINGS - 1).map(({ code, path, key, message }) => finding(code, path, message, key));
    listed.push(finding('TOO_MANY_PROBLEMS', [], `and ${explained.length - listed.length} more problems in this document; fix the ones listed and validate again`));
    return listed;
  }

  kinds(): Kind[] {
    return [...this.validators.keys()].filter(isKind);
  }
}

interface CelRule {
  rule: string;
  message?: string;
}

/**
 * The CRDs' cross-field rules are CEL expressions over `self`, as the Kubernetes API
 * server runs them; each is parsed once and evaluated against the field's value. The
 * environment adds the Kubernetes extension functions the rules use.
 */
const cel = new Environment({ unlistedVariablesAreDyn: true }).registerFunction('list.sum(): dyn', (list: unknown[]) =>
  list.reduce<number | bigint>((a, b) => (typeof b === 'bigint' ? BigInt(a) + b : Number(a) + Number(b)), 0),
);

type DataValidateFunction = ReturnType<NonNullable<FuncKeywordDefinition['compile']>>;

function compileCelRules(rules: CelRule[]): DataValidateFunction {
  const compiled = rules.map((r) => ({ ...r, evaluate: cel.parse(r.rule) }));
  const validate: DataValidateFunction = (data: unknown) => {
    const errors: Partial<ErrorObject>[] = [];
    for (const r of compiled) {
      let message: string | undefined;
      try {
        if (r.evaluate({ self: data }) !== true) message = r.message ?? `must satisfy ${r.rule}`;
      } catch (err) {
        // A rule that cannot run is a defect in the CRD, not in the user's file; say so.
        message = `validation rule could not be evaluated (${(err as Error).message}): ${r.rule}`;
      }
      if (message) errors.push({ keyword: CEL_RULES, message, params: { rule: r.rule } });
    }
    validate.errors = errors as ErrorObject[];
    return errors.length === 0;
  };
  return validate;
}

export interface Explained {
  code: Finding['code'];
  path: (string | number)[];
  key?: string;
  message: string;
}

/**
 * One message per field. ajv reports several errors for one bad value (the type, the
 * bound, each branch of an anyOf); the outermost schema at that field says best what
 * the value should have been.
 */
export function explain(errors: ErrorObject[]): Explained[] {
  const out: Explained[] = [];
  const byField = new Map<string, ErrorObject[]>();
  // A rule over a field that is itself malformed says nothing new; report the shape first.
  const shapeErrors = errors.filter((e) => e.keyword !== CEL_RULES);
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    if (e.keyword === CEL_RULES) {
      if (shapeErrors.some((o) => o.instancePath === e.instancePath || o.instancePath.startsWith(e.instancePath + '/'))) continue;
      out.push({ code: 'INVALID_COMBINATION', path, message: e.message ?? 'breaks a validation rule' });
    } else if (e.keyword === 'additionalProperties') {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as Schema | undefined)?.properties ?? {});
      const hint = closest(name, allowed);
      out.push({ code: 'UNKNOWN_FIELD', path, key: name, message: `unknown field${hint ? `; did you mean "${hint}"?` : ''}` });
    } else if (e.keyword === 'required') {
      const name = (e.params as { missingProperty: string }).missingProperty;
      out.push({ code: 'MISSING_FIELD', path: [...path, name], message: 'required field is missing' });
    } else {
      const list = byField.get(e.instancePath) ?? [];
      list.push(e);
      byField.set(e.instancePath, list);
    }
  }
  for (const [pointer, list] of byField) {
    const outer = list.reduce((a, b) => (b.schemaPath.length < a.schemaPath.length ? b : a));
    const expected = describeSchema(outer.parentSchema as Schema);
    out.push({
      code: 'SCHEMA',
      path: pointerToPath(pointer),
      message: `must be ${expected}; found ${describeValue(outer.data)}`,
    });
  }
  return out;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** "integer >= 0", "one of FARGATE, EC2", "string of at most 255 characters matching ^…$" */
export function describeSchema(schema: Schema | undefined): string {
  if (!schema) return 'valid';
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => String(v)).join(', ')}`;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map(describeSchema).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : String(schema.type ?? 'valid');
  const parts = [type];
  const range = (min: unknown, max: unknown, unit: string) => {
    if (min !== undefined && max !== undefined) parts.push(`of ${min} to ${max}${unit}`);
    else if (min !== undefined) parts.push(`of at least ${min}${unit}`);
    else if (max !== undefined) parts.push(`of at most ${max}${unit}`);
  };
  if (type === 'integer' || type === 'number') {
    if (schema.minimum !== undefined && schema.maximum !== undefined) parts.push(`from ${schema.minimum} to ${schema.maximum}`);
    else if (schema.minimum !== undefined) parts.push(`>= ${schema.minimum}`);
    else if (schema.maximum !== undefined) parts.push(`<= ${schema.maximum}`);
  }
  if (type === 'string') {
    range(schema.minLength, schema.maxLength, ' characters');
    if (schema.pattern) parts.push(`matching ${schema.pattern}`);
  }
  if (type === 'array') range(schema.minItems, schema.maxItems, ' items');
  if (type === 'object' && (schema.minProperties !== undefined || schema.maxProperties !== undefined)) {
    range(schema.minProperties, schema.maxProperties, ' entries');
  }
  return parts.join(' ');
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return `${typeof value === 'string' ? 'string' : typeof value} ${text.length > 60 ? text.slice(0, 57) + '...' : text}`;
}

/** The allowed name nearest to a misspelt one, if it is near enough to be a typo. */
function closest(name: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const candidate of allowed) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
