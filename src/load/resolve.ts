/**
 * Checks the documents as a set: one document per identity, and every reference names
 * a document of the kind the field expects.
 */
import { KINDS, referencesIn, resourceKey, type Resource, type ResourceKey } from '../api/kinds.js';
import { fieldPath, type Finding } from './findings.js';
import type { Locator } from './parse.js';

export interface LocatedResource {
  resource: Resource;
  position: Locator;
}

/**
 * `invalid` holds the identities of documents that failed validation: a reference to one
 * of them is not reported again as dangling, since the real error is already listed.
 */
export function resolve(located: LocatedResource[], invalid: ReadonlySet<ResourceKey> = new Set()): { resources: Map<ResourceKey, Resource>; findings: Finding[] } {
  const findings: Finding[] = [];
  const byKey = new Map<ResourceKey, LocatedResource>();
  const kindsByName = new Map<string, Set<string>>();

  for (const item of located) {
    const { kind, metadata, source } = item.resource;
    const key = resourceKey(kind, metadata.name);
    const first = byKey.get(key);
    if (first) {
      const at = item.position(['metadata', 'name']);
      const was = first.resource.source;
      findings.push({
        code: 'DUPLICATE_IDENTITY',
        severity: 'error',
        file: source.file,
        ...at,
        field: 'metadata.name',
        message: `${key} is already defined at ${was.file}:${was.line}:${was.column}; names must be unique per kind`,
      });
      continue;
    }
    byKey.set(key, item);
    const kinds = kindsByName.get(metadata.name) ?? new Set();
    kinds.add(kind);
    kindsByName.set(metadata.name, kinds);
  }

  for (const { resource, position } of byKey.values()) {
    for (const { path, to, target } of referencesIn(resource.kind, resource.spec)) {
      if (typeof target !== 'string' || byKey.has(resourceKey(to, target)) || invalid.has(resourceKey(to, target))) continue;
      const others = [...(kindsByName.get(target) ?? [])];
      const specPath = ['spec', ...path];
      findings.push({
        code: others.length ? 'WRONG_KIND_REFERENCE' : 'DANGLING_REFERENCE',
        severity: 'error',
        file: resource.source.file,
        ...position(specPath),
        field: fieldPath(specPath),
        message: others.length
          ? `refers to ${others.join(' and ')} "${target}", but this field must name a ${to}`
          : `refers to ${to} "${target}", which no document defines`,
      });
    }
  }

  const order = (r: Resource) => KINDS.indexOf(r.kind);
  const sorted = [...byKey.values()]
    .map((l) => l.resource)
    .sort((a, b) => order(a) - order(b) || (a.metadata.name < b.metadata.name ? -1 : 1));
  return { resources: new Map(sorted.map((r) => [resourceKey(r.kind, r.metadata.name), r])), findings };
}
