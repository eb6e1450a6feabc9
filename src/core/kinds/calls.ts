/**
 * Pieces of AWS calls and comparisons every kind uses: tag writes in ECS's and Cloud
 * Map's spelling, the tag part of a diff, idempotency tokens, and the spec fields a list
 * of changes touches.
 */
import type { Kind, ResourceKey } from '../../api/kinds.js';
import { resourceKey } from '../../api/kinds.js';
import type { FieldChange } from '../diff.js';
import { contentHash } from '../hash.js';
import type { ApiCall, Ref } from '../plan.js';
import { PRUNE_TAG, RESOURCE_TAG, toCloudMapTags, toTagList, userTags, type Tags } from '../tags.js';

export function tagDiff(want: Tags, live: Tags): { set: Tags; remove: string[] } {
  const set: Tags = {};
  for (const [k, v] of Object.entries(want)) if (live[k] !== v) set[k] = v;
  const remove = Object.keys(userTags(live)).filter((k) => !(k in want));
  return { set, remove };
}

/** The user-visible tag changes, as field changes under `spec.tags`. */
export function tagChanges(want: Tags, live: Tags): FieldChange[] {
  const { set, remove } = tagDiff(want, live);
  return [
    ...Object.entries(set).map(([k, v]) => (live[k] === undefined ? { path: `spec.tags.${k}`, to: v } : { path: `spec.tags.${k}`, from: live[k], to: v })),
    ...remove.map((k) => ({ path: `spec.tags.${k}`, from: live[k] })),
  ];
}

export function ecsTagCalls(arn: string | Ref, set: Tags, remove: string[]): ApiCall[] {
  const calls: ApiCall[] = [];
  if (Object.keys(set).length) calls.push({ service: 'ecs', operation: 'TagResource', input: { resourceArn: arn, tags: toTagList(set) } });
  if (remove.length) calls.push({ service: 'ecs', operation: 'UntagResource', input: { resourceArn: arn, tagKeys: remove } });
  return calls;
}

export function cloudMapTagCalls(arn: string, set: Tags, remove: string[]): ApiCall[] {
  const calls: ApiCall[] = [];
  if (Object.keys(set).length) calls.push({ service: 'servicediscovery', operation: 'TagResource', input: { ResourceARN: arn, Tags: toCloudMapTags(set) } });
  if (remove.length) calls.push({ service: 'servicediscovery', operation: 'UntagResource', input: { ResourceARN: arn, TagKeys: remove } });
  return calls;
}

/** A token from content, so a call repeated after a crash is recognised by AWS as the same. */
export const idempotencyToken = (...parts: unknown[]) => contentHash(...parts);

/** Top-level spec fields touched by a list of changes. */
export function changedFields(changes: FieldChange[]): Set<string> {
  return new Set(changes.map((c) => /^spec\.([^.[]+)/.exec(c.path)?.[1]).filter((f): f is string => !!f && f !== 'tags'));
}

/** The document an owned object came from, by its resource tag; else its kind and AWS name. */
export function ownerKey(tags: Tags, kind: Kind, fallback: string): ResourceKey {
  return (tags[RESOURCE_TAG] as ResourceKey | undefined) ?? resourceKey(kind, fallback);
}

export const pruneDisabled = (tags: Tags) => tags[PRUNE_TAG] === 'disabled';
