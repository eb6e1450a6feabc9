/**
 * Service Connect and the EBS volumes configured at launch: two parts of a Service that
 * AWS reports on the service's deployments (and service revisions), never on the service
 * itself (the AWS CLI's create-service Example 5, update-service Examples 3–4). The live
 * value is the PRIMARY deployment's — what ECS is rolling out or runs. Both change in
 * place through UpdateService; removed from git, Service Connect is turned off with
 * `{ enabled: false }` and volumes with `[]`.
 */
import type { Deployment, Service as EcsService } from '@aws-sdk/client-ecs';
import type { ServiceSpec } from '../../api/specs.js';
import { lastSegment } from '../live.js';
import { prune, sortBy, withoutDefaults } from '../normalize.js';

export type ServiceConnect = NonNullable<ServiceSpec['serviceConnectConfiguration']>;
export type VolumeConfigurations = NonNullable<ServiceSpec['volumeConfigurations']>;

/** The deployment ECS rolls out or runs: where the service's Service Connect and volumes are reported. */
export function primaryDeployment(service: EcsService): Deployment | undefined {
  return service.deployments?.find((d) => d.status === 'PRIMARY');
}

/**
 * The namespace a Service Connect setting means, by the namespace's name: a document's
 * AWS name, an ARN's name when known, else what git wrote; left out, the cluster's
 * default namespace.
 */
export interface NamespaceNaming {
  /** The AWS name of the CloudMapNamespace document of this metadata.name, if there is one. */
  documentName(name: string): string | undefined;
  /** The name of the namespace with this ARN, when it was read. */
  arnName(arn: string): string | undefined;
  /** The cluster's Service Connect default namespace (a name or ARN), if any. */
  clusterDefault: string | undefined;
}

export function namespaceName(ref: string | undefined, naming: NamespaceNaming): string | undefined {
  const given = ref ?? naming.clusterDefault;
  if (given === undefined) return undefined;
  if (given.startsWith('arn:')) return naming.arnName(given) ?? lastSegment(given);
  return naming.documentName(given) ?? given;
}

/**
 * Service Connect in one shape: off is absent; the namespace by name; each endpoint's
 * discoveryName and alias dnsName left out where they are AWS's defaults (the port name,
 * and `<discoveryName>.<namespace>`), endpoints sorted by port name.
 */
export function canonicalServiceConnect(sc: ServiceConnect | undefined, naming: NamespaceNaming): object | undefined {
  if (!sc?.enabled) return undefined;
  const namespace = namespaceName(sc.namespace, naming);
  const services = (sc.services ?? []).map((s) => {
    const discoveryName = s.discoveryName ?? s.portName;
    const defaultDns = namespace === undefined ? undefined : `${discoveryName}.${namespace}`;
    return {
      ...s,
      discoveryName: discoveryName === s.portName ? undefined : discoveryName,
      clientAliases: s.clientAliases?.map((a) => ({ port: a.port, dnsName: a.dnsName === defaultDns ? undefined : a.dnsName })),
    };
  });
  return prune({ ...sc, namespace, services: sortBy(services, (s) => s.portName) }) as object;
}

/** What AWS fills in for a managed EBS volume (the API reference: gp3, xfs, tags not propagated). */
const EBS_DEFAULTS = { volumeType: 'gp3', filesystemType: 'xfs' };

/** Volumes in one shape: sorted by name, AWS's defaults left out, tags sorted by key. Tolerates partial specs (import drops fields one by one). */
export function canonicalVolumes(volumes: VolumeConfigurations | undefined): object[] | undefined {
  return sortBy(volumes, (v) => v.name)?.map((v) => ({
    ...v,
    managedEBSVolume: v.managedEBSVolume && {
      ...withoutDefaults(v.managedEBSVolume, EBS_DEFAULTS),
      tagSpecifications: v.managedEBSVolume.tagSpecifications?.map((t) => ({
        ...withoutDefaults(t, { propagateTags: 'NONE' }),
        tags: sortBy(t.tags, (tag) => tag.key),
      })),
    },
  }));
}

/** The live values, in the spec's vocabulary, from the PRIMARY deployment. */
export function liveLaunchFields(service: EcsService): Pick<ServiceSpec, 'serviceConnectConfiguration' | 'volumeConfigurations'> {
  const primary = primaryDeployment(service);
  return {
    serviceConnectConfiguration: primary?.serviceConnectConfiguration as ServiceConnect | undefined,
    volumeConfigurations: primary?.volumeConfigurations as VolumeConfigurations | undefined,
  };
}

/**
 * What the status API shows of a service's Service Connect, from its PRIMARY deployment:
 * the namespace, and per endpoint its Cloud Map service and the `name:port`s clients use.
 */
export function serviceConnectStatus(service: EcsService, namespaceNames: ReadonlyMap<string, string>) {
  const primary = primaryDeployment(service);
  const sc = primary?.serviceConnectConfiguration;
  if (!sc?.enabled) return undefined;
  const namespace = sc.namespace && (namespaceNames.get(sc.namespace) ?? sc.namespace);
  return {
    namespace: namespace ?? null,
    endpoints: (sc.services ?? []).map((s) => {
      const discoveryName = s.discoveryName ?? s.portName ?? '';
      return {
        portName: s.portName,
        discoveryName,
        discoveryArn: primary?.serviceConnectResources?.find((r) => r.discoveryName === discoveryName)?.discoveryArn ?? null,
        clientAliases: (s.clientAliases ?? []).map((a) => `${a.dnsName ?? `${discoveryName}.${namespace ?? ''}`}:${a.port}`),
      };
    }),
  };
}

/** The UpdateService value: the setting with the namespace as sent, or off. */
export function serviceConnectInput(sc: ServiceConnect | undefined, namespace: unknown): object {
  if (!sc?.enabled) return { enabled: false };
  return namespace === undefined ? sc : { ...sc, namespace };
}

