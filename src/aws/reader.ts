/**
 * The live reader: reads exactly what planning needs, batched to the API limits, and no
 * more. A loop over the kinds' readers (./kinds/): clusters by DescribeClusters (100 a
 * call), services by ListServices and DescribeServices (10 a call, tags included), task
 * definitions only when a service's tags do not already say which revision carries the
 * desired content, and Cloud Map namespaces, services and instances with full
 * pagination. What outlives one read (immutable revisions, Cloud Map ids and tags) is
 * kept in a LiveCache. Cloud Map ownership comes in bulk where the Resource Groups Tagging
 * API answers (./ownership.ts), else one tag read per object.
 */
import { ListTagsForResourceCommand } from '@aws-sdk/client-servicediscovery';
import { KINDS, resourceKey, type DesiredState, type Kind, type Resource } from '../api/kinds.js';
import { awsName } from '../core/desired.js';
import { emptyLiveState, type LiveState, type LiveTaskDefinition } from '../core/live.js';
import { fromCloudMapTags, OWNER_TAG, type Tags } from '../core/tags.js';
import { KIND_READERS } from './kinds/index.js';
import type { CloudMapObject, ReadContext, ReaderClients } from './kinds/types.js';
import { bulkFailureIsTransient, bulkFailureReason, readOwnedCloudMapTags, type OwnershipReads } from './ownership.js';

export type { OwnershipReads } from './ownership.js';

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

  /** After a plan's steps ran: what they wrote (the ARNs and ids they report) and every object the plan named are read afresh. */
  forgetWritten(results: readonly { outputs: { arn?: string; id?: string } }[], resources: readonly { liveId?: string }[]): void {
    this.forget(results.flatMap((r) => [r.outputs.arn, r.outputs.id].filter((x): x is string => !!x)));
    this.forget(resources.map((r) => r.liveId).filter((x): x is string => !!x));
  }

  /** After a write to these objects (ARNs or ids), read their tags again. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) {
      this.tags.delete(id);
      if (this.bulkAt !== undefined) this.writtenSinceBulk.add(id);
    }
  }

  // ------------------------------------------------------------ Cloud Map ownership in bulk

  /** When the bulk read whose answer the tags hold was made; undefined: none holds. */
  private bulkAt: number | undefined;
  /** Not before this time is a bulk read tried again after one failed. */
  private bulkRetryAt = -Infinity;
  /** Objects (ARNs or ids) the controller wrote since the bulk read: its answer cannot know them. */
  private readonly writtenSinceBulk = new Set<string>();
  /** How the newest full read learned ownership (undefined before the first). */
  ownership: OwnershipReads | undefined;

  /** A full read should read ownership in bulk now: the last bulk answer is stale, and no failure holds it off. */
  bulkDue(): boolean {
    const now = this.now();
    return (this.bulkAt === undefined || now - this.bulkAt >= this.tagTtlMs) && now >= this.bulkRetryAt;
  }

  /** The bulk answer in force: tags of the objects carrying the owner key; absence from it means none. */
  rememberBulk(tags: ReadonlyMap<string, Tags>): void {
    const now = this.now();
    for (const [arn, t] of tags) this.tags.set(arn, { tags: t, at: now });
    this.bulkAt = now;
    this.writtenSinceBulk.clear();
    this.ownership = { mode: 'bulk', at: now };
  }

  /** No bulk answer holds (the read failed, or missed an owned object): tags are read per object until the next bulk read. */
  bulkUnavailable(reason: string, retryNextRead: boolean): void {
    const now = this.now();
    this.bulkAt = undefined;
    this.writtenSinceBulk.clear();
    this.bulkRetryAt = retryNextRead ? now : now + this.tagTtlMs;
    this.ownership = { mode: 'per-object', at: now, reason };
  }

  /** Whether absence from the bulk answer says an object carries no owner tag (this object: not written since). */
  bulkCovers(object: CloudMapObject): boolean {
    return this.bulkAt !== undefined && this.now() - this.bulkAt < this.tagTtlMs && !this.writtenSinceBulk.has(object.arn) && !this.writtenSinceBulk.has(object.id);
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

  /** One object's tags, read from Cloud Map (and cached). */
  private async readTags(arn: string): Promise<Tags> {
    const answer = await this.clients.cloudMap.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    const tags = fromCloudMapTags(answer.Tags);
    this.cache.rememberTags(arn, tags);
    return tags;
  }

  /** The bulk ownership read of a full read, started with it (so the ECS chain does not wait for it). */
  private bulkRead: Promise<void> = Promise.resolve();

  private async readOwnershipInBulk(): Promise<void> {
    if (!this.clients.tagging) {
      this.cache.bulkUnavailable('no Resource Groups Tagging API client', false);
      return;
    }
    if (!this.cache.bulkDue()) return;
    try {
      this.cache.rememberBulk(await readOwnedCloudMapTags(this.clients.tagging));
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      this.cache.bulkUnavailable(bulkFailureReason(err), bulkFailureIsTransient(err));
    }
  }

  async cloudMapTags(objects: readonly CloudMapObject[]): Promise<Map<string, Tags>> {
    await this.bulkRead;
    const out = new Map<string, Tags>();
    const unread: CloudMapObject[] = [];
    let missed: CloudMapObject | undefined;
    for (const o of objects) {
      const cached = this.cache.cloudMapTags(o.arn);
      if (cached) out.set(o.arn, cached);
      else if (o.named || !this.cache.bulkCovers(o)) {
        const tags = await this.readTags(o.arn);
        out.set(o.arn, tags);
        // Owned, yet absent from a bulk answer that should hold it: that answer cannot be trusted.
        if (tags[OWNER_TAG] !== undefined && this.cache.bulkCovers(o)) missed ??= o;
      } else unread.push(o);
    }
    if (missed) this.cache.bulkUnavailable(`tag:GetResources did not list ${missed.arn}, which carries ${OWNER_TAG}`, false);
    // Nothing decides about these, and the bulk answer says they carry no owner tag: their other tags are not needed.
    for (const o of unread) out.set(o.arn, missed ? await this.readTags(o.arn) : {});
    return out;
  }

  async read(): Promise<LiveState> {
    this.cache.beginRead(!this.scope);
    if (!this.scope) this.bulkRead = this.readOwnershipInBulk();
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
