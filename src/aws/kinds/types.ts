/**
 * How a kind is read from AWS: one reader per kind beside its module in src/core/kinds/,
 * run by the generic loop in ../reader.ts. A reader fills its part of the live state,
 * reading only what planning needs: the objects the documents name, and on a full read
 * (no scope) the objects the controller owns that git no longer names.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { DesiredState, Kind, Resource } from '../../api/kinds.js';
import type { LiveState } from '../../core/live.js';
import type { Tags } from '../../core/tags.js';
import type { LiveCache } from '../reader.js';

export interface ReaderClients {
  ecs: ECSClient;
  cloudMap: ServiceDiscoveryClient;
  /** Cloud Map ownership in bulk; without it, one tag read per object. */
  tagging?: ResourceGroupsTaggingAPIClient;
}

/** A listed Cloud Map namespace or service whose ownership a reader needs. */
export interface CloudMapObject {
  arn: string;
  id: string;
  /** A document of this read names it: what it carries decides a write or a conflict. */
  named: boolean;
}

export interface ReadContext {
  readonly clients: ReaderClients;
  readonly desired: DesiredState;
  /** What the readers fill; a reader may look at what the kind it runs after has read. */
  readonly live: LiveState;
  readonly cache: LiveCache;
  readonly controllerId: string;
  /** Set on a partial read: only these documents' objects, nothing listed to find owned ones. */
  readonly scope: ReadonlySet<string> | undefined;
  /** The documents of a kind this read is for (all, or those in scope). */
  ofKind<K extends Kind>(kind: K): Resource<K>[];
  /**
   * The AWS names of the documents of `kind` in this read, grouped by the AWS name of the
   * `parentKind` document their `field` names (services by cluster).
   */
  wantedIn(kind: Kind, field: string, parentKind: Kind): Map<string, Set<string>>;
  /**
   * The tags of listed Cloud Map objects, by ARN: cached, from the bulk ownership read, or
   * read per object. An object no document names that the bulk read shows without the
   * owner tag is not read: it gets `{}` (not owned; its other tags decide nothing).
   */
  cloudMapTags(objects: readonly CloudMapObject[]): Promise<Map<string, Tags>>;
}

export interface KindReader<K extends Kind = Kind> {
  readonly kind: K;
  /** The kind whose live objects this one is found in (clusters for services): read that first. */
  readonly after?: Kind;
  read(ctx: ReadContext): Promise<void>;
}
