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
    // The loader hands unchanged files' documents over as the same objects: compare those by identity.
    if (before && before.spec === r.spec && before.metadata === r.metadata) continue;
    if (!before || fingerprint(before) !== fingerprint(r)) changed.add(key);
  }
  for (const key of previous?.resources.keys() ?? []) if (!next.resources.has(key)) removed.add(key);
  return { changed, removed };
}

/** The documents a document refers to, as keys. */
export function referencesOf(resource: Pick<Resource, 'kind' | 'spec'>): ResourceKey[] {
  return referencesIn(resource.kind, resource.spec)
    .filter((r): r is typeof r & { target: string } => typeof r.target === 'string')
    .map((r) => resourceKey(r.to, r.target));
}

/**
 * `keys` and every document that refers to one of them, transitively: what must be
 * planned again when they change (a new task-definition revision must reach its services).
 * Keys not in `desired` are left out.
 */
export function withReferrers(desired: DesiredState, keys: Iterable<ResourceKey>): Set<ResourceKey> {
  const referrers = new Map<ResourceKey, ResourceKey[]>();
  for (const [key, r] of desired.resources) {
    for (const target of referencesOf(r)) {
      const list = referrers.get(target);
      if (list) list.push(key);
      else referrers.set(target, [key]);
    }
  }
  const out = new Set<ResourceKey>();
  const todo = [...keys].filter((k) => desired.resources.has(k));
  while (todo.length) {
    const key = todo.pop()!;
    if (out.has(key)) continue;
    out.add(key);
    todo.push(...(referrers.get(key) ?? []));
  }
  return out;
}

/**
 * What a partial reconcile covers. `plan`: the changed keys and everything that refers to
 * them, transitively. `read`: those plus everything they refer to, transitively — planning
 * a service needs its cluster, task definition and Cloud Map services as they are live,
 * though nothing about them changed.
 */
export function reconcileScope(desired: DesiredState, keys: Iterable<ResourceKey>): { plan: Set<ResourceKey>; read: Set<ResourceKey> } {
  const plan = withReferrers(desired, keys);
  const read = new Set(plan);
  const down = [...plan];
  while (down.length) {
    const r = desired.resources.get(down.pop()!);
    for (const target of r ? referencesOf(r) : []) {
      if (!read.has(target) && desired.resources.has(target)) {
        read.add(target);
        down.push(target);
      }
    }
  }
  return { plan, read };
}
