/**
 * Cloud Map ownership in bulk. Cloud Map has no batch tag read, so a process with a cold
 * cache would spend one ListTagsForResource per namespace and service before it can judge
 * which of them it owns. The Resource Groups Tagging API lists, 100 a call, every Cloud Map
 * namespace and service that carries the owner tag key, with all its tags: one call per
 * hundred objects instead of one per object.
 *
 * What it cannot say is authoritative: the tagging API is eventually consistent, may be
 * denied by an older IAM policy, and an emulator may answer without Cloud Map in it. So
 * (src/aws/reader.ts) an object a document names, or one the controller has written since,
 * is still read per object when the bulk answer does not hold it; only objects nothing
 * decides about (no document names them, the controller did not write them) are judged
 * unowned by their absence, and an owned object the bulk answer missed sends the reads
 * back to one per object.
 */
import { GetResourcesCommand, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { fromCloudMapTags, OWNER_TAG, type Tags } from '../core/tags.js';
import { pages } from './paging.js';

/** The resource types of Cloud Map's namespaces and services (`service:resourceType`, as in their ARNs). */
export const CLOUD_MAP_RESOURCE_TYPES = ['servicediscovery:namespace', 'servicediscovery:service'];
/** GetResources' largest page. */
export const RESOURCES_PER_PAGE = 100;

/** How the last full read learned Cloud Map ownership, for status and logs. */
export type OwnershipReads = { mode: 'bulk'; at: number } | { mode: 'per-object'; at: number; reason: string };

/**
 * The tags of every Cloud Map namespace and service carrying the owner tag key (any
 * controller's), by ARN: GetResources filtered on the key and the two resource types,
 * all pages.
 */
export async function readOwnedCloudMapTags(tagging: ResourceGroupsTaggingAPIClient): Promise<Map<string, Tags>> {
  const found = new Map<string, Tags>();
  const input = { TagFilters: [{ Key: OWNER_TAG }], ResourceTypeFilters: CLOUD_MAP_RESOURCE_TYPES, ResourcesPerPage: RESOURCES_PER_PAGE };
  for await (const page of pages((PaginationToken) => tagging.send(new GetResourcesCommand({ ...input, ...(PaginationToken ? { PaginationToken } : {}) })))) {
    for (const mapping of page.ResourceTagMappingList ?? []) if (mapping.ResourceARN) found.set(mapping.ResourceARN, fromCloudMapTags(mapping.Tags));
  }
  return found;
}

/**
 * Whether a failed bulk read is worth trying again at the next full read (throttling, a
 * 5xx, an expired token) rather than after the tag TTL (denied by IAM, or not offered by
 * the endpoint: a fix takes a deployment, not a retry).
 */
export function bulkFailureIsTransient(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'AccessDeniedException' || e.name === 'UnrecognizedClientException' || e.name === 'UnknownOperationException') return false;
  const status = e.$metadata?.httpStatusCode;
  if (status === 404 || status === 501) return false;
  return true;
}

/** The reason a bulk read failed, as status and logs show it. */
export function bulkFailureReason(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  const message = e.message ? `: ${e.message.slice(0, 200)}` : '';
  return `tag:GetResources failed, ${e.name ?? 'Error'}${status}${message}`;
}
