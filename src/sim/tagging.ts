// The Resource Groups Tagging API, as far as the controller reads it: GetResources over the
// simulator's taggable objects (Cloud Map namespaces and services), with AWS's tag and
// resource-type filters, pages of at most 100 and pagination tokens that expire.
import type { GetResourcesInput, TagFilter } from '@aws-sdk/client-resource-groups-tagging-api';
import type { SimContext } from './context.js';
import { AwsError, invalidParameter } from './errors.js';
import type { CloudMapTag } from './state.js';

type Handler = (ctx: SimContext, input: object) => unknown;

/** A pagination token is good for 15 minutes (the API reference's PaginationTokenExpiredException). */
export const PAGINATION_TOKEN_LIFETIME_MS = 15 * 60_000;

/** The resource types the simulator holds, as `service:resourceType` (the ARN's own spelling). */
const CLOUD_MAP_TYPES = ['servicediscovery:namespace', 'servicediscovery:service'] as const;

function checkFilters(input: GetResourcesInput): { tagFilters: TagFilter[]; types: Set<string> } {
  const tagFilters = input.TagFilters ?? [];
  const typeFilters = input.ResourceTypeFilters ?? [];
  if (input.ResourceARNList !== undefined && (tagFilters.length > 0 || typeFilters.length > 0)) {
    throw invalidParameter('ResourceARNList cannot be used with TagFilters or ResourceTypeFilters.');
  }
  if (input.ResourceARNList !== undefined || input.IncludeComplianceDetails || input.ExcludeCompliantResources) {
    throw invalidParameter('The simulator implements GetResources with TagFilters and ResourceTypeFilters only.');
  }
  if (tagFilters.length > 50) throw invalidParameter('TagFilters can include up to 50 keys.');
  for (const f of tagFilters) {
    if (typeof f.Key !== 'string' || f.Key === '') throw invalidParameter('Every TagFilter must contain a Key.');
    if ((f.Values ?? []).length > 20) throw invalidParameter(`TagFilter ${f.Key} can include up to 20 values.`);
  }
  if (typeFilters.length > 100) throw invalidParameter('ResourceTypeFilters can include up to 100 items.');
  const types = new Set<string>();
  for (const filter of typeFilters) {
    if (!/^[a-z0-9-]+(:[A-Za-z0-9-]+)?$/.test(filter)) throw invalidParameter(`Invalid resource type ${filter}: expected service[:resourceType].`);
    // `servicediscovery` alone is every Cloud Map type; other services hold nothing here.
    for (const type of CLOUD_MAP_TYPES) if (type === filter || type.startsWith(`${filter}:`)) types.add(type);
  }
  return { tagFilters, types: typeFilters.length > 0 ? types : new Set(CLOUD_MAP_TYPES) };
}

/** Every filter matches (AND); a filter's values are alternatives (OR); no values: the key with any value. */
function matches(tags: CloudMapTag[], filters: TagFilter[]): boolean {
  return filters.every((f) => tags.some((t) => t.Key === f.Key && (!f.Values || f.Values.length === 0 || f.Values.includes(t.Value))));
}

interface Token {
  /** The last ARN returned. */
  k: string;
  /** When the first page was asked for. */
  at: number;
}

function readToken(ctx: SimContext, raw: string): Token {
  let token: Token;
  try {
    token = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Token;
    if (typeof token.k !== 'string' || typeof token.at !== 'number') throw new Error('malformed');
  } catch {
    throw invalidParameter('Invalid PaginationToken.');
  }
  if (ctx.clock.now() - token.at > PAGINATION_TOKEN_LIFETIME_MS) {
    throw new AwsError('PaginationTokenExpiredException', 'The PaginationToken has expired.');
  }
  return token;
}

const getResources: Handler = (ctx, raw) => {
  const input = raw as GetResourcesInput;
  const perPage = input.ResourcesPerPage ?? 100;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) throw invalidParameter('ResourcesPerPage must be between 1 and 100.');
  if (input.TagsPerPage !== undefined && (input.TagsPerPage < 100 || input.TagsPerPage > 500)) throw invalidParameter('TagsPerPage must be between 100 and 500.');
  const { tagFilters, types } = checkFilters(input);
  const token = input.PaginationToken ? readToken(ctx, input.PaginationToken) : undefined;
  const objects = [
    ...(types.has('servicediscovery:namespace') ? ctx.state.namespaces : []),
    ...(types.has('servicediscovery:service') ? ctx.state.cloudMapServices : []),
  ];
  // Untagged objects are left out; in ARN order, so a token (the last ARN) resumes where it stopped.
  const found = objects
    .filter((o) => o.tags.length > 0 && matches(o.tags, tagFilters))
    .sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
  const start = token ? found.findIndex((o) => o.arn > token.k) : 0;
  const page = start < 0 ? [] : found.slice(start, start + perPage);
  const more = start >= 0 && start + perPage < found.length;
  const next: Token | undefined = more ? { k: page[page.length - 1].arn, at: token?.at ?? ctx.clock.now() } : undefined;
  return {
    ResourceTagMappingList: page.map((o) => ({ ResourceARN: o.arn, Tags: o.tags.map((t) => ({ Key: t.Key, Value: t.Value })) })),
    // AWS answers an empty token on the last page.
    PaginationToken: next ? Buffer.from(JSON.stringify(next)).toString('base64url') : '',
  };
};

export const TAGGING_OPERATIONS: Record<string, Handler> = {
  GetResources: getResources,
};

export const TAGGING_READS = new Set(['GetResources']);
