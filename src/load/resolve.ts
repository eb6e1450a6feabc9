/**
 * Checks the documents as a set: one document per identity, one document per AWS object,
 * and every reference names a document of the kind the field expects.
 */
import { KINDS, referencesIn, resourceKey, type Resource, type ResourceKey } from '../api/kinds.js';
import { awsIdentity, awsNameField } from '../core/desired.js';
import { append, fieldPath, type Finding } from './findings.js';
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

  append(findings, sameAwsObject(byKey));

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

/**
 * Two documents that name one AWS object (a second Service whose serviceName is another's,
 * in the same cluster) would each update it to their own spec on every pass; the later
 * one is refused, pointing at the first.
 */
function sameAwsObject(byKey: ReadonlyMap<ResourceKey, LocatedResource>): Finding[] {
  const findings: Finding[] = [];
  const doc = (kind: Resource['kind'], name: string) => byKey.get(resourceKey(kind, name))?.resource;
  const first = new Map<string, LocatedResource>();
  for (const item of byKey.values()) {
    const identity = awsIdentity(item.resource, doc);
    if (!identity) continue;
    const key = JSON.stringify(identity);
    const was = first.get(key);
    if (!was) {
      first.set(key, item);
      continue;
    }
    const { resource } = item;
    const field = awsNameField(resource);
    const named = identity.map(({ kind, name }) => `${kind} "${name}"`).reverse().join(' in ');
    const other = was.resource;
    const at = was.position(awsNameField(other));
    findings.push({
      code: 'DUPLICATE_AWS_NAME',
      severity: 'error',
      file: resource.source.file,
      ...item.position(field),
      field: fieldPath(field),
      message: `${named} is already the AWS object of ${other.kind}/${other.metadata.name} at ${other.source.file}:${at.line}:${at.column}; two documents for one object would overwrite each other on every sync`,
    });
  }
  return findings;
}
