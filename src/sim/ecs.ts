// ECS operations: clusters, task definitions, services and tags. Each handler takes the
// JSON request body (typed with the SDK's request shapes) and returns the JSON answer.
// Rollouts themselves live in rollout.ts; handlers only record intent.
import type {
  CreateClusterRequest, CreateServiceRequest, DeleteClusterRequest, DeleteServiceRequest,
  DeleteTaskDefinitionsRequest, DeregisterTaskDefinitionRequest, DescribeClustersRequest,
  DescribeServicesRequest, DescribeTaskDefinitionRequest, ListClustersRequest, ListServicesRequest,
  ListTagsForResourceRequest, ListTaskDefinitionFamiliesRequest, ListTaskDefinitionsRequest,
  PutClusterCapacityProvidersRequest, RegisterTaskDefinitionRequest, TagResourceRequest,
  UntagResourceRequest, UpdateClusterRequest, UpdateServiceRequest,
} from '@aws-sdk/client-ecs';
import type { SimContext } from './context.js';
import {
  clientError, clusterNotFound, invalidParameter, resourceNotFound, serviceNotActive, serviceNotFound, AwsError,
} from './errors.js';
import { paginate } from './paginate.js';
import { addEvent, startDeployment } from './rollout.js';
import type { ClusterState, DeploymentState, EcsTag, ServiceState, TaskDefinitionState } from './state.js';
import { clone, wireTime } from './state.js';

type Json = Record<string, unknown>;
type Handler = (ctx: SimContext, input: object) => unknown;

const lastSegment = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);
const pad = (n: number): string => String(n).padStart(12, '0');

function requireString(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw invalidParameter(`${name} can not be blank.`);
  return v;
}

// ---------- clusters ----------

function findCluster(ctx: SimContext, ref: string | undefined, includeInactive = false): ClusterState | undefined {
  const name = lastSegment(ref ?? 'default');
  const active = ctx.state.clusters.find((c) => c.name === name && c.status === 'ACTIVE');
  if (active || !includeInactive) return active;
  return ctx.state.clusters.filter((c) => c.name === name).at(-1);
}

function activeCluster(ctx: SimContext, ref: string | undefined): ClusterState {
  const cluster = findCluster(ctx, ref);
  if (!cluster) throw clusterNotFound();
  return cluster;
}

function clusterOut(ctx: SimContext, c: ClusterState, include: string[] = []): Json {
  const services = ctx.state.services.filter((s) => s.clusterName === c.name && s.status === 'ACTIVE');
  let running = 0;
  let pending = 0;
  if (c.status === 'ACTIVE') {
    for (const s of ctx.state.services.filter((x) => x.clusterName === c.name)) {
      for (const t of s.tasks) {
        if (t.lastStatus === 'RUNNING') running++;
        if (t.lastStatus === 'PENDING') pending++;
      }
    }
  }
  const out: Json = {
    clusterArn: c.arn,
    clusterName: c.name,
    status: c.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: c.status === 'ACTIVE' ? services.length : 0,
    statistics: [],
    settings: clone(c.settings),
    capacityProviders: [...c.capacityProviders],
    defaultCapacityProviderStrategy: clone(c.defaultCapacityProviderStrategy),
  };
  if (c.configuration !== undefined) out.configuration = clone(c.configuration);
  if (c.serviceConnectDefaults !== undefined) out.serviceConnectDefaults = clone(c.serviceConnectDefaults);
  if (include.includes('TAGS')) out.tags = clone(c.tags);
  return out;
}

function validateTags(tags: unknown): EcsTag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw invalidParameter('tags must be a list.');
  if (tags.length > 50) throw invalidParameter('Too many tags: at most 50 tags per resource.');
  return tags.map((t: { key?: unknown; value?: unknown }) => {
    if (typeof t?.key !== 'string' || t.key === '') throw invalidParameter('Tag keys must be non-empty strings.');
    return { key: t.key, value: typeof t.value === 'string' ? t.value : '' };
  });
}

function mergeTags(existing: EcsTag[], added: EcsTag[]): EcsTag[] {
  const out = existing.filter((t) => !added.some((a) => a.key === t.key));
  out.push(...added);
  if (out.length > 50) throw invalidParameter('Too many tags: at most 50 tags per resource.');
  return out;
}

const createCluster: Handler = (ctx, raw) => {
  const input = raw as CreateClusterRequest;
  const name = input.clusterName ?? 'default';
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw invalidParameter('Cluster name must match [a-zA-Z0-9_-]{1,255}.');
  const existing = findCluster(ctx, name);
  if (existing) return { cluster: clusterOut(ctx, existing) };
  const cluster: ClusterState = {
    seq: ctx.nextSeq(),
    arn: ctx.arns.cluster(name),
    name,
    status: 'ACTIVE',
    settings: clone(input.settings as unknown[]) ?? [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: [...(input.capacityProviders ?? [])],
    defaultCapacityProviderStrategy: clone(input.defaultCapacityProviderStrategy as unknown[]) ?? [],
    tags: validateTags(input.tags),
  };
  if (input.configuration) cluster.configuration = clone(input.configuration);
  if (input.serviceConnectDefaults) cluster.serviceConnectDefaults = clone(input.serviceConnectDefaults);
  ctx.written(`cluster:${name}`, undefined);
  ctx.state.clusters.push(cluster);
  return { cluster: clusterOut(ctx, cluster) };
};

const describeClusters: Handler = (ctx, raw) => {
  const input = raw as DescribeClustersRequest;
  const refs = input.clusters ?? ['default'];
  if (refs.length > 100) throw invalidParameter('clusters can have at most 100 items.');
  const clusters: Json[] = [];
  const failures: Json[] = [];
  for (const ref of refs) {
    const name = lastSegment(ref);
    const c = ctx.visible(`cluster:${name}`, findCluster(ctx, ref, true));
    if (c) clusters.push(clusterOut(ctx, c, input.include ?? []));
    else failures.push({ arn: ctx.arns.cluster(name), reason: 'MISSING' });
  }
  return { clusters, failures };
};

const listClusters: Handler = (ctx, raw) => {
  const input = raw as ListClustersRequest;
  const all = ctx.state.clusters.filter((c) => c.status === 'ACTIVE');
  const page = paginate(all, (c) => pad(c.seq), { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidParameter });
  return { clusterArns: page.items.map((c) => c.arn), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const updateCluster: Handler = (ctx, raw) => {
  const input = raw as UpdateClusterRequest;
  const c = activeCluster(ctx, requireString(input.cluster, 'cluster'));
  ctx.written(`cluster:${c.name}`, clone(c));
  if (input.settings) c.settings = clone(input.settings as unknown[]);
  if (input.configuration) c.configuration = clone(input.configuration);
  if (input.serviceConnectDefaults) c.serviceConnectDefaults = clone(input.serviceConnectDefaults);
  return { cluster: clusterOut(ctx, c) };
};

const putClusterCapacityProviders: Handler = (ctx, raw) => {
  const input = raw as PutClusterCapacityProvidersRequest;
  const c = activeCluster(ctx, requireString(input.cluster, 'cluster'));
  if (!Array.isArray(input.capacityProviders)) throw invalidParameter('capacityProviders is required.');
  if (!Array.isArray(input.defaultCapacityProviderStrategy)) throw invalidParameter('defaultCapacityProviderStrategy is required.');
  for (const s of input.defaultCapacityProviderStrategy) {
    if (!input.capacityProviders.includes(s.capacityProvider ?? '')) {
      throw invalidParameter(`The specified capacity provider strategy contains a capacity provider (${s.capacityProvider}) that is not associated with the cluster.`);
    }
  }
  ctx.written(`cluster:${c.name}`, clone(c));
  c.capacityProviders = [...input.capacityProviders];
  c.defaultCapacityProviderStrategy = clone(input.defaultCapacityProviderStrategy as unknown[]);
  return { cluster: clusterOut(ctx, c) };
};

const deleteCluster: Handler = (ctx, raw) => {
  const input = raw as DeleteClusterRequest;
  const c = activeCluster(ctx, requireString(input.cluster, 'cluster'));
  if (ctx.state.services.some((s) => s.clusterName === c.name && s.status !== 'INACTIVE')) {
    throw new AwsError('ClusterContainsServicesException', 'The Cluster cannot be deleted while Services are active.');
  }
  ctx.written(`cluster:${c.name}`, clone(c));
  c.status = 'INACTIVE';
  return { cluster: clusterOut(ctx, c) };
};

function pageOpts(input: { maxResults?: number; nextToken?: string }): { maxResults?: number; nextToken?: string } {
  const out: { maxResults?: number; nextToken?: string } = {};
  if (input.maxResults !== undefined && input.maxResults !== null) out.maxResults = input.maxResults;
  if (input.nextToken !== undefined && input.nextToken !== null) out.nextToken = input.nextToken;
  return out;
}

// ---------- task definitions ----------

/** "1 vCPU" → "1024", "0.5 vcpu" → "512", "2 GB" → "2048", "512" → "512". */
export function normaliseUnits(value: string | undefined, kind: 'cpu' | 'memory'): string | undefined {
  if (value === undefined || value === null) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb|mb|mib|gib)?\s*$/i.exec(String(value));
  if (!m) throw clientError(`Invalid '${kind}' setting for task.`);
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (unit === 'vcpu' || unit === 'gb' || unit === 'gib') return String(Math.round(n * 1024));
  return String(Math.round(n));
}

function findTaskDefinition(ctx: SimContext, ref: string): TaskDefinitionState | undefined {
  const tail = ref.startsWith('arn:') ? ref.slice(ref.indexOf('task-definition/') + 'task-definition/'.length) : ref;
  const [family, rev] = tail.split(':');
  const defs = ctx.state.taskDefinitions.filter((t) => t.family === family);
  if (rev !== undefined) return defs.find((t) => t.revision === Number(rev));
  return defs.filter((t) => t.status === 'ACTIVE').at(-1);
}

function requiresAttributes(body: Json): Json[] {
  const names = new Set<string>(['com.amazonaws.ecs.capability.docker-remote-api.1.18']);
  if (body.networkMode === 'awsvpc') names.add('ecs.capability.task-eni');
  if (body.taskRoleArn) names.add('com.amazonaws.ecs.capability.task-iam-role');
  for (const c of body.containerDefinitions as Json[]) {
    const log = c.logConfiguration as { logDriver?: string } | undefined;
    if (log?.logDriver === 'awslogs') {
      names.add('com.amazonaws.ecs.capability.logging-driver.awslogs');
      names.add('com.amazonaws.ecs.capability.docker-remote-api.1.19');
      if (body.executionRoleArn) names.add('ecs.capability.execution-role-awslogs');
    }
    if (Array.isArray(c.secrets) && c.secrets.length > 0) names.add('ecs.capability.secrets.asm.environment-variables');
  }
  return [...names].sort().map((name) => ({ name }));
}

const registerTaskDefinition: Handler = (ctx, raw) => {
  const input = clone(raw) as RegisterTaskDefinitionRequest & Json;
  const family = requireString(input.family, 'Family');
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) throw clientError('Family contains invalid characters.');
  if (!Array.isArray(input.containerDefinitions) || input.containerDefinitions.length === 0) {
    throw clientError('Container list cannot be empty.');
  }
  const networkMode = input.networkMode;
  const containers = input.containerDefinitions.map((c) => {
    if (!c.name) throw clientError('Container.name should not be null or empty.');
    if (!c.image) throw clientError('Container.image should not be null or empty.');
    const out: Json = { ...c };
    out.cpu = c.cpu ?? 0;
    out.essential = c.essential ?? true;
    out.portMappings = (c.portMappings ?? []).map((p) => {
      const pm: Json = { ...p, protocol: p.protocol ?? 'tcp' };
      if (networkMode === 'awsvpc' && p.hostPort === undefined) pm.hostPort = p.containerPort;
      if (networkMode === 'awsvpc' && p.hostPort !== undefined && p.hostPort !== p.containerPort) {
        throw clientError('When networkMode=awsvpc, the host ports and container ports in port mappings must match.');
      }
      return pm;
    });
    out.environment = c.environment ?? [];
    out.mountPoints = c.mountPoints ?? [];
    out.volumesFrom = c.volumesFrom ?? [];
    return out;
  });
  if (!containers.some((c) => c.essential === true)) throw clientError('A task definition must have at least one essential container.');
  const requires = input.requiresCompatibilities ?? [];
  const cpu = normaliseUnits(input.cpu, 'cpu');
  const memory = normaliseUnits(input.memory, 'memory');
  if (requires.includes('FARGATE')) {
    if (networkMode !== 'awsvpc') throw clientError("Fargate only supports network mode 'awsvpc'.");
    if (cpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.");
    if (memory === undefined) throw clientError("Fargate requires that 'memory' be defined at the task level.");
  }
  const revision = (ctx.state.familyRevisions[family] ?? 0) + 1;
  ctx.state.familyRevisions[family] = revision;
  const arn = ctx.arns.taskDefinition(family, revision);
  const { tags: rawTags, ...rest } = input;
  const body: Json = {
    ...rest,
    taskDefinitionArn: arn,
    containerDefinitions: containers,
    family,
    revision,
    volumes: input.volumes ?? [],
    status: 'ACTIVE',
    placementConstraints: input.placementConstraints ?? [],
    compatibilities: ['EC2', ...(['FARGATE', 'EXTERNAL'] as const).filter((x) => requires.includes(x))],
    registeredAt: wireTime(ctx.clock.now()),
    registeredBy: ctx.arns.root(),
  };
  if (cpu !== undefined) body.cpu = cpu;
  if (memory !== undefined) body.memory = memory;
  if (requires.length > 0) body.requiresCompatibilities = requires;
  body.requiresAttributes = requiresAttributes(body);
  const tags = validateTags(rawTags);
  const td: TaskDefinitionState = { seq: ctx.nextSeq(), arn, family, revision, status: 'ACTIVE', body, tags };
  ctx.written(`taskdef:${arn}`, undefined);
  ctx.state.taskDefinitions.push(td);
  return { taskDefinition: clone(body), tags: clone(tags) };
};

const describeTaskDefinition: Handler = (ctx, raw) => {
  const input = raw as DescribeTaskDefinitionRequest;
  const ref = requireString(input.taskDefinition, 'taskDefinition');
  const found = findTaskDefinition(ctx, ref);
  const td = found && ctx.visible(`taskdef:${found.arn}`, found);
  if (!td || td.status === 'DELETE_IN_PROGRESS') throw clientError('Unable to describe task definition.');
  const out: Json = { taskDefinition: clone(td.body) };
  if ((input.include ?? []).includes('TAGS')) out.tags = clone(td.tags);
  return out;
};

const deregisterTaskDefinition: Handler = (ctx, raw) => {
  const input = raw as DeregisterTaskDefinitionRequest;
  const ref = requireString(input.taskDefinition, 'taskDefinition');
  if (!ref.includes(':')) throw clientError('Invalid revision number. Number: undefined');
  const td = findTaskDefinition(ctx, ref);
  if (!td || td.status === 'DELETE_IN_PROGRESS') throw clientError('The specified task definition does not exist.');
  ctx.written(`taskdef:${td.arn}`, clone(td));
  if (td.status === 'ACTIVE') {
    td.status = 'INACTIVE';
    td.body.status = 'INACTIVE';
    td.body.deregisteredAt = wireTime(ctx.clock.now());
  }
  return { taskDefinition: clone(td.body) };
};

const deleteTaskDefinitions: Handler = (ctx, raw) => {
  const input = raw as DeleteTaskDefinitionsRequest;
  const refs = input.taskDefinitions ?? [];
  if (refs.length === 0 || refs.length > 10) throw invalidParameter('taskDefinitions must contain 1 to 10 items.');
  const taskDefinitions: Json[] = [];
  const failures: Json[] = [];
  for (const ref of refs) {
    const td = ref.includes(':') ? findTaskDefinition(ctx, ref) : undefined;
    if (!td) {
      failures.push({ arn: ref, reason: 'The specified task definition does not exist.' });
    } else if (td.status === 'ACTIVE') {
      failures.push({ arn: td.arn, reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.' });
    } else {
      if (td.status === 'INACTIVE') {
        ctx.written(`taskdef:${td.arn}`, clone(td));
        td.status = 'DELETE_IN_PROGRESS';
        td.body.status = 'DELETE_IN_PROGRESS';
        td.body.deleteRequestedAt = wireTime(ctx.clock.now());
        td.dueAt = ctx.clock.now() + ctx.timings.taskDefinitionDeleteMs;
      }
      taskDefinitions.push(clone(td.body));
    }
  }
  return { taskDefinitions, failures };
};

const listTaskDefinitions: Handler = (ctx, raw) => {
  const input = raw as ListTaskDefinitionsRequest;
  const status = input.status ?? 'ACTIVE';
  let all = ctx.state.taskDefinitions
    .filter((t) => t.status === status && (input.familyPrefix === undefined || t.family === input.familyPrefix))
    .sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
  if (input.sort === 'DESC') all = all.reverse();
  // Keys must follow the sort order for token recovery, so index them.
  const keyed = all.map((t, i) => ({ t, k: pad(i) + t.arn }));
  const page = paginate(keyed, (x) => x.k, { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidParameter });
  return { taskDefinitionArns: page.items.map((x) => x.t.arn), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const listTaskDefinitionFamilies: Handler = (ctx, raw) => {
  const input = raw as ListTaskDefinitionFamiliesRequest;
  const status = input.status ?? 'ALL';
  const families = [...new Set(ctx.state.taskDefinitions.filter((t) => t.status !== 'DELETE_IN_PROGRESS').map((t) => t.family))]
    .filter((f) => input.familyPrefix === undefined || f.startsWith(input.familyPrefix))
    .filter((f) => {
      if (status === 'ALL') return true;
      const hasActive = ctx.state.taskDefinitions.some((t) => t.family === f && t.status === 'ACTIVE');
      return status === 'ACTIVE' ? hasActive : !hasActive;
    })
    .sort();
  const page = paginate(families, (f) => f, { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidParameter });
  return { families: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

// ---------- services ----------

function findService(ctx: SimContext, cluster: ClusterState, ref: string): ServiceState | undefined {
  const name = lastSegment(ref);
  const candidates = ctx.state.services.filter((s) => s.clusterName === cluster.name && s.name === name);
  return candidates.find((s) => s.status !== 'INACTIVE') ?? candidates.at(-1);
}

function resolveTaskDefinitionArn(ctx: SimContext, ref: unknown): TaskDefinitionState {
  const td = findTaskDefinition(ctx, requireString(ref, 'taskDefinition'));
  if (!td || td.status !== 'ACTIVE') {
    if (td && td.status === 'INACTIVE') throw clientError(`TaskDefinition is inactive (${td.arn}).`);
    throw clientError('TaskDefinition not found.');
  }
  return td;
}

function validateNetwork(td: TaskDefinitionState, network: unknown): void {
  if (td.body.networkMode === 'awsvpc') {
    const subnets = (network as { awsvpcConfiguration?: { subnets?: string[] } } | undefined)?.awsvpcConfiguration?.subnets;
    if (!subnets || subnets.length === 0) {
      throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
  } else if (network) {
    throw invalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
  }
}

function validateRegistries(ctx: SimContext, registries: unknown): ServiceRegistryList {
  if (registries === undefined || registries === null) return [];
  if (!Array.isArray(registries)) throw invalidParameter('serviceRegistries must be a list.');
  for (const r of registries as { registryArn?: string }[]) {
    if (!r.registryArn || !ctx.cloudMap.serviceExists(r.registryArn)) {
      throw invalidParameter(`The service registry ARN ${r.registryArn ?? ''} is not valid.`);
    }
  }
  return clone(registries) as ServiceRegistryList;
}
type ServiceRegistryList = ServiceState['serviceRegistries'];

function deploymentConfiguration(input: unknown, previous?: ServiceState['deploymentConfiguration']): ServiceState['deploymentConfiguration'] {
  const given = (input ?? {}) as Partial<ServiceState['deploymentConfiguration']>;
  const base = previous ?? { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false } };
  const out = { ...clone(base), ...clone(given) } as ServiceState['deploymentConfiguration'];
  out.maximumPercent = given.maximumPercent ?? base.maximumPercent;
  out.minimumHealthyPercent = given.minimumHealthyPercent ?? base.minimumHealthyPercent;
  out.deploymentCircuitBreaker = {
    enable: given.deploymentCircuitBreaker?.enable ?? base.deploymentCircuitBreaker.enable,
    rollback: given.deploymentCircuitBreaker?.rollback ?? base.deploymentCircuitBreaker.rollback,
  };
  if (out.maximumPercent < 100 && out.minimumHealthyPercent >= 100) {
    throw invalidParameter('maximumPercent must be at least 100 when minimumHealthyPercent is 100.');
  }
  if (out.minimumHealthyPercent > out.maximumPercent) throw invalidParameter('minimumHealthyPercent must not exceed maximumPercent.');
  return out;
}

function deploymentOut(d: DeploymentState, svc: ServiceState): Json {
  let running = 0;
  let pending = 0;
  for (const t of svc.tasks) {
    if (t.deploymentId !== d.id) continue;
    if (t.lastStatus === 'RUNNING') running++;
    else if (t.lastStatus === 'PENDING') pending++;
  }
  const out: Json = {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.desiredCount,
    pendingCount: pending,
    runningCount: running,
    failedTasks: d.failedTasks,
    createdAt: wireTime(d.createdAt),
    updatedAt: wireTime(d.updatedAt),
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
  if (d.launchType) out.launchType = d.launchType;
  if (d.platformVersion) out.platformVersion = d.platformVersion;
  if (d.capacityProviderStrategy) out.capacityProviderStrategy = clone(d.capacityProviderStrategy);
  if (d.networkConfiguration) out.networkConfiguration = clone(d.networkConfiguration);
  return out;
}

export function serviceOut(ctx: SimContext, s: ServiceState, include: string[] = []): Json {
  let running = 0;
  let pending = 0;
  for (const t of s.tasks) {
    if (t.lastStatus === 'RUNNING') running++;
    else if (t.lastStatus === 'PENDING') pending++;
  }
  const out: Json = {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn: ctx.arns.cluster(s.clusterName),
    ...clone(s.config),
    serviceRegistries: clone(s.serviceRegistries),
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: running,
    pendingCount: pending,
    taskDefinition: s.taskDefinition,
    deploymentConfiguration: clone(s.deploymentConfiguration),
    deployments: s.deployments.map((d) => deploymentOut(d, s)),
    events: s.events.map((e) => ({ id: e.id, createdAt: wireTime(e.createdAt), message: e.message })),
    createdAt: wireTime(s.createdAt),
    createdBy: ctx.arns.root(),
  };
  if (include.includes('TAGS')) out.tags = clone(s.tags);
  return out;
}

// Configuration fields that UpdateService may change and that start a new deployment.
const DEPLOYING_FIELDS = ['networkConfiguration', 'loadBalancers', 'platformVersion', 'capacityProviderStrategy'] as const;
// Fields stored as given and returned as stored.
const PLAIN_FIELDS = [
  'placementConstraints', 'placementStrategy', 'propagateTags', 'enableECSManagedTags', 'enableExecuteCommand',
  'healthCheckGracePeriodSeconds', 'serviceConnectConfiguration', 'volumeConfigurations', 'availabilityZoneRebalancing',
] as const;

function launchFields(ctx: SimContext, cluster: ClusterState, input: CreateServiceRequest, td: TaskDefinitionState): Json {
  const cfg: Json = {};
  if (input.launchType && input.capacityProviderStrategy) {
    throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported.');
  }
  if (input.capacityProviderStrategy) cfg.capacityProviderStrategy = clone(input.capacityProviderStrategy);
  else if (input.launchType) cfg.launchType = input.launchType;
  else if (cluster.defaultCapacityProviderStrategy.length > 0) cfg.capacityProviderStrategy = clone(cluster.defaultCapacityProviderStrategy);
  else cfg.launchType = 'EC2';
  const fargate = cfg.launchType === 'FARGATE' || JSON.stringify(cfg.capacityProviderStrategy ?? []).includes('FARGATE');
  if (cfg.launchType === 'FARGATE' && !(td.body.compatibilities as string[]).includes('FARGATE')) {
    throw invalidParameter('Task definition does not support launch_type FARGATE.');
  }
  if (fargate) cfg.platformVersion = input.platformVersion ?? 'LATEST';
  else if (input.platformVersion) throw invalidParameter('The platform version must be null when specifying an EC2 launch type.');
  return cfg;
}

const createService: Handler = (ctx, raw) => {
  const input = raw as CreateServiceRequest;
  const cluster = activeCluster(ctx, input.cluster);
  const name = requireString(input.serviceName, 'serviceName');
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw invalidParameter('Service name must match [a-zA-Z0-9_-]{1,255}.');
  if (input.clientToken !== undefined && (input.clientToken.length > 36 || !/^[\x20-\x7e]*$/.test(input.clientToken))) {
    throw invalidParameter('clientToken must be at most 36 ASCII characters.');
  }
  const existing = ctx.state.services.find((s) => s.clusterName === cluster.name && s.name === name && s.status !== 'INACTIVE');
  if (existing) {
    if (input.clientToken && existing.clientToken === input.clientToken) return { service: serviceOut(ctx, existing) };
    throw invalidParameter('Creation of service was not idempotent.');
  }
  const strategy = input.schedulingStrategy ?? 'REPLICA';
  if (strategy === 'REPLICA' && (input.desiredCount === undefined || input.desiredCount === null)) {
    throw invalidParameter('desiredCount is required for the REPLICA scheduling strategy.');
  }
  const desiredCount = input.desiredCount ?? 0;
  if (!Number.isInteger(desiredCount) || desiredCount < 0) throw invalidParameter('desiredCount must be a non-negative integer.');
  const controller = input.deploymentController?.type ?? 'ECS';
  if (controller !== 'ECS') throw invalidParameter(`The ${controller} deployment controller is not supported by this simulator.`);
  const td = resolveTaskDefinitionArn(ctx, input.taskDefinition);
  validateNetwork(td, input.networkConfiguration);
  const registries = validateRegistries(ctx, input.serviceRegistries);
  const config: Json = {
    loadBalancers: clone(input.loadBalancers) ?? [],
    ...launchFields(ctx, cluster, input, td),
    placementConstraints: [],
    placementStrategy: [],
    schedulingStrategy: strategy,
    deploymentController: { type: 'ECS' },
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
  };
  if (input.networkConfiguration) config.networkConfiguration = clone(input.networkConfiguration);
  if (input.role) config.roleArn = input.role.startsWith('arn:') ? input.role : `arn:aws:iam::${ctx.accountId}:role/${input.role}`;
  for (const f of PLAIN_FIELDS) {
    const v = (input as unknown as Json)[f];
    if (v !== undefined && v !== null) config[f] = clone(v);
  }
  const now = ctx.clock.now();
  const svc: ServiceState = {
    seq: ctx.nextSeq(),
    arn: ctx.arns.service(cluster.name, name),
    name,
    clusterName: cluster.name,
    status: 'ACTIVE',
    taskDefinition: td.arn,
    desiredCount,
    config,
    serviceRegistries: registries,
    deploymentConfiguration: deploymentConfiguration(input.deploymentConfiguration),
    deployments: [],
    tasks: [],
    events: [],
    tags: validateTags(input.tags),
    createdAt: now,
    steady: false,
  };
  if (input.clientToken) svc.clientToken = input.clientToken;
  ctx.written(`service:${svc.arn}`, undefined);
  ctx.state.services.push(svc);
  startDeployment(ctx, svc);
  return { service: serviceOut(ctx, svc) };
};

const describeServices: Handler = (ctx, raw) => {
  const input = raw as DescribeServicesRequest;
  const refs = input.services;
  if (!Array.isArray(refs) || refs.length === 0) throw invalidParameter('services can not be empty.');
  if (refs.length > 10) throw invalidParameter('services can have at most 10 items.');
  const cluster = findCluster(ctx, input.cluster);
  if (!cluster) throw clusterNotFound();
  const services: Json[] = [];
  const failures: Json[] = [];
  const include = input.include ?? [];
  for (const ref of refs) {
    const found = findService(ctx, cluster, ref);
    const key = `service:${ctx.arns.service(cluster.name, lastSegment(ref))}`;
    const svc = ctx.visible(key, found);
    if (svc) services.push(serviceOut(ctx, svc, include));
    // AWS reports a missing name with the short service ARN (no cluster), an ARN as given.
    else failures.push({ arn: ref.startsWith('arn:') ? ref : ctx.arns.shortService(ref), reason: 'MISSING' });
  }
  return { services, failures };
};

const listServices: Handler = (ctx, raw) => {
  const input = raw as ListServicesRequest;
  const cluster = activeCluster(ctx, input.cluster);
  const all = ctx.state.services.filter((s) => {
    if (s.clusterName !== cluster.name) return false;
    const seen = ctx.visible(`service:${s.arn}`, s);
    if (!seen || seen.status !== 'ACTIVE') return false;
    if (input.launchType && s.config.launchType !== input.launchType) return false;
    if (input.schedulingStrategy && s.config.schedulingStrategy !== input.schedulingStrategy) return false;
    return true;
  });
  const page = paginate(all, (s) => pad(s.seq), { ...pageOpts(input), defaultPage: 10, maxPage: 100, invalid: invalidParameter });
  return { serviceArns: page.items.map((s) => s.arn), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

function activeService(ctx: SimContext, clusterRef: string | undefined, ref: unknown): ServiceState {
  const cluster = activeCluster(ctx, clusterRef);
  const svc = findService(ctx, cluster, requireString(ref, 'service'));
  if (!svc) throw serviceNotFound();
  if (svc.status !== 'ACTIVE') throw serviceNotActive();
  return svc;
}

const updateService: Handler = (ctx, raw) => {
  const input = raw as UpdateServiceRequest & Json;
  const svc = activeService(ctx, input.cluster, input.service);
  const cluster = activeCluster(ctx, input.cluster);
  const before = clone(svc);
  let redeploy = input.forceNewDeployment === true;
  let td = findTaskDefinition(ctx, svc.taskDefinition) as TaskDefinitionState;
  if (input.taskDefinition !== undefined && input.taskDefinition !== null) {
    td = resolveTaskDefinitionArn(ctx, input.taskDefinition);
    if (td.arn !== svc.taskDefinition) redeploy = true;
  }
  const config = clone(svc.config);
  if (input.networkConfiguration !== undefined) validateNetwork(td, input.networkConfiguration);
  else if (td.arn !== svc.taskDefinition) validateNetwork(td, config.networkConfiguration);
  if (input.launchType !== undefined) throw invalidParameter('launchType cannot be updated.');
  if (input.capacityProviderStrategy && config.launchType) {
    // AWS allows moving from a launch type to a strategy only with forceNewDeployment.
    if (!input.forceNewDeployment) throw invalidParameter('Updating the launch type to a capacity provider strategy requires forceNewDeployment.');
    delete config.launchType;
  }
  for (const f of DEPLOYING_FIELDS) {
    const v = input[f];
    if (v === undefined || v === null) continue;
    if (JSON.stringify(v) !== JSON.stringify(config[f])) redeploy = true;
    config[f] = clone(v);
  }
  let registries = svc.serviceRegistries;
  if (input.serviceRegistries !== undefined && input.serviceRegistries !== null) {
    registries = validateRegistries(ctx, input.serviceRegistries);
    if (JSON.stringify(registries) !== JSON.stringify(svc.serviceRegistries)) redeploy = true;
  }
  for (const f of PLAIN_FIELDS) {
    const v = input[f];
    if (v !== undefined && v !== null) config[f] = clone(v);
  }
  const depConfig = input.deploymentConfiguration ? deploymentConfiguration(input.deploymentConfiguration, svc.deploymentConfiguration) : svc.deploymentConfiguration;
  if (input.desiredCount !== undefined && input.desiredCount !== null) {
    if (!Number.isInteger(input.desiredCount) || input.desiredCount < 0) throw invalidParameter('desiredCount must be a non-negative integer.');
  }
  void cluster;
  ctx.written(`service:${svc.arn}`, before);
  svc.config = config;
  svc.serviceRegistries = registries;
  svc.deploymentConfiguration = depConfig;
  svc.taskDefinition = td.arn;
  if (input.desiredCount !== undefined && input.desiredCount !== null && input.desiredCount !== svc.desiredCount) {
    svc.desiredCount = input.desiredCount;
    svc.steady = false;
    const primary = svc.deployments[0];
    if (primary) {
      primary.desiredCount = svc.desiredCount;
      primary.updatedAt = ctx.clock.now();
    }
  }
  if (redeploy || svc.deployments.length === 0) startDeployment(ctx, svc);
  return { service: serviceOut(ctx, svc) };
};

const deleteService: Handler = (ctx, raw) => {
  const input = raw as DeleteServiceRequest;
  const cluster = activeCluster(ctx, input.cluster);
  const svc = findService(ctx, cluster, requireString(input.service, 'service'));
  if (!svc) throw serviceNotFound();
  if (svc.status !== 'ACTIVE') throw serviceNotActive();
  if (svc.desiredCount > 0 && input.force !== true) {
    throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
  }
  ctx.written(`service:${svc.arn}`, clone(svc));
  svc.status = 'DRAINING';
  svc.desiredCount = 0;
  for (const d of svc.deployments) d.desiredCount = 0;
  addEvent(ctx, svc, `(service ${svc.name}) has begun draining.`);
  return { service: serviceOut(ctx, svc) };
};

// ---------- tags ----------

type Taggable = { tags: EcsTag[] };

function taggable(ctx: SimContext, arn: unknown): { target: Taggable; key: string } {
  const ref = typeof arn === 'string' ? arn : '';
  const m = /^arn:aws:ecs:[^:]+:\d{12}:(cluster|service|task-definition)\/(.+)$/.exec(ref);
  if (!m) throw invalidParameter('The ARN provided is invalid.');
  const [, kind, rest] = m;
  if (kind === 'cluster') {
    const c = findCluster(ctx, rest);
    if (c && c.arn === ref) return { target: c, key: `cluster:${c.name}` };
  } else if (kind === 'service') {
    const s = ctx.state.services.find((x) => x.arn === ref && x.status !== 'INACTIVE');
    if (s) return { target: s, key: `service:${s.arn}` };
  } else {
    const td = ctx.state.taskDefinitions.find((x) => x.arn === ref && x.status !== 'DELETE_IN_PROGRESS');
    if (td) return { target: td, key: `taskdef:${td.arn}` };
  }
  throw resourceNotFound();
}

const tagResource: Handler = (ctx, raw) => {
  const input = raw as TagResourceRequest;
  const { target } = taggable(ctx, input.resourceArn);
  target.tags = mergeTags(target.tags, validateTags(input.tags));
  return {};
};

const untagResource: Handler = (ctx, raw) => {
  const input = raw as UntagResourceRequest;
  const { target } = taggable(ctx, input.resourceArn);
  const keys = input.tagKeys ?? [];
  target.tags = target.tags.filter((t) => !keys.includes(t.key));
  return {};
};

const listTagsForResource: Handler = (ctx, raw) => {
  const input = raw as ListTagsForResourceRequest;
  return { tags: clone(taggable(ctx, input.resourceArn).target.tags) };
};

export const ECS_OPERATIONS: Record<string, Handler> = {
  CreateCluster: createCluster,
  DescribeClusters: describeClusters,
  ListClusters: listClusters,
  UpdateCluster: updateCluster,
  PutClusterCapacityProviders: putClusterCapacityProviders,
  DeleteCluster: deleteCluster,
  RegisterTaskDefinition: registerTaskDefinition,
  DescribeTaskDefinition: describeTaskDefinition,
  ListTaskDefinitions: listTaskDefinitions,
  ListTaskDefinitionFamilies: listTaskDefinitionFamilies,
  DeregisterTaskDefinition: deregisterTaskDefinition,
  DeleteTaskDefinitions: deleteTaskDefinitions,
  CreateService: createService,
  DescribeServices: describeServices,
  ListServices: listServices,
  UpdateService: updateService,
  DeleteService: deleteService,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};

/** Operations that change nothing; the engine skips rollout work after them. */
export const ECS_READS = new Set([
  'DescribeClusters', 'ListClusters', 'DescribeTaskDefinition', 'ListTaskDefinitions', 'ListTaskDefinitionFamilies',
  'DescribeServices', 'ListServices', 'ListTagsForResource',
]);

