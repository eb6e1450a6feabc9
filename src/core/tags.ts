/**
 * The tags and annotations through which the controller records what it owns and what
 * it deployed, and through which users steer it.
 */

export const TAG_PREFIX = 'ecs-gitops.io/';
/** Which controller created (or adopted) the object. */
export const OWNER_TAG = 'ecs-gitops.io/owner';
/**
 * Which application of that controller (a config source: repository and path) the
 * object belongs to. Pruning, adoption and conflicts are scoped to owner and application.
 */
export const APPLICATION_TAG = 'ecs-gitops.io/application';
/** `Kind/name` of the document the object comes from. */
export const RESOURCE_TAG = 'ecs-gitops.io/resource';
/** Hash of the normalised desired content the object was last written from. */
export const SPEC_HASH_TAG = 'ecs-gitops.io/spec-hash';
/** On a Service: the task-definition revision (family:revision) it was given, and its content hash. */
export const TASK_DEFINITION_TAG = 'ecs-gitops.io/task-definition';
export const TASK_DEFINITION_HASH_TAG = 'ecs-gitops.io/task-definition-hash';
/** On a private DNS namespace: the VPC it was created in (Cloud Map's GetNamespace does not say). */
export const VPC_TAG = 'ecs-gitops.io/vpc';
/** What every tagged object the controller creates carries. */
export const OWNERSHIP_TAGS = [OWNER_TAG, APPLICATION_TAG, RESOURCE_TAG] as const;
/** On a live object: `disabled` protects it from pruning even after its document is gone. */
export const PRUNE_TAG = 'ecs-gitops.io/prune';
/** Cloud Map instances carry no tags; this attribute marks the ones the controller registered. */
export const OWNER_ATTRIBUTE = 'ecs-gitops.io/owner';
/** And this one the application that registered them. */
export const APPLICATION_ATTRIBUTE = 'ecs-gitops.io/application';
/** The attributes the controller sets on a Cloud Map instance; they count against its 30. */
export const OWNERSHIP_ATTRIBUTES = [OWNER_ATTRIBUTE, APPLICATION_ATTRIBUTE] as const;

/** Who an object belongs to: the controller and, within it, the application. */
export interface Owner {
  readonly controllerId: string;
  readonly application: string;
}

export const ADOPT_ANNOTATION = 'ecs-gitops.io/adopt';
export const ALLOW_REPLACE_ANNOTATION = 'ecs-gitops.io/allow-replace';
export const IGNORE_DIFFERENCES_ANNOTATION = 'ecs-gitops.io/ignore-differences';

export type Tags = Record<string, string>;

/** What AWS takes as a tag value (ECS and Cloud Map alike): at most 256 of these characters. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_TAG_VALUE = 256;

export function isTagValue(value: string): boolean {
  return value.length <= MAX_TAG_VALUE && TAG_VALUE.test(value);
}

/** Tags a user manages: everything but the controller's own and AWS's reserved ones. */
export function userTags(tags: Tags | undefined): Tags {
  const out: Tags = {};
  for (const [k, v] of Object.entries(tags ?? {})) {
    if (!k.startsWith(TAG_PREFIX) && !k.toLowerCase().startsWith('aws:')) out[k] = v;
  }
  return out;
}

export function toTagList(tags: Tags): { key: string; value: string }[] {
  return Object.keys(tags).sort().map((key) => ({ key, value: tags[key] }));
}

export function fromTagList(list: { key?: string; value?: string }[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.key !== undefined) out[t.key] = t.value ?? '';
  return out;
}

/** Cloud Map spells tags `{Key, Value}`. */
export function toCloudMapTags(tags: Tags): { Key: string; Value: string }[] {
  return Object.keys(tags).sort().map((Key) => ({ Key, Value: tags[Key] }));
}

export function fromCloudMapTags(list: { Key?: string; Value?: string }[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}
