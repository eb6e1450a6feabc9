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
import { lastSegment, type LiveCluster, type LiveState } from '../live.js';
import { canonical, pick, sortBy, sorted, withoutDefaults, type Canonical } from '../normalize.js';
import type { ApiCall } from '../plan.js';
import { APPLICATION_TAG, OWNER_TAG, OWNERSHIP_TAGS, toTagList } from '../tags.js';
import { changedFields, ecsTagCalls, ownerKey, pruneDisabled } from './calls.js';
import type { Decision, KindModule, PlanContext } from './types.js';

/** The spec without identity (name) and ownership (tags): what CreateCluster's body holds. */
export type ClusterBody = Omit<ClusterSpec, 'clusterName' | 'tags'>;

const CLUSTER_FIELDS = ['settings', 'capacityProviders', 'defaultCapacityProviderStrategy', 'configuration', 'serviceConnectDefaults'] as const;

/**
 * Container Insights left out of git follows the account setting (which only AWS knows),
 * so it is compared only when the document sets it and never turned off unasked.
 */
const CONTAINER_INSIGHTS = 'containerInsights';
const STRATEGY_DEFAULTS = { weight: 0, base: 0 };

/**
 * `namespaces` maps a Cloud Map namespace ARN to its name: AWS answers
 * `serviceConnectDefaults.namespace` with the ARN even when a name was sent.
 */
export function canonicalCluster(spec: ClusterBody, namespaces: ReadonlyMap<string, string> = new Map()): Canonical {
  const namespace = spec.serviceConnectDefaults?.namespace;
  return canonical({
    settings: sortBy(spec.settings, (s) => s.name),
    capacityProviders: sorted(spec.capacityProviders),
    defaultCapacityProviderStrategy: sortBy((spec.defaultCapacityProviderStrategy ?? []).map((s) => withoutDefaults(s, STRATEGY_DEFAULTS)), (s) => String(s.capacityProvider)),
    configuration: spec.configuration,
    serviceConnectDefaults: namespace ? { namespace: namespaces.get(namespace) ?? lastSegment(namespace) } : undefined,
  });
}

/** The live settings compared: those the document sets (see CONTAINER_INSIGHTS). */
export function comparableLive(desired: ClusterBody, live: ClusterBody): ClusterBody {
  const named = new Set((desired.settings ?? []).map((s) => s.name));
  return { ...live, settings: (live.settings ?? []).filter((s) => named.has(s.name) || s.name !== CONTAINER_INSIGHTS) };
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
  const tags = desiredTags(resource, ctx);
  const namespaces = namespaceNames(ctx);
  const decision = ctx.compare(resource, {
    live: live && { id: live.arn, owner: live.tags[OWNER_TAG], tags: live.tags },
    desired: canonicalCluster(spec, namespaces),
    liveBody: live && canonicalCluster(comparableLive(spec, liveClusterSpec(live.raw)), namespaces),
    health: clusterHealth(live),
    tags,
    tagCalls: live && ((set, remove) => ecsTagCalls(live.arn, set, remove)),
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

/** Namespace ARN → name, from the namespaces read (those documents name) and what the cluster reader resolved. */
export function namespaceNames(ctx: PlanContext): Map<string, string> {
  return ctx.memo('namespaceNames', () => liveNamespaceNames(ctx.live));
}

export function liveNamespaceNames(live: LiveState): Map<string, string> {
  return new Map([...live.namespaceNames, ...[...live.namespaces.values()].map((n) => [n.arn, n.name] as const)]);
}

function updateCalls(name: string, spec: ClusterBody, decision: Decision): ApiCall[] {
  const fields = changedFields(decision.changes);
  const calls: ApiCall[] = [];
  if (fields.has('settings') || fields.has('configuration') || fields.has('serviceConnectDefaults')) {
    const input: Record<string, unknown> = { cluster: name };
    if (spec.settings) input.settings = spec.settings;
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
  controllerTags: () => OWNERSHIP_TAGS,
  notFoundErrors: ['ClusterNotFoundException'],
  find: (doc, ctx) => ctx.live.clusters.get(awsName(doc)),
  plan,
  owned: (live, controllerId) =>
    [...live.clusters.values()]
      .filter((c) => c.tags[OWNER_TAG] === controllerId && c.raw.status === 'ACTIVE')
      .map((c) => ({
        key: ownerKey(c.tags, 'Cluster', c.name), kind: 'Cluster', awsName: c.name, id: c.arn, protectedByTag: pruneDisabled(c.tags), application: c.tags[APPLICATION_TAG],
        calls: [{ service: 'ecs', operation: 'DeleteCluster', input: { cluster: c.name } }],
        view: () => ({ live: canonicalCluster(liveClusterSpec(c.raw), liveNamespaceNames(live)) }),
      })),
  uses: () => [],
};
