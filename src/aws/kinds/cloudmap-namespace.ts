/**
 * Reads Cloud Map namespaces: ListNamespaces, all pages, and each one's tags (cached).
 * Kept: the namespaces documents name, and on a full read those the controller owns.
 */
import { ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { awsName } from '../../core/desired.js';
import { OWNER_TAG } from '../../core/tags.js';
import { pages } from '../paging.js';
import type { KindReader, ReadContext } from './types.js';

async function read(ctx: ReadContext): Promise<void> {
  const wanted = new Set(ctx.ofKind('CloudMapNamespace').map(awsName));
  for await (const page of pages((NextToken) => ctx.clients.cloudMap.send(new ListNamespacesCommand({ NextToken, MaxResults: 100 })))) {
    for (const ns of page.Namespaces ?? []) {
      if (!ns.Id || !ns.Arn || !ns.Name) continue;
      if (ctx.scope && !wanted.has(ns.Name)) continue;
      const tags = await ctx.cloudMapTags(ns.Arn);
      if (!wanted.has(ns.Name) && tags[OWNER_TAG] !== ctx.controllerId) continue;
      ctx.live.namespaces.set(ns.Name, { id: ns.Id, arn: ns.Arn, name: ns.Name, tags, raw: ns });
    }
  }
}

export const CloudMapNamespaceReader: KindReader<'CloudMapNamespace'> = { kind: 'CloudMapNamespace', read };
