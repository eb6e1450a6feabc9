/**
 * Reads clusters: DescribeClusters, 100 a call, tags, settings and configuration
 * included. A full read lists every cluster to find the ones the controller owns but git
 * no longer names.
 */
import { DescribeClustersCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import { awsName } from '../../core/desired.js';
import { lastSegment } from '../../core/live.js';
import { OWNER_TAG, fromTagList } from '../../core/tags.js';
import { batches, listAll } from '../paging.js';
import { resolveNamespace } from './namespace-names.js';
import type { KindReader, ReadContext } from './types.js';

export const DESCRIBE_CLUSTERS_BATCH = 100;

async function read(ctx: ReadContext): Promise<void> {
  const wanted = new Set(ctx.ofKind('Cluster').map(awsName));
  let names: string[] = [...wanted];
  if (!ctx.scope) {
    names = await listAll((nextToken) => ctx.clients.ecs.send(new ListClustersCommand({ nextToken, maxResults: 100 })), (page) => page.clusterArns);
    const listed = new Set(names.map((a) => lastSegment(a)));
    names.push(...[...wanted].filter((n) => !listed.has(n)));
  }
  for (const batch of batches(names, DESCRIBE_CLUSTERS_BATCH)) {
    const answer = await ctx.clients.ecs.send(new DescribeClustersCommand({ clusters: batch, include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] }));
    for (const cluster of answer.clusters ?? []) {
      const tags = fromTagList(cluster.tags);
      const name = cluster.clusterName ?? lastSegment(cluster.clusterArn) ?? '';
      if (cluster.status !== 'ACTIVE' && cluster.status !== 'PROVISIONING') continue;
      if (!wanted.has(name) && tags[OWNER_TAG] !== ctx.controllerId) continue;
      ctx.live.clusters.set(name, { name, arn: cluster.clusterArn ?? '', tags, raw: cluster });
      await resolveNamespace(ctx, cluster.serviceConnectDefaults?.namespace);
    }
  }
}

export const ClusterReader: KindReader<'Cluster'> = { kind: 'Cluster', read };
