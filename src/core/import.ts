/**
 * Live objects → documents, for `ecs-gitops import`: what exists in AWS written as the
 * YAML a user would have written, so it can be adopted without a change. Each object is
 * read into its kind's spec vocabulary by the kind's own module (./kinds/), then every
 * field whose absence that module's normaliser does not notice is dropped: the defaults
 * AWS fills in and the read-only fields are written down once, in the kind, not here.
 * References name documents; secrets stay the ARNs the task definition holds; the
 * controller's tags are never user tags; every document asks to be adopted.
 */
import { API_VERSION, type Kind } from '../api/kinds.js';
import type { Specs } from '../api/specs.js';
import { canonicalInstance } from './kinds/cloudmap-instance.js';
import { canonicalCloudMapService, liveCloudMapServiceSpec } from './kinds/cloudmap-service.js';
import { canonicalNamespace, liveNamespaceSpec } from './kinds/cloudmap-namespace.js';
import { canonicalCluster, liveClusterSpec } from './kinds/cluster.js';
import { canonicalService, liveServiceSpec } from './kinds/service.js';
import { canonicalTaskDefinition, liveTaskDefinitionSpec } from './kinds/task-definition.js';
import { revisionOf, type LiveCloudMapService, type LiveCluster, type LiveInstance, type LiveNamespace, type LiveService, type LiveTaskDefinition } from './live.js';
import { awsName } from './desired.js';
import { json, type Canonical } from './normalize.js';
import { ADOPT_ANNOTATION, APPLICATION_TAG, OWNER_TAG, RESOURCE_TAG, VPC_TAG, userTags, type Tags } from './tags.js';

/** What the AWS side read: a cluster's services and what they use, and Cloud Map namespaces. */
export interface ImportSource {
  cluster?: LiveCluster;
  /** ACTIVE services of the cluster, those asked for. */
  services: LiveService[];
  /** By ARN: the revisions the services run. */
  taskDefinitions: ReadonlyMap<string, LiveTaskDefinition>;
  /** The namespaces asked for and those the services' registries are in. */
  namespaces: LiveNamespace[];
  /** The services' registries, and every service of the namespaces asked for. */
  cloudMapServices: LiveCloudMapService[];
  /** Instances of the Cloud Map services of the namespaces asked for that no service of the cluster registers in. */
  instances?: LiveInstance[];
  /** By namespace id: the VPCs a private namespace's Route 53 hosted zone is associated with, where that could be read. */
  zoneVpcs?: ReadonlyMap<string, readonly string[]>;
}

export interface ImportOptions {
  /** The VPC of private DNS namespaces by namespace name (Cloud Map does not say; `*` for any). */
  vpcs?: ReadonlyMap<string, string>;
  /** The controller that will adopt the documents: objects another one owns are warned about. */
  controllerId?: string;
  /** The application that will adopt them (when given): objects another application of the controller owns are warned about. */
  application?: string;
}

export interface ImportedDocument<K extends Kind = Kind> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: { name: string; annotations: Record<string, string> };
  spec: Specs[K];
}

export interface ImportedFile {
  /** File name, e.g. `service-web.yaml`. */
  name: string;
  documents: ImportedDocument[];
}

/** Something that could not be imported as it is (the object named), and why. */
export interface ImportProblem {
  object: string;
  message: string;
  /** An error leaves the output unable to describe the object; a warning describes it with a difference. */
  severity: 'error' | 'warning';
}

export interface ImportResult {
  files: ImportedFile[];
  problems: ImportProblem[];
}

// ---------------------------------------------------------------- dropping what is implied

type Node = Record<string, unknown> | unknown[];
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/**
 * `spec` without every field (at any depth) whose removal leaves `normalise(spec)`
 * unchanged: AWS's defaults and the fields the kind does not compare (read-only ones).
 * List items are kept; fields inside them are dropped the same way.
 */
export function withoutImplied<T extends object>(spec: T, normalise: (spec: T) => Canonical): T {
  const out = structuredClone(spec);
  const target = json(normalise(spec));
  const unchanged = () => json(normalise(out)) === target;
  const visit = (node: Node): void => {
    if (Array.isArray(node)) {
      for (const item of node) if (isNode(item)) visit(item);
      return;
    }
    for (const key of Object.keys(node)) {
      const value = node[key];
      delete node[key];
      if (value === undefined || unchanged()) continue;
      node[key] = value;
      if (isNode(value)) visit(value);
    }
  };
  visit(out as Node);
  return out;
}

// ---------------------------------------------------------------- document names

/** metadata.name patterns of the CRDs (a test keeps them equal): ECS kinds allow `_`, Cloud Map kinds `.` (domain names). */
export const NAME_PATTERN: Record<Kind, RegExp> = {
  Cluster: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/,
  TaskDefinition: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/,
  Service: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/,
  CloudMapNamespace: /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,251}[a-zA-Z0-9])?$/,
  CloudMapService: /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,251}[a-zA-Z0-9])?$/,
  CloudMapInstance: /^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,251}[a-zA-Z0-9])?$/,
};

/** The spec field that holds the AWS name when it differs from metadata.name. */
const NAME_FIELD: Record<Kind, string> = {
  Cluster: 'clusterName', TaskDefinition: 'family', Service: 'serviceName', CloudMapNamespace: 'name', CloudMapService: 'name', CloudMapInstance: 'instanceId',
};

/** Hands out unique, valid document names per kind. */
class Names {
  private readonly taken = new Map<Kind, Set<string>>();

  /**
   * The document name for an AWS object: the name its `ecs-gitops.io/resource` tag
   * records (it was synced from a document of that name), else its AWS name made valid,
   * with `qualifier` (the namespace of a Cloud Map service) added to tell two apart.
   */
  name(kind: Kind, awsName: string, tags: Tags, qualifier?: string): string {
    const taken = this.taken.get(kind) ?? new Set<string>();
    this.taken.set(kind, taken);
    const recorded = tags[RESOURCE_TAG]?.startsWith(`${kind}/`) ? tags[RESOURCE_TAG].slice(kind.length + 1) : undefined;
    const base = recorded && NAME_PATTERN[kind].test(recorded) ? recorded : this.valid(kind, awsName);
    const candidates = [base, ...(qualifier ? [this.valid(kind, `${base}-${qualifier}`)] : [])];
    let name = candidates.find((c) => !taken.has(c));
    for (let i = 2; name === undefined; i++) if (!taken.has(`${base}-${i}`)) name = `${base}-${i}`;
    taken.add(name);
    return name;
  }

  private valid(kind: Kind, text: string): string {
    const ecs = kind === 'Cluster' || kind === 'TaskDefinition' || kind === 'Service';
    const cleaned = text.replace(ecs ? /[^a-zA-Z0-9_-]/g : /[^a-zA-Z0-9._-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '').replace(/[^a-zA-Z0-9]+$/, '').slice(0, 253);
    return cleaned || kind.toLowerCase();
  }
}

function document<K extends Kind>(kind: K, name: string, awsName: string, spec: Record<string, unknown>, tags: Tags): ImportedDocument<K> {
  const user = userTags(tags);
  const body: Record<string, unknown> = name === awsName ? {} : { [NAME_FIELD[kind]]: awsName };
  Object.assign(body, spec);
  if (Object.keys(user).length) body.tags = Object.fromEntries(Object.keys(user).sort().map((k) => [k, user[k]]));
  return { apiVersion: API_VERSION, kind, metadata: { name, annotations: { [ADOPT_ANNOTATION]: 'true' } }, spec: body as Specs[K] };
}

// ---------------------------------------------------------------- one document per kind

const byName = <T extends { name: string }>(list: readonly T[]): T[] => [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/**
 * The VPC a private namespace was created in, which Cloud Map does not say: named for it
 * on the command line, else recorded by the controller in a tag, else the one VPC its
 * hosted zone is associated with, else named for every namespace on the command line.
 */
function privateVpc(ns: LiveNamespace, zoneVpcs: readonly string[] | undefined, options: ImportOptions, problems: ImportProblem[]): string | undefined {
  const zone = zoneVpcs?.length === 1 ? zoneVpcs[0] : undefined;
  const vpc = options.vpcs?.get(ns.name) ?? ns.tags[VPC_TAG] ?? zone ?? options.vpcs?.get('*');
  if (!vpc) {
    const associated = zoneVpcs?.length ? `its hosted zone is associated with ${zoneVpcs.join(', ')}` : 'neither its tags nor its Route 53 hosted zone say';
    problems.push({
      object: `CloudMapNamespace ${ns.name}`,
      severity: 'error',
      message: `which VPC this private DNS namespace was created in is unknown (${associated}); name it with --vpc ${ns.name}=vpc-… (or --vpc vpc-… for every private namespace)`,
    });
  }
  return vpc;
}

function namespaceDocument(ns: LiveNamespace, source: ImportSource, names: Names, options: ImportOptions, problems: ImportProblem[]): ImportedDocument<'CloudMapNamespace'> {
  const live = liveNamespaceSpec(ns.raw);
  const { type, ...rest } = withoutImplied(live, canonicalNamespace);
  const vpc = live.type === 'DNS_PRIVATE' ? privateVpc(ns, source.zoneVpcs?.get(ns.id), options, problems) : undefined;
  return document('CloudMapNamespace', names.name('CloudMapNamespace', ns.name, ns.tags), ns.name, { type: type ?? live.type, ...(vpc ? { vpc } : {}), ...rest }, ns.tags);
}

function cloudMapServiceDocument(service: LiveCloudMapService, namespace: ImportedDocument<'CloudMapNamespace'>, names: Names): ImportedDocument<'CloudMapService'> {
  const spec = withoutImplied(liveCloudMapServiceSpec(service.raw), canonicalCloudMapService);
  const name = names.name('CloudMapService', service.name, service.tags, namespace.metadata.name);
  return document('CloudMapService', name, service.name, { namespace: namespace.metadata.name, ...spec }, service.tags);
}

function clusterDocument(cluster: LiveCluster, namespaceNames: ReadonlyMap<string, string>, names: Names): ImportedDocument<'Cluster'> {
  const spec = withoutImplied(liveClusterSpec(cluster.raw), (s) => canonicalCluster(s, namespaceNames));
  // AWS answers the Service Connect namespace by ARN; a document names it.
  const namespace = spec.serviceConnectDefaults?.namespace;
  if (namespace && namespaceNames.has(namespace)) spec.serviceConnectDefaults = { ...spec.serviceConnectDefaults, namespace: namespaceNames.get(namespace) ?? namespace };
  return document('Cluster', names.name('Cluster', cluster.name, cluster.tags), cluster.name, spec, cluster.tags);
}

function taskDefinitionDocument(td: LiveTaskDefinition, names: Names): ImportedDocument<'TaskDefinition'> {
  const spec = withoutImplied(liveTaskDefinitionSpec(td.raw), canonicalTaskDefinition);
  return document('TaskDefinition', names.name('TaskDefinition', td.family, td.tags), td.family, spec, td.tags);
}

/** The attribute ECS sets on the instances it registers for a service's tasks: those are ECS's, not documents. */
const ECS_SERVICE_ATTRIBUTE = 'ECS_SERVICE_NAME';

function instanceDocuments(instances: readonly LiveInstance[], service: ImportedDocument<'CloudMapService'>, names: Names): ImportedDocument<'CloudMapInstance'>[] {
  return [...instances]
    .filter((i) => i.attributes[ECS_SERVICE_ATTRIBUTE] === undefined)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((i) => {
      const { attributes } = withoutImplied({ attributes: i.attributes }, canonicalInstance);
      return document('CloudMapInstance', names.name('CloudMapInstance', i.id, {}), i.id, { service: service.metadata.name, attributes }, {});
    });
}

/** What a service document refers to, by document. */
interface ServiceRefs {
  cluster: string;
  /** The cluster's Service Connect default namespace (an ARN), if it has one. */
  clusterNamespace: string | undefined;
  /** Namespace ARN → its document. */
  namespaces: ReadonlyMap<string, ImportedDocument<'CloudMapNamespace'>>;
  taskDefinition: ImportedDocument<'TaskDefinition'>;
  /** Cloud Map service ARN → its document. */
  registries: ReadonlyMap<string, ImportedDocument<'CloudMapService'>>;
}

function serviceDocument(service: LiveService, refs: ServiceRefs, names: Names): ImportedDocument<'Service'> {
  const registryNames = new Map([...refs.registries].map(([arn, doc]) => [arn, doc.metadata.name]));
  const namespaceNames = new Map([...refs.namespaces].map(([arn, doc]) => [arn, awsName(doc)]));
  const live = liveServiceSpec(service.raw, registryNames, { documentName: () => undefined, arnName: (arn) => namespaceNames.get(arn), clusterDefault: refs.clusterNamespace });
  // The normaliser compares the revision by `refs`, so the ARN in the spec is dropped: the document names its TaskDefinition.
  const { taskDefinition: _arn, ...spec } = withoutImplied(live.spec, (s) => canonicalService(s, live.refs));
  // AWS answers Service Connect's namespace by ARN; a document names the namespace's document.
  const namespace = spec.serviceConnectConfiguration?.namespace;
  const namespaceDoc = namespace === undefined ? undefined : refs.namespaces.get(namespace);
  if (spec.serviceConnectConfiguration && namespaceDoc) spec.serviceConnectConfiguration = { ...spec.serviceConnectConfiguration, namespace: namespaceDoc.metadata.name };
  // The reference first, as a user writes it.
  if (spec.serviceRegistries) spec.serviceRegistries = spec.serviceRegistries.map(({ cloudMapService, ...rest }) => ({ cloudMapService, ...rest }));
  const body = { cluster: refs.cluster, taskDefinition: refs.taskDefinition.metadata.name, ...spec };
  return document('Service', names.name('Service', service.name, service.tags), service.name, body, service.tags);
}

// ---------------------------------------------------------------- the whole import

/**
 * One TaskDefinition document per family the services run. A family is one document,
 * so services running different revisions of it cannot all be described as they are:
 * the newest revision is written, and the others are named in a warning (a sync would
 * deploy the newest to them).
 */
function taskDefinitionDocuments(source: ImportSource, names: Names, problems: ImportProblem[]): Map<string, ImportedDocument<'TaskDefinition'>> {
  const newest = new Map<string, LiveTaskDefinition>();
  for (const service of source.services) {
    const td = source.taskDefinitions.get(service.raw.taskDefinition ?? '');
    if (td && (newest.get(td.family)?.revision ?? -1) < td.revision) newest.set(td.family, td);
  }
  const docs = new Map<string, ImportedDocument<'TaskDefinition'>>();
  for (const family of [...newest.keys()].sort()) docs.set(family, taskDefinitionDocument(newest.get(family) as LiveTaskDefinition, names));
  for (const service of source.services) {
    const td = source.taskDefinitions.get(service.raw.taskDefinition ?? '');
    const written = td && newest.get(td.family);
    if (td && written && written.revision !== td.revision) {
      problems.push({
        object: `Service ${service.cluster}/${service.name}`,
        severity: 'warning',
        message: `runs ${revisionOf(td.arn)}, but family ${td.family} is written as ${revisionOf(written.arn)} (the newest revision its services run); a sync would deploy that to it`,
      });
    }
  }
  return docs;
}

/** Cloud Map services by ARN, each in its namespace's document; a service whose namespace was not read is a problem. */
function cloudMapDocuments(source: ImportSource, names: Names, options: ImportOptions, problems: ImportProblem[]) {
  const namespaces = new Map<string, ImportedDocument<'CloudMapNamespace'>>();
  for (const ns of byName(source.namespaces)) namespaces.set(ns.id, namespaceDocument(ns, source, names, options, problems));
  const services = new Map<string, { doc: ImportedDocument<'CloudMapService'>; namespaceId: string }>();
  // By name, then namespace name: the same input always gives the same document names.
  const order = (s: LiveCloudMapService) => `${s.name}\u0000${namespaces.get(s.namespaceId)?.metadata.name ?? s.namespaceId}`;
  for (const service of [...source.cloudMapServices].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
    const namespace = namespaces.get(service.namespaceId);
    if (namespace) services.set(service.arn, { doc: cloudMapServiceDocument(service, namespace, names), namespaceId: service.namespaceId });
    else problems.push({ object: `Cloud Map service ${service.name}`, severity: 'error', message: `its namespace ${service.namespaceId} was not read` });
  }
  return { namespaces, services };
}

/**
 * The documents describing `source`, a file per Service (with its TaskDefinition and
 * Cloud Map services, in the file of the first service that uses them), one for the
 * Cluster and one per CloudMapNamespace (with its Cloud Map services no Service uses,
 * and their instances).
 */
export function importDocuments(source: ImportSource, options: ImportOptions = {}): ImportResult {
  const names = new Names();
  const problems: ImportProblem[] = [];
  const files: ImportedFile[] = [];
  const cloudMap = cloudMapDocuments(source, names, options, problems);
  const cluster = source.cluster && clusterDocument(source.cluster, new Map(source.namespaces.map((n) => [n.arn, n.name])), names);
  if (cluster) files.push({ name: `cluster-${cluster.metadata.name}.yaml`, documents: [cluster] });
  const taskDefinitions = taskDefinitionDocuments(source, names, problems);
  const registries = new Map([...cloudMap.services].map(([arn, s]) => [arn, s.doc]));
  const cloudMapIds = new Map(source.cloudMapServices.map((s) => [s.arn, s.id]));
  const namespaceArns = new Map(source.namespaces.map((n) => [n.id, n.arn]));
  const namespaces = new Map([...cloudMap.namespaces].map(([id, doc]) => [namespaceArns.get(id) ?? id, doc]));
  const clusterNamespace = source.cluster?.raw.serviceConnectDefaults?.namespace;
  const placed = new Set<ImportedDocument>();
  const place = (doc: ImportedDocument | undefined) => (doc && !placed.has(doc) ? (placed.add(doc), [doc]) : []);
  for (const service of byName(source.services)) {
    const object = `Service ${service.cluster}/${service.name}`;
    if (!service.raw.taskDefinition) {
      // An EXTERNAL deployment controller's service runs task sets, which no document describes.
      const controller = service.raw.deploymentController?.type ?? 'ECS';
      problems.push({ object, severity: 'warning', message: `not written: it names no task definition (deployment controller ${controller}: its task sets are not something a document describes)` });
      continue;
    }
    const td = source.taskDefinitions.get(service.raw.taskDefinition ?? '');
    const taskDefinition = td && taskDefinitions.get(td.family);
    const unknownRegistry = (service.raw.serviceRegistries ?? []).find((r) => !registries.has(r.registryArn ?? ''));
    if (!cluster || !taskDefinition || unknownRegistry) {
      const why = !cluster ? 'its cluster was not read' : !taskDefinition ? `its task definition ${service.raw.taskDefinition ?? '(none)'} could not be read` : `its Cloud Map service ${unknownRegistry?.registryArn} could not be read`;
      problems.push({ object, severity: 'error', message: why });
      continue;
    }
    const doc = serviceDocument(service, { cluster: cluster.metadata.name, clusterNamespace, taskDefinition, registries, namespaces }, names);
    const used = (service.raw.serviceRegistries ?? []).map((r) => registries.get(r.registryArn ?? ''));
    files.push({ name: `service-${doc.metadata.name}.yaml`, documents: [doc, ...place(taskDefinition), ...used.flatMap(place)] });
  }
  for (const [id, namespace] of cloudMap.namespaces) {
    const unused = [...cloudMap.services].filter(([, s]) => s.namespaceId === id && !placed.has(s.doc));
    const documents = unused.flatMap(([arn, s]) => [...place(s.doc), ...instanceDocuments((source.instances ?? []).filter((i) => i.serviceId === cloudMapIds.get(arn)), s.doc, names)]);
    files.push({ name: `namespace-${namespace.metadata.name}.yaml`, documents: [namespace, ...documents] });
  }
  return { files, problems: [...problems, ...ownedByOthers(source, options.controllerId, options.application)] };
}

/** Objects another controller (or another application of this one) owns: adopting is refused for them (diff reports a conflict). */
function ownedByOthers(source: ImportSource, controllerId: string | undefined, application: string | undefined): ImportProblem[] {
  if (controllerId === undefined) return [];
  const objects = [
    ...(source.cluster ? [{ object: `Cluster ${source.cluster.name}`, tags: source.cluster.tags }] : []),
    ...source.services.map((s) => ({ object: `Service ${s.cluster}/${s.name}`, tags: s.tags })),
    ...source.namespaces.map((n) => ({ object: `CloudMapNamespace ${n.name}`, tags: n.tags })),
    ...source.cloudMapServices.map((s) => ({ object: `Cloud Map service ${s.name}`, tags: s.tags })),
  ];
  const otherApplication = (tags: Tags) => application !== undefined && tags[OWNER_TAG] === controllerId && ![undefined, application].includes(tags[APPLICATION_TAG]);
  return [
    ...objects
      .filter(({ tags }) => tags[OWNER_TAG] !== undefined && tags[OWNER_TAG] !== controllerId)
      .map(({ object, tags }) => ({ object, severity: 'warning' as const, message: `is owned by controller "${tags[OWNER_TAG]}", not "${controllerId}": this controller will not adopt it (diff reports a conflict)` })),
    ...objects
      .filter(({ tags }) => otherApplication(tags))
      .map(({ object, tags }) => ({ object, severity: 'warning' as const, message: `is owned by application "${tags[APPLICATION_TAG]}" of this controller, not "${application}": this application will not adopt it (diff reports a conflict)` })),
  ];
}
