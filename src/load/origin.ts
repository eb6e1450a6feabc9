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

const nodeOrigins = new WeakMap<object, Origin>();
const keyOrigins = new WeakMap<object, Map<Key, Origin>>();

const isNode = (v: unknown): v is Record<Key, unknown> => typeof v === 'object' && v !== null;

/** Records `origin` for `value` and every mapping and list inside it, each at its own path. */
export function annotate(value: unknown, origin: Origin): void {
  const stack: { node: unknown; path: readonly Key[] }[] = [{ node: value, path: origin.path }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (!isNode(node)) continue;
    nodeOrigins.set(node, { file: origin.file, locate: origin.locate, path });
    const entries: [Key, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
    for (const [k, v] of entries) if (isNode(v)) stack.push({ node: v, path: [...path, k] });
  }
}

export function originOf(node: object): Origin | undefined {
  return nodeOrigins.get(node);
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
  const parent = nodeOrigins.get(container);
  return parent && { ...parent, path: [...parent.path, key] };
}

/** A deep copy that keeps every origin: a base rendered into two overlays is patched twice, separately. */
export function cloneTracked<T>(value: T): T {
  if (!isNode(value)) return value;
  const copy = (Array.isArray(value) ? value.map((v) => cloneTracked(v)) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneTracked(v)]))) as T & object;
  const origin = nodeOrigins.get(value);
  if (origin) nodeOrigins.set(copy, origin);
  const keys = keyOrigins.get(value);
  if (keys) keyOrigins.set(copy, new Map(keys));
  return copy;
}

/**
 * A locator over a rendered document: the position of a field in whichever file wrote it.
 * Walks from the root, switching to a node's own origin whenever it has one.
 */
export function renderedLocator(root: object, fallback: Origin): Locator {
  return (path, key) => {
    let origin = nodeOrigins.get(root) ?? fallback;
    let rest: Key[] = [];
    let node: unknown = root;
    for (const part of path) {
      const child = isNode(node) ? (node as Record<Key, unknown>)[part] : undefined;
      const own = isNode(child) ? nodeOrigins.get(child) : undefined;
      const written = isNode(node) ? keyOrigins.get(node)?.get(part) : undefined;
      if (own) [origin, rest] = [own, []];
      else if (written) [origin, rest] = [written, []];
      else rest.push(part);
      node = child;
    }
    if (key !== undefined && isNode(node) && rest.length === 0) {
      const child = (node as Record<Key, unknown>)[key];
      const written = (isNode(child) ? nodeOrigins.get(child) : undefined) ?? keyOrigins.get(node)?.get(key);
      if (written && written.path.length > 0) {
        const at = written.locate(written.path.slice(0, -1), String(written.path[written.path.length - 1]));
        return { ...at, file: written.file };
      }
    }
    return { ...origin.locate([...origin.path, ...rest], key), file: origin.file };
  };
}
