/**
 * The live reader: reads exactly what planning needs, batched to the API limits, and no
 * more. Clusters by DescribeClusters (100 a call), services by ListServices and
 * DescribeServices (10 a call, tags included), task definitions only when a service's
 * tags do not already say which revision carries the desired content, and Cloud Map
 * namespaces, services and instances with full pagination. Immutable answers (a
 * task-definition revision) are cached for the life of the process.
 */
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  type ECSClient,
  type Service as EcsService,
} from '@aws-sdk/client-ecs';
import {
  GetServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  ListTagsForResourceCommand,
  type ServiceDiscoveryClient,
  type ServiceSummary,
} from '@aws-sdk/client-servicediscovery';
import { listAll, pages } from './paging.js';
import { resourceKey, type DesiredState, type Kind, type Resource } from '../api/kinds.js';
import { awsName } from '../core/desired.js';
import { taskDefinitionHash } from '../core/kinds/task-definition.js';
import { emptyLiveState, lastSegment, type LiveState, type LiveTaskDefinition } from '../core/live.js';
import { revisionIndex, revisionKey } from '../core/revisions.js';
import { OWNER_TAG, SPEC_HASH_TAG, fromCloudMapTags, fromTagList, type Tags } from '../core/tags.js';

export const DESCRIBE_SERVICES_BATCH = 10;
export const DESCRIBE_CLUSTERS_BATCH = 100;
/** How many of a family's newest revisions to look through for the desired content hash. */
export const REVISIONS_SEARCHED = 5;
/** Above this many families to look up, list the account's families once instead of each family's revisions. */
export const FAMILY_LIST_THRESHOLD = 10;
/** Task-definition families looked up at once. */
export const LOOKUP_CONCURRENCY = 8;

/** Every instance of a Cloud Map service, all pages. */
export async function listInstances(cloudMap: ServiceDiscoveryClient, serviceId: string): Promise<{ id: string; attributes: Record<string, string> }[]> {
  const listed = await listAll((NextToken) => cloudMap.send(new ListInstancesCommand({ ServiceId: serviceId, NextToken, MaxResults: 100 })), (page) => page.Instances);
  return listed.flatMap((i) => (i.Id ? [{ id: i.Id, attributes: i.Attributes ?? {} }] : []));
}

export interface ReaderClients {
  ecs: ECSClient;
  cloudMap: ServiceDiscoveryClient;
}

/**
 * What outlives one read: task-definition revisions (immutable), Cloud Map service ids
 * (immutable), and Cloud Map tags, which cost one call per object. Tags older than
 * `tagTtlMs` are read again, but at most `tagRefreshesPerRead` of them per read, so a
 * large estate refreshes a little each resync instead of spending whole resyncs on it;
 * an object the controller has just written is read again at once.
 */
export class LiveCache {
  readonly taskDefinitions = new Map<string, LiveTaskDefinition>();
  private readonly tags = new Map<string, { tags: Tags; at: number }>();
  private refreshBudget = 0;

  constructor(
    private readonly now: () => number = Date.now,
    readonly tagTtlMs = 10 * 60_000,
    readonly tagRefreshesPerRead = 50,
  ) {}

  /** A new read starts: a full one may refresh some stale tags, a partial one none. */
  beginRead(full: boolean): void {
    this.refreshBudget = full ? this.tagRefreshesPerRead : 0;
  }

  /** Cached tags, unless they are stale and this read may still refresh some. */
  cloudMapTags(arn: string): Tags | undefined {
    const hit = this.tags.get(arn);
    if (!hit) return undefined;
    if (this.now() - hit.at < this.tagTtlMs || this.refreshBudget <= 0) return hit.tags;
    this.refreshBudget--;
    return undefined;
  }

  rememberTags(arn: string, tags: Tags): void {
    this.tags.set(arn, { tags, at: this.now() });
  }

  /** Cloud Map service ids by `namespaceId/name`: an id never changes, so a partial read can GetService instead of listing. */
  private readonly serviceIds = new Map<string, string>();

  serviceId(key: string): string | undefined {
    return this.serviceIds.get(key);
  }

  rememberServiceId(key: string, id: string): void {
    this.serviceIds.set(key, id);
  }

  forgetServiceId(key: string): void {
    this.serviceIds.delete(key);
  }

  /** After a write to these objects (ARNs or ids), read their tags again. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.tags.delete(id);
  }
}

export interface ReadOptions {
  controllerId: string;
  cache?: LiveCache;
  /**
   * Read only what these documents need (a partial reconcile after a commit touched a
   * few): named objects are described directly, nothing is listed to find objects the
   * controller owns, so nothing read this way can be a prune candidate.
   */
  scope?: ReadonlySet<string>;
}

export async function readLive(clients: ReaderClients, desired: DesiredState, options: ReadOptions): Promise<LiveState> {
  const reader = new Reader(clients, desired, options);
  return reader.read();
}

/**
 * A revision AWS has just listed (or a service runs) that DescribeTaskDefinition does not
 * show yet is eventual consistency, not a bad request: the read fails as retryable (an
 * error the classifier does not know), so the loop backs off and reads again soon instead
 * of stalling until the next resync — and never plans without the revision, which would
 * register its content a second time.
 */
function notVisibleYet(arn: string, err: unknown): unknown {
  const e = err as { name?: string; message?: string };
  if (e?.name !== 'ClientException' || !/unable to describe task definition/i.test(e.message ?? '')) return err;
  return Object.assign(new Error(`task definition ${arn} is listed but cannot be described yet: ${e.message}`), { name: 'TaskDefinitionNotVisible' });
}

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

class Reader {
  private readonly live = emptyLiveState();
  private readonly cache: LiveCache;
  /** The documents to read for (all, or the scope). */
  private readonly docs: Resource[];

  constructor(
    private readonly clients: ReaderClients,
    private readonly desired: DesiredState,
    private readonly options: ReadOptions,
  ) {
    this.cache = options.cache ?? new LiveCache();
    this.docs = [...desired.resources.values()].filter((d) => !options.scope || options.scope.has(`${d.kind}/${d.metadata.name}`));
  }

  private ofKind<K extends Kind>(kind: K): Resource<K>[] {
    return this.docs.filter((d): d is Resource<K> => d.kind === kind);
  }

  async read(): Promise<LiveState> {
    this.cache.beginRead(!this.options.scope);
    // ECS and Cloud Map are independent: read both at once.
    await Promise.all([this.readEcs(), this.readCloudMap()]);
    return this.live;
  }

  // ------------------------------------------------------------ ECS

  private async readEcs(): Promise<void> {
    await this.readClusters();
    await this.readServices();
    await this.readTaskDefinitions();
  }

  private async readClusters(): Promise<void> {
    const wanted = new Set(this.ofKind('Cluster').map(awsName));
    let names: string[] = [...wanted];
    if (!this.options.scope) {
      // A full read lists every cluster to find the ones the controller owns but git no longer names.
      names = await listAll((nextToken) => this.clients.ecs.send(new ListClustersCommand({ nextToken, maxResults: 100 })), (page) => page.clusterArns);
      const listed = new Set(names.map((a) => lastSegment(a)));
      names.push(...[...wanted].filter((n) => !listed.has(n)));
    }
    for (const batch of chunks(names, DESCRIBE_CLUSTERS_BATCH)) {
      const answer = await this.clients.ecs.send(new DescribeClustersCommand({ clusters: batch, include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] }));
      for (const cluster of answer.clusters ?? []) {
        const tags = fromTagList(cluster.tags);
        const name = cluster.clusterName ?? lastSegment(cluster.clusterArn) ?? '';
        if (cluster.status !== 'ACTIVE' && cluster.status !== 'PROVISIONING') continue;
        if (!wanted.has(name) && tags[OWNER_TAG] !== this.options.controllerId) continue;
        this.live.clusters.set(name, { name, arn: cluster.clusterArn ?? '', tags, raw: cluster });
      }
    }
  }

  private async readServices(): Promise<void> {
    const wantedByCluster = new Map<string, Set<string>>();
    for (const doc of this.ofKind('Service')) {
      const cluster = this.desired.resources.get(resourceKey('Cluster', String(doc.spec.cluster)));
      if (!cluster) continue;
      const set = wantedByCluster.get(awsName(cluster)) ?? new Set();
      set.add(awsName(doc));
      wantedByCluster.set(awsName(cluster), set);
    }
    for (const cluster of this.live.clusters.values()) {
      if (this.options.scope) {
        for (const batch of chunks([...(wantedByCluster.get(cluster.name) ?? [])], DESCRIBE_SERVICES_BATCH)) {
          const answer = await this.clients.ecs.send(new DescribeServicesCommand({ cluster: cluster.name, services: batch, include: ['TAGS'] }));
          for (const service of answer.services ?? []) this.addService(cluster.name, service);
        }
        continue;
      }
      const arns = await listAll((nextToken) => this.clients.ecs.send(new ListServicesCommand({ cluster: cluster.name, nextToken, maxResults: 100 })), (page) => page.serviceArns);
      // A desired service that ListServices does not show may be DRAINING: describe it too.
      const listed = new Set(arns.map((a) => lastSegment(a)));
      const unlisted = [...(wantedByCluster.get(cluster.name) ?? [])].filter((n) => !listed.has(n));
      for (const batch of chunks([...arns, ...unlisted], DESCRIBE_SERVICES_BATCH)) {
        const answer = await this.clients.ecs.send(new DescribeServicesCommand({ cluster: cluster.name, services: batch, include: ['TAGS'] }));
        for (const service of answer.services ?? []) this.addService(cluster.name, service);
      }
    }
  }

  private addService(cluster: string, service: EcsService): void {
    if (service.status === 'INACTIVE') return;
    const name = service.serviceName ?? lastSegment(service.serviceArn) ?? '';
    this.live.services.set(`${cluster}/${name}`, { cluster, name, arn: service.serviceArn ?? '', tags: fromTagList(service.tags), raw: service });
  }

  /**
   * A service the controller deployed records the revision and its content hash in its
   * tags; when they match the document, nothing is described. Otherwise the revision the
   * services run (for the diff) and the family's newest revisions (to find one that
   * already carries the desired content, e.g. registered just before a crash) are read.
   */
  private async readTaskDefinitions(): Promise<void> {
    const { recordedOnServices, runningByFamily } = revisionIndex(this.live);
    const unrecorded = this.ofKind('TaskDefinition')
      .map((doc) => ({ family: awsName(doc), hash: taskDefinitionHash(doc) }))
      .filter(({ family, hash }) => !recordedOnServices.has(revisionKey(family, hash)));
    // Many families to look up (a cold start): one paged list says which exist at all.
    const existing = unrecorded.length > FAMILY_LIST_THRESHOLD ? await this.activeFamilies() : undefined;
    // Families are independent: look them up a few at a time (the rate limiter paces them).
    const lookups = unrecorded.filter(({ family }) => !existing || existing.has(family));
    const lookup = async ({ family, hash }: { family: string; hash: string }) => {
      const running = runningByFamily.get(family) ?? new Set<string>();
      for (const arn of running) await this.describeTaskDefinition(arn);
      const page = await this.clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, sort: 'DESC', status: 'ACTIVE', maxResults: REVISIONS_SEARCHED }));
      const newest = (page.taskDefinitionArns ?? []).slice(0, REVISIONS_SEARCHED);
      if (newest[0]) this.live.latestRevision.set(family, newest[0]);
      // Newest first, down to what the services run: a revision registered for this content
      // but not yet deployed (a crash between the two) can only be newer than that.
      for (const arn of newest) {
        const td = await this.describeTaskDefinition(arn);
        if (td?.tags[SPEC_HASH_TAG] === hash || running.has(arn)) break;
      }
    };
    for (let i = 0; i < lookups.length; i += LOOKUP_CONCURRENCY) await Promise.all(lookups.slice(i, i + LOOKUP_CONCURRENCY).map(lookup));
  }

  private async activeFamilies(): Promise<Set<string>> {
    return new Set(await listAll((nextToken) => this.clients.ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE', nextToken, maxResults: 100 })), (page) => page.families));
  }

  private async describeTaskDefinition(arn: string): Promise<LiveTaskDefinition | undefined> {
    const cached = this.cache.taskDefinitions.get(arn);
    if (cached) {
      this.live.taskDefinitions.set(arn, cached);
      return cached;
    }
    const answer = await this.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] })).catch((err: unknown) => {
      throw notVisibleYet(arn, err);
    });
    const raw = answer.taskDefinition;
    if (!raw?.taskDefinitionArn) return undefined;
    const td: LiveTaskDefinition = { arn: raw.taskDefinitionArn, family: raw.family ?? '', revision: raw.revision ?? 0, tags: fromTagList(answer.tags), raw };
    // Only the content is immutable; status (ACTIVE → INACTIVE) is not, so cache ACTIVE ones and re-read others.
    if (raw.status === 'ACTIVE') this.cache.taskDefinitions.set(td.arn, td);
    this.live.taskDefinitions.set(td.arn, td);
    return td;
  }

  // ------------------------------------------------------------ Cloud Map

  private async cloudMapTags(arn: string): Promise<Tags> {
    const cached = this.cache.cloudMapTags(arn);
    if (cached) return cached;
    const answer = await this.clients.cloudMap.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    const tags = fromCloudMapTags(answer.Tags);
    this.cache.rememberTags(arn, tags);
    return tags;
  }

  private async readCloudMap(): Promise<void> {
    const wanted = new Set(this.ofKind('CloudMapNamespace').map(awsName));
    for await (const page of pages((NextToken) => this.clients.cloudMap.send(new ListNamespacesCommand({ NextToken, MaxResults: 100 })))) {
      for (const ns of page.Namespaces ?? []) {
        if (!ns.Id || !ns.Arn || !ns.Name) continue;
        if (this.options.scope && !wanted.has(ns.Name)) continue;
        const tags = await this.cloudMapTags(ns.Arn);
        if (!wanted.has(ns.Name) && tags[OWNER_TAG] !== this.options.controllerId) continue;
        this.live.namespaces.set(ns.Name, { id: ns.Id, arn: ns.Arn, name: ns.Name, tags, raw: ns });
      }
    }

    // Wanted Cloud Map services by namespace name.
    const wantedServices = new Map<string, Set<string>>();
    for (const doc of this.ofKind('CloudMapService')) {
      const ns = this.desired.resources.get(resourceKey('CloudMapNamespace', String(doc.spec.namespace)));
      if (!ns) continue;
      wantedServices.set(awsName(ns), (wantedServices.get(awsName(ns)) ?? new Set()).add(awsName(doc)));
    }
    for (const ns of this.live.namespaces.values()) {
      const wantedHere = wantedServices.get(ns.name) ?? new Set<string>();
      // A partial read gets the few services it needs by id, when their ids are known, rather
      // than listing a namespace of thousands.
      if (this.options.scope && (await this.getCloudMapServices(ns.id, wantedHere))) continue;
      const filter = { Name: 'NAMESPACE_ID' as const, Values: [ns.id], Condition: 'EQ' as const };
      for await (const page of pages((NextToken) => this.clients.cloudMap.send(new ListCloudMapServicesCommand({ NextToken, MaxResults: 100, Filters: [filter] })))) {
        for (const s of page.Services ?? []) {
          if (!s.Id || !s.Arn || !s.Name) continue;
          // moto ignores the filter; keep only this namespace's services.
          const namespaceId = (s as { NamespaceId?: string }).NamespaceId;
          if (namespaceId && namespaceId !== ns.id) continue;
          this.cache.rememberServiceId(`${ns.id}/${s.Name}`, s.Id);
          if (this.options.scope && !wantedHere.has(s.Name)) continue;
          await this.addCloudMapService(ns.id, { ...s, Id: s.Id, Arn: s.Arn, Name: s.Name });
        }
      }
    }
    await this.readInstances();
  }

  private async addCloudMapService(namespaceId: string, s: ServiceSummary & { Id: string; Arn: string; Name: string }): Promise<void> {
    const tags = await this.cloudMapTags(s.Arn);
    this.live.cloudMapServices.set(`${namespaceId}/${s.Name}`, { id: s.Id, arn: s.Arn, name: s.Name, namespaceId, tags, raw: s });
  }

  /** GetService for each name whose id the cache knows; false (nothing read) when one is unknown. */
  private async getCloudMapServices(namespaceId: string, names: Set<string>): Promise<boolean> {
    const ids = [...names].map((name) => this.cache.serviceId(`${namespaceId}/${name}`));
    if (ids.some((id) => id === undefined)) return false;
    for (const [i, name] of [...names].entries()) {
      try {
        const { Service: s } = await this.clients.cloudMap.send(new GetServiceCommand({ Id: ids[i] }));
        if (s?.Id && s.Arn && s.Name) await this.addCloudMapService(namespaceId, s as ServiceSummary & { Id: string; Arn: string; Name: string });
      } catch (err) {
        if ((err as Error).name !== 'ServiceNotFound') throw err;
        this.cache.forgetServiceId(`${namespaceId}/${name}`);
      }
    }
    return true;
  }

  /**
   * Instances are read where documents declare some, and in the controller's Cloud Map
   * services that no ECS service registers tasks in (where owned instances may need
   * pruning). Services ECS registers tasks in are not listed: those instances are ECS's.
   */
  private async readInstances(): Promise<void> {
    const byDocName = new Map<string, { id: string; owned: boolean }>();
    for (const doc of this.ofKind('CloudMapService')) {
      const ns = this.desired.resources.get(resourceKey('CloudMapNamespace', String(doc.spec.namespace)));
      const liveNs = ns && this.live.namespaces.get(awsName(ns));
      const live = liveNs && this.live.cloudMapServices.get(`${liveNs.id}/${awsName(doc)}`);
      if (live) byDocName.set(doc.metadata.name, { id: live.id, owned: live.tags[OWNER_TAG] === this.options.controllerId });
    }
    const usedByEcs = new Set(this.ofKind('Service').flatMap((s) => ((s.spec.serviceRegistries as { cloudMapService: string }[] | undefined) ?? []).map((r) => r.cloudMapService)));
    const toRead = new Set<string>();
    for (const doc of this.ofKind('CloudMapInstance')) {
      const target = byDocName.get(String(doc.spec.service));
      if (target) toRead.add(target.id);
    }
    for (const [docName, s] of byDocName) if (s.owned && !usedByEcs.has(docName)) toRead.add(s.id);
    const known = new Set([...byDocName.values()].map((b) => b.id));
    for (const s of this.live.cloudMapServices.values()) {
      if (!known.has(s.id) && s.tags[OWNER_TAG] === this.options.controllerId) toRead.add(s.id);
    }
    for (const serviceId of toRead) {
      for (const i of await listInstances(this.clients.cloudMap, serviceId)) {
        this.live.instances.set(`${serviceId}/${i.id}`, { serviceId, ...i });
      }
      this.live.instancesRead.add(serviceId);
    }
  }
}
