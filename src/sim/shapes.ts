// Request members of the wrong JSON type (a number where AWS expects a string, a string
// where it expects a list …) are refused before any handler runs, as AWS's front end does
// with a 400 SerializationException. The member types come from the API model the SDK
// ships (its operation schemas), so every operation of both services is covered without
// a second copy of the shapes here.
import * as ecsModel from '@aws-sdk/client-ecs';
import * as cloudMapModel from '@aws-sdk/client-servicediscovery';
import * as taggingModel from '@aws-sdk/client-resource-groups-tagging-api';
import type { Service } from './errors.js';

type Ref = unknown;

// Smithy schema encodings: simple types are numbers (0 string, 1 number, 2 boolean, 4–7
// timestamps, 15 document, 17/19 big numbers, 21 blob; | 64 a list of, | 128 a map of);
// composite ones are arrays whose first element says the kind (0 a simple type with
// traits, 1 list, 2 map, 3 structure, 4 union); a member is a ref or [ref, traits].
function deref(ref: Ref): unknown {
  let s = ref;
  for (;;) {
    if (typeof s === 'function') s = (s as () => unknown)();
    else if (Array.isArray(s) && s.length === 2) s = s[0];
    else return s;
  }
}

const describe = (v: unknown): string => (Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

function checkSimple(kind: number, value: unknown, path: string): string | undefined {
  if (kind & 64) {
    if (!Array.isArray(value)) return `${path} must be a list, found ${describe(value)}.`;
    for (let i = 0; i < value.length; i++) {
      const p = checkSimple(kind & ~64, value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (kind & 128) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path} must be a map, found ${describe(value)}.`;
    for (const [k, v] of Object.entries(value)) {
      const p = checkSimple(kind & ~128, v, `${path}.${k}`);
      if (p) return p;
    }
    return undefined;
  }
  switch (kind) {
    case 0:
    case 21:
      return typeof value === 'string' ? undefined : `${path} must be a string, found ${describe(value)}.`;
    case 1:
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${path} must be a number, found ${describe(value)}.`;
    case 2:
      return typeof value === 'boolean' ? undefined : `${path} must be a boolean, found ${describe(value)}.`;
    case 4: case 5: case 6: case 7: case 17: case 19:
      return typeof value === 'number' || typeof value === 'string' ? undefined : `${path} must be a number, found ${describe(value)}.`;
    default:
      return undefined;
  }
}

function check(ref: Ref, value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = deref(ref);
  if (typeof s === 'number') return checkSimple(s, value, path);
  if (!Array.isArray(s)) return undefined;
  switch (s[0]) {
    case 0:
      return check(s[4], value, path);
    case 1: {
      if (!Array.isArray(value)) return `${path} must be a list, found ${describe(value)}.`;
      for (let i = 0; i < value.length; i++) {
        const p = check(s[4], value[i], `${path}[${i}]`);
        if (p) return p;
      }
      return undefined;
    }
    case 2: {
      if (typeof value !== 'object' || Array.isArray(value)) return `${path} must be a map, found ${describe(value)}.`;
      for (const [k, v] of Object.entries(value as object)) {
        const p = check(s[5], v, `${path}.${k}`);
        if (p) return p;
      }
      return undefined;
    }
    case 3:
    case 4:
      return checkStructure(s, value, path);
    default:
      return undefined;
  }
}

function checkStructure(s: unknown[], value: unknown, path: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path || 'The request'} must be an object, found ${describe(value)}.`;
  const names = s[4] as string[];
  const members = s[5] as Ref[];
  for (const [key, v] of Object.entries(value)) {
    const i = names.indexOf(key);
    if (i < 0) continue; // AWS ignores members it does not know
    const p = check(members[i], v, path ? `${path}.${key}` : key);
    if (p) return p;
  }
  return undefined;
}

const MODELS: Record<Service, Record<string, unknown>> = {
  ecs: ecsModel as unknown as Record<string, unknown>,
  cloudmap: cloudMapModel as unknown as Record<string, unknown>,
  tagging: taggingModel as unknown as Record<string, unknown>,
};

/** Why `input` does not fit the operation's request shape, or undefined when it does. */
export function typeProblem(service: Service, operation: string, input: object): string | undefined {
  const op = MODELS[service][`${operation}$`];
  if (!Array.isArray(op) || op[0] !== 9) return undefined;
  const shape = deref(op[4]);
  return Array.isArray(shape) ? checkStructure(shape, input, '') : undefined;
}
