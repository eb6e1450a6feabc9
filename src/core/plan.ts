/**
 * The plan: from a desired state and the live state, what each resource needs (its diff,
 * sync status and health) and the ordered AWS calls that converge it. Pure data: the CLI
 * prints it, the status API shows it, the executor runs it, and tests compare it.
 */
import type { DesiredState, Kind, Resource, ResourceKey } from '../api/kinds.js';
import { KINDS, resourceKey } from '../api/kinds.js';
import { annotation, annotationIsTrue, awsName, desiredTaskDefinition, desiredTags, specBody, taskDefinitionHash } from './desired.js';
import { diffObjects, withoutPointers, type FieldChange } from './diff.js';
import { contentHash } from './hash.js';
import { HEALTHY, MISSING, serviceHealth, type Health } from './health.js';
import { revisionOf, type LiveService, type LiveState } from './live.js';
import { revisionIndex, revisionKey, type RevisionIndex } from './revisions.js';
import {
  IMMUTABLE_FIELDS,
  canonicalCloudMapService,
  canonicalCluster,
  canonicalInstance,
  canonicalNamespace,
  canonicalService,
  canonicalTaskDefinition,
  ignoreUnsetServiceFields,
  liveCloudMapServiceSpec,
  liveClusterSpec,
  liveNamespaceSpec,
  liveServiceSpec,
  liveTaskDefinitionSpec,
  pascalKeys,
  type Canonical,
} from './normalize.js';
import {
  ADOPT_ANNOTATION,
  ALLOW_REPLACE_ANNOTATION,
  IGNORE_DIFFERENCES_ANNOTATION,
  OWNER_ATTRIBUTE,
  OWNER_TAG,
  PRUNE_TAG,
  RESOURCE_TAG,
  SPEC_HASH_TAG,
  TASK_DEFINITION_HASH_TAG,
  TASK_DEFINITION_TAG,
  toCloudMapTags,
  toTagList,
  userTags,
  type Tags,
} from './tags.js';

// ---------------------------------------------------------------- plan data

/** A value known only once an earlier step has run: the ARN or id it created. */
export interface Ref {
  $ref: string;
  attr: 'arn' | 'id';
  /** `revision` turns a task-definition ARN into `family:revision`. */
  format?: 'revision';
}

export type AwsService = 'ecs' | 'servicediscovery';

export interface ApiCall {
  service: AwsService;
  operation: string;
  input: Record<string, unknown>;
  /** Where in the answer (dot path) this call reports the object's ARN or id. */
  outputs?: Partial<Record<Ref['attr'], string>>;
}

export type StepAction = 'create' | 'update' | 'replace' | 'delete' | 'tag';

export interface Step {
  id: string;
  key: ResourceKey;
  action: StepAction;
  description: string;
  calls: ApiCall[];
  /** Ids of steps that must succeed first. */
  dependsOn: string[];
  /** After a replacement's delete: wait until the old ECS service is INACTIVE before creating. */
  waitForInactive?: { cluster: string; service: string };
}

export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

export type ResourceAction = 'none' | 'create' | 'update' | 'replace' | 'delete' | 'conflict' | 'stalled' | 'prune-skipped';

export interface ResourcePlan {
  key: ResourceKey;
  kind: Kind;
  name: string;
  awsName: string;
  action: ResourceAction;
  sync: SyncStatus;
  health: Health;
  changes: FieldChange[];
  /** Normalised desired and live bodies, for the YAML diff; absent on the missing side. */
  desired?: Canonical;
  live?: Canonical;
  message?: string;
  /** The live object's ARN or id, when it exists. */
  liveId?: string;
}

export interface Plan {
  resources: ResourcePlan[];
  steps: Step[];
}

export interface PruneOptions {
  enabled: boolean;
  /** Allow a plan that deletes every object the controller owns. */
  allowEmpty: boolean;
  maxDeletesPerSync: number;
}

export interface PlanOptions {
  controllerId: string;
  prune: PruneOptions;
  /**
   * Plan only these documents (a partial reconcile; see core/scope.ts). Pruning needs
   * the whole picture, so a scoped plan never deletes anything.
   */
  scope?: ReadonlySet<string>;
}

// ---------------------------------------------------------------- helpers

type Obj = Record<string, unknown>;

function tagDiff(want: Tags, live: Tags): { set: Tags; remove: string[] } {
  const set: Tags = {};
  for (const [k, v] of Object.entries(want)) if (live[k] !== v) set[k] = v;
  const remove = Object.keys(userTags(live)).filter((k) => !(k in want));
  return { set, remove };
}

function tagChanges(want: Tags, live: Tags): FieldChange[] {
  const { set, remove } = tagDiff(want, live);
  return [
    ...Object.entries(set).map(([k, v]) => (live[k] === undefined ? { path: `spec.tags.${k}`, to: v } : { path: `spec.tags.${k}`, from: live[k], to: v })),
    ...remove.map((k) => ({ path: `spec.tags.${k}`, from: live[k] })),
  ];
}

function ecsTagCalls(arn: string | Ref, set: Tags, remove: string[]): ApiCall[] {
  const calls: ApiCall[] = [];
  if (Object.keys(set).length) calls.push({ service: 'ecs', operation: 'TagResource', input: { resourceArn: arn, tags: toTagList(set) } });
  if (remove.length) calls.push({ service: 'ecs', operation: 'UntagResource', input: { resourceArn: arn, tagKeys: remove } });
  return calls;
}

function cloudMapTagCalls(arn: string, set: Tags, remove: string[]): ApiCall[] {
  const calls: ApiCall[] = [];
  if (Object.keys(set).length) calls.push({ service: 'servicediscovery', operation: 'TagResource', input: { ResourceARN: arn, Tags: toCloudMapTags(set) } });
  if (remove.length) calls.push({ service: 'servicediscovery', operation: 'UntagResource', input: { ResourceARN: arn, TagKeys: remove } });
  return calls;
}

type Ownership = { owned: true; adopting: boolean } | { owned: false; message: string };

function ownership(resource: Resource, liveOwner: string | undefined, controllerId: string): Ownership {
  if (liveOwner === controllerId) return { owned: true, adopting: false };
  if (liveOwner !== undefined) {
    return { owned: false, message: `exists and is owned by controller "${liveOwner}"; refusing to change it` };
  }
  if (annotationIsTrue(resource, ADOPT_ANNOTATION)) return { owned: true, adopting: true };
  return {
    owned: false,
    message: `exists in AWS but was not created by this controller; add the annotation ${ADOPT_ANNOTATION}: "true" to adopt it`,
  };
}

function ignoredPointers(resource: Resource): string[] {
  const raw = annotation(resource, IGNORE_DIFFERENCES_ANNOTATION);
  if (!raw) return [];
  return raw.split(/[\s,]+/).filter((p) => p.startsWith('/'));
}

function immutableChange(kind: Kind, changes: FieldChange[]): string | undefined {
  for (const field of IMMUTABLE_FIELDS[kind]) {
    const prefix = `spec.${field}`;
    const hit = changes.find((c) => c.path === prefix || c.path.startsWith(prefix + '.') || c.path.startsWith(prefix + '['));
    if (hit) return hit.path;
  }
  return undefined;
}

/** Top-level spec fields touched by a list of changes. */
function changedFields(changes: FieldChange[]): Set<string> {
  return new Set(changes.map((c) => /^spec\.([^.[]+)/.exec(c.path)?.[1]).filter((f): f is string => !!f && f !== 'tags'));
}

const idempotencyToken = (...parts: unknown[]) => contentHash(...parts);

// ---------------------------------------------------------------- the planner

export function planSync(desired: DesiredState, live: LiveState, options: PlanOptions): Plan {
  const planner = new Planner(desired, live, options);
  return planner.run();
}

class Planner {
  private readonly resources: ResourcePlan[] = [];
  private readonly steps: Step[] = [];
  /** ARN or id of the live object each desired resource matched; unmatched owned objects are prune candidates. */
  private readonly matched = new Set<string>();
  /** Per resource key, the step that creates or replaces it (for dependencies). */
  private readonly producer = new Map<string, string>();

  constructor(
    private readonly desired: DesiredState,
    private readonly live: LiveState,
    private readonly options: PlanOptions,
  ) {}

  run(): Plan {
    for (const kind of KINDS) {
      for (const resource of this.desired.resources.values()) {
        if (resource.kind !== kind) continue;
        if (this.options.scope && !this.options.scope.has(resourceKey(resource.kind, resource.metadata.name))) continue;
        switch (kind) {
          case 'CloudMapNamespace': this.namespace(resource); break;
          case 'CloudMapService': this.cloudMapService(resource); break;
          case 'Cluster': this.cluster(resource); break;
          case 'TaskDefinition': this.taskDefinition(resource); break;
          case 'Service': this.service(resource); break;
          case 'CloudMapInstance': this.instance(resource); break;
        }
      }
    }
    if (!this.options.scope) this.prune();
    return { resources: this.resources, steps: this.steps };
  }

  private doc(kind: Kind, name: unknown): Resource | undefined {
    return typeof name === 'string' ? this.desired.resources.get(resourceKey(kind, name)) : undefined;
  }

  private addStep(step: Omit<Step, 'id' | 'dependsOn'> & { dependsOn?: string[] }): string {
    const id = `${step.action} ${step.key}`;
    this.steps.push({ ...step, id, dependsOn: [...new Set(step.dependsOn ?? [])] });
    if (step.action === 'create' || step.action === 'replace') this.producer.set(step.key, id);
    return id;
  }

  /** The step that creates `key` in this plan, if any: a dependency for whoever refers to it. */
  private after(...keys: string[]): string[] {
    return keys.map((k) => this.producer.get(k)).filter((id): id is string => !!id);
  }

  private base(resource: Resource): Pick<ResourcePlan, 'key' | 'kind' | 'name' | 'awsName'> {
    return { key: resourceKey(resource.kind, resource.metadata.name), kind: resource.kind, name: resource.metadata.name, awsName: awsName(resource) };
  }

  /**
   * The common path of every kind: compare, check ownership and immutability, and decide.
   * Returns what the kind-specific code needs to emit its calls, or undefined when the
   * resource is settled (in sync, conflict or stalled).
   */
  private compare(
    resource: Resource,
    liveState: { id: string; owner: string | undefined; tags: Tags } | undefined,
    desiredBody: Canonical,
    liveBody: Canonical | undefined,
    health: Health,
    tagsWanted: Tags | undefined,
  ): { action: 'create' | 'update' | 'replace'; changes: FieldChange[]; tagSet: Tags; tagRemove: string[]; adopting: boolean } | undefined {
    const base = this.base(resource);
    const ignore = ignoredPointers(resource);
    const want = withoutPointers(desiredBody, ignore);
    if (!liveState || liveBody === undefined) {
      this.resources.push({ ...base, action: 'create', sync: 'OutOfSync', health: MISSING, changes: diffObjects(want, undefined), desired: want });
      return { action: 'create', changes: [], tagSet: {}, tagRemove: [], adopting: false };
    }
    this.matched.add(liveState.id);
    const have = withoutPointers(liveBody, ignore);
    const owner = ownership(resource, liveState.owner, this.options.controllerId);
    const shared = { ...base, desired: want, live: have, health, liveId: liveState.id };
    if (!owner.owned) {
      this.resources.push({ ...shared, action: 'conflict', sync: 'OutOfSync', changes: diffObjects(want, have), message: owner.message });
      return undefined;
    }
    const tags = tagsWanted ? tagDiff(tagsWanted, liveState.tags) : { set: {}, remove: [] };
    const changes = [...diffObjects(want, have), ...(tagsWanted ? tagChanges(userTags(tagsWanted), userTags(liveState.tags)) : [])];
    const immutable = immutableChange(resource.kind, changes);
    if (immutable && !annotationIsTrue(resource, ALLOW_REPLACE_ANNOTATION)) {
      this.resources.push({
        ...shared,
        action: 'stalled',
        sync: 'OutOfSync',
        changes,
        message: `${immutable} cannot be changed in place; add the annotation ${ALLOW_REPLACE_ANNOTATION}: "true" to replace the object`,
      });
      return undefined;
    }
    const action = immutable ? 'replace' : changes.length > 0 || Object.keys(tags.set).length > 0 || tags.remove.length > 0 ? 'update' : 'none';
    this.resources.push({
      ...shared,
      action,
      sync: action === 'none' ? 'Synced' : 'OutOfSync',
      changes,
      ...(owner.adopting && action !== 'none' ? { message: 'adopting an existing object' } : {}),
    });
    if (action === 'none') return undefined;
    return { action, changes, tagSet: tags.set, tagRemove: tags.remove, adopting: owner.adopting };
  }

  // ------------------------------------------------------------ Cloud Map namespace

  private namespace(resource: Resource): void {
    const name = awsName(resource);
    const key = resourceKey(resource.kind, resource.metadata.name);
    const live = this.live.namespaces.get(name);
    const spec = specBody(resource);
    const tags = desiredTags(resource, this.options.controllerId);
    // The SOA TTL has a default Cloud Map picks; compare it only when the document sets one.
    const liveNamespace = live && canonicalNamespace(liveNamespaceSpec(live.raw));
    if (liveNamespace && spec.properties === undefined) delete liveNamespace.properties;
    const decision = this.compare(
      resource,
      live && { id: live.id, owner: live.tags[OWNER_TAG], tags: live.tags },
      canonicalNamespace(spec),
      liveNamespace,
      live ? HEALTHY : MISSING,
      tags,
    );
    if (!decision) return;
    const type = String(spec.type);
    const operationType = type === 'HTTP' ? 'Http' : type === 'DNS_PRIVATE' ? 'PrivateDns' : 'PublicDns';
    if (decision.action === 'create' || decision.action === 'replace') {
      const input: Obj = {
        Name: name,
        CreatorRequestId: idempotencyToken(key, this.options.controllerId, canonicalNamespace(spec)),
        Description: spec.description,
        Tags: toCloudMapTags(tags),
      };
      if (type === 'DNS_PRIVATE') input.Vpc = spec.vpc;
      if (type !== 'HTTP' && spec.properties) input.Properties = pascalKeys(spec.properties);
      const calls: ApiCall[] = [];
      if (decision.action === 'replace' && live) calls.push({ service: 'servicediscovery', operation: 'DeleteNamespace', input: { Id: live.id } });
      calls.push({ service: 'servicediscovery', operation: `Create${operationType}Namespace`, input, outputs: { id: 'operation.Targets.NAMESPACE' } });
      this.addStep({ key, action: decision.action, description: `${decision.action} ${type} namespace ${name}`, calls });
      return;
    }
    const calls: ApiCall[] = [];
    if (changedFields(decision.changes).size > 0) {
      const update: Obj = { Description: spec.description ?? '' };
      const ttl = (((spec.properties as Obj | undefined)?.dnsProperties as Obj | undefined)?.soa as Obj | undefined)?.ttl;
      if (type !== 'HTTP' && ttl !== undefined) update.Properties = { DnsProperties: { SOA: { TTL: ttl } } };
      calls.push({ service: 'servicediscovery', operation: `Update${operationType}Namespace`, input: { Id: live!.id, UpdaterRequestId: idempotencyToken(key, 'update', update), Namespace: update } });
    }
    calls.push(...cloudMapTagCalls(live!.arn, decision.tagSet, decision.tagRemove));
    this.addStep({ key, action: 'update', description: `update namespace ${name}`, calls });
  }

  // ------------------------------------------------------------ Cloud Map service

  private cloudMapService(resource: Resource): void {
    const name = awsName(resource);
    const key = resourceKey(resource.kind, resource.metadata.name);
    const namespaceDoc = this.doc('CloudMapNamespace', resource.spec.namespace)!;
    const namespaceKey = resourceKey('CloudMapNamespace', namespaceDoc.metadata.name);
    const liveNamespace = this.live.namespaces.get(awsName(namespaceDoc));
    const live = liveNamespace ? this.live.cloudMapServices.get(`${liveNamespace.id}/${name}`) : undefined;
    const spec = specBody(resource, 'namespace');
    const tags = desiredTags(resource, this.options.controllerId);
    const decision = this.compare(
      resource,
      live && { id: live.arn, owner: live.tags[OWNER_TAG], tags: live.tags },
      canonicalCloudMapService(spec),
      live && canonicalCloudMapService(liveCloudMapServiceSpec(live.raw)),
      live ? HEALTHY : MISSING,
      tags,
    );
    if (!decision) return;
    if (decision.action === 'create' || decision.action === 'replace') {
      const body = pascalKeys(spec) as Obj;
      if (body.HealthCheckCustomConfig) body.HealthCheckCustomConfig = {};
      const input: Obj = {
        ...body,
        Name: name,
        NamespaceId: liveNamespace?.id ?? ({ $ref: namespaceKey, attr: 'id' } satisfies Ref),
        CreatorRequestId: idempotencyToken(key, this.options.controllerId, canonicalCloudMapService(spec)),
        Tags: toCloudMapTags(tags),
      };
      const calls: ApiCall[] = [];
      if (decision.action === 'replace' && live) calls.push({ service: 'servicediscovery', operation: 'DeleteService', input: { Id: live.id } });
      calls.push({ service: 'servicediscovery', operation: 'CreateService', input, outputs: { id: 'Service.Id', arn: 'Service.Arn' } });
      this.addStep({ key, action: decision.action, description: `${decision.action} Cloud Map service ${name}`, calls, dependsOn: this.after(namespaceKey) });
      return;
    }
    const calls: ApiCall[] = [];
    if (changedFields(decision.changes).size > 0) {
      const update: Obj = { Description: spec.description ?? '' };
      const dns = spec.dnsConfig as Obj | undefined;
      if (dns) update.DnsConfig = { DnsRecords: pascalKeys(dns.dnsRecords) };
      if (spec.healthCheckConfig) update.HealthCheckConfig = pascalKeys(spec.healthCheckConfig);
      calls.push({ service: 'servicediscovery', operation: 'UpdateService', input: { Id: live!.id, Service: update } });
    }
    calls.push(...cloudMapTagCalls(live!.arn, decision.tagSet, decision.tagRemove));
    this.addStep({ key, action: 'update', description: `update Cloud Map service ${name}`, calls });
  }

  // ------------------------------------------------------------ Cluster

  private cluster(resource: Resource): void {
    const name = awsName(resource);
    const key = resourceKey(resource.kind, resource.metadata.name);
    const live = this.live.clusters.get(name);
    const spec = specBody(resource);
    const tags = desiredTags(resource, this.options.controllerId);
    const decision = this.compare(
      resource,
      live && { id: live.arn, owner: live.tags[OWNER_TAG], tags: live.tags },
      canonicalCluster(spec),
      live && canonicalCluster(liveClusterSpec(live.raw)),
      live ? (live.raw.status === 'ACTIVE' ? HEALTHY : { status: 'Degraded', message: `cluster is ${live.raw.status}` }) : MISSING,
      tags,
    );
    if (!decision) return;
    if (decision.action !== 'update') {
      this.addStep({
        key,
        action: 'create',
        description: `create cluster ${name}`,
        calls: [{ service: 'ecs', operation: 'CreateCluster', input: { ...spec, clusterName: name, tags: toTagList(tags) }, outputs: { arn: 'cluster.clusterArn' } }],
      });
      return;
    }
    const fields = changedFields(decision.changes);
    const calls: ApiCall[] = [];
    if (fields.has('settings') || fields.has('configuration') || fields.has('serviceConnectDefaults')) {
      const settings = (spec.settings as Obj[] | undefined) ?? [];
      const input: Obj = {
        cluster: name,
        settings: settings.some((s) => s.name === 'containerInsights') ? settings : [...settings, { name: 'containerInsights', value: 'disabled' }],
      };
      if (spec.configuration) input.configuration = spec.configuration;
      if (spec.serviceConnectDefaults) input.serviceConnectDefaults = spec.serviceConnectDefaults;
      calls.push({ service: 'ecs', operation: 'UpdateCluster', input });
    }
    if (fields.has('capacityProviders') || fields.has('defaultCapacityProviderStrategy')) {
      calls.push({
        service: 'ecs',
        operation: 'PutClusterCapacityProviders',
        input: { cluster: name, capacityProviders: spec.capacityProviders ?? [], defaultCapacityProviderStrategy: spec.defaultCapacityProviderStrategy ?? [] },
      });
    }
    calls.push(...ecsTagCalls(live!.arn, decision.tagSet, decision.tagRemove));
    this.addStep({ key, action: 'update', description: `update cluster ${name}`, calls });
  }

  // ------------------------------------------------------------ TaskDefinition

  /**
   * The revision carrying the desired content, found without describing anything when a
   * service the controller deployed records it in its tags; otherwise among the revisions
   * the reader described.
   */
  revisionFor(resource: Resource): { arn: string; hash: string } | undefined {
    const hash = taskDefinitionHash(resource);
    const key = revisionKey(awsName(resource), hash);
    const index = this.revisions();
    const arn = index.recordedOnServices.get(key) ?? index.taggedRevisions.get(key);
    return arn ? { arn, hash } : undefined;
  }

  private revisionIndex: RevisionIndex | undefined;

  /** Built once per plan: which revision carries which content, and what services run. */
  private revisions(): RevisionIndex {
    return (this.revisionIndex ??= revisionIndex(this.live));
  }

  private taskDefinition(resource: Resource): void {
    const family = awsName(resource);
    const key = resourceKey(resource.kind, resource.metadata.name);
    const base = this.base(resource);
    const hash = taskDefinitionHash(resource);
    const desiredBody = desiredTaskDefinition(resource);
    const found = this.revisionFor(resource);
    if (found) {
      this.matched.add(found.arn);
      this.resources.push({ ...base, action: 'none', sync: 'Synced', health: HEALTHY, changes: [], desired: desiredBody, live: desiredBody, liveId: found.arn, message: `revision ${revisionOf(found.arn)}` });
      return;
    }
    // The revision to compare with: what this family's services run now, else the newest.
    const current = this.currentRevision(family);
    const liveBody = current && canonicalTaskDefinition(liveTaskDefinitionSpec(current.raw));
    const changes = diffObjects(desiredBody, liveBody);
    this.resources.push({
      ...base,
      action: current ? 'update' : 'create',
      sync: 'OutOfSync',
      health: current ? HEALTHY : MISSING,
      changes: changes.length ? changes : [{ path: `metadata.annotations.${SPEC_HASH_TAG}`, to: hash }],
      desired: desiredBody,
      live: liveBody,
      liveId: current?.arn,
      message: current ? `registers a new revision after ${revisionOf(current.arn)}` : 'registers the first revision',
    });
    const spec = specBody(resource);
    const input: Obj = { ...spec, family, tags: toTagList({ ...desiredTags(resource, this.options.controllerId), [SPEC_HASH_TAG]: hash }) };
    if (spec.cpu !== undefined) input.cpu = String(spec.cpu);
    if (spec.memory !== undefined) input.memory = String(spec.memory);
    this.addStep({
      key,
      action: 'create',
      description: `register task definition ${family}`,
      calls: [{ service: 'ecs', operation: 'RegisterTaskDefinition', input, outputs: { arn: 'taskDefinition.taskDefinitionArn' } }],
    });
  }

  private currentRevision(family: string) {
    const running = [...(this.revisions().runningByFamily.get(family) ?? [])].find((arn) => this.live.taskDefinitions.has(arn));
    if (running) return this.live.taskDefinitions.get(running);
    const latest = this.live.latestRevision.get(family);
    return latest ? this.live.taskDefinitions.get(latest) : undefined;
  }

  // ------------------------------------------------------------ Service

  private service(resource: Resource): void {
    const name = awsName(resource);
    const key = resourceKey(resource.kind, resource.metadata.name);
    const clusterDoc = this.doc('Cluster', resource.spec.cluster)!;
    const cluster = awsName(clusterDoc);
    const tdDoc = this.doc('TaskDefinition', resource.spec.taskDefinition)!;
    const tdKey = resourceKey('TaskDefinition', tdDoc.metadata.name);
    const revision = this.revisionFor(tdDoc);
    const family = awsName(tdDoc);
    const live = this.live.services.get(`${cluster}/${name}`);
    const spec = specBody(resource, 'cluster');

    const registryDocs = ((spec.serviceRegistries as Obj[] | undefined) ?? []).map((r) => this.doc('CloudMapService', r.cloudMapService)!);
    const registryNames = this.registryNames();
    const wantedRevision = revision ? revisionOf(revision.arn)! : `${family}:<next>`;
    const desiredBody = canonicalService(spec, { taskDefinition: wantedRevision, registries: registryDocs.map((d) => d.metadata.name) });
    let liveBody: Canonical | undefined;
    if (live && live.raw.status === 'ACTIVE') {
      const mapped = liveServiceSpec(live.raw, registryNames);
      liveBody = ignoreUnsetServiceFields(spec, canonicalService(mapped.spec, mapped.refs));
    }
    const active = live && live.raw.status === 'ACTIVE' ? live : undefined;
    const health = serviceHealth(active?.raw, revision ? revisionOf(revision.arn) : undefined);
    const tdTags: Tags = { [TASK_DEFINITION_HASH_TAG]: taskDefinitionHash(tdDoc) };
    const tags = desiredTags(resource, this.options.controllerId);
    if (live && live.raw.status === 'DRAINING') {
      this.resources.push({ ...this.base(resource), action: 'create', sync: 'OutOfSync', health, changes: [], desired: desiredBody, message: 'a deleted service of this name is still draining; it will be created once ECS has finished' });
      return;
    }
    // ECS rolled this very revision back: deploying it again would fail again. Wait for a commit.
    if (active && health.reason === 'RolledBack' && active.tags[TASK_DEFINITION_TAG] === wantedRevision && active.tags[OWNER_TAG] === this.options.controllerId) {
      this.matched.add(active.arn);
      this.resources.push({
        ...this.base(resource), action: 'stalled', sync: 'OutOfSync', health, desired: desiredBody, ...(liveBody ? { live: liveBody } : {}),
        changes: diffObjects(desiredBody, liveBody), liveId: active.arn,
        message: `ECS rolled back ${wantedRevision}; not deploying it again — fix or revert it in git`,
      });
      return;
    }
    const decision = this.compare(
      resource,
      active && { id: active.arn, owner: active.tags[OWNER_TAG], tags: active.tags },
      desiredBody,
      liveBody,
      health,
      tags,
    );
    if (!decision) {
      this.recordRevisionTags(active, revision, tdTags, key);
      return;
    }

    const taskDefinition: string | Ref = revision?.arn ?? { $ref: tdKey, attr: 'arn' };
    const revisionTag: string | Ref = revision ? revisionOf(revision.arn)! : { $ref: tdKey, attr: 'arn', format: 'revision' };
    const registries = ((spec.serviceRegistries as Obj[] | undefined) ?? []).map((r, i) => {
      const { cloudMapService: _doc, ...rest } = r;
      const doc = registryDocs[i];
      return { ...rest, registryArn: this.cloudMapServiceArn(doc) ?? ({ $ref: resourceKey('CloudMapService', doc.metadata.name), attr: 'arn' } satisfies Ref) };
    });
    const dependsOn = this.after(tdKey, resourceKey('Cluster', clusterDoc.metadata.name), ...registryDocs.map((d) => resourceKey('CloudMapService', d.metadata.name)));

    if (decision.action === 'create' || decision.action === 'replace') {
      const input: Obj = {
        ...spec,
        cluster,
        serviceName: name,
        taskDefinition,
        serviceRegistries: registries.length ? registries : undefined,
        tags: [...toTagList(tags), { key: TASK_DEFINITION_HASH_TAG, value: tdTags[TASK_DEFINITION_HASH_TAG] }, { key: TASK_DEFINITION_TAG, value: revisionTag }],
        // From the content, not from whether this plan already saw the revision: a create
        // repeated before AWS lists the service (a crash, eventual consistency) sends the
        // same token, and ECS answers with the service the first call created.
        clientToken: idempotencyToken(key, canonicalService(spec, { taskDefinition: family, registries: registryDocs.map((d) => d.metadata.name) }), tdTags).slice(0, 32),
      };
      if (spec.schedulingStrategy !== 'DAEMON' && input.desiredCount === undefined) input.desiredCount = 1;
      const calls: ApiCall[] = [];
      let waitForInactive: Step['waitForInactive'];
      if (decision.action === 'replace' && active) {
        if ((active.raw.desiredCount ?? 0) > 0) calls.push({ service: 'ecs', operation: 'UpdateService', input: { cluster, service: name, desiredCount: 0 } });
        calls.push({ service: 'ecs', operation: 'DeleteService', input: { cluster, service: name } });
        waitForInactive = { cluster, service: name };
      }
      calls.push({ service: 'ecs', operation: 'CreateService', input, outputs: { arn: 'service.serviceArn' } });
      this.addStep({ key, action: decision.action, description: `${decision.action} service ${cluster}/${name}`, calls, dependsOn, ...(waitForInactive ? { waitForInactive } : {}) });
      return;
    }

    const fields = changedFields(decision.changes);
    const calls: ApiCall[] = [];
    if (fields.size > 0) {
      const input: Obj = { cluster, service: name };
      for (const field of fields) input[field] = serviceUpdateValue(field, spec, taskDefinition, registries);
      calls.push({ service: 'ecs', operation: 'UpdateService', input });
    }
    // One tag write records the revision deployed together with any tag changes.
    const set: Tags = { ...decision.tagSet };
    const tagInput: { key: string; value: string | Ref }[] = toTagList(set);
    if (fields.has('taskDefinition') || active!.tags[TASK_DEFINITION_HASH_TAG] !== tdTags[TASK_DEFINITION_HASH_TAG] || active!.tags[TASK_DEFINITION_TAG] !== revisionOf(active!.raw.taskDefinition)) {
      tagInput.push({ key: TASK_DEFINITION_HASH_TAG, value: tdTags[TASK_DEFINITION_HASH_TAG] }, { key: TASK_DEFINITION_TAG, value: revisionTag });
    }
    if (tagInput.length) calls.push({ service: 'ecs', operation: 'TagResource', input: { resourceArn: active!.arn, tags: tagInput } });
    if (decision.tagRemove.length) calls.push({ service: 'ecs', operation: 'UntagResource', input: { resourceArn: active!.arn, tagKeys: decision.tagRemove } });
    this.addStep({ key, action: 'update', description: `update service ${cluster}/${name}`, calls, dependsOn });
  }

  /**
   * A service in sync whose tags do not yet record its revision (adopted, or deployed
   * before the tags existed) gets them, so the next run needs no DescribeTaskDefinition.
   */
  private recordRevisionTags(active: LiveService | undefined, revision: { arn: string; hash: string } | undefined, tdTags: Tags, key: ResourceKey): void {
    if (!active || !revision || active.tags[OWNER_TAG] !== this.options.controllerId) return;
    if (active.raw.taskDefinition !== revision.arn) return;
    const want = { ...tdTags, [TASK_DEFINITION_TAG]: revisionOf(revision.arn)! };
    if (Object.entries(want).every(([k, v]) => active.tags[k] === v)) return;
    this.addStep({ key, action: 'tag', description: `record the deployed revision on service ${active.cluster}/${active.name}`, calls: ecsTagCalls(active.arn, want, []) });
  }

  private registryNamesByArn: Map<string, string> | undefined;

  /** Cloud Map service ARN → the name of the document it belongs to, built once per plan. */
  private registryNames(): Map<string, string> {
    if (this.registryNamesByArn) return this.registryNamesByArn;
    this.registryNamesByArn = new Map();
    for (const doc of this.desired.resources.values()) {
      if (doc.kind !== 'CloudMapService') continue;
      const arn = this.cloudMapServiceArn(doc);
      if (arn) this.registryNamesByArn.set(arn, doc.metadata.name);
    }
    return this.registryNamesByArn;
  }

  private cloudMapServiceArn(doc: Resource): string | undefined {
    const ns = this.doc('CloudMapNamespace', doc.spec.namespace);
    const liveNs = ns && this.live.namespaces.get(awsName(ns));
    return liveNs ? this.live.cloudMapServices.get(`${liveNs.id}/${awsName(doc)}`)?.arn : undefined;
  }

  // ------------------------------------------------------------ Cloud Map instance

  private instance(resource: Resource): void {
    const key = resourceKey(resource.kind, resource.metadata.name);
    const id = awsName(resource);
    const serviceDoc = this.doc('CloudMapService', resource.spec.service)!;
    const serviceKey = resourceKey('CloudMapService', serviceDoc.metadata.name);
    const ns = this.doc('CloudMapNamespace', serviceDoc.spec.namespace)!;
    const liveNs = this.live.namespaces.get(awsName(ns));
    const liveService = liveNs ? this.live.cloudMapServices.get(`${liveNs.id}/${awsName(serviceDoc)}`) : undefined;
    const live = liveService ? this.live.instances.get(`${liveService.id}/${id}`) : undefined;
    const attributes = (resource.spec.attributes as Record<string, string>) ?? {};
    const decision = this.compare(
      resource,
      live && { id: `${live.serviceId}/${live.id}`, owner: live.attributes[OWNER_ATTRIBUTE], tags: {} },
      canonicalInstance(resource.spec),
      live && canonicalInstance({ attributes: live.attributes }),
      live ? HEALTHY : MISSING,
      undefined,
    );
    if (!decision) return;
    const withOwner = { ...attributes, [OWNER_ATTRIBUTE]: this.options.controllerId };
    this.addStep({
      key,
      action: decision.action === 'update' ? 'update' : 'create',
      description: `register instance ${id}`,
      calls: [{
        service: 'servicediscovery',
        operation: 'RegisterInstance',
        input: {
          ServiceId: liveService?.id ?? ({ $ref: serviceKey, attr: 'id' } satisfies Ref),
          InstanceId: id,
          Attributes: withOwner,
          CreatorRequestId: idempotencyToken(key, withOwner),
        },
      }],
      dependsOn: this.after(serviceKey),
    });
  }

  // ------------------------------------------------------------ pruning

  private prune(): void {
    const { controllerId, prune } = this.options;
    /** `parent` names the object this one lives in (cluster name, namespace id, Cloud Map service id); `self` how children name it. */
    interface Candidate { key: ResourceKey; kind: Kind; awsName: string; id: string; protectedByTag: boolean; calls: ApiCall[]; parent?: string; self: string }
    const candidates: Candidate[] = [];
    const owned = (tags: Tags) => tags[OWNER_TAG] === controllerId;
    const keyOf = (tags: Tags, kind: Kind, fallback: string) => (tags[RESOURCE_TAG] as ResourceKey | undefined) ?? resourceKey(kind, fallback);
    let ownedCount = 0;

    // Children before parents, so each delete can depend on the deletes inside it.
    for (const i of this.live.instances.values()) {
      if (i.attributes[OWNER_ATTRIBUTE] !== controllerId) continue;
      ownedCount++;
      if (this.matched.has(`${i.serviceId}/${i.id}`)) continue;
      candidates.push({ key: resourceKey('CloudMapInstance', i.id), kind: 'CloudMapInstance', awsName: i.id, id: `${i.serviceId}/${i.id}`, protectedByTag: false, parent: i.serviceId, self: i.id,
        calls: [{ service: 'servicediscovery', operation: 'DeregisterInstance', input: { ServiceId: i.serviceId, InstanceId: i.id } }] });
    }
    for (const s of this.live.services.values()) {
      if (!owned(s.tags) || s.raw.status !== 'ACTIVE') continue;
      ownedCount++;
      if (this.matched.has(s.arn)) continue;
      const calls: ApiCall[] = [];
      // Scale to zero first, so tasks stop through a normal deployment rather than a forced delete.
      if ((s.raw.desiredCount ?? 0) > 0) calls.push({ service: 'ecs', operation: 'UpdateService', input: { cluster: s.cluster, service: s.name, desiredCount: 0 } });
      calls.push({ service: 'ecs', operation: 'DeleteService', input: { cluster: s.cluster, service: s.name } });
      candidates.push({ key: keyOf(s.tags, 'Service', s.name), kind: 'Service', awsName: `${s.cluster}/${s.name}`, id: s.arn, protectedByTag: s.tags[PRUNE_TAG] === 'disabled', calls, parent: s.cluster, self: s.arn });
    }
    for (const c of this.live.clusters.values()) {
      if (!owned(c.tags) || c.raw.status !== 'ACTIVE') continue;
      ownedCount++;
      if (this.matched.has(c.arn)) continue;
      candidates.push({ key: keyOf(c.tags, 'Cluster', c.name), kind: 'Cluster', awsName: c.name, id: c.arn, protectedByTag: c.tags[PRUNE_TAG] === 'disabled', self: c.name,
        calls: [{ service: 'ecs', operation: 'DeleteCluster', input: { cluster: c.name } }] });
    }
    for (const s of this.live.cloudMapServices.values()) {
      if (!owned(s.tags)) continue;
      ownedCount++;
      if (this.matched.has(s.arn)) continue;
      candidates.push({ key: keyOf(s.tags, 'CloudMapService', s.name), kind: 'CloudMapService', awsName: s.name, id: s.arn, protectedByTag: s.tags[PRUNE_TAG] === 'disabled', parent: s.namespaceId, self: s.id,
        calls: [{ service: 'servicediscovery', operation: 'DeleteService', input: { Id: s.id } }] });
    }
    for (const n of this.live.namespaces.values()) {
      if (!owned(n.tags)) continue;
      ownedCount++;
      if (this.matched.has(n.id)) continue;
      candidates.push({ key: keyOf(n.tags, 'CloudMapNamespace', n.name), kind: 'CloudMapNamespace', awsName: n.name, id: n.id, protectedByTag: n.tags[PRUNE_TAG] === 'disabled', self: n.id,
        calls: [{ service: 'servicediscovery', operation: 'DeleteNamespace', input: { Id: n.id } }] });
    }
    if (candidates.length === 0) return;

    const everything = candidates.length === ownedCount;
    let budget = prune.maxDeletesPerSync;
    const deletesIn = new Map<string, string[]>();
    for (const c of candidates) {
      const base = { key: c.key, kind: c.kind, name: c.key.slice(c.key.indexOf('/') + 1), awsName: c.awsName, sync: 'OutOfSync' as const, health: HEALTHY, changes: [], liveId: c.id };
      let skip: string | undefined;
      if (!prune.enabled) skip = 'no longer in git; pruning is off (enable it with --prune)';
      else if (c.protectedByTag) skip = `no longer in git; kept because its tag ${PRUNE_TAG}=disabled protects it`;
      else if (everything && !prune.allowEmpty) skip = 'no longer in git; kept because this sync would delete every object the controller owns (allow it with allowEmpty)';
      else if (budget <= 0) skip = `no longer in git; deferred: at most ${prune.maxDeletesPerSync} deletions per sync`;
      if (skip) {
        this.resources.push({ ...base, action: 'prune-skipped', message: skip });
        continue;
      }
      budget--;
      this.resources.push({ ...base, action: 'delete', message: 'no longer in git; pruning' });
      const id = this.addStep({ key: c.key, action: 'delete', description: `delete ${c.kind} ${c.awsName}`, calls: c.calls, dependsOn: deletesIn.get(c.self) ?? [] });
      if (c.parent) deletesIn.set(c.parent, [...(deletesIn.get(c.parent) ?? []), id]);
    }
  }
}

/** The UpdateService value for a changed field; a field removed from git goes back to AWS's default. */
function serviceUpdateValue(field: string, spec: Obj, taskDefinition: string | Ref, registries: Obj[]): unknown {
  switch (field) {
    case 'taskDefinition': return taskDefinition;
    case 'serviceRegistries': return registries;
    case 'loadBalancers':
    case 'placementConstraints':
    case 'placementStrategy':
    case 'capacityProviderStrategy': return spec[field] ?? [];
    case 'deploymentConfiguration': return spec[field] ?? { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false } };
    case 'healthCheckGracePeriodSeconds': return spec[field] ?? 0;
    case 'enableECSManagedTags':
    case 'enableExecuteCommand': return spec[field] ?? false;
    case 'propagateTags': return spec[field] ?? 'NONE';
    default: return spec[field];
  }
}
