/**
 * Cluster: an ECS cluster. Nothing is create-only but its name; settings, configuration
 * and service-connect defaults change through UpdateCluster, capacity providers through
 * PutClusterCapacityProviders.
 */
import type { Cluster } from '@aws-sdk/client-ecs';
import { resourceKey, type Resource } from '../../api/kinds.js';
import type { ClusterSpec } from '../../api/specs.js';
import { awsName, desiredTags, specBody } from '../desired.js';
import { HEALTHY, MISSING, type Health } from '../health.js';
import { lastSegment, type LiveCluster } from '../live.js';
import { canonical, pick, sortBy, sorted, withoutDefaults, type Canonical } from '../normalize.js';
import type { ApiCall } from '../plan.js';
import { OWNER_TAG, toTagList } from '../tags.js';
import { changedFields, ecsTagCalls, ownerKey, pruneDisabled } from './calls.js';
import type { Decision, KindModule, PlanContext } from './types.js';

/** The spec without identity (name) and ownership (tags): what CreateCluster's body holds. */
export type ClusterBody = Omit<ClusterSpec, 'clusterName' | 'tags'>;

const CLUSTER_FIELDS = ['settings', 'capacityProviders', 'defaultCapacityProviderStrategy', 'configuration', 'serviceConnectDefaults'] as const;

/** AWS's defaults: Container Insights off, strategy weight and base 0. */
const CONTAINER_INSIGHTS_DEFAULT = { name: 'containerInsights', value: 'disabled' } as const;
const STRATEGY_DEFAULTS = { weight: 0, base: 0 };

export function canonicalCluster(spec: ClusterBody): Canonical {
  const settings = new Map<string, unknown>([[CONTAINER_INSIGHTS_DEFAULT.name, CONTAINER_INSIGHTS_DEFAULT.value]]);
  for (const s of spec.settings ?? []) settings.set(s.name, s.value);
  return canonical({
    settings: [...settings].filter(([name, value]) => !(name === CONTAINER_INSIGHTS_DEFAULT.name && value === CONTAINER_INSIGHTS_DEFAULT.value)).sort().map(([name, value]) => ({ name, value })),
    capacityProviders: sorted(spec.capacityProviders),
    defaultCapacityProviderStrategy: sortBy((spec.defaultCapacityProviderStrategy ?? []).map((s) => withoutDefaults(s, STRATEGY_DEFAULTS)), (s) => String(s.capacityProvider)),
    configuration: spec.configuration,
    serviceConnectDefaults: spec.serviceConnectDefaults ? { namespace: lastSegment(spec.serviceConnectDefaults.namespace) } : undefined,
  });
}

/** A described cluster in the spec's vocabulary (the SDK's shape, with every field optional). */
export function liveClusterSpec(cluster: Cluster): ClusterBody {
  return pick(cluster, CLUSTER_FIELDS) as ClusterBody;
}

function clusterHealth(live: LiveCluster | undefined): Health {
  if (!live) return MISSING;
  return live.raw.status === 'ACTIVE' ? HEALTHY : { status: 'Degraded', message: `cluster is ${live.raw.status}` };
}

function plan(resource: Resource<'Cluster'>, ctx: PlanContext): void {
  const name = awsName(resource);
  const key = resourceKey('Cluster', resource.metadata.name);
  const live = ctx.live.clusters.get(name);
  const spec: ClusterBody = specBody(resource);
  const tags = desiredTags(resource, ctx.controllerId);
  const decision = ctx.compare(resource, {
    live: live && { id: live.arn, owner: live.tags[OWNER_TAG], tags: live.tags },
    desired: canonicalCluster(spec),
    liveBody: live && canonicalCluster(liveClusterSpec(live.raw)),
    health: clusterHealth(live),
    tags,
  });
  if (!decision) return;
  if (decision.action !== 'update' || !live) {
    const input = { ...spec, clusterName: name, tags: toTagList(tags) };
    ctx.addStep({ key, action: 'create', description: `create cluster ${name}`, calls: [{ service: 'ecs', operation: 'CreateCluster', input, outputs: { arn: 'cluster.clusterArn' } }] });
    return;
  }
  const calls = [...updateCalls(name, spec, decision), ...ecsTagCalls(live.arn, decision.tagSet, decision.tagRemove)];
  ctx.addStep({ key, action: 'update', description: `update cluster ${name}`, calls });
}

function updateCalls(name: string, spec: ClusterBody, decision: Decision): ApiCall[] {
  const fields = changedFields(decision.changes);
  const calls: ApiCall[] = [];
  if (fields.has('settings') || fields.has('configuration') || fields.has('serviceConnectDefaults')) {
    const settings = spec.settings ?? [];
    // Container Insights left out of git goes back to AWS's default, which must be sent.
    const input: Record<string, unknown> = { cluster: name, settings: settings.some((s) => s.name === CONTAINER_INSIGHTS_DEFAULT.name) ? settings : [...settings, CONTAINER_INSIGHTS_DEFAULT] };
    if (spec.configuration) input.configuration = spec.configuration;
    if (spec.serviceConnectDefaults) input.serviceConnectDefaults = spec.serviceConnectDefaults;
    calls.push({ service: 'ecs', operation: 'UpdateCluster', input });
  }
  if (fields.has('capacityProviders') || fields.has('defaultCapacityProviderStrategy')) {
    const input = { cluster: name, capacityProviders: spec.capacityProviders ?? [], defaultCapacityProviderStrategy: spec.defaultCapacityProviderStrategy ?? [] };
    calls.push({ service: 'ecs', operation: 'PutClusterCapacityProviders', input });
  }
  return calls;
}

export const ClusterKind: KindModule<'Cluster'> = {
  kind: 'Cluster',
  createOnly: [],
  notFoundErrors: ['ClusterNotFoundException'],
  find: (doc, ctx) => ctx.live.clusters.get(awsName(doc)),
  plan,
  owned: (live, controllerId) =>
    [...live.clusters.values()]
      .filter((c) => c.tags[OWNER_TAG] === controllerId && c.raw.status === 'ACTIVE')
      .map((c) => ({
        key: ownerKey(c.tags, 'Cluster', c.name), kind: 'Cluster', awsName: c.name, id: c.arn, protectedByTag: pruneDisabled(c.tags), self: c.name,
        calls: [{ service: 'ecs', operation: 'DeleteCluster', input: { cluster: c.name } }],
      })),
};
