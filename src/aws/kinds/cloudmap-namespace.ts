/**
 * Reads Cloud Map namespaces: ListNamespaces, all pages, and their tags (cached, in bulk
 * where the tagging API answers). Kept: the namespaces documents name, and on a full read
 * those the controller owns.
 */
import { ListNamespacesCommand, type NamespaceSummary } from '@aws-sdk/client-servicediscovery';
import { awsName } from '../../core/desired.js';
import { OWNER_TAG } from '../../core/tags.js';
import { pages } from '../paging.js';
import type { KindReader, ReadContext } from './types.js';

type Listed = NamespaceSummary & { Id: string; Arn: string; Name: string };

async function read(ctx: ReadContext): Promise<void> {
  const wanted = new Set(ctx.ofKind('CloudMapNamespace').map(awsName));
  for await (const page of pages((NextToken) => ctx.clients.cloudMap.send(new ListNamespacesCommand({ NextToken, MaxResults: 100 })))) {
    const listed = (page.Namespaces ?? []).filter((ns): ns is Listed => !!(ns.Id && ns.Arn && ns.Name) && (!ctx.scope || wanted.has(ns.Name)));
    const tags = await ctx.cloudMapTags(listed.map((ns) => ({ arn: ns.Arn, id: ns.Id, named: wanted.has(ns.Name) })));
    for (const ns of listed) {
      const t = tags.get(ns.Arn) ?? {};
      if (!wanted.has(ns.Name) && t[OWNER_TAG] !== ctx.controllerId) continue;
      ctx.live.namespaces.set(ns.Name, { id: ns.Id, arn: ns.Arn, name: ns.Name, tags: t, raw: ns });
    }
  }
}

export const CloudMapNamespaceReader: KindReader<'CloudMapNamespace'> = { kind: 'CloudMapNamespace', read };
