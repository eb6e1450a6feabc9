/**
 * Rules that span documents, which neither a JSON Schema nor a CRD's CEL rule (which
 * sees one document) can express. Each names the field to fix.
 */
import { resourceKey, type Kind, type Resource, type ResourceKey } from '../api/kinds.js';
import { fieldPath, type Finding } from './findings.js';
import type { LocatedResource } from './resolve.js';

type Spec = Record<string, unknown>;

interface Violation {
  path: (string | number)[];
  message: string;
}

type Rule = (spec: Spec, resources: ReadonlyMap<ResourceKey, Resource>) => Violation[];

const specOf = (resources: ReadonlyMap<ResourceKey, Resource>, kind: Kind, name: unknown): Spec | undefined =>
  typeof name === 'string' ? resources.get(resourceKey(kind, name))?.spec : undefined;

/** Task CPU units from `256`, `"256"` or `"0.25 vCPU"`; undefined when absent or unreadable. */
export function cpuUnits(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const vcpu = /^([0-9]*\.?[0-9]+) ?vcpu$/i.exec(value.trim());
  if (vcpu) return Math.round(Number(vcpu[1]) * 1024);
  return /^[0-9]+$/.test(value.trim()) ? Number(value) : undefined;
}

/** Task memory in MiB from `512`, `"512"` or `"2 GB"`. */
export function memoryMiB(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const gb = /^([0-9]*\.?[0-9]+) ?gb$/i.exec(value.trim());
  if (gb) return Math.round(Number(gb[1]) * 1024);
  return /^[0-9]+$/.test(value.trim()) ? Number(value) : undefined;
}

/** Fargate's task sizes (ECS developer guide, "Task CPU and memory"): cpu → memory from, to, step in MiB. */
export const FARGATE_SIZES: ReadonlyMap<number, { from: number; to: number; step: number; also?: number[] }> = new Map([
  [256, { from: 512, to: 512, step: 1024, also: [1024, 2048] }],
  [512, { from: 1024, to: 4096, step: 1024 }],
  [1024, { from: 2048, to: 8192, step: 1024 }],
  [2048, { from: 4096, to: 16384, step: 1024 }],
  [4096, { from: 8192, to: 30720, step: 1024 }],
  [8192, { from: 16384, to: 61440, step: 4096 }],
  [16384, { from: 32768, to: 122880, step: 8192 }],
]);

export function fargateMemoryChoices(cpu: number): number[] {
  const size = FARGATE_SIZES.get(cpu);
  if (!size) return [];
  const out = [...(size.also ?? [])];
  for (let m = size.from; m <= size.to; m += size.step) if (!out.includes(m)) out.push(m);
  return out.sort((a, b) => a - b);
}

const gib = (mib: number) => (mib % 1024 === 0 ? `${mib / 1024} GB` : `${mib} MiB`);

type PortMapping = { name?: string };
type Container = { name: string; portMappings?: PortMapping[] };

/**
 * Service Connect's endpoints name port mappings of the task definition, run in the
 * awsvpc or bridge network mode, and need a namespace: the service's own, or the
 * cluster's default. CreateService refuses each of these.
 */
const serviceConnectRule: Rule = (spec, resources) => {
  const sc = spec.serviceConnectConfiguration as { enabled?: boolean; namespace?: string; services?: { portName?: string }[] } | undefined;
  if (!sc?.enabled) return [];
  const violations: Violation[] = [];
  const cluster = specOf(resources, 'Cluster', spec.cluster);
  if (sc.namespace === undefined && cluster && !(cluster.serviceConnectDefaults as { namespace?: string } | undefined)?.namespace) {
    violations.push({ path: ['serviceConnectConfiguration', 'namespace'], message: `needed: Cluster "${String(spec.cluster)}" has no serviceConnectDefaults.namespace to fall back on` });
  }
  const task = specOf(resources, 'TaskDefinition', spec.taskDefinition);
  if (!task) return violations;
  const mode = (task.networkMode as string | undefined) ?? 'bridge';
  if (mode !== 'awsvpc' && mode !== 'bridge') {
    violations.push({ path: ['serviceConnectConfiguration'], message: `Service Connect needs the awsvpc or bridge network mode; TaskDefinition "${String(spec.taskDefinition)}" uses ${mode}` });
  }
  const names = ((task.containerDefinitions as Container[] | undefined) ?? []).flatMap((c) => (c.portMappings ?? []).flatMap((p) => (p.name ? [p.name] : [])));
  (sc.services ?? []).forEach((service, i) => {
    if (service.portName !== undefined && !names.includes(service.portName)) {
      const known = names.length ? `its named port mappings are ${names.join(', ')}` : 'it names no port mapping (portMappings[].name)';
      violations.push({ path: ['serviceConnectConfiguration', 'services', i, 'portName'], message: `TaskDefinition "${String(spec.taskDefinition)}" has no port mapping named "${service.portName}"; ${known}` });
    }
  });
  return violations;
};

/**
 * A volume configured at launch joins a service's volume configuration to the task
 * definition's volume of the same name; ECS refuses either one without the other.
 */
const volumeConfigurationRule: Rule = (spec, resources) => {
  const task = specOf(resources, 'TaskDefinition', spec.taskDefinition);
  if (!task) return [];
  const atLaunch = ((task.volumes as { name?: string; configuredAtLaunch?: boolean }[] | undefined) ?? []).filter((v) => v.configuredAtLaunch).map((v) => v.name);
  const configured = (spec.volumeConfigurations as { name?: string }[] | undefined) ?? [];
  const violations: Violation[] = configured.flatMap((v, i) =>
    atLaunch.includes(v.name)
      ? []
      : [{ path: ['volumeConfigurations', i, 'name'], message: `TaskDefinition "${String(spec.taskDefinition)}" has no volume "${String(v.name)}" with configuredAtLaunch: true${atLaunch.length ? `; it configures ${atLaunch.join(', ')} at launch` : ''}` }],
  );
  for (const name of atLaunch) {
    if (!configured.some((v) => v.name === name)) {
      violations.push({ path: ['taskDefinition'], message: `TaskDefinition "${String(spec.taskDefinition)}" configures the volume "${String(name)}" at launch, so this Service needs spec.volumeConfigurations with name ${String(name)}` });
    }
  }
  return violations;
};

const RULES: Partial<Record<Kind, Rule[]>> = {
  TaskDefinition: [
    // Fargate runs only fixed cpu/memory pairs; RegisterTaskDefinition refuses any other.
    (spec) => {
      if (!((spec.requiresCompatibilities as string[] | undefined) ?? []).includes('FARGATE')) return [];
      if (spec.cpu === undefined || spec.memory === undefined) {
        return [{ path: [spec.cpu === undefined ? 'cpu' : 'memory'], message: 'Fargate needs task-level cpu and memory (requiresCompatibilities lists FARGATE)' }];
      }
      const cpu = cpuUnits(spec.cpu);
      const memory = memoryMiB(spec.memory);
      if (cpu === undefined || memory === undefined) return [];
      if (!FARGATE_SIZES.has(cpu)) {
        return [{ path: ['cpu'], message: `Fargate offers cpu ${[...FARGATE_SIZES.keys()].join(', ')}; ${cpu} is not one of them` }];
      }
      const choices = fargateMemoryChoices(cpu);
      if (!choices.includes(memory)) {
        const size = FARGATE_SIZES.get(cpu)!;
        const range = size.also ? choices.map(gib).join(', ') : `${gib(size.from)} to ${gib(size.to)} in steps of ${gib(size.step)}`;
        return [{ path: ['memory'], message: `Fargate with cpu ${cpu} takes memory ${range}; ${memory} MiB is not one of them` }];
      }
      return [];
    },
  ],
  Service: [
    // A strategy may name only providers associated with the cluster; CreateService fails otherwise.
    (spec, resources) => {
      const strategy = (spec.capacityProviderStrategy as { capacityProvider?: string }[] | undefined) ?? [];
      const cluster = specOf(resources, 'Cluster', spec.cluster);
      if (strategy.length === 0 || !cluster) return [];
      const providers = (cluster.capacityProviders as string[] | undefined) ?? [];
      return strategy.flatMap((entry, i) =>
        entry.capacityProvider !== undefined && !providers.includes(entry.capacityProvider)
          ? [{ path: ['capacityProviderStrategy', i, 'capacityProvider'], message: `Cluster "${String(spec.cluster)}" has ${providers.length ? `only the capacity providers ${providers.join(', ')}` : 'no capacity providers'}; add ${entry.capacityProvider} to its spec.capacityProviders` }]
          : [],
      );
    },
    // ECS refuses a service whose network configuration does not fit the task's network mode.
    (spec, resources) => {
      const task = specOf(resources, 'TaskDefinition', spec.taskDefinition);
      if (!task) return [];
      const awsvpc = task.networkMode === 'awsvpc';
      if (awsvpc && !spec.networkConfiguration) {
        return [{ path: ['taskDefinition'], message: `TaskDefinition "${spec.taskDefinition}" uses networkMode awsvpc, so this Service needs spec.networkConfiguration.awsvpcConfiguration` }];
      }
      if (!awsvpc && spec.networkConfiguration) {
        return [{ path: ['networkConfiguration'], message: `only allowed when the task definition's networkMode is awsvpc; TaskDefinition "${spec.taskDefinition}" uses ${String(task.networkMode ?? 'the default (bridge)')}` }];
      }
      return [];
    },
    (spec, resources) => {
      const task = specOf(resources, 'TaskDefinition', spec.taskDefinition);
      const compatibilities = (task?.requiresCompatibilities as string[] | undefined) ?? [];
      if (spec.launchType === 'FARGATE' && task && !compatibilities.includes('FARGATE')) {
        return [{ path: ['launchType'], message: `FARGATE needs TaskDefinition "${spec.taskDefinition}" to list FARGATE in requiresCompatibilities` }];
      }
      return [];
    },
    // A load balancer or service registry that names a container port ECS cannot find
    // fails at CreateService; say so at commit time instead.
    (spec, resources) => {
      const task = specOf(resources, 'TaskDefinition', spec.taskDefinition);
      if (!task) return [];
      const containers = (task.containerDefinitions as { name: string; portMappings?: { containerPort?: number }[] }[]) ?? [];
      const violations: Violation[] = [];
      for (const field of ['loadBalancers', 'serviceRegistries'] as const) {
        ((spec[field] as { containerName?: string; containerPort?: number }[] | undefined) ?? []).forEach((entry, i) => {
          if (entry.containerName === undefined) return;
          const container = containers.find((c) => c.name === entry.containerName);
          if (!container) {
            violations.push({ path: [field, i, 'containerName'], message: `TaskDefinition "${spec.taskDefinition}" has no container "${entry.containerName}"; it has ${containers.map((c) => c.name).join(', ')}` });
          } else if (entry.containerPort !== undefined && !(container.portMappings ?? []).some((p) => p.containerPort === entry.containerPort)) {
            violations.push({ path: [field, i, 'containerPort'], message: `container "${entry.containerName}" of TaskDefinition "${spec.taskDefinition}" maps no port ${entry.containerPort}` });
          }
        });
      }
      return violations;
    },
    serviceConnectRule,
    volumeConfigurationRule,
  ],
  CloudMapService: [
    // DNS records exist only in DNS namespaces; an HTTP namespace is discovered by API alone.
    (spec, resources) => {
      const namespace = specOf(resources, 'CloudMapNamespace', spec.namespace);
      if (namespace?.type === 'HTTP' && spec.dnsConfig) {
        return [{ path: ['dnsConfig'], message: `not allowed: CloudMapNamespace "${spec.namespace}" is an HTTP namespace, which has no DNS records` }];
      }
      if (namespace && namespace.type !== 'HTTP' && !spec.dnsConfig && spec.type !== 'HTTP') {
        return [{ path: ['namespace'], message: `CloudMapNamespace "${spec.namespace}" is a DNS namespace, so this service needs spec.dnsConfig (or type HTTP for API-only discovery)` }];
      }
      return [];
    },
  ],
};

export function checkRules({ resource, position }: LocatedResource, resources: ReadonlyMap<ResourceKey, Resource>): Finding[] {
  const rules = RULES[resource.kind] ?? [];
  return rules.flatMap((rule) => rule(resource.spec, resources)).map(({ path, message }) => {
    const full = ['spec', ...path];
    return {
      code: 'INVALID_COMBINATION' as const,
      severity: 'error' as const,
      file: resource.source.file,
      ...position(full),
      field: fieldPath(full),
      message,
    };
  });
}
