/**
 * The desired side in AWS's terms: the name each document gives its AWS object, its body
 * without identity and ownership, and the tags the controller puts on everything it
 * creates.
 */
import { specOf, type Kind, type Resource } from '../api/kinds.js';
import type { Specs } from '../api/specs.js';
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

/** The tags an object should carry: the document's own plus the controller's ownership tags. */
export function desiredTags(resource: Resource, controllerId: string): Tags {
  return {
    ...userTags(userTagsOf(resource)),
    [OWNER_TAG]: controllerId,
    [RESOURCE_TAG]: `${resource.kind}/${resource.metadata.name}`,
  };
}

function userTagsOf(resource: Resource): Tags | undefined {
  const spec = specOf(resource);
  return 'tags' in spec ? spec.tags : undefined;
}

export function annotation(resource: Resource, name: string): string | undefined {
  return resource.metadata.annotations?.[name];
}

export function annotationIsTrue(resource: Resource, name: string): boolean {
  return annotation(resource, name)?.toLowerCase() === 'true';
}

/**
 * The spec without the fields that are not part of the AWS object's body: tags, the name
 * field, and `drop` (references to other documents).
 */
export function specBody<K extends Kind, D extends keyof Specs[K] & string = never>(resource: Resource<K>, ...drop: D[]): Omit<Specs[K], 'tags' | D> {
  const body: Record<string, unknown> = { ...resource.spec };
  for (const key of ['tags', NAME_FIELD[resource.kind], ...drop]) delete body[key];
  return body as Omit<Specs[K], 'tags' | D>;
}
