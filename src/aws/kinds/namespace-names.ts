/** Names of the Cloud Map namespaces Service Connect settings name by ARN. */
import { GetNamespaceCommand } from '@aws-sdk/client-servicediscovery';
import { lastSegment } from '../../core/live.js';
import type { ReadContext } from './types.js';

/**
 * AWS reports the Service Connect namespace of a cluster (and of a service's deployments)
 * by ARN, whatever was sent; its name (what a document writes) comes from GetNamespace
 * once per process.
 */
export async function resolveNamespace(ctx: ReadContext, arn: string | undefined): Promise<void> {
  if (!arn?.startsWith('arn:')) return;
  let name = ctx.cache.namespaceNames.get(arn);
  if (name === undefined) {
    try {
      const answer = await ctx.clients.cloudMap.send(new GetNamespaceCommand({ Id: lastSegment(arn) }));
      name = answer.Namespace?.Name;
    } catch (err) {
      if ((err as Error).name !== 'NamespaceNotFound') throw err;
    }
    if (name === undefined) return;
    ctx.cache.namespaceNames.set(arn, name);
  }
  ctx.live.namespaceNames.set(arn, name);
}
