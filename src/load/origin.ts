/**
 * Where each part of a rendered document came from. An overlay's document is a base's
 * document with patches laid over it; an error in it must point at the file and line that
 * contributed the bad value — the base, or the patch. Every mapping and list remembers the
 * file, document and path it was written at; a value a patch set on a mapping it did not
 * write is remembered per key.
 */
import type { Locator } from './parse.js';

export interface Origin {
  file: string;
  locate: Locator;
  /** Path of the node inside its own document. */
  path: readonly (string | number)[];
}

type Key = string | number;

/**
 * Where a node was written: its own path, or (cheaper, for the thousands of nodes of a
 * parsed file) its parent's record and its key there, the path worked out when asked.
 */
interface NodeRecord {
  file: string;
  locate: Locator;
  path?: readonly Key[];
  parent?: NodeRecord;
  key?: Key;
}

const nodeOrigins = new WeakMap<object, NodeRecord>();
const keyOrigins = new WeakMap<object, Map<Key, Origin>>();

const isNode = (v: unknown): v is Record<Key, unknown> => typeof v === 'object' && v !== null;

function originFrom(record: NodeRecord): Origin {
  if (record.path) return record as Origin;
  const keys: Key[] = [];
  let at = record;
  while (!at.path) {
    keys.push(at.key!);
    at = at.parent!;
  }
  return { file: record.file, locate: record.locate, path: [...at.path, ...keys.reverse()] };
}

/** Records `origin` for `value` and every mapping and list inside it, each at its own path. */
export function annotate(value: unknown, origin: Origin): void {
  if (!isNode(value)) return;
  const root: NodeRecord = { file: origin.file, locate: origin.locate, path: origin.path };
  const stack: { node: Record<Key, unknown>; record: NodeRecord }[] = [{ node: value, record: root }];
  while (stack.length > 0) {
    const { node, record } = stack.pop()!;
    nodeOrigins.set(node, record);
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        if (isNode(v)) stack.push({ node: v, record: { file: record.file, locate: record.locate, parent: record, key: i } });
      });
    } else {
      for (const k in node) {
        const v = node[k];
        if (isNode(v)) stack.push({ node: v, record: { file: record.file, locate: record.locate, parent: record, key: k } });
      }
    }
  }
}

export function originOf(node: object): Origin | undefined {
  const record = nodeOrigins.get(node);
  return record && originFrom(record);
}

/** Where `container[key]` was written, when that was not where `container` was. */
export function setKeyOrigin(container: object, key: Key, origin: Origin | undefined): void {
  if (!origin) return;
  let keys = keyOrigins.get(container);
  if (!keys) keyOrigins.set(container, (keys = new Map()));
  keys.set(key, origin);
}

/** The origin of the value at `container[key]`, for a value copied from there. */
export function originAt(container: object, key: Key): Origin | undefined {
  const own = keyOrigins.get(container)?.get(key);
  if (own) return own;
  const parent = originOf(container);
  return parent && { ...parent, path: [...parent.path, key] };
}

/** A deep copy that keeps every origin: a base rendered into two overlays is patched twice, separately. */
export function cloneTracked<T>(value: T): T {
  if (!isNode(value)) return value;
  let copy: Record<Key, unknown>;
  if (Array.isArray(value)) {
    const list: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) list[i] = cloneTracked(value[i]);
    copy = list as unknown as Record<Key, unknown>;
  } else {
    copy = {};
    for (const k in value) copy[k] = cloneTracked(value[k]);
  }
  const origin = nodeOrigins.get(value);
  if (origin) nodeOrigins.set(copy, origin);
  const keys = keyOrigins.get(value);
  if (keys) keyOrigins.set(copy, new Map(keys));
  return copy as T;
}

/**
 * A locator over a rendered document: the position of a field in whichever file wrote it.
 * Walks from the root, switching to a node's own origin whenever it has one.
 */
export function renderedLocator(root: object, fallback: Origin): Locator {
  return (path, key) => {
    let origin = originOf(root) ?? fallback;
    let rest: Key[] = [];
    let node: unknown = root;
    for (const part of path) {
      const child = isNode(node) ? (node as Record<Key, unknown>)[part] : undefined;
      const own = isNode(child) ? originOf(child) : undefined;
      const written = isNode(node) ? keyOrigins.get(node)?.get(part) : undefined;
      if (own) [origin, rest] = [own, []];
      else if (written) [origin, rest] = [written, []];
      else rest.push(part);
      node = child;
    }
    if (key !== undefined && isNode(node) && rest.length === 0) {
      const child = (node as Record<Key, unknown>)[key];
      const written = (isNode(child) ? originOf(child) : undefined) ?? keyOrigins.get(node)?.get(key);
      if (written && written.path.length > 0) {
        const at = written.locate(written.path.slice(0, -1), String(written.path[written.path.length - 1]));
        return { ...at, file: written.file };
      }
    }
    return { ...origin.locate([...origin.path, ...rest], key), file: origin.file };
  };
}
