// The parts of a service ECS reports only on its deployments and service revisions, never
// on the service itself (the AWS CLI's create-service Example 5 and update-service
// Examples 3–4): Service Connect and the EBS volumes configured at launch. CreateService
// and UpdateService check them against the task definition and the cluster here.
import type { SimContext } from './context.js';
import { AwsError, invalidParameter } from './errors.js';
import type { ClusterState, TaskDefinitionState } from './state.js';
import { clone } from './state.js';

type Json = Record<string, unknown>;

interface ServiceConnectService {
  portName?: unknown;
  discoveryName?: unknown;
  clientAliases?: { port?: unknown; dnsName?: unknown }[];
}

/** Port-mapping names of the task definition's containers. */
function portNames(td: TaskDefinitionState): Set<string> {
  const containers = (td.body.containerDefinitions ?? []) as { portMappings?: { name?: string }[] }[];
  return new Set(containers.flatMap((c) => (c.portMappings ?? []).flatMap((p) => (p.name ? [p.name] : []))));
}

/**
 * serviceConnectConfiguration as ECS keeps it: the namespace resolved to its ARN (the
 * cluster's default when left out), each port name checked against the task definition.
 * `{ enabled: false }` turns Service Connect off.
 */
export function serviceConnectIn(ctx: SimContext, cluster: ClusterState, td: TaskDefinitionState | undefined, given: unknown): Json | undefined {
  if (given === undefined || given === null) return undefined;
  const config = clone(given) as Json;
  if (typeof config.enabled !== 'boolean') throw invalidParameter('serviceConnectConfiguration.enabled is required.');
  if (!config.enabled) return { enabled: false };
  const ref = typeof config.namespace === 'string' && config.namespace !== '' ? config.namespace : ((cluster.serviceConnectDefaults as { namespace?: string } | undefined)?.namespace);
  if (ref === undefined) throw invalidParameter('A namespace must be specified in serviceConnectConfiguration, or the cluster must have a Service Connect default namespace.');
  const arn = ctx.cloudMap.existingNamespaceArn(ref);
  if (arn === undefined) throw new AwsError('NamespaceNotFoundException', `The namespace ${ref} does not exist.`);
  config.namespace = arn;
  const services = (config.services ?? []) as ServiceConnectService[];
  if (td) {
    const mode = td.body.networkMode ?? 'bridge';
    if (mode !== 'awsvpc' && mode !== 'bridge') throw invalidParameter(`Service Connect is not supported for network mode ${String(mode)}; use awsvpc or bridge.`);
    const names = portNames(td);
    for (const s of services) {
      if (typeof s.portName !== 'string' || !names.has(s.portName)) {
        throw invalidParameter(`The portName ${String(s.portName)} in serviceConnectConfiguration does not match a named port mapping of the task definition ${td.family}:${td.revision}.`);
      }
    }
  }
  for (const s of services) {
    if ((s.clientAliases ?? []).length > 1) throw invalidParameter('A Service Connect service can have at most 1 client alias.');
  }
  return config;
}

/** What a deployment reports besides the configuration: the Cloud Map service of each endpoint. */
export function serviceConnectResources(ctx: SimContext, config: Json | undefined): Json[] | undefined {
  if (!config?.enabled) return undefined;
  const namespace = String(config.namespace);
  return ((config.services ?? []) as ServiceConnectService[]).map((s) => {
    const discoveryName = String(s.discoveryName ?? s.portName);
    return { discoveryName, discoveryArn: ctx.cloudMap.discoveryArn(namespace, discoveryName) };
  });
}

/**
 * volumeConfigurations as ECS keeps them: each names a volume of the task definition that
 * is configured at launch, with a managed EBS volume that has a role and a size or snapshot.
 */
export function volumeConfigurationsIn(td: TaskDefinitionState | undefined, given: unknown): Json[] | undefined {
  if (given === undefined || given === null) return undefined;
  if (!Array.isArray(given)) throw invalidParameter('volumeConfigurations must be a list.');
  if (given.length > 1) throw invalidParameter('Only one volume configuration is supported per service.');
  const volumes = (td?.body.volumes ?? []) as { name?: string; configuredAtLaunch?: boolean }[];
  for (const v of given as { name?: unknown; managedEBSVolume?: Json }[]) {
    if (td && !volumes.some((tv) => tv.name === v.name && tv.configuredAtLaunch === true)) {
      throw invalidParameter(`The volume ${String(v.name)} in volumeConfigurations must match a volume of the task definition ${td.family}:${td.revision} with configuredAtLaunch set to true.`);
    }
    const ebs = v.managedEBSVolume;
    if (!ebs || typeof ebs.roleArn !== 'string') throw invalidParameter('managedEBSVolume.roleArn is required.');
    if (ebs.sizeInGiB === undefined && ebs.snapshotId === undefined) throw invalidParameter('Either sizeInGiB or snapshotId must be specified for managedEBSVolume.');
  }
  return clone(given) as Json[];
}

/**
 * A task definition whose volume is configured at launch needs the service to configure
 * it (the AWS CLI's update-service Example 4: to stop using a volume, deploy a revision
 * without configuredAtLaunch).
 */
export function launchVolumesChecked(td: TaskDefinitionState | undefined, volumes: Json[] | undefined): Json[] | undefined {
  const atLaunch = ((td?.body.volumes ?? []) as { name?: string; configuredAtLaunch?: boolean }[]).filter((v) => v.configuredAtLaunch === true);
  for (const v of atLaunch) {
    if (!(volumes ?? []).some((c) => c.name === v.name)) {
      throw invalidParameter(`The task definition ${td!.family}:${td!.revision} has the volume ${String(v.name)} configured at launch; specify it in volumeConfigurations.`);
    }
  }
  return volumes;
}
