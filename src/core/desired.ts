/**
 * The desired side in AWS's terms: the name each document gives its AWS object, its body
 * without identity and ownership, and the tags the controller puts on everything it
 * creates.
 */
import { specOf, type Kind, type Resource } from '../api/kinds.js';
import type { Specs } from '../api/specs.js';
import { APPLICATION_TAG, OWNER_TAG, RESOURCE_TAG, userTags, type Owner, type Tags } from './tags.js';

const NAME_FIELD: Record<Kind, string> = {
  Cluster: 'clusterName',
  TaskDefinition: 'family',
  Service: 'serviceName',
  CloudMapNamespace: 'name',
  CloudMapService: 'name',
  CloudMapInstance: 'instanceId',
};

/** The AWS name of a document's object: the spec's name field, else `metadata.name`. */
export function awsName(resource: Pick<Resource, 'kind' | 'spec' | 'metadata'>): string {
  const explicit = resource.spec[NAME_FIELD[resource.kind]];
  return typeof explicit === 'string' && explicit ? explicit : resource.metadata.name;
}

/** Where the AWS name comes from: the spec's name field when the document sets it. */
export function awsNameField(resource: Resource): string[] {
  const field = NAME_FIELD[resource.kind];
  return typeof resource.spec[field] === 'string' && resource.spec[field] ? ['spec', field] : ['metadata', 'name'];
}

/**
 * The reference naming the object a kind's AWS object lives in: a service's name is
 * unique within its cluster, a Cloud Map service's within its namespace, an instance id
 * within its Cloud Map service. Clusters, task-definition families and namespaces are
 * unique in the account and region.
 */
const CONTAINER: Partial<Record<Kind, { field: string; kind: Kind }>> = {
  Service: { field: 'cluster', kind: 'Cluster' },
  CloudMapService: { field: 'namespace', kind: 'CloudMapNamespace' },
  CloudMapInstance: { field: 'service', kind: 'CloudMapService' },
};

/**
 * Which AWS object a document stands for, outermost container first: `[Cluster store,
 * Service web]`. Two documents with one identity would fight over one object.
 * Undefined when a container reference names no document (an error of its own).
 */
export function awsIdentity(resource: Resource, doc: (kind: Kind, name: string) => Resource | undefined): { kind: Kind; name: string }[] | undefined {
  const own = { kind: resource.kind, name: awsName(resource) };
  const container = CONTAINER[resource.kind];
  if (!container) return [own];
  const ref = resource.spec[container.field];
  const parent = typeof ref === 'string' ? doc(container.kind, ref) : undefined;
  const outer = parent && awsIdentity(parent, doc);
  return outer && [...outer, own];
}

/** The tags an object should carry: the document's own plus the controller's ownership tags. */
export function desiredTags(resource: Resource, owner: Owner): Tags {
  const tags = userTags(userTagsOf(resource));
  tags[OWNER_TAG] = owner.controllerId;
  tags[APPLICATION_TAG] = owner.application;
  tags[RESOURCE_TAG] = `${resource.kind}/${resource.metadata.name}`;
  return tags;
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
  // Copied field by field: a clone that then loses fields becomes a slow (dictionary) object.
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource.spec)) if (key !== 'tags' && key !== NAME_FIELD[resource.kind] && !drop.includes(key as D)) body[key] = value;
  return body as Omit<Specs[K], 'tags' | D>;
}
