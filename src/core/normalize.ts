/**
 * Normalisers: one per kind, making desired and live comparable. Both sides are brought
 * into the spec's own vocabulary (the names a user writes), AWS's defaults are filled in
 * on both, read-only fields are dropped, unordered lists are sorted, units are converted,
 * and empty values are removed. Diff, health and display all read these shapes, so a
 * default is written down exactly once.
 */
import type { Cluster, Service as EcsService, TaskDefinition } from '@aws-sdk/client-ecs';
import type { NamespaceSummary, ServiceSummary } from '@aws-sdk/client-servicediscovery';
import type { Kind } from '../api/kinds.js';
import { lastSegment, revisionOf } from './live.js';
import { OWNER_ATTRIBUTE } from './tags.js';

export type Canonical = Record<string, unknown>;
type Obj = Record<string, unknown>;

// ---------------------------------------------------------------- generic helpers

/** Drops undefined, null, empty lists and empty mappings, recursively; sorts keys. */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const p = prune(v);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value === null ? undefined : value;
}

function sortBy<T>(list: T[] | undefined, key: (item: T) => string): T[] | undefined {
  if (!list) return undefined;
  return [...list].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

const sorted = (list: unknown): string[] | undefined => (Array.isArray(list) ? [...(list as string[])].sort() : undefined);
const json = (v: unknown) => JSON.stringify(v) ?? '';

/** Removes fields equal to a default; `defaults` mirrors the object's shape. */
function withoutDefaults(value: Obj | undefined, defaults: Obj): Obj | undefined {
  if (!value) return value;
  const out: Obj = { ...value };
  for (const [k, d] of Object.entries(defaults)) {
    if (d && typeof d === 'object' && !Array.isArray(d) && out[k] && typeof out[k] === 'object') {
      out[k] = withoutDefaults(out[k] as Obj, d as Obj);
    } else if (json(out[k]) === json(d)) {
      delete out[k];
    }
  }
  return out;
}

function pick(source: Obj, keys: readonly string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

/** PascalCase (Cloud Map's JSON) to the camelCase the spec uses: `DnsRecords` → `dnsRecords`, `TTL` → `ttl`. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) {
      const key = k === k.toUpperCase() ? k.toLowerCase() : k[0].toLowerCase() + k.slice(1);
      out[key] = camelKeys(v);
    }
    return out;
  }
  return value;
}

/** The reverse, for Cloud Map inputs: `dnsRecords` → `DnsRecords`, `ttl` → `TTL`. */
export function pascalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalKeys);
  if (value && typeof value === 'object') {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) {
      const key = ALL_CAPS.has(k) ? k.toUpperCase() : k[0].toUpperCase() + k.slice(1);
      out[key] = pascalKeys(v);
    }
    return out;
  }
  return value;
}
const ALL_CAPS = new Set(['ttl', 'soa']);

// ---------------------------------------------------------------- units

/** Task-level CPU in CPU units, as ECS returns it: `"1 vCPU"` → `"1024"`, `256` → `"256"`. */
export function cpuUnits(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  const vcpu = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(text);
  if (vcpu) return String(Math.round(Number(vcpu[1]) * 1024));
  return /^\d+$/.test(text) ? String(Number(text)) : text;
}

/** Task-level memory in MiB, as ECS returns it: `"2 GB"` → `"2048"`, `512` → `"512"`. */
export function memoryMiB(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  const gb = /^(\d+(?:\.\d+)?)\s*gb$/i.exec(text);
  if (gb) return String(Math.round(Number(gb[1]) * 1024));
  const mb = /^(\d+)\s*mi?b$/i.exec(text);
  if (mb) return String(Number(mb[1]));
  return /^\d+$/.test(text) ? String(Number(text)) : text;
}

// ---------------------------------------------------------------- Cluster

const CLUSTER_FIELDS = ['settings', 'capacityProviders', 'defaultCapacityProviderStrategy', 'configuration', 'serviceConnectDefaults'] as const;

export function canonicalCluster(spec: Obj): Canonical {
  const settings = new Map<string, unknown>([['containerInsights', 'disabled']]);
  for (const s of (spec.settings as { name: string; value: unknown }[] | undefined) ?? []) settings.set(s.name, s.value);
  return (prune({
    settings: [...settings].filter(([name, value]) => !(name === 'containerInsights' && value === 'disabled')).sort().map(([name, value]) => ({ name, value })),
    capacityProviders: sorted(spec.capacityProviders),
    defaultCapacityProviderStrategy: sortBy(
      ((spec.defaultCapacityProviderStrategy as Obj[] | undefined) ?? []).map((s) => withoutDefaults(s, { weight: 0, base: 0 })!),
      (s) => String(s.capacityProvider),
    ),
    configuration: spec.configuration,
    serviceConnectDefaults: spec.serviceConnectDefaults ? { namespace: lastSegment(String((spec.serviceConnectDefaults as Obj).namespace)) } : undefined,
  }) ?? {}) as Canonical;
}

export function liveClusterSpec(cluster: Cluster): Obj {
  return pick(cluster as Obj, CLUSTER_FIELDS);
}

// ---------------------------------------------------------------- TaskDefinition

/** RegisterTaskDefinition's input fields, minus family and tags (identity and ownership). */
const TASK_DEFINITION_FIELDS = [
  'taskRoleArn', 'executionRoleArn', 'networkMode', 'containerDefinitions', 'volumes', 'placementConstraints',
  'requiresCompatibilities', 'cpu', 'memory', 'pidMode', 'ipcMode', 'proxyConfiguration', 'inferenceAccelerators',
  'ephemeralStorage', 'runtimePlatform', 'enableFaultInjection',
] as const;

const CONTAINER_DEFAULTS: Obj = { essential: true, cpu: 0, interactive: false, pseudoTerminal: false, disableNetworking: false, privileged: false, readonlyRootFilesystem: false };
const HEALTH_CHECK_DEFAULTS: Obj = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 };

function canonicalContainer(container: Obj, networkMode: string): Obj {
  const portMappings = ((container.portMappings as Obj[] | undefined) ?? []).map((p) => {
    const mapping: Obj = { ...p, protocol: p.protocol ?? 'tcp' };
    // Under awsvpc and host the host port is the container port; under bridge, absent means dynamic (0).
    if (mapping.hostPort === undefined && mapping.containerPort !== undefined) {
      mapping.hostPort = networkMode === 'awsvpc' || networkMode === 'host' ? mapping.containerPort : 0;
    }
    return mapping;
  });
  const out: Obj = {
    ...withoutDefaults(container, CONTAINER_DEFAULTS),
    portMappings: sortBy(portMappings, (p) => `${String(p.containerPort).padStart(5, '0')}/${p.protocol}/${p.name ?? ''}`),
    environment: sortBy(container.environment as Obj[] | undefined, (e) => String(e.name)),
    secrets: sortBy(container.secrets as Obj[] | undefined, (e) => String(e.name)),
    environmentFiles: sortBy(container.environmentFiles as Obj[] | undefined, (e) => json(e)),
    mountPoints: sortBy(container.mountPoints as Obj[] | undefined, (m) => `${m.sourceVolume}:${m.containerPath}`),
    volumesFrom: sortBy(container.volumesFrom as Obj[] | undefined, (v) => String(v.sourceContainer)),
    ulimits: sortBy(container.ulimits as Obj[] | undefined, (u) => String(u.name)),
    systemControls: sortBy(container.systemControls as Obj[] | undefined, (s) => String(s.namespace)),
    dependsOn: sortBy(container.dependsOn as Obj[] | undefined, (d) => String(d.containerName)),
    healthCheck: container.healthCheck ? withoutDefaults(container.healthCheck as Obj, HEALTH_CHECK_DEFAULTS) : undefined,
  };
  if (out.memoryReservation === 0) delete out.memoryReservation;
  return out;
}

export function canonicalTaskDefinition(spec: Obj): Canonical {
  const networkMode = String(spec.networkMode ?? 'bridge');
  const body: Obj = {
    ...pick(spec, TASK_DEFINITION_FIELDS),
    networkMode,
    cpu: cpuUnits(spec.cpu),
    memory: memoryMiB(spec.memory),
    containerDefinitions: ((spec.containerDefinitions as Obj[] | undefined) ?? []).map((c) => canonicalContainer(c, networkMode)),
    volumes: sortBy(spec.volumes as Obj[] | undefined, (v) => String(v.name)),
    placementConstraints: sortBy(spec.placementConstraints as Obj[] | undefined, (p) => json(p)),
    requiresCompatibilities: sorted(spec.requiresCompatibilities),
  };
  return (prune(body) ?? {}) as Canonical;
}

export function liveTaskDefinitionSpec(td: TaskDefinition): Obj {
  return pick(td as Obj, TASK_DEFINITION_FIELDS);
}

// ---------------------------------------------------------------- Service

/** Fields a live service shows that a user may set; `cluster` and the name are identity. */
const SERVICE_FIELDS = [
  'taskDefinition', 'desiredCount', 'launchType', 'capacityProviderStrategy', 'platformVersion', 'loadBalancers',
  'serviceRegistries', 'role', 'deploymentConfiguration', 'placementConstraints', 'placementStrategy', 'networkConfiguration',
  'healthCheckGracePeriodSeconds', 'schedulingStrategy', 'deploymentController', 'enableECSManagedTags', 'propagateTags',
  'enableExecuteCommand', 'availabilityZoneRebalancing',
] as const;

/** Create-only: a change needs a new service. */
export const SERVICE_IMMUTABLE = ['launchType', 'schedulingStrategy', 'role', 'deploymentController'] as const;

/**
 * Fields whose AWS default is not documented or changes over time: compared only when the
 * document sets them, so leaving one out never causes a perpetual diff.
 */
const SERVICE_COMPARED_WHEN_SET = ['availabilityZoneRebalancing', 'healthCheckGracePeriodSeconds', 'platformVersion'] as const;

export interface ServiceRefs {
  /** The task-definition revision as `family:revision`, or `family:<next>` before registration. */
  taskDefinition: string;
  /** Cloud Map service document name (or ARN when unknown) for each registry. */
  registries: string[];
}

export function canonicalService(spec: Obj, refs: ServiceRefs): Canonical {
  const daemon = spec.schedulingStrategy === 'DAEMON';
  const deploymentDefaults: Obj = {
    maximumPercent: daemon ? 100 : 200,
    minimumHealthyPercent: daemon ? 0 : 100,
    deploymentCircuitBreaker: { enable: false, rollback: false },
    alarms: { enable: false, rollback: false, alarmNames: [] },
    strategy: 'ROLLING',
  };
  const deployment = withoutDefaults(spec.deploymentConfiguration as Obj | undefined, deploymentDefaults);
  const awsvpc = (spec.networkConfiguration as { awsvpcConfiguration?: Obj } | undefined)?.awsvpcConfiguration;
  const registries = ((spec.serviceRegistries as Obj[] | undefined) ?? []).map((r, i) => {
    const { registryArn: _arn, cloudMapService: _name, ...rest } = r;
    return { cloudMapService: refs.registries[i], ...rest };
  });
  const body: Obj = {
    ...pick(spec, SERVICE_FIELDS),
    taskDefinition: refs.taskDefinition,
    capacityProviderStrategy: sortBy(
      ((spec.capacityProviderStrategy as Obj[] | undefined) ?? []).map((s) => withoutDefaults(s, { weight: 0, base: 0 })!),
      (s) => String(s.capacityProvider),
    ),
    loadBalancers: sortBy(spec.loadBalancers as Obj[] | undefined, (l) => json(l)),
    serviceRegistries: sortBy(registries, (r) => json(r)),
    role: spec.role ? lastSegment(String(spec.role)) : undefined,
    deploymentConfiguration: deployment,
    placementConstraints: sortBy(spec.placementConstraints as Obj[] | undefined, (p) => json(p)),
    networkConfiguration: awsvpc
      ? { awsvpcConfiguration: { ...awsvpc, subnets: sorted(awsvpc.subnets), securityGroups: sorted(awsvpc.securityGroups), assignPublicIp: awsvpc.assignPublicIp ?? 'DISABLED' } }
      : undefined,
    schedulingStrategy: spec.schedulingStrategy ?? 'REPLICA',
    deploymentController: (spec.deploymentController as Obj | undefined)?.type ?? 'ECS',
    enableECSManagedTags: spec.enableECSManagedTags ?? false,
    propagateTags: spec.propagateTags ?? 'NONE',
    enableExecuteCommand: spec.enableExecuteCommand ?? false,
    healthCheckGracePeriodSeconds: spec.healthCheckGracePeriodSeconds === 0 ? undefined : spec.healthCheckGracePeriodSeconds,
  };
  if (daemon) delete body.desiredCount;
  return (prune(body) ?? {}) as Canonical;
}

/**
 * A live service in the spec's vocabulary; `registryNames` maps Cloud Map service ARNs to
 * the names of the documents that own them.
 */
export function liveServiceSpec(service: EcsService, registryNames: ReadonlyMap<string, string>): { spec: Obj; refs: ServiceRefs } {
  const spec = pick(service as Obj, SERVICE_FIELDS);
  spec.role = service.roleArn;
  return {
    spec,
    refs: {
      taskDefinition: revisionOf(service.taskDefinition) ?? '',
      registries: (service.serviceRegistries ?? []).map((r) => registryNames.get(r.registryArn ?? '') ?? r.registryArn ?? ''),
    },
  };
}

/**
 * Makes the live side comparable with a desired side that leaves out fields whose default
 * is unknown (see SERVICE_COMPARED_WHEN_SET) or that someone else owns (`desiredCount`).
 */
export function ignoreUnsetServiceFields(desiredSpec: Obj, live: Canonical): Canonical {
  const out = { ...live };
  for (const f of SERVICE_COMPARED_WHEN_SET) if (desiredSpec[f] === undefined) delete out[f];
  if (desiredSpec.desiredCount === undefined) delete out.desiredCount;
  return out;
}

// ---------------------------------------------------------------- Cloud Map

export const NAMESPACE_IMMUTABLE = ['type'] as const;

export function canonicalNamespace(spec: Obj): Canonical {
  const ttl = (((spec.properties as Obj | undefined)?.dnsProperties as Obj | undefined)?.soa as Obj | undefined)?.ttl;
  return (prune({
    type: spec.type,
    description: spec.description || undefined,
    properties: ttl === undefined ? undefined : { dnsProperties: { soa: { ttl } } },
  }) ?? {}) as Canonical;
}

export function liveNamespaceSpec(namespace: NamespaceSummary): Obj {
  return camelKeys({ Type: namespace.Type, Description: namespace.Description, Properties: namespace.Properties }) as Obj;
}

/**
 * Create-only in Cloud Map: a change needs a new service. (`type` is not compared: Cloud
 * Map derives it from the namespace and dnsConfig, which are compared themselves.)
 */
export const CLOUD_MAP_SERVICE_IMMUTABLE = ['healthCheckCustomConfig', 'dnsConfig.routingPolicy'] as const;

export function canonicalCloudMapService(spec: Obj): Canonical {
  const dns = spec.dnsConfig as Obj | undefined;
  return (prune({
    description: spec.description || undefined,
    dnsConfig: dns
      ? { routingPolicy: dns.routingPolicy ?? 'MULTIVALUE', dnsRecords: sortBy(dns.dnsRecords as Obj[] | undefined, (r) => String(r.type)) }
      : undefined,
    healthCheckConfig: spec.healthCheckConfig ? { failureThreshold: 1, ...(spec.healthCheckConfig as Obj) } : undefined,
    // Cloud Map ignores the deprecated failureThreshold and always uses 1; only presence counts.
    healthCheckCustomConfig: spec.healthCheckCustomConfig ? { enabled: true } : undefined,
  }) ?? {}) as Canonical;
}

export function liveCloudMapServiceSpec(service: ServiceSummary): Obj {
  const spec = camelKeys({
    Description: service.Description,
    DnsConfig: service.DnsConfig ? { RoutingPolicy: service.DnsConfig.RoutingPolicy, DnsRecords: service.DnsConfig.DnsRecords } : undefined,
    HealthCheckConfig: service.HealthCheckConfig,
    HealthCheckCustomConfig: service.HealthCheckCustomConfig,
  }) as Obj;
  return spec;
}

export function canonicalInstance(spec: Obj): Canonical {
  const attributes = { ...((spec.attributes as Record<string, string> | undefined) ?? {}) };
  delete attributes[OWNER_ATTRIBUTE];
  return { attributes };
}

// ---------------------------------------------------------------- dispatch

export const IMMUTABLE_FIELDS: Record<Kind, readonly string[]> = {
  Cluster: [],
  TaskDefinition: [],
  Service: SERVICE_IMMUTABLE,
  CloudMapNamespace: NAMESPACE_IMMUTABLE,
  CloudMapService: CLOUD_MAP_SERVICE_IMMUTABLE,
  CloudMapInstance: [],
};
