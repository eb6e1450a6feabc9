/**
 * Which documents a commit touched, and what must be reconciled with them. A partial
 * reconcile covers the changed documents, the documents that refer to them (a new task
 * definition revision must reach its services) and the documents they refer to (a
 * service's plan needs its cluster, task definition and Cloud Map services).
 */
import { referencesIn, resourceKey, type DesiredState, type Resource, type ResourceKey } from '../api/kinds.js';
import { stableStringify } from './hash.js';

const fingerprint = (r: Resource) => stableStringify({ metadata: r.metadata, spec: r.spec });

/** Keys added or changed in `next`, and keys gone from it. */
export function changedKeys(previous: DesiredState | undefined, next: DesiredState): { changed: Set<ResourceKey>; removed: Set<ResourceKey> } {
  const changed = new Set<ResourceKey>();
  const removed = new Set<ResourceKey>();
  for (const [key, r] of next.resources) {
    const before = previous?.resources.get(key);
    if (!before || fingerprint(before) !== fingerprint(r)) changed.add(key);
  }
  for (const key of previous?.resources.keys() ?? []) if (!next.resources.has(key)) removed.add(key);
  return { changed, removed };
}

/** The documents a document refers to, as keys. */
export function referencesOf(resource: Resource): ResourceKey[] {
  return referencesIn(resource.kind, resource.spec)
    .filter((r): r is typeof r & { target: string } => typeof r.target === 'string')
    .map((r) => resourceKey(r.to, r.target));
}

/** `keys` plus everything that refers to them (transitively) plus everything they all refer to (transitively). */
export function reconcileScope(desired: DesiredState, keys: Iterable<ResourceKey>): Set<ResourceKey> {
  const referrers = new Map<ResourceKey, ResourceKey[]>();
  for (const [key, r] of desired.resources) {
    for (const target of referencesOf(r)) referrers.set(target, [...(referrers.get(target) ?? []), key]);
  }
  const scope = new Set<ResourceKey>();
  const up = [...keys].filter((k) => desired.resources.has(k));
  while (up.length) {
    const key = up.pop()!;
    if (scope.has(key)) continue;
    scope.add(key);
    up.push(...(referrers.get(key) ?? []));
  }
  const down = [...scope];
  while (down.length) {
    const r = desired.resources.get(down.pop()!);
    for (const target of r ? referencesOf(r) : []) {
      if (!scope.has(target) && desired.resources.has(target)) {
        scope.add(target);
        down.push(target);
      }
    }
  }
  return scope;
}
