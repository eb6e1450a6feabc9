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
import { describeServiceDeployments, describeServiceRevisions, listServiceDeployments, revisionSummary } from './history.js';
import { paginate } from './paginate.js';
import { addEvent, startDeployment } from './rollout.js';
import { strategyProblem } from './strategies.js';
import { launchVolumesChecked, serviceConnectIn, serviceConnectResources, volumeConfigurationsIn } from './service-connect.js';
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
        if (t.lastStatus === 'RUNNING') running += t.count;
        if (t.lastStatus === 'PENDING') pending += t.count;
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
  // Without include: ["TAGS"] AWS answers an empty tag list (AWS CLI describe-clusters example).
  out.tags = include.includes('TAGS') ? clone(c.tags) : [];
  return out;
}

// AWS's tag rules: at most 50 per resource, keys 1–128 and values 0–256 characters of
// letters, digits, spaces and + - = . _ : / @, and the aws: prefix reserved.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function validateTags(tags: unknown): EcsTag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw invalidParameter('tags must be a list.');
  if (tags.length > 50) throw invalidParameter('Too many tags: at most 50 tags per resource.');
  return tags.map((t: { key?: unknown; value?: unknown }) => {
    if (typeof t?.key !== 'string' || t.key === '') throw invalidParameter('Tag keys must be non-empty strings.');
    const value = typeof t.value === 'string' ? t.value : '';
    if (t.key.length > 128 || !TAG_TEXT.test(t.key)) throw invalidParameter(`Tag key '${t.key.slice(0, 128)}' is not valid: at most 128 letters, digits, spaces and + - = . _ : / @.`);
    if (value.length > 256 || !TAG_TEXT.test(value)) throw invalidParameter(`The value of tag '${t.key}' is not valid: at most 256 letters, digits, spaces and + - = . _ : / @.`);
    if (t.key.toLowerCase().startsWith('aws:')) throw invalidParameter('Tag keys beginning with aws: are reserved for AWS use.');
    return { key: t.key, value };
  });
}

function mergeTags(existing: EcsTag[], added: EcsTag[]): EcsTag[] {
  const out = existing.filter((t) => !added.some((a) => a.key === t.key));
  out.push(...added);
  if (out.length > 50) throw invalidParameter('Too many tags: at most 50 tags per resource.');
  return out;
}

/** Strategy items as AWS returns them: `base` and `weight` default to 0. */
function strategyOut(items: unknown): Json[] {
  return ((items ?? []) as Json[]).map((i) => ({ capacityProvider: i.capacityProvider, weight: i.weight ?? 0, base: i.base ?? 0 }));
}

/**
 * A strategy may name only capacity providers associated with the cluster; weights 0–1000,
 * bases 0–100000, at most one base, and at least one positive weight.
 */
function checkStrategy(strategy: Json[], providers: string[]): void {
  if (strategy.length > 20) throw invalidParameter('A capacity provider strategy can have at most 20 items.');
  for (const item of strategy) {
    if (typeof item.capacityProvider !== 'string' || !providers.includes(item.capacityProvider)) {
      throw invalidParameter(`The specified capacity provider strategy cannot contain a capacity provider (${String(item.capacityProvider)}) that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`);
    }
    const weight = item.weight as number;
    const base = item.base as number;
    if (!Number.isInteger(weight) || weight < 0 || weight > 1000) throw invalidParameter('The capacity provider strategy weight must be an integer from 0 to 1000.');
    if (!Number.isInteger(base) || base < 0 || base > 100000) throw invalidParameter('The capacity provider strategy base must be an integer from 0 to 100000.');
  }
  if (strategy.filter((i) => (i.base as number) > 0).length > 1) throw invalidParameter('Only one capacity provider in a strategy can have a base.');
  if (strategy.length > 0 && !strategy.some((i) => (i.weight as number) > 0)) throw invalidParameter('At least one capacity provider in a strategy must have a weight greater than 0.');
}

/** A cluster without a containerInsights setting follows the account setting (default disabled). */
function clusterSettings(ctx: SimContext, given: unknown): unknown[] {
  const settings = (clone(given) as Json[] | undefined) ?? [];
  if (!settings.some((x) => x.name === 'containerInsights')) {
    settings.push({ name: 'containerInsights', value: ctx.state.accountSettings.containerInsights ?? 'disabled' });
  }
  for (const x of settings) {
    if (x.name !== 'containerInsights') throw invalidParameter(`Unknown cluster setting ${String(x.name)}.`);
    if (!['enabled', 'disabled', 'enhanced'].includes(x.value as string)) throw invalidParameter('containerInsights must be enabled, disabled or enhanced.');
  }
  return settings;
}

/** serviceConnectDefaults as AWS keeps it: the namespace's ARN, a new HTTP namespace for a new name, removed for "". */
function serviceConnectDefaults(ctx: SimContext, given: { namespace?: unknown } | undefined): Json | undefined {
  if (given === undefined || given === null) return undefined;
  const ns = given.namespace;
  if (typeof ns !== 'string') throw invalidParameter('serviceConnectDefaults.namespace is required.');
  if (ns === '') return undefined;
  if (ns.length > 1024 || /[<>"/]/.test(ns.startsWith('arn:') ? '' : ns)) throw invalidParameter('The namespace name is not valid.');
  const arn = ctx.cloudMap.namespaceArn(ns);
  if (arn === undefined) throw new AwsError('NamespaceNotFoundException', `The namespace ${ns} does not exist.`);
  return { namespace: arn };
}

const createCluster: Handler = (ctx, raw) => {
  const input = raw as CreateClusterRequest;
  const name = input.clusterName ?? 'default';
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw invalidParameter('Cluster name must match [a-zA-Z0-9_-]{1,255}.');
  const existing = findCluster(ctx, name);
  if (existing) return { cluster: clusterOut(ctx, existing, ['TAGS']) };
  const providers = [...(input.capacityProviders ?? [])];
  const strategy = strategyOut(input.defaultCapacityProviderStrategy);
  checkStrategy(strategy, providers);
  const cluster: ClusterState = {
    seq: ctx.nextSeq(),
    arn: ctx.arns.cluster(name),
    name,
    status: 'ACTIVE',
    settings: clusterSettings(ctx, input.settings),
    capacityProviders: providers,
    defaultCapacityProviderStrategy: strategy,
    tags: validateTags(input.tags),
  };
  if (input.configuration) cluster.configuration = clone(input.configuration);
  const defaults = serviceConnectDefaults(ctx, input.serviceConnectDefaults);
  if (defaults) cluster.serviceConnectDefaults = defaults;
  ctx.written(`cluster:${name}`, undefined);
  ctx.state.clusters.push(cluster);
  return { cluster: clusterOut(ctx, cluster, ['TAGS']) };
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
  const settings = input.settings ? clusterSettings(ctx, input.settings) : undefined;
  const defaults = input.serviceConnectDefaults ? serviceConnectDefaults(ctx, input.serviceConnectDefaults) : undefined;
  ctx.written(`cluster:${c.name}`, clone(c));
  if (settings) c.settings = settings;
  if (input.configuration) c.configuration = clone(input.configuration);
  if (input.serviceConnectDefaults) {
    if (defaults) c.serviceConnectDefaults = defaults;
    else delete c.serviceConnectDefaults;
  }
  return { cluster: clusterOut(ctx, c, ['TAGS']) };
};

const putClusterCapacityProviders: Handler = (ctx, raw) => {
  const input = raw as PutClusterCapacityProvidersRequest;
  const c = activeCluster(ctx, requireString(input.cluster, 'cluster'));
  if (!Array.isArray(input.capacityProviders)) throw invalidParameter('capacityProviders is required.');
  if (!Array.isArray(input.defaultCapacityProviderStrategy)) throw invalidParameter('defaultCapacityProviderStrategy is required.');
  const strategy = strategyOut(input.defaultCapacityProviderStrategy);
  checkStrategy(strategy, input.capacityProviders);
  for (const s of ctx.state.services) {
    if (s.clusterName !== c.name || s.status !== 'ACTIVE') continue;
    const used = (s.config.capacityProviderStrategy ?? []) as Json[];
    const dropped = used.find((i) => !input.capacityProviders?.includes(i.capacityProvider as string));
    if (dropped) throw new AwsError('ResourceInUseException', `The capacity provider ${String(dropped.capacityProvider)} is in use by service ${s.name}.`);
  }
  ctx.written(`cluster:${c.name}`, clone(c));
  c.capacityProviders = [...input.capacityProviders];
  c.defaultCapacityProviderStrategy = strategy;
  return { cluster: clusterOut(ctx, c, ['TAGS']) };
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

/** Fargate's task sizes: cpu units → the memory sizes (MiB) it can be paired with. */
const FARGATE_SIZES: ReadonlyMap<number, (m: number) => boolean> = new Map([
  [256, (m: number) => m === 512 || m === 1024 || m === 2048],
  [512, (m: number) => m >= 1024 && m <= 4096 && m % 1024 === 0],
  [1024, (m: number) => m >= 2048 && m <= 8192 && m % 1024 === 0],
  [2048, (m: number) => m >= 4096 && m <= 16384 && m % 1024 === 0],
  [4096, (m: number) => m >= 8192 && m <= 30720 && m % 1024 === 0],
  [8192, (m: number) => m >= 16384 && m <= 61440 && m % 4096 === 0],
  [16384, (m: number) => m >= 32768 && m <= 122880 && m % 8192 === 0],
]);

function checkFargateSize(cpu: string, memory: string): void {
  const fits = FARGATE_SIZES.get(Number(cpu));
  if (!fits || !fits(Number(memory))) {
    throw clientError(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
  }
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
    checkFargateSize(cpu, memory);
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
  // Without include: ["TAGS"] AWS answers an empty tag list (AWS CLI describe-task-definition example).
  const out: Json = { taskDefinition: clone(td.body), tags: (input.include ?? []).includes('TAGS') ? clone(td.tags) : [] };
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
  const given = (input ?? {}) as Partial<ServiceState['deploymentConfiguration']> & { alarms?: Json };
  const base = previous ?? {
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    deploymentCircuitBreaker: { enable: false, rollback: false },
    alarms: { alarmNames: [], enable: false, rollback: false },
  };
  const out = { ...clone(base), ...clone(given) } as ServiceState['deploymentConfiguration'];
  out.maximumPercent = given.maximumPercent ?? base.maximumPercent;
  out.minimumHealthyPercent = given.minimumHealthyPercent ?? base.minimumHealthyPercent;
  out.deploymentCircuitBreaker = {
    enable: given.deploymentCircuitBreaker?.enable ?? base.deploymentCircuitBreaker.enable,
    rollback: given.deploymentCircuitBreaker?.rollback ?? base.deploymentCircuitBreaker.rollback,
  };
  const baseAlarms = (base.alarms ?? { alarmNames: [], enable: false, rollback: false }) as Json;
  out.alarms = {
    alarmNames: clone(given.alarms?.alarmNames ?? baseAlarms.alarmNames ?? []),
    enable: given.alarms?.enable ?? baseAlarms.enable ?? false,
    rollback: given.alarms?.rollback ?? baseAlarms.rollback ?? false,
  };
  if (!Number.isInteger(out.maximumPercent) || !Number.isInteger(out.minimumHealthyPercent) || out.minimumHealthyPercent < 0) {
    throw invalidParameter('maximumPercent and minimumHealthyPercent must be non-negative integers.');
  }
  if (out.maximumPercent < 100 && out.minimumHealthyPercent >= 100) {
    throw invalidParameter('maximumPercent must be at least 100 when minimumHealthyPercent is 100.');
  }
  if (out.minimumHealthyPercent > out.maximumPercent) throw invalidParameter('minimumHealthyPercent must not exceed maximumPercent.');
  // The strategy's settings come as a set: a new strategy drops the settings of the old one.
  if (given.strategy !== undefined) {
    for (const f of ['bakeTimeInMinutes', 'lifecycleHooks', 'linearConfiguration', 'canaryConfiguration']) if (!(f in given)) delete (out as Json)[f];
  }
  const problem = strategyProblem(out);
  if (problem) throw invalidParameter(problem);
  return out;
}

function deploymentOut(ctx: SimContext, d: DeploymentState, svc: ServiceState): Json {
  let running = 0;
  let pending = 0;
  for (const t of svc.tasks) {
    if (t.deploymentId !== d.id) continue;
    if (t.lastStatus === 'RUNNING') running += t.count;
    else if (t.lastStatus === 'PENDING') pending += t.count;
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
  };
  if (d.capacityProviderStrategy) out.capacityProviderStrategy = clone(d.capacityProviderStrategy);
  if (d.launchType) out.launchType = d.launchType;
  if (d.platformVersion) out.platformVersion = d.platformVersion;
  if (d.platformFamily) out.platformFamily = d.platformFamily;
  if (d.networkConfiguration) out.networkConfiguration = clone(d.networkConfiguration);
  out.rolloutState = d.rolloutState;
  out.rolloutStateReason = d.rolloutStateReason;
  if (d.serviceConnectConfiguration) {
    out.serviceConnectConfiguration = clone(d.serviceConnectConfiguration);
    const resources = serviceConnectResources(ctx, d.serviceConnectConfiguration);
    if (resources?.length) out.serviceConnectResources = resources;
  }
  if (d.volumeConfigurations) out.volumeConfigurations = clone(d.volumeConfigurations);
  return out;
}

export function serviceOut(ctx: SimContext, s: ServiceState, include: string[] = []): Json {
  let running = 0;
  let pending = 0;
  for (const t of s.tasks) {
    if (t.lastStatus === 'RUNNING') running += t.count;
    else if (t.lastStatus === 'PENDING') pending += t.count;
  }
  // Service Connect and the launch-time volumes are reported on deployments only.
  const { deploymentController, serviceConnectConfiguration: _sc, volumeConfigurations: _volumes, ...config } = clone(s.config);
  const external = (deploymentController as { type?: string } | undefined)?.type === 'EXTERNAL';
  const out: Json = {
    serviceArn: s.arn,
    serviceName: s.name,
    clusterArn: ctx.arns.cluster(s.clusterName),
    loadBalancers: [],
    serviceRegistries: clone(s.serviceRegistries),
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: running,
    pendingCount: pending,
    ...config,
  };
  if (s.taskDefinition) out.taskDefinition = s.taskDefinition;
  out.deploymentConfiguration = clone(s.deploymentConfiguration);
  if (external) out.taskSets = [];
  out.deployments = s.deployments.map((d) => deploymentOut(ctx, d, s));
  // The service's place in the deployment history: its current service deployment and the
  // revisions its deployments run.
  const current = s.deployments[0]?.serviceDeploymentArn;
  if (current) out.currentServiceDeployment = current;
  const revisions = [...new Set(s.deployments.map((d) => d.serviceRevisionArn).filter((a): a is string => a !== undefined))];
  if (revisions.length > 0) out.currentServiceRevisions = revisions.map((arn) => revisionSummary(s, arn));
  out.events = s.events.map((e) => ({ id: e.id, createdAt: wireTime(e.createdAt), message: e.message }));
  out.createdAt = wireTime(s.createdAt);
  out.deploymentController = deploymentController ?? { type: 'ECS' };
  out.createdBy = ctx.arns.root();
  if (include.includes('TAGS')) out.tags = clone(s.tags);
  return out;
}

// Configuration fields that UpdateService may change and that start a new deployment.
const DEPLOYING_FIELDS = ['networkConfiguration', 'loadBalancers', 'platformVersion', 'volumeConfigurations', 'serviceConnectConfiguration'] as const;
// Fields stored as given and returned as stored.
const PLAIN_FIELDS = [
  'placementConstraints', 'placementStrategy', 'propagateTags', 'enableECSManagedTags', 'enableExecuteCommand',
  'healthCheckGracePeriodSeconds', 'availabilityZoneRebalancing',
] as const;
// What UpdateService may not change on a CODE_DEPLOY or EXTERNAL service (task sets do).
const TASK_SET_FIELDS = ['taskDefinition', 'networkConfiguration', 'loadBalancers', 'platformVersion', 'serviceRegistries', 'capacityProviderStrategy'] as const;
const LAUNCH_TYPES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'];
const CONTROLLERS = ['ECS', 'CODE_DEPLOY', 'EXTERNAL'];

const usesFargate = (cfg: Json): boolean =>
  cfg.launchType === 'FARGATE' || ((cfg.capacityProviderStrategy ?? []) as Json[]).some((i) => String(i.capacityProvider).startsWith('FARGATE'));

/** The operating system family a Fargate service reports: Linux unless the task definition says otherwise. */
function platformFamilyOf(td: TaskDefinitionState | undefined): string {
  const os = (td?.body.runtimePlatform as { operatingSystemFamily?: string } | undefined)?.operatingSystemFamily;
  return !os || os === 'LINUX' ? 'Linux' : os;
}

/** Sets platformVersion/platformFamily for Fargate, refuses a platform version elsewhere. */
function applyPlatform(cfg: Json, platformVersion: string | undefined, td: TaskDefinitionState | undefined): void {
  if (usesFargate(cfg)) {
    if (td && !(td.body.compatibilities as string[]).includes('FARGATE')) throw invalidParameter('Task definition does not support launch_type FARGATE.');
    cfg.platformVersion = platformVersion ?? (typeof cfg.platformVersion === 'string' ? cfg.platformVersion : 'LATEST');
    cfg.platformFamily = platformFamilyOf(td);
  } else {
    if (platformVersion) throw invalidParameter('The platform version must be null when specifying an EC2 launch type.');
    delete cfg.platformVersion;
    delete cfg.platformFamily;
  }
}

/**
 * launchType / capacityProviderStrategy as AWS resolves them at CreateService: the one
 * given, else the cluster's default strategy, else the EC2 launch type.
 */
function launchFields(cluster: ClusterState, input: CreateServiceRequest, td: TaskDefinitionState | undefined): Json {
  const cfg: Json = {};
  const strategy = strategyOut(input.capacityProviderStrategy);
  if (input.launchType && strategy.length > 0) {
    throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported.');
  }
  if (input.launchType !== undefined && !LAUNCH_TYPES.includes(input.launchType)) throw invalidParameter(`Invalid launch type ${String(input.launchType)}.`);
  if (strategy.length > 0) {
    checkStrategy(strategy, cluster.capacityProviders);
    cfg.capacityProviderStrategy = strategy;
  } else if (input.launchType) cfg.launchType = input.launchType;
  else if (cluster.defaultCapacityProviderStrategy.length > 0) cfg.capacityProviderStrategy = clone(cluster.defaultCapacityProviderStrategy);
  else cfg.launchType = 'EC2';
  applyPlatform(cfg, input.platformVersion, td);
  return cfg;
}

function checkDesiredCount(v: unknown): number {
  // desiredCount is a 32-bit integer on the wire; any value in range is modelled without per-task work.
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2147483647) {
    throw invalidParameter('desiredCount must be an integer from 0 to 2147483647.');
  }
  return v;
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
  if (strategy !== 'REPLICA' && strategy !== 'DAEMON') throw invalidParameter(`Invalid scheduling strategy ${String(strategy)}.`);
  if (strategy === 'REPLICA' && (input.desiredCount === undefined || input.desiredCount === null)) {
    throw invalidParameter('desiredCount is required for the REPLICA scheduling strategy.');
  }
  const desiredCount = checkDesiredCount(input.desiredCount ?? 0);
  const controller = input.deploymentController?.type ?? 'ECS';
  if (!CONTROLLERS.includes(controller)) throw invalidParameter(`Invalid deployment controller type ${String(controller)}.`);
  // An EXTERNAL service's tasks come from task sets; it needs no task definition.
  const td = controller === 'EXTERNAL' && !input.taskDefinition ? undefined : resolveTaskDefinitionArn(ctx, input.taskDefinition);
  if (td) validateNetwork(td, input.networkConfiguration);
  const registries = validateRegistries(ctx, input.serviceRegistries);
  const config: Json = {
    loadBalancers: clone(input.loadBalancers) ?? [],
    ...launchFields(cluster, input, td),
    // Without a role AWS uses (and reports) the ECS service-linked role.
    roleArn: !input.role ? ctx.arns.serviceLinkedRole() : input.role.startsWith('arn:') ? input.role : `arn:aws:iam::${ctx.accountId}:role/${input.role}`,
    placementConstraints: [],
    placementStrategy: [],
    healthCheckGracePeriodSeconds: 0,
    schedulingStrategy: strategy,
    deploymentController: { type: controller },
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
    availabilityZoneRebalancing: 'ENABLED',
  };
  if (input.networkConfiguration) config.networkConfiguration = clone(input.networkConfiguration);
  for (const f of PLAIN_FIELDS) {
    const v = (input as unknown as Json)[f];
    if (v !== undefined && v !== null) config[f] = clone(v);
  }
  const serviceConnect = serviceConnectIn(ctx, cluster, td, input.serviceConnectConfiguration);
  if (serviceConnect) config.serviceConnectConfiguration = serviceConnect;
  const volumes = launchVolumesChecked(td, volumeConfigurationsIn(td, input.volumeConfigurations));
  if (volumes?.length) config.volumeConfigurations = volumes;
  const now = ctx.clock.now();
  const svc: ServiceState = {
    seq: ctx.nextSeq(),
    arn: ctx.arns.service(cluster.name, name),
    name,
    clusterName: cluster.name,
    status: 'ACTIVE',
    taskDefinition: td?.arn ?? '',
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
  if (controller !== 'EXTERNAL') startDeployment(ctx, svc);
  return { service: serviceOut(ctx, svc, ['TAGS']) };
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
  const controller = (svc.config.deploymentController as { type?: string } | undefined)?.type ?? 'ECS';
  if (controller !== 'ECS') {
    const refused = TASK_SET_FIELDS.find((f) => input[f] !== undefined && input[f] !== null);
    if (refused || input.forceNewDeployment === true) {
      const what = refused ?? 'forceNewDeployment';
      const how = controller === 'CODE_DEPLOY' ? 'Use AWS CodeDeploy to trigger a new deployment.' : 'Create a new task set.';
      throw invalidParameter(`Unable to update ${what} on services with a ${controller} deployment controller. ${how}`);
    }
  }
  if (input.launchType !== undefined) throw invalidParameter('launchType cannot be updated.');
  let redeploy = input.forceNewDeployment === true;
  let td = findTaskDefinition(ctx, svc.taskDefinition);
  if (input.taskDefinition !== undefined && input.taskDefinition !== null) {
    td = resolveTaskDefinitionArn(ctx, input.taskDefinition);
    if (td.arn !== svc.taskDefinition) redeploy = true;
  }
  const config = clone(svc.config);
  if (td) {
    if (input.networkConfiguration !== undefined && input.networkConfiguration !== null) validateNetwork(td, input.networkConfiguration);
    else if (td.arn !== svc.taskDefinition) validateNetwork(td, config.networkConfiguration);
  }
  if (input.capacityProviderStrategy !== undefined && input.capacityProviderStrategy !== null) {
    const strategy = strategyOut(input.capacityProviderStrategy);
    if (strategy.length === 0) {
      // An empty strategy moves a service back to the launch type its providers stand for.
      if (config.capacityProviderStrategy) config.launchType = usesFargate(config) ? 'FARGATE' : 'EC2';
      delete config.capacityProviderStrategy;
    } else {
      checkStrategy(strategy, cluster.capacityProviders);
      delete config.launchType;
      config.capacityProviderStrategy = strategy;
    }
  }
  const platformVersion = typeof input.platformVersion === 'string' ? input.platformVersion : undefined;
  if (platformVersion !== undefined && platformVersion !== config.platformVersion) redeploy = true;
  applyPlatform(config, platformVersion, td);
  const given: Json = { ...input };
  if (input.serviceConnectConfiguration) given.serviceConnectConfiguration = serviceConnectIn(ctx, cluster, td, input.serviceConnectConfiguration);
  if (input.volumeConfigurations) given.volumeConfigurations = volumeConfigurationsIn(td, input.volumeConfigurations);
  for (const f of DEPLOYING_FIELDS) {
    const v = given[f];
    if (v === undefined || v === null || f === 'platformVersion') continue;
    if (JSON.stringify(v) !== JSON.stringify(config[f])) redeploy = true;
    config[f] = clone(v);
  }
  if (td && td.arn !== svc.taskDefinition && input.serviceConnectConfiguration == null) {
    // A new revision must still have the ports Service Connect names.
    serviceConnectIn(ctx, cluster, td, config.serviceConnectConfiguration);
  }
  launchVolumesChecked(td, config.volumeConfigurations as Json[] | undefined);
  let registries = svc.serviceRegistries;
  if (input.serviceRegistries !== undefined && input.serviceRegistries !== null) {
    registries = validateRegistries(ctx, input.serviceRegistries);
    if (JSON.stringify(registries) !== JSON.stringify(svc.serviceRegistries)) redeploy = true;
  }
  for (const f of PLAIN_FIELDS) {
    const v = input[f];
    if (v !== undefined && v !== null) config[f] = clone(v);
  }
  if (input.deploymentController !== undefined && input.deploymentController !== null) {
    const type = (input.deploymentController as { type?: string }).type ?? 'ECS';
    if (!CONTROLLERS.includes(type)) throw invalidParameter(`Invalid deployment controller type ${type}.`);
    config.deploymentController = { type };
  }
  const depConfig = input.deploymentConfiguration ? deploymentConfiguration(input.deploymentConfiguration, svc.deploymentConfiguration) : svc.deploymentConfiguration;
  const desiredCount = input.desiredCount !== undefined && input.desiredCount !== null ? checkDesiredCount(input.desiredCount) : svc.desiredCount;
  ctx.written(`service:${svc.arn}`, before);
  svc.config = config;
  svc.serviceRegistries = registries;
  svc.deploymentConfiguration = depConfig;
  if (td) svc.taskDefinition = td.arn;
  if (desiredCount !== svc.desiredCount) {
    svc.desiredCount = desiredCount;
    svc.steady = false;
    delete svc.steadyDueAt;
    const primary = svc.deployments[0];
    if (primary) {
      primary.desiredCount = svc.desiredCount;
      primary.updatedAt = ctx.clock.now();
    }
  }
  const external = (config.deploymentController as { type?: string }).type === 'EXTERNAL';
  if (!external && (redeploy || svc.deployments.length === 0)) startDeployment(ctx, svc);
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

// ---------- account settings ----------

const ACCOUNT_SETTINGS = ['containerInsights'];

function putAccountSetting(ctx: SimContext, raw: object): unknown {
  const input = raw as { name?: unknown; value?: unknown };
  const name = requireString(input.name, 'name');
  const value = requireString(input.value, 'value');
  if (!ACCOUNT_SETTINGS.includes(name)) throw invalidParameter(`The account setting ${name} is not supported by the simulator.`);
  if (!['enabled', 'disabled', 'enhanced'].includes(value)) throw invalidParameter('containerInsights must be enabled, disabled or enhanced.');
  ctx.state.accountSettings[name] = value;
  return { setting: { name, value, principalArn: ctx.arns.root(), type: 'user' } };
}

const listAccountSettings: Handler = (ctx, raw) => {
  const input = raw as { name?: string; effectiveSettings?: boolean };
  const settings = ACCOUNT_SETTINGS.filter((n) => input.name === undefined || input.name === n)
    .map((name) => ({ name, value: ctx.state.accountSettings[name] ?? 'disabled', principalArn: ctx.arns.root(), type: 'user' }));
  return { settings };
};

export const ECS_OPERATIONS: Record<string, Handler> = {
  PutAccountSetting: putAccountSetting,
  PutAccountSettingDefault: putAccountSetting,
  ListAccountSettings: listAccountSettings,
  ListServiceDeployments: listServiceDeployments,
  DescribeServiceDeployments: describeServiceDeployments,
  DescribeServiceRevisions: describeServiceRevisions,
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
  'DescribeServices', 'ListServices', 'ListTagsForResource', 'ListAccountSettings', 'ListServiceDeployments',
  'DescribeServiceDeployments', 'DescribeServiceRevisions',
]);

