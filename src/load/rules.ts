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

const RULES: Partial<Record<Kind, Rule[]>> = {
  Service: [
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
