/**
 * The tools of normalisation. Each kind's module (./kinds/) brings desired and live into
 * one canonical shape with these: in the spec's own vocabulary (the names a user writes),
 * AWS's defaults filled in on both sides, read-only fields dropped, unordered lists
 * sorted, and empty values removed. Diff, health and display all read that shape, so a
 * default is written down exactly once, in its kind's module.
 */

export type Canonical = Record<string, unknown>;
type Obj = Record<string, unknown>;

// ---------------------------------------------------------------- generic helpers

/** Drops undefined, null, empty lists and empty mappings, recursively; sorts keys. */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    // Keys sorted by code unit (sort's own order); no entry pairs built: every body of a pass comes through here.
    const out: Obj = {};
    let kept = 0;
    for (const k of Object.keys(value).sort()) {
      const p = prune((value as Obj)[k]);
      if (p !== undefined) {
        out[k] = p;
        kept++;
      }
    }
    return kept ? out : undefined;
  }
  return value === null ? undefined : value;
}

export function sortBy<T>(list: readonly T[] | undefined, key: (item: T) => string): T[] | undefined {
  if (!list) return undefined;
  return [...list].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

export const sorted = (list: readonly string[] | undefined): string[] | undefined => (list ? [...list].sort() : undefined);
export const json = (v: unknown) => JSON.stringify(v) ?? '';

/** Removes fields equal to a default; `defaults` mirrors the object's shape. */
export function withoutDefaults<T extends object>(value: T, defaults: Obj): Partial<T>;
export function withoutDefaults<T extends object>(value: T | undefined, defaults: Obj): Partial<T> | undefined;
export function withoutDefaults(value: Obj | undefined, defaults: Obj): Obj | undefined {
  if (!value) return value;
  const out: Obj = Object.assign({}, value);
  for (const [k, d] of Object.entries(defaults)) {
    if (d && typeof d === 'object' && !Array.isArray(d) && out[k] && typeof out[k] === 'object') {
      out[k] = withoutDefaults(out[k] as Obj, d as Obj);
    } else if (json(out[k]) === json(d)) {
      delete out[k];
    }
  }
  return out;
}

/**
 * `{ ...base, ...fields }`, built by copying into a new object rather than by cloning
 * `base`. V8 (measured on Node 20) promotes to the old generation much of the garbage of a
 * spread clone that then gains fields: a loop over 5,000 services keeping nothing grew the
 * heap by a quarter of what it allocated, until a full collection. The per-resource code
 * every pass runs builds its objects with this.
 */
export function withFields<A extends object, B extends object>(base: A, fields: B): A & B {
  return Object.assign({}, base, fields);
}

/** The named fields of an object that are set. */
export function pick<T extends object, F extends string>(source: T, keys: readonly F[]): { [P in F & keyof T]?: T[P] } {
  const out: Obj = {};
  for (const k of keys) if ((source as Obj)[k] !== undefined) out[k] = (source as Obj)[k];
  return out as { [P in F & keyof T]?: T[P] };
}

/** PascalCase (Cloud Map's JSON) to the camelCase the spec uses: `DnsRecords` → `dnsRecords`, `TTL` → `ttl`. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) {
      const key = k === k.toUpperCase() ? k.toLowerCase() : k[0].toLowerCase() + k.slice(1);
      out[key] = camelKeys(v);
    }
    return out;
  }
  return value;
}

/** The reverse, for Cloud Map inputs: `dnsRecords` → `DnsRecords`, `ttl` → `TTL`. */
export function pascalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalKeys);
  if (value && typeof value === 'object') {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) {
      const key = ALL_CAPS.has(k) ? k.toUpperCase() : k[0].toUpperCase() + k.slice(1);
      out[key] = pascalKeys(v);
    }
    return out;
  }
  return value;
}
const ALL_CAPS = new Set(['ttl', 'soa']);

/** The canonical form of a body: pruned, keys sorted; `{}` when nothing is left. */
export function canonical(body: object): Canonical {
  return (prune(body) ?? {}) as Canonical;
}
