/**
 * Field-level differences between two normalised objects, in the spec's vocabulary, and
 * the YAML rendering users review.
 */
import { stringify } from 'yaml';
import { createTwoFilesPatch } from 'diff';

export interface FieldChange {
  /** `spec.containerDefinitions[0].image` */
  path: string;
  from?: unknown;
  to?: unknown;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Leaf changes from `live` to `desired`; lists of equal length compare element-wise. */
export function diffObjects(desired: unknown, live: unknown, path = 'spec'): FieldChange[] {
  if (same(desired, live)) return [];
  if (isObject(desired) && isObject(live)) {
    const keys = [...new Set([...Object.keys(live), ...Object.keys(desired)])].sort();
    return keys.flatMap((k) => diffObjects(desired[k], live[k], `${path}.${k}`));
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    return desired.flatMap((d, i) => diffObjects(d, live[i], `${path}[${i}]`));
  }
  const change: FieldChange = { path };
  if (live !== undefined) change.from = live;
  if (desired !== undefined) change.to = desired;
  return [change];
}

/**
 * Removes the fields named by JSON pointers (`/spec/desiredCount`,
 * `/spec/containerDefinitions/0/image`) from a spec-level object, for fields someone
 * else owns. Pointers outside `/spec` are ignored.
 */
export function withoutPointers<T extends Obj>(spec: T, pointers: readonly string[]): T {
  if (pointers.length === 0) return spec;
  const copy = structuredClone(spec);
  for (const pointer of pointers) {
    const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts[0] !== 'spec' || parts.length < 2) continue;
    let node: unknown = copy;
    for (const part of parts.slice(1, -1)) node = (node as Obj | undefined)?.[part];
    const last = parts[parts.length - 1];
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else if (isObject(node)) delete node[last];
  }
  return copy;
}

/** A unified diff of the two objects as YAML, labelled live and desired. */
export function yamlDiff(label: string, desired: unknown, live: unknown): string {
  const render = (v: unknown) => (v === undefined ? '' : stringify(v, { sortMapEntries: true, lineWidth: 0 }));
  const patch = createTwoFilesPatch(`${label} (live)`, `${label} (desired)`, render(live), render(desired), undefined, undefined, { context: 3 });
  // Drop the "Index:" and "====" preamble; keep ---/+++ and the hunks.
  return patch.split('\n').filter((l) => !l.startsWith('Index:') && !/^=+$/.test(l)).join('\n').trimEnd();
}
