/**
 * Reads Cloud Map services of the namespaces read: ListServices filtered by namespace,
 * all pages, with their tags (cached, in bulk where the tagging API answers). A partial read gets the few services it needs
 * by id (GetService) when their ids are known, rather than listing a namespace of
 * thousands; ids never change, so they are cached.
 */
import { GetServiceCommand, ListServicesCommand, type ServiceSummary } from '@aws-sdk/client-servicediscovery';
import { pages } from '../paging.js';
import type { KindReader, ReadContext } from './types.js';

type Listed = ServiceSummary & { Id: string; Arn: string; Name: string };

/** Adds the services with their tags; `named`: the names documents give services of this namespace. */
async function add(ctx: ReadContext, namespaceId: string, services: Listed[], named: Set<string>): Promise<void> {
  const tags = await ctx.cloudMapTags(services.map((s) => ({ arn: s.Arn, id: s.Id, named: named.has(s.Name) })));
  for (const s of services) ctx.live.cloudMapServices.set(`${namespaceId}/${s.Name}`, { id: s.Id, arn: s.Arn, name: s.Name, namespaceId, tags: tags.get(s.Arn) ?? {}, raw: s });
}

/** GetService for each name whose id the cache knows; false (nothing read) when one is unknown. */
async function getByIds(ctx: ReadContext, namespaceId: string, names: Set<string>): Promise<boolean> {
  const ids = [...names].map((name) => ctx.cache.serviceId(`${namespaceId}/${name}`));
  if (ids.some((id) => id === undefined)) return false;
  for (const [i, name] of [...names].entries()) {
    try {
      const { Service: s } = await ctx.clients.cloudMap.send(new GetServiceCommand({ Id: ids[i] }));
      if (s?.Id && s.Arn && s.Name) await add(ctx, namespaceId, [s as Listed], names);
    } catch (err) {
      if ((err as Error).name !== 'ServiceNotFound') throw err;
      ctx.cache.forgetServiceId(`${namespaceId}/${name}`);
    }
  }
  return true;
}

async function list(ctx: ReadContext, namespaceId: string, wantedHere: Set<string>): Promise<void> {
  const filter = { Name: 'NAMESPACE_ID' as const, Values: [namespaceId], Condition: 'EQ' as const };
  for await (const page of pages((NextToken) => ctx.clients.cloudMap.send(new ListServicesCommand({ NextToken, MaxResults: 100, Filters: [filter] })))) {
    const kept: Listed[] = [];
    for (const s of page.Services ?? []) {
      if (!s.Id || !s.Arn || !s.Name) continue;
      // moto ignores the filter; keep only this namespace's services.
      const listedIn = (s as { NamespaceId?: string }).NamespaceId;
      if (listedIn && listedIn !== namespaceId) continue;
      ctx.cache.rememberServiceId(`${namespaceId}/${s.Name}`, s.Id);
      if (ctx.scope && !wantedHere.has(s.Name)) continue;
      kept.push({ ...s, Id: s.Id, Arn: s.Arn, Name: s.Name });
    }
    await add(ctx, namespaceId, kept, wantedHere);
  }
}

async function read(ctx: ReadContext): Promise<void> {
  const wanted = ctx.wantedIn('CloudMapService', 'namespace', 'CloudMapNamespace');
  for (const ns of ctx.live.namespaces.values()) {
    const wantedHere = wanted.get(ns.name) ?? new Set<string>();
    if (ctx.scope && (await getByIds(ctx, ns.id, wantedHere))) continue;
    await list(ctx, ns.id, wantedHere);
  }
}

export const CloudMapServiceReader: KindReader<'CloudMapService'> = { kind: 'CloudMapService', after: 'CloudMapNamespace', read };
