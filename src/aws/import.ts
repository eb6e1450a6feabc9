/**
 * Reads what `ecs-gitops import` describes: a cluster and its services (all, or those
 * named), the task-definition revisions they run, the Cloud Map services they register
 * in and those services' namespaces, and further namespaces by name with all their
 * services and the instances of those no imported service registers in. Batched to the API limits (DescribeServices 10 a call), every list followed
 * to its last page, tags included. Reads only; the conversion is src/core/import.ts.
 */
import { primaryDeployment } from '../core/kinds/service-connect.js';
import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ListServicesCommand } from '@aws-sdk/client-ecs';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetServiceCommand, ListNamespacesCommand, ListServicesCommand as ListCloudMapServicesCommand, ListTagsForResourceCommand, type NamespaceSummary, type ServiceSummary } from '@aws-sdk/client-servicediscovery';
import type { ImportSource } from '../core/import.js';
import { lastSegment, type LiveCloudMapService, type LiveNamespace, type LiveService, type LiveTaskDefinition } from '../core/live.js';
import { VPC_TAG, fromCloudMapTags, fromTagList } from '../core/tags.js';
import { listInstances } from './kinds/cloudmap-instance.js';
import { DESCRIBE_SERVICES_BATCH } from './kinds/service.js';
import type { ReaderClients } from './kinds/types.js';
import { batches, listAll } from './paging.js';
import { withCredentials } from './clients.js';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface ImportRequest {
  cluster?: string;
  /** Services of the cluster to import; all of its ACTIVE services when absent. */
  services?: readonly string[];
  /** Cloud Map namespaces by name, with all their services. */
  namespaces?: readonly string[];
}

/** Something asked for that AWS does not have. */
export class ImportNotFound extends Error {
  readonly code = 'IMPORT_NOT_FOUND';
}

/** Task definitions and Cloud Map objects described at once. */
const CONCURRENCY = 5;

async function inGroups<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const group of batches(items, CONCURRENCY)) out.push(...(await Promise.all(group.map(read))));
  return out;
}

/** A Route 53 client beside the others (one attempt: its answer only spares the user a --vpc). */
export function createRoute53Client(config: { region: string; endpoint?: string; credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider }): Route53Client {
  return new Route53Client({ region: config.region, maxAttempts: 1, ...withCredentials(config.endpoint, config.credentials) });
}

/**
 * The VPCs a Route 53 hosted zone is associated with: where a private namespace was
 * created, which Cloud Map does not say. Undefined when Route 53 cannot be asked (no
 * permission, an emulator without Route 53): the user names the VPC instead.
 */
export async function hostedZoneVpcs(route53: Route53Client, zoneId: string): Promise<string[] | undefined> {
  try {
    const { VPCs } = await route53.send(new GetHostedZoneCommand({ Id: zoneId }));
    return (VPCs ?? []).flatMap((v) => (v.VPCId ? [v.VPCId] : []));
  } catch {
    return undefined;
  }
}

export async function readForImport(clients: ReaderClients & { route53?: Route53Client }, request: ImportRequest): Promise<ImportSource> {
  const source: ImportSource = { services: [], taskDefinitions: new Map(), namespaces: [], cloudMapServices: [] };
  if (request.cluster !== undefined) {
    const { clusters } = await clients.ecs.send(new DescribeClustersCommand({ clusters: [request.cluster], include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] }));
    const cluster = clusters?.find((c) => c.status === 'ACTIVE' || c.status === 'PROVISIONING');
    if (!cluster?.clusterArn) throw new ImportNotFound(`cluster ${JSON.stringify(request.cluster)} not found`);
    const name = cluster.clusterName ?? request.cluster;
    source.cluster = { name, arn: cluster.clusterArn, tags: fromTagList(cluster.tags), raw: cluster };
    source.services = await readServices(clients, name, request.services);
    const arns = [...new Set(source.services.map((s) => s.raw.taskDefinition).filter((arn): arn is string => !!arn))];
    const revisions = await inGroups(arns, (arn) => readTaskDefinition(clients, arn));
    source.taskDefinitions = new Map(revisions.map((td) => [td.arn, td]));
  }
  await readCloudMap(clients, source, request.namespaces ?? []);
  const { route53 } = clients;
  if (route53) {
    const unknown = source.namespaces.filter((ns) => ns.raw.Type === 'DNS_PRIVATE' && !ns.tags[VPC_TAG] && ns.raw.Properties?.DnsProperties?.HostedZoneId);
    const vpcs = await inGroups(unknown, async (ns) => [ns.id, await hostedZoneVpcs(route53, ns.raw.Properties?.DnsProperties?.HostedZoneId ?? '')] as const);
    source.zoneVpcs = new Map(vpcs.flatMap(([id, found]) => (found ? [[id, found] as const] : [])));
  }
  return source;
}

async function readServices(clients: ReaderClients, cluster: string, named: readonly string[] | undefined): Promise<LiveService[]> {
  const names = named ?? (await listAll((nextToken) => clients.ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 })), (page) => page.serviceArns));
  const services: LiveService[] = [];
  for (const batch of batches(names, DESCRIBE_SERVICES_BATCH)) {
    const answer = await clients.ecs.send(new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }));
    for (const s of answer.services ?? []) {
      // ListServices may still show a deleted service (moto does); only ACTIVE ones are described as documents.
      if (s.status !== 'ACTIVE' || !s.serviceArn) continue;
      services.push({ cluster, name: s.serviceName ?? lastSegment(s.serviceArn) ?? '', arn: s.serviceArn, tags: fromTagList(s.tags), raw: s });
    }
  }
  const missing = (named ?? []).filter((n) => !services.some((s) => s.name === n || s.arn === n));
  if (missing.length) throw new ImportNotFound(`no ACTIVE service ${missing.map((n) => JSON.stringify(n)).join(', ')} in cluster ${JSON.stringify(cluster)}`);
  return services;
}

async function readTaskDefinition(clients: ReaderClients, arn: string): Promise<LiveTaskDefinition> {
  const answer = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
  const raw = answer.taskDefinition;
  if (!raw?.taskDefinitionArn) throw new ImportNotFound(`task definition ${arn} not found`);
  return { arn: raw.taskDefinitionArn, family: raw.family ?? '', revision: raw.revision ?? 0, tags: fromTagList(answer.tags), raw };
}

async function cloudMapTags(clients: ReaderClients, arn: string) {
  return fromCloudMapTags((await clients.cloudMap.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags);
}

/**
 * The Cloud Map services the services register in (GetService by id), the namespaces
 * they are in and those their Service Connect uses, plus those asked for by name (ListNamespaces, all pages), and every
 * service of the namespaces asked for.
 */
async function readCloudMap(clients: ReaderClients, source: ImportSource, namespaceNames: readonly string[]): Promise<void> {
  const registryIds = [...new Set(source.services.flatMap((s) => (s.raw.serviceRegistries ?? []).map((r) => lastSegment(r.registryArn) ?? '')))].filter(Boolean);
  const registries = await inGroups(registryIds, async (Id) => (await clients.cloudMap.send(new GetServiceCommand({ Id }))).Service);
  const listed = await listAll((NextToken) => clients.cloudMap.send(new ListNamespacesCommand({ NextToken, MaxResults: 100 })), (page) => page.Namespaces);
  const missing = namespaceNames.filter((n) => !listed.some((ns) => ns.Name === n));
  if (missing.length) throw new ImportNotFound(`no Cloud Map namespace ${missing.map((n) => JSON.stringify(n)).join(', ')}`);
  // Service Connect's namespaces come along too: a document names them.
  const serviceConnect = source.services.map((s) => primaryDeployment(s.raw)?.serviceConnectConfiguration).flatMap((sc) => (sc?.enabled && sc.namespace ? [lastSegment(sc.namespace)] : []));
  const wanted = new Set([...registries.map((s) => s?.NamespaceId), ...serviceConnect, ...listed.filter((ns) => namespaceNames.includes(ns.Name ?? '')).map((ns) => ns.Id)]);
  const namespaces = listed.filter((ns): ns is NamespaceSummary & { Id: string; Arn: string; Name: string } => !!ns.Id && !!ns.Arn && !!ns.Name && wanted.has(ns.Id));
  source.namespaces = await inGroups(namespaces, async (ns): Promise<LiveNamespace> => ({ id: ns.Id, arn: ns.Arn, name: ns.Name, tags: await cloudMapTags(clients, ns.Arn), raw: ns }));
  const services = new Map<string, ServiceSummary & { NamespaceId?: string }>();
  for (const s of registries) if (s?.Arn) services.set(s.Arn, s);
  for (const ns of source.namespaces.filter((n) => namespaceNames.includes(n.name))) {
    const filter = { Name: 'NAMESPACE_ID' as const, Values: [ns.id], Condition: 'EQ' as const };
    const inNamespace = await listAll((NextToken) => clients.cloudMap.send(new ListCloudMapServicesCommand({ NextToken, MaxResults: 100, Filters: [filter] })), (page) => page.Services);
    // moto ignores the filter: keep only this namespace's services.
    for (const s of inNamespace) if (s.Arn && ((s as { NamespaceId?: string }).NamespaceId ?? ns.id) === ns.id) services.set(s.Arn, { ...s, NamespaceId: ns.id });
  }
  source.cloudMapServices = await inGroups([...services.values()], async (s): Promise<LiveCloudMapService> => ({
    id: s.Id ?? '', arn: s.Arn ?? '', name: s.Name ?? '', namespaceId: s.NamespaceId ?? '', tags: await cloudMapTags(clients, s.Arn ?? ''), raw: s,
  }));
  // Instances of the services no imported service registers in (ECS registers its tasks itself).
  const registered = new Set(registries.map((s) => s?.Arn));
  const unused = source.cloudMapServices.filter((s) => !registered.has(s.arn));
  source.instances = (await inGroups(unused, async (s) => (await listInstances(clients.cloudMap, s.id)).map((i) => ({ serviceId: s.id, ...i })))).flat();
}
