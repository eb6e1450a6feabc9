/**
 * Reads Cloud Map instances where documents declare some, and in the controller's Cloud
 * Map services that no ECS service registers tasks in (where owned instances may need
 * pruning). Services ECS registers tasks in are not listed: those instances are ECS's.
 */
import { ListInstancesCommand, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { resourceKey, specOf } from '../../api/kinds.js';
import { awsName } from '../../core/desired.js';
import { OWNER_TAG } from '../../core/tags.js';
import { listAll } from '../paging.js';
import type { KindReader, ReadContext } from './types.js';

/** Every instance of a Cloud Map service, all pages. */
export async function listInstances(cloudMap: ServiceDiscoveryClient, serviceId: string): Promise<{ id: string; attributes: Record<string, string> }[]> {
  const listed = await listAll((NextToken) => cloudMap.send(new ListInstancesCommand({ ServiceId: serviceId, NextToken, MaxResults: 100 })), (page) => page.Instances);
  return listed.flatMap((i) => (i.Id ? [{ id: i.Id, attributes: i.Attributes ?? {} }] : []));
}

/** The Cloud Map services whose instances this read lists. */
function servicesToList(ctx: ReadContext): Set<string> {
  const byDocName = new Map<string, { id: string; owned: boolean }>();
  for (const doc of ctx.ofKind('CloudMapService')) {
    const ns = ctx.desired.resources.get(resourceKey('CloudMapNamespace', specOf(doc).namespace));
    const liveNs = ns && ctx.live.namespaces.get(awsName(ns));
    const live = liveNs && ctx.live.cloudMapServices.get(`${liveNs.id}/${awsName(doc)}`);
    if (live) byDocName.set(doc.metadata.name, { id: live.id, owned: live.tags[OWNER_TAG] === ctx.controllerId });
  }
  const usedByEcs = new Set(ctx.ofKind('Service').flatMap((s) => (specOf(s).serviceRegistries ?? []).map((r) => r.cloudMapService)));
  const toRead = new Set<string>();
  for (const doc of ctx.ofKind('CloudMapInstance')) {
    const target = byDocName.get(specOf(doc).service);
    if (target) toRead.add(target.id);
  }
  for (const [docName, s] of byDocName) if (s.owned && !usedByEcs.has(docName)) toRead.add(s.id);
  const known = new Set([...byDocName.values()].map((b) => b.id));
  for (const s of ctx.live.cloudMapServices.values()) {
    if (!known.has(s.id) && s.tags[OWNER_TAG] === ctx.controllerId) toRead.add(s.id);
  }
  return toRead;
}

async function read(ctx: ReadContext): Promise<void> {
  for (const serviceId of servicesToList(ctx)) {
    for (const i of await listInstances(ctx.clients.cloudMap, serviceId)) {
      ctx.live.instances.set(`${serviceId}/${i.id}`, { serviceId, ...i });
    }
    ctx.live.instancesRead.add(serviceId);
  }
}

export const CloudMapInstanceReader: KindReader<'CloudMapInstance'> = { kind: 'CloudMapInstance', after: 'CloudMapService', read };
