/**
 * The live reader: reads exactly what planning needs, batched to the API limits, and no
 * more. A loop over the kinds' readers (./kinds/): clusters by DescribeClusters (100 a
 * call), services by ListServices and DescribeServices (10 a call, tags included), task
 * definitions only when a service's tags do not already say which revision carries the
 * desired content, and Cloud Map namespaces, services and instances with full
 * pagination. What outlives one read (immutable revisions, Cloud Map ids and tags) is
 * kept in a LiveCache.
 */
import { ListTagsForResourceCommand } from '@aws-sdk/client-servicediscovery';
import { KINDS, resourceKey, type DesiredState, type Kind, type Resource } from '../api/kinds.js';
import { awsName } from '../core/desired.js';
import { emptyLiveState, type LiveState, type LiveTaskDefinition } from '../core/live.js';
import { fromCloudMapTags, type Tags } from '../core/tags.js';
import { KIND_READERS } from './kinds/index.js';
import type { ReadContext, ReaderClients } from './kinds/types.js';

export { listInstances } from './kinds/cloudmap-instance.js';
export type { ReaderClients } from './kinds/types.js';

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

  /** Task-definition ARN by service revision ARN: a service revision never changes. */
  readonly serviceRevisions = new Map<string, string>();

  /** Cloud Map namespace names by ARN: a namespace's ARN never names another. */
  readonly namespaceNames = new Map<string, string>();

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
  return new Reader(clients, desired, options).read();
}

/** One read: the kinds' readers, each after the kind it depends on, independent chains at once. */
class Reader implements ReadContext {
  readonly live = emptyLiveState();
  readonly cache: LiveCache;
  readonly controllerId: string;
  readonly scope: ReadonlySet<string> | undefined;
  /** The documents to read for (all, or the scope). */
  private readonly docs: Resource[];

  constructor(
    readonly clients: ReaderClients,
    readonly desired: DesiredState,
    options: ReadOptions,
  ) {
    this.cache = options.cache ?? new LiveCache();
    this.controllerId = options.controllerId;
    this.scope = options.scope;
    this.docs = [...desired.resources.values()].filter((d) => !options.scope || options.scope.has(`${d.kind}/${d.metadata.name}`));
  }

  ofKind<K extends Kind>(kind: K): Resource<K>[] {
    return this.docs.filter((d): d is Resource<K> => d.kind === kind);
  }

  wantedIn(kind: Kind, field: string, parentKind: Kind): Map<string, Set<string>> {
    const wanted = new Map<string, Set<string>>();
    for (const doc of this.ofKind(kind)) {
      const parent = this.desired.resources.get(resourceKey(parentKind, String(doc.spec[field])));
      if (!parent) continue;
      wanted.set(awsName(parent), (wanted.get(awsName(parent)) ?? new Set()).add(awsName(doc)));
    }
    return wanted;
  }

  async cloudMapTags(arn: string): Promise<Tags> {
    const cached = this.cache.cloudMapTags(arn);
    if (cached) return cached;
    const answer = await this.clients.cloudMap.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    const tags = fromCloudMapTags(answer.Tags);
    this.cache.rememberTags(arn, tags);
    return tags;
  }

  async read(): Promise<LiveState> {
    this.cache.beginRead(!this.scope);
    // ECS (clusters → services → revisions) and Cloud Map (namespaces → services →
    // instances) are independent chains: they are read at once.
    const reads = new Map<Kind, Promise<void>>();
    const start = (kind: Kind): Promise<void> => {
      let started = reads.get(kind);
      if (!started) {
        const reader = KIND_READERS[kind];
        started = (reader.after ? start(reader.after) : Promise.resolve()).then(() => reader.read(this));
        reads.set(kind, started);
      }
      return started;
    };
    await Promise.all(KINDS.map(start));
    return this.live;
  }
}
