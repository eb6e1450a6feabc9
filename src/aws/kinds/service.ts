/**
 * Reads ECS services of the clusters read: ListServices, then DescribeServices 10 a call
 * with tags. A partial read describes the named services directly. Also how the executor
 * sees a deleted service drain (DescribeServices until INACTIVE).
 */
import { DescribeServicesCommand, ListServicesCommand, type ECSClient, type Service as EcsService } from '@aws-sdk/client-ecs';
import { lastSegment } from '../../core/live.js';
import { fromTagList } from '../../core/tags.js';
import { batches, listAll } from '../paging.js';
import type { KindReader, ReadContext } from './types.js';

export const DESCRIBE_SERVICES_BATCH = 10;

async function describe(ctx: ReadContext, cluster: string, names: string[]): Promise<void> {
  for (const batch of batches(names, DESCRIBE_SERVICES_BATCH)) {
    const answer = await ctx.clients.ecs.send(new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }));
    for (const service of answer.services ?? []) addService(ctx, cluster, service);
  }
}

function addService(ctx: ReadContext, cluster: string, service: EcsService): void {
  if (service.status === 'INACTIVE') return;
  const name = service.serviceName ?? lastSegment(service.serviceArn) ?? '';
  ctx.live.services.set(`${cluster}/${name}`, { cluster, name, arn: service.serviceArn ?? '', tags: fromTagList(service.tags), raw: service });
}

async function read(ctx: ReadContext): Promise<void> {
  const wanted = ctx.wantedIn('Service', 'cluster', 'Cluster');
  for (const cluster of ctx.live.clusters.values()) {
    const wantedHere = [...(wanted.get(cluster.name) ?? [])];
    if (ctx.scope) {
      await describe(ctx, cluster.name, wantedHere);
      continue;
    }
    const arns = await listAll((nextToken) => ctx.clients.ecs.send(new ListServicesCommand({ cluster: cluster.name, nextToken, maxResults: 100 })), (page) => page.serviceArns);
    // A desired service that ListServices does not show may be DRAINING: describe it too.
    const listed = new Set(arns.map((a) => lastSegment(a)));
    await describe(ctx, cluster.name, [...arns, ...wantedHere.filter((n) => !listed.has(n))]);
  }
}

export const ServiceReader: KindReader<'Service'> = { kind: 'Service', after: 'Cluster', read };

/** A service's status as DescribeServices shows it; undefined when ECS no longer knows it. */
export async function serviceStatus(ecs: ECSClient, cluster: string, service: string, abortSignal?: AbortSignal): Promise<string | undefined> {
  const answer = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }), abortSignal ? { abortSignal } : {});
  return answer.services?.[0]?.status;
}
