/**
 * Service: an ECS service in a cluster, running a task-definition revision and perhaps
 * registering its tasks in Cloud Map services. Its name, launch type, scheduling
 * strategy, role and deployment controller are create-only; the rest changes through
 * UpdateService, tags through TagResource. The revision deployed and its content hash are
 * recorded in the service's tags, so a resync needs no DescribeTaskDefinition. Healthy
 * only when the PRIMARY deployment runs the wanted revision to completion. Pruned by
 * scaling to zero, then deleting.
 */
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import type { Resource, ResourceKey } from '../../api/kinds.js';
import { resourceKey, specOf } from '../../api/kinds.js';
import type { ServiceSpec } from '../../api/specs.js';
import { awsName, desiredTags, specBody } from '../desired.js';
import { lastSegment, revisionOf, type LiveService, type LiveState } from '../live.js';
import { canonical, json, pick, sortBy, sorted, withFields, withoutDefaults, type Canonical } from '../normalize.js';
import type { ApiCall, Ref, Step } from '../plan.js';
import { APPLICATION_TAG, OWNER_TAG, OWNERSHIP_TAGS, TASK_DEFINITION_HASH_TAG, TASK_DEFINITION_TAG, toTagList, type Tags } from '../tags.js';
import { changedFields, ecsTagCalls, idempotencyToken, ownerKey, pruneDisabled } from './calls.js';
import { taskDefinitionHash } from './task-definition.js';
import { serviceHealth } from './service-health.js';
import {
  canonicalServiceConnect, canonicalVolumes, liveLaunchFields, primaryDeployment, serviceConnectInput, type NamespaceNaming,
} from './service-connect.js';
import { namespaceNames } from './cluster.js';
import type { Comparison, Decision, KindModule, PlanContext } from './types.js';

/** The spec without identity (name, cluster) and ownership (tags). */
export type ServiceBody = Omit<ServiceSpec, 'serviceName' | 'cluster' | 'tags'>;
type DeploymentConfiguration = NonNullable<ServiceBody['deploymentConfiguration']>;

// ---------------------------------------------------------------- AWS's truth

/** Fields a live service shows that a user may set; `cluster` and the name are identity. */
const SERVICE_FIELDS = [
  'taskDefinition', 'desiredCount', 'launchType', 'capacityProviderStrategy', 'platformVersion', 'loadBalancers',
  'serviceRegistries', 'role', 'deploymentConfiguration', 'placementConstraints', 'placementStrategy', 'networkConfiguration',
  'healthCheckGracePeriodSeconds', 'schedulingStrategy', 'deploymentController', 'enableECSManagedTags', 'propagateTags',
  'enableExecuteCommand', 'availabilityZoneRebalancing',
] as const;

/**
 * Create-only: a change needs a new service (UpdateService takes none of them). A launch
 * type is replaced in place by a capacity-provider strategy, and a strategy by `[]` goes
 * back to the launch type its providers stand for (see comparableLive); `deploymentController`
 * is an UpdateService field.
 */
export const SERVICE_CREATE_ONLY = ['launchType', 'schedulingStrategy', 'role'] as const;

/** The role ECS reports for a service created without one (AWS CLI create-service output). */
const SERVICE_LINKED_ROLE = 'AWSServiceRoleForECS';

/** The launch type a capacity provider stands for: Fargate's providers run on FARGATE, the others on EC2. */
const launchTypeOf = (provider: string | undefined) => (provider === 'FARGATE' || provider === 'FARGATE_SPOT' ? 'FARGATE' : 'EC2');

/**
 * Fields whose AWS default is not documented or changes over time: compared only when the
 * document sets them, so leaving one out never causes a perpetual diff.
 */
const COMPARED_WHEN_SET = ['availabilityZoneRebalancing', 'healthCheckGracePeriodSeconds', 'platformVersion'] as const;

/** What AWS fills in for a field the request leaves out (CreateService in the SDK typings, AWS CLI examples). */
const DEFAULTS = {
  schedulingStrategy: 'REPLICA',
  deploymentController: { type: 'ECS' } as { type: string },
  enableECSManagedTags: false,
  propagateTags: 'NONE',
  enableExecuteCommand: false,
  healthCheckGracePeriodSeconds: 0,
  assignPublicIp: 'DISABLED',
} as const;

/** Fields UpdateService sets back to AWS's default when they are removed from git. */
const RESET_TO_DEFAULT = ['healthCheckGracePeriodSeconds', 'enableECSManagedTags', 'enableExecuteCommand', 'propagateTags', 'deploymentController'] as const;

/** Lists UpdateService empties when they are sent as `[]` (a list removed from git). */
const LISTS = ['loadBalancers', 'placementConstraints', 'placementStrategy', 'capacityProviderStrategy'] as const;

const STRATEGY_DEFAULTS = { weight: 0, base: 0 };

/**
 * The deployment configuration AWS fills in. The SDK typings of CreateService: a REPLICA
 * service 200 % / 100 %, a DAEMON service 100 % / 0 % (it cannot start a second task on
 * an instance); circuit breaker and alarms off; the ROLLING strategy.
 */
export function deploymentDefaults(schedulingStrategy: ServiceBody['schedulingStrategy']): Required<Pick<DeploymentConfiguration, 'maximumPercent' | 'minimumHealthyPercent' | 'deploymentCircuitBreaker' | 'alarms' | 'strategy'>> {
  const daemon = schedulingStrategy === 'DAEMON';
  return {
    maximumPercent: daemon ? 100 : 200,
    minimumHealthyPercent: daemon ? 0 : 100,
    deploymentCircuitBreaker: { enable: false, rollback: false },
    alarms: { enable: false, rollback: false, alarmNames: [] },
    strategy: 'ROLLING',
  };
}

// ---------------------------------------------------------------- normalisation

export interface ServiceRefs {
  /** The task-definition revision as `family:revision`, or `family:<next>` before registration. */
  taskDefinition: string;
  /** How Service Connect's namespace is named (absent: as written). */
  namespaces?: NamespaceNaming;
}

/** Namespaces as written: ARNs by their last segment, no documents, no cluster default. */
const AS_WRITTEN: NamespaceNaming = { documentName: () => undefined, arnName: () => undefined, clusterDefault: undefined };

/** Desired or live (see liveServiceSpec) in one shape; registries name documents, or ARNs unknown to git. */
export function canonicalService(spec: ServiceBody, refs: ServiceRefs): Canonical {
  const daemon = spec.schedulingStrategy === 'DAEMON';
  const awsvpc = spec.networkConfiguration?.awsvpcConfiguration;
  const registries = (spec.serviceRegistries ?? []).map(({ cloudMapService, ...rest }) => ({ cloudMapService, ...rest }));
  const body: Record<string, unknown> = Object.assign(pick(spec, SERVICE_FIELDS), {
    taskDefinition: refs.taskDefinition,
    capacityProviderStrategy: sortBy((spec.capacityProviderStrategy ?? []).map((s) => withoutDefaults(s, STRATEGY_DEFAULTS)), (s) => String(s.capacityProvider)),
    loadBalancers: sortBy(spec.loadBalancers, json),
    serviceRegistries: sortBy(registries, json),
    // Unset is the service-linked role, which AWS reports by its ARN.
    role: spec.role && lastSegment(spec.role) !== SERVICE_LINKED_ROLE ? lastSegment(spec.role) : undefined,
    deploymentConfiguration: withoutDefaults(spec.deploymentConfiguration, deploymentDefaults(spec.schedulingStrategy)),
    placementConstraints: sortBy(spec.placementConstraints, json),
    serviceConnectConfiguration: canonicalServiceConnect(spec.serviceConnectConfiguration, refs.namespaces ?? AS_WRITTEN),
    volumeConfigurations: canonicalVolumes(spec.volumeConfigurations),
    networkConfiguration: awsvpc
      ? { awsvpcConfiguration: withFields(awsvpc, { subnets: sorted(awsvpc.subnets), securityGroups: sorted(awsvpc.securityGroups), assignPublicIp: awsvpc.assignPublicIp ?? DEFAULTS.assignPublicIp }) }
      : undefined,
    schedulingStrategy: spec.schedulingStrategy ?? DEFAULTS.schedulingStrategy,
    deploymentController: spec.deploymentController?.type ?? DEFAULTS.deploymentController.type,
    enableECSManagedTags: spec.enableECSManagedTags ?? DEFAULTS.enableECSManagedTags,
    propagateTags: spec.propagateTags ?? DEFAULTS.propagateTags,
    enableExecuteCommand: spec.enableExecuteCommand ?? DEFAULTS.enableExecuteCommand,
    healthCheckGracePeriodSeconds: spec.healthCheckGracePeriodSeconds === DEFAULTS.healthCheckGracePeriodSeconds ? undefined : spec.healthCheckGracePeriodSeconds,
  });
  // A daemon runs one task per instance; its desired count is ECS's to keep.
  if (daemon) delete body.desiredCount;
  return canonical(body);
}

/**
 * A live service in the spec's vocabulary (the SDK's shape, with every field optional);
 * `registryNames` maps Cloud Map service ARNs to the names of the documents that own them.
 */
export function liveServiceSpec(service: EcsService, registryNames: ReadonlyMap<string, string>, namespaces?: NamespaceNaming): { spec: ServiceBody; refs: ServiceRefs } {
  const spec = Object.assign(pick(service, SERVICE_FIELDS), { role: service.roleArn, ...liveLaunchFields(service) }) as ServiceBody;
  spec.serviceRegistries = service.serviceRegistries?.map(({ registryArn, ...rest }) => withFields(rest, { cloudMapService: registryNames.get(registryArn ?? '') ?? registryArn ?? '' }));
  return { spec, refs: { taskDefinition: revisionOf(service.taskDefinition) ?? '', ...(namespaces ? { namespaces } : {}) } };
}

/**
 * Makes the live side comparable with a desired side that leaves out fields whose default
 * is unknown (see COMPARED_WHEN_SET) or that someone else owns (`desiredCount`), and
 * resolves the launch the way AWS does:
 * - neither launch type nor strategy in git: whatever AWS resolved at create (the
 *   cluster's default strategy, else EC2) is what git means;
 * - a strategy in git: it replaces a launch type in place, so a live launch type is no diff;
 * - a launch type in git, a strategy live: UpdateService with `[]` goes back to the launch
 *   type the providers stand for, so that is the live launch type being compared.
 */
export function comparableLive(desiredSpec: ServiceBody, live: Canonical): Canonical {
  const out = { ...live };
  for (const f of COMPARED_WHEN_SET) if (desiredSpec[f] === undefined) delete out[f];
  if (desiredSpec.desiredCount === undefined) delete out.desiredCount;
  const liveStrategy = out.capacityProviderStrategy as { capacityProvider?: string }[] | undefined;
  if (desiredSpec.launchType === undefined && !desiredSpec.capacityProviderStrategy?.length) {
    delete out.launchType;
    delete out.capacityProviderStrategy;
  } else if (desiredSpec.capacityProviderStrategy?.length) {
    delete out.launchType;
  } else if (liveStrategy?.length) {
    out.launchType = launchTypeOf(liveStrategy[0].capacityProvider);
  }
  return out;
}

/** The UpdateService value for a changed field; a field removed from git goes back to AWS's default. */
function updateValue(field: string, spec: ServiceBody, refs: { taskDefinition: string | Ref; registries: object[]; namespace: unknown }): unknown {
  if (field === 'taskDefinition') return refs.taskDefinition;
  if (field === 'serviceRegistries') return refs.registries;
  if (field === 'serviceConnectConfiguration') return serviceConnectInput(spec.serviceConnectConfiguration, refs.namespace);
  if (field === 'volumeConfigurations') return spec.volumeConfigurations ?? [];
  const list = LISTS.find((f) => f === field);
  if (list) return spec[list] ?? [];
  if (field === 'deploymentConfiguration') {
    const { maximumPercent, minimumHealthyPercent, deploymentCircuitBreaker } = deploymentDefaults(spec.schedulingStrategy);
    return spec.deploymentConfiguration ?? { maximumPercent, minimumHealthyPercent, deploymentCircuitBreaker };
  }
  const reset = RESET_TO_DEFAULT.find((f) => f === field);
  if (reset) return spec[reset] ?? DEFAULTS[reset];
  return spec[field as keyof ServiceBody];
}

// ---------------------------------------------------------------- planning

/** Cloud Map service ARN → the name of the document it belongs to, built once per plan. */
function registryNames(ctx: PlanContext): Map<string, string> {
  return ctx.memo('registryNames', () => {
    const names = new Map<string, string>();
    for (const doc of ctx.docs('CloudMapService')) {
      const arn = ctx.find(doc)?.arn;
      if (arn) names.set(arn, doc.metadata.name);
    }
    return names;
  });
}

/** What planning one Service document works from. */
interface Planning {
  resource: Resource<'Service'>;
  key: ResourceKey;
  name: string;
  cluster: string;
  clusterKey: ResourceKey;
  tdKey: ResourceKey;
  family: string;
  revision: { arn: string; hash: string } | undefined;
  wantedRevision: string;
  spec: Omit<ServiceSpec, 'tags' | 'cluster'>;
  registryDocs: Resource<'CloudMapService'>[];
  /** The CloudMapNamespace document Service Connect names, when it names one. */
  namespaceDoc: Resource<'CloudMapNamespace'> | undefined;
  namespaces: NamespaceNaming;
  live: LiveService | undefined;
  active: LiveService | undefined;
  tdTags: Tags;
  tags: Tags;
}

function prepare(resource: Resource<'Service'>, ctx: PlanContext): Planning {
  const spec = specBody(resource, 'cluster');
  const clusterDoc = ctx.resolve('Cluster', specOf(resource).cluster);
  const tdDoc = ctx.resolve('TaskDefinition', spec.taskDefinition);
  const revision = ctx.find(tdDoc);
  const family = awsName(tdDoc);
  const live = find(resource, ctx);
  return {
    resource, spec, revision, family, live,
    key: resourceKey('Service', resource.metadata.name),
    name: awsName(resource),
    cluster: awsName(clusterDoc),
    clusterKey: resourceKey('Cluster', clusterDoc.metadata.name),
    tdKey: resourceKey('TaskDefinition', tdDoc.metadata.name),
    wantedRevision: revision ? (revisionOf(revision.arn) ?? revision.arn) : `${family}:<next>`,
    registryDocs: (spec.serviceRegistries ?? []).map((r) => ctx.resolve('CloudMapService', r.cloudMapService)),
    namespaceDoc: ctx.doc('CloudMapNamespace', spec.serviceConnectConfiguration?.namespace),
    namespaces: namespaceNaming(clusterDoc, ctx),
    active: live?.raw.status === 'ACTIVE' ? live : undefined,
    tdTags: { [TASK_DEFINITION_HASH_TAG]: taskDefinitionHash(tdDoc) },
    tags: desiredTags(resource, ctx),
  };
}

/** The `family:revision`s ECS rolled back on this service, from its deployment history. */
function rolledBackRevisions(live: LiveState, serviceArn: string | undefined): Set<string> {
  return new Set([...(live.rolledBack.get(serviceArn ?? '') ?? [])].map((arn) => revisionOf(arn) ?? arn));
}

function find(doc: Resource<'Service'>, ctx: PlanContext): LiveService | undefined {
  const cluster = ctx.doc('Cluster', specOf(doc).cluster);
  return cluster && ctx.live.services.get(`${awsName(cluster)}/${awsName(doc)}`);
}

function plan(resource: Resource<'Service'>, ctx: PlanContext): void {
  const p = prepare(resource, ctx);
  const base = { key: p.key, kind: resource.kind, name: resource.metadata.name, awsName: p.name };
  const desiredBody = canonicalService(p.spec, { taskDefinition: p.wantedRevision, namespaces: p.namespaces });
  let liveBody: Canonical | undefined;
  if (p.active) {
    const mapped = liveServiceSpec(p.active.raw, registryNames(ctx), p.namespaces);
    liveBody = comparableLive(p.spec, canonicalService(mapped.spec, mapped.refs));
  }
  const rolledBack = rolledBackRevisions(ctx.live, p.active?.arn);
  const health = serviceHealth(p.active?.raw, p.revision ? revisionOf(p.revision.arn) : undefined, rolledBack, p.active && ctx.live.shifting.get(p.active.arn));
  if (p.live?.raw.status === 'DRAINING') {
    ctx.record({ ...base, action: 'create', sync: 'OutOfSync', health, changes: [], desired: desiredBody, message: 'a deleted service of this name is still draining; it will be created once ECS has finished' });
    return;
  }
  // ECS rolled this very revision back (the deployment history says so, whatever the
  // events and across restarts): deploying it again would fail again, so the task
  // definition waits for a commit; other fields still converge.
  const { active } = p;
  let held: Comparison['held'];
  const notRunning = active && p.revision && active.raw.taskDefinition !== p.revision.arn;
  // The history could not be read (see the reader): the controller cannot tell whether
  // ECS rolled back the revision it last deployed, so it does not deploy it again blind.
  const unreadable = active && ctx.live.historyUnreadable.get(active.arn);
  const reason = !notRunning ? undefined
    : rolledBack.has(p.wantedRevision) ? `ECS rolled back ${p.wantedRevision}; not deploying it again — fix or revert it in git`
    : unreadable && active.tags[TASK_DEFINITION_TAG] === p.wantedRevision
      ? `${p.wantedRevision} was deployed but is not running, and the service deployment history could not be read (${unreadable}) to tell whether ECS rolled it back; allow ecs:ListServiceDeployments and ecs:DescribeServiceRevisions`
      : undefined;
  if (reason) held = { fields: ['taskDefinition'], message: reason };
  const decision = ctx.compare(resource, {
    live: active && { id: active.arn, owner: active.tags[OWNER_TAG], tags: active.tags },
    desired: desiredBody,
    liveBody,
    health,
    tags: p.tags,
    tagCalls: active && ((set, remove) => ecsTagCalls(active.arn, set, remove)),
    // Adopted running the wanted revision: the tags that record it go with the ownership tags.
    ...(p.revision && active?.raw.taskDefinition === p.revision.arn ? { adoptionTags: revisionTags(p, p.wantedRevision) } : {}),
    ...(held ? { held } : {}),
  });
  if (!decision) recordRevisionTags(p, ctx);
  else if (decision.action !== 'update') create(p, decision.action, ctx);
  // An update is decided only against a live service.
  else if (active) update(p, active, decision, ctx);
}

function registries(p: Planning, ctx: PlanContext): object[] {
  return (p.spec.serviceRegistries ?? []).map(({ cloudMapService: _doc, ...rest }, i) => {
    const doc = p.registryDocs[i];
    return { ...rest, registryArn: ctx.find(doc)?.arn ?? ({ $ref: resourceKey('CloudMapService', doc.metadata.name), attr: 'arn' } satisfies Ref) };
  });
}

function dependencies(p: Planning, ctx: PlanContext): string[] {
  const namespace = p.namespaceDoc ? [resourceKey('CloudMapNamespace', p.namespaceDoc.metadata.name)] : [];
  return ctx.after(p.tdKey, p.clusterKey, ...p.registryDocs.map((d) => resourceKey('CloudMapService', d.metadata.name)), ...namespace);
}

/**
 * How this service's Service Connect namespace is named: documents by their AWS name,
 * ARNs by what was read, and a left-out namespace by the cluster's default.
 */
function namespaceNaming(clusterDoc: Resource<'Cluster'>, ctx: PlanContext): NamespaceNaming {
  const names = namespaceNames(ctx);
  const liveCluster = ctx.live.clusters.get(awsName(clusterDoc));
  return {
    documentName: (name) => {
      const doc = ctx.doc('CloudMapNamespace', name);
      return doc && awsName(doc);
    },
    arnName: (arn) => names.get(arn),
    clusterDefault: specOf(clusterDoc).serviceConnectDefaults?.namespace ?? liveCluster?.raw.serviceConnectDefaults?.namespace,
  };
}

/** Service Connect's namespace as sent: a document's namespace by ARN once it exists, else by name; otherwise as written. */
function namespaceInput(p: Planning, ctx: PlanContext): string | undefined {
  if (p.namespaceDoc) return ctx.find(p.namespaceDoc)?.arn ?? awsName(p.namespaceDoc);
  return p.spec.serviceConnectConfiguration?.namespace;
}

const taskDefinitionOf = (p: Planning): string | Ref => p.revision?.arn ?? { $ref: p.tdKey, attr: 'arn' };
const revisionTagOf = (p: Planning): string | Ref => (p.revision ? p.wantedRevision : { $ref: p.tdKey, attr: 'arn', format: 'revision' });

function create(p: Planning, action: 'create' | 'replace', ctx: PlanContext): void {
  const { cluster, name } = p;
  const registryInput = registries(p, ctx);
  const input: Record<string, unknown> = {
    ...p.spec,
    cluster,
    serviceName: name,
    taskDefinition: taskDefinitionOf(p),
    serviceRegistries: registryInput.length ? registryInput : undefined,
    serviceConnectConfiguration: p.spec.serviceConnectConfiguration && serviceConnectInput(p.spec.serviceConnectConfiguration, namespaceInput(p, ctx)),
    tags: [...toTagList(p.tags), { key: TASK_DEFINITION_HASH_TAG, value: p.tdTags[TASK_DEFINITION_HASH_TAG] }, { key: TASK_DEFINITION_TAG, value: revisionTagOf(p) }],
    // From the content, not from whether this plan already saw the revision: a create
    // repeated before AWS lists the service (a crash, eventual consistency) sends the
    // same token, and ECS answers with the service the first call created.
    clientToken: idempotencyToken(p.key, canonicalService(p.spec, { taskDefinition: p.family }), p.tdTags).slice(0, 32),
  };
  if (p.spec.schedulingStrategy !== 'DAEMON' && input.desiredCount === undefined) input.desiredCount = 1;
  const calls: ApiCall[] = [];
  let waitForInactive: Step['waitForInactive'];
  if (action === 'replace' && p.active) {
    calls.push(...deleteCalls(cluster, name, p.active.raw.desiredCount));
    waitForInactive = { cluster, service: name };
  }
  calls.push({ service: 'ecs', operation: 'CreateService', input, outputs: { arn: 'service.serviceArn' } });
  ctx.addStep({ key: p.key, action, description: `${action} service ${cluster}/${name}`, calls, dependsOn: dependencies(p, ctx), ...(waitForInactive ? { waitForInactive } : {}) });
}

function update(p: Planning, active: LiveService, decision: Decision, ctx: PlanContext): void {
  const fields = changedFields(decision.changes);
  const calls: ApiCall[] = [];
  if (fields.size > 0) {
    const input: Record<string, unknown> = { cluster: p.cluster, service: p.name };
    const registryInput = registries(p, ctx);
    const refs = { taskDefinition: taskDefinitionOf(p), registries: registryInput, namespace: namespaceInput(p, ctx) };
    for (const field of fields) input[field] = updateValue(field, p.spec, refs);
    calls.push({ service: 'ecs', operation: 'UpdateService', input });
  }
  // One tag write records the revision deployed together with any tag changes (adopting,
  // the revision running was recorded by the adopting write).
  const tagInput: { key: string; value: string | Ref }[] = toTagList(decision.tagSet);
  const deploying = fields.has('taskDefinition') || (active.raw.taskDefinition === p.revision?.arn && !decision.adopting);
  if (deploying && (fields.has('taskDefinition') || active.tags[TASK_DEFINITION_HASH_TAG] !== p.tdTags[TASK_DEFINITION_HASH_TAG] || active.tags[TASK_DEFINITION_TAG] !== revisionOf(active.raw.taskDefinition))) {
    tagInput.push({ key: TASK_DEFINITION_HASH_TAG, value: p.tdTags[TASK_DEFINITION_HASH_TAG] }, { key: TASK_DEFINITION_TAG, value: revisionTagOf(p) });
  }
  if (tagInput.length) calls.push({ service: 'ecs', operation: 'TagResource', input: { resourceArn: active.arn, tags: tagInput } });
  if (decision.tagRemove.length) calls.push({ service: 'ecs', operation: 'UntagResource', input: { resourceArn: active.arn, tagKeys: decision.tagRemove } });
  ctx.addStep({ key: p.key, action: 'update', description: `update service ${p.cluster}/${p.name}`, calls, dependsOn: dependencies(p, ctx) });
}

/**
 * A service in sync whose tags do not yet record its revision (adopted, or deployed
 * before the tags existed) gets them, so the next run needs no DescribeTaskDefinition.
 */
function recordRevisionTags(p: Planning, ctx: PlanContext): void {
  const { active, revision } = p;
  if (!active || !revision || active.tags[OWNER_TAG] !== ctx.controllerId) return;
  // Another application's service is a conflict; one owned before applications is claimed by the plan's tag step.
  if (![undefined, ctx.application].includes(active.tags[APPLICATION_TAG])) return;
  if (active.raw.taskDefinition !== revision.arn) return;
  const want = revisionTags(p, p.wantedRevision);
  if (Object.entries(want).every(([k, v]) => active.tags[k] === v)) return;
  ctx.addStep({ key: p.key, action: 'tag', description: `record the deployed revision on service ${active.cluster}/${active.name}`, calls: ecsTagCalls(active.arn, want, []) });
}

/** The tags on a service that record the revision it was given and that revision's content hash. */
function revisionTags(p: Planning, revision: string): Tags {
  return withFields(p.tdTags, { [TASK_DEFINITION_TAG]: revision });
}

/** A service no document names, as a delete shows it: its registries by their Cloud Map names. */
function ownedBody(s: LiveService, live: LiveState): Canonical {
  const mapped = liveServiceSpec(s.raw, new Map([...live.cloudMapServices.values()].map((c) => [c.arn, c.name])));
  return canonicalService(mapped.spec, mapped.refs);
}

/** Scale to zero first, so tasks stop through a normal deployment rather than a forced delete. */
function deleteCalls(cluster: string, service: string, desiredCount: number | undefined): ApiCall[] {
  const calls: ApiCall[] = [];
  if ((desiredCount ?? 0) > 0) calls.push({ service: 'ecs', operation: 'UpdateService', input: { cluster, service, desiredCount: 0 } });
  calls.push({ service: 'ecs', operation: 'DeleteService', input: { cluster, service } });
  return calls;
}

export const ServiceKind: KindModule<'Service'> = {
  kind: 'Service',
  createOnly: SERVICE_CREATE_ONLY,
  controllerTags: () => [...OWNERSHIP_TAGS, TASK_DEFINITION_HASH_TAG, TASK_DEFINITION_TAG],
  notFoundErrors: ['ServiceNotFoundException'],
  find,
  plan,
  owned: (live, controllerId) =>
    [...live.services.values()]
      .filter((s) => s.tags[OWNER_TAG] === controllerId && s.raw.status === 'ACTIVE')
      .map((s) => ({
        key: ownerKey(s.tags, 'Service', s.name), kind: 'Service', awsName: `${s.cluster}/${s.name}`, id: s.arn, protectedByTag: pruneDisabled(s.tags), application: s.tags[APPLICATION_TAG],
        calls: deleteCalls(s.cluster, s.name, s.raw.desiredCount),
        view: () => ({
          live: ownedBody(s, live),
          // With no document, the revision it last deployed is the one it should run.
          health: serviceHealth(s.raw, s.tags[TASK_DEFINITION_TAG], rolledBackRevisions(live, s.arn)),
        }),
      })),
  // A service uses its cluster, the Cloud Map services it registers its tasks in and its Service Connect namespace.
  uses: (live) =>
    [...live.services.values()]
      .filter((s) => s.raw.status === 'ACTIVE')
      .map((s) => ({
        id: s.arn, name: `Service ${s.cluster}/${s.name}`,
        uses: [
          live.clusters.get(s.cluster)?.arn ?? s.cluster,
          ...(s.raw.serviceRegistries ?? []).flatMap((r) => (r.registryArn ? [r.registryArn] : [])),
          ...[primaryDeployment(s.raw)?.serviceConnectConfiguration].flatMap((sc) => (sc?.enabled && sc.namespace ? [lastSegment(sc.namespace)!] : [])),
        ],
      })),
};
