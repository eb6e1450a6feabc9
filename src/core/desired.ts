/**
 * The desired side in AWS's terms: the name each document gives its AWS object, the
 * content hash that identifies a task-definition revision, and the tags the controller
 * puts on everything it creates.
 */
import type { Kind, Resource } from '../api/kinds.js';
import { contentHash } from './hash.js';
import { canonicalTaskDefinition, type Canonical } from './normalize.js';
import { OWNER_TAG, RESOURCE_TAG, userTags, type Tags } from './tags.js';

const NAME_FIELD: Record<Kind, string> = {
  Cluster: 'clusterName',
  TaskDefinition: 'family',
  Service: 'serviceName',
  CloudMapNamespace: 'name',
  CloudMapService: 'name',
  CloudMapInstance: 'instanceId',
};

/** The AWS name of a document's object: the spec's name field, else `metadata.name`. */
export function awsName(resource: Resource): string {
  const explicit = resource.spec[NAME_FIELD[resource.kind]];
  return typeof explicit === 'string' && explicit ? explicit : resource.metadata.name;
}

// A document's spec is immutable once loaded, and the loader hands the same spec object
// to every snapshot in which its file is unchanged, so what is derived from it is
// computed once per spec, not once per resync or snapshot.
const canonicalTaskDefinitions = new WeakMap<object, Canonical>();
const taskDefinitionHashes = new WeakMap<object, { family: string; hash: string }>();

/** The normalised content of a TaskDefinition document (without family and tags). */
export function desiredTaskDefinition(resource: Resource): Canonical {
  let body = canonicalTaskDefinitions.get(resource.spec);
  if (!body) canonicalTaskDefinitions.set(resource.spec, (body = canonicalTaskDefinition(specBody(resource))));
  return body;
}

/** Identifies a task-definition revision by content; tags are left out (they change in place). */
export function taskDefinitionHash(resource: Resource): string {
  const family = awsName(resource);
  const known = taskDefinitionHashes.get(resource.spec);
  if (known?.family === family) return known.hash;
  const hash = contentHash(family, desiredTaskDefinition(resource));
  taskDefinitionHashes.set(resource.spec, { family, hash });
  return hash;
}

/** The tags an object should carry: the document's own plus the controller's ownership tags. */
export function desiredTags(resource: Resource, controllerId: string): Tags {
  return {
    ...userTags(resource.spec.tags as Tags | undefined),
    [OWNER_TAG]: controllerId,
    [RESOURCE_TAG]: `${resource.kind}/${resource.metadata.name}`,
  };
}

export function annotation(resource: Resource, name: string): string | undefined {
  return resource.metadata.annotations?.[name];
}

export function annotationIsTrue(resource: Resource, name: string): boolean {
  return annotation(resource, name)?.toLowerCase() === 'true';
}

/** The spec without the fields that are not part of the AWS object's body. */
export function specBody(resource: Resource, ...drop: string[]): Record<string, unknown> {
  const body = { ...resource.spec };
  for (const key of ['tags', NAME_FIELD[resource.kind], ...drop]) delete body[key];
  return body;
}
