/**
 * CloudMapNamespace: an HTTP, private DNS or public DNS namespace. Its type, name and a
 * private namespace's VPC are create-only; the description and a DNS namespace's SOA TTL
 * change through Update*Namespace. Cloud Map answers creates and updates with an
 * operation the executor waits for. GetNamespace and ListNamespaces do not say which VPC
 * a private namespace is in, so the controller records it in a tag when it creates one;
 * a namespace without that tag (adopted) is taken to be in the VPC its document names.
 */
import type { NamespaceSummary } from '@aws-sdk/client-servicediscovery';
import type { Resource } from '../../api/kinds.js';
import { resourceKey, specOf } from '../../api/kinds.js';
import type { CloudMapNamespaceSpec } from '../../api/specs.js';
import { awsName, desiredTags, specBody } from '../desired.js';
import { HEALTHY, MISSING } from '../health.js';
import type { LiveNamespace } from '../live.js';
import { camelKeys, canonical, pascalKeys, type Canonical } from '../normalize.js';
import type { ApiCall } from '../plan.js';
import { APPLICATION_TAG, OWNER_TAG, OWNERSHIP_TAGS, VPC_TAG, toCloudMapTags } from '../tags.js';
import { changedFields, cloudMapTagCalls, idempotencyToken, ownerKey, pruneDisabled } from './calls.js';
import type { Decision, KindModule, PlanContext } from './types.js';

export type NamespaceBody = Omit<CloudMapNamespaceSpec, 'name' | 'tags'>;

/** The word Cloud Map's operation names use for each type: `Create${word}Namespace`. */
const OPERATION_WORD: Record<CloudMapNamespaceSpec['type'], string> = { HTTP: 'Http', DNS_PRIVATE: 'PrivateDns', DNS_PUBLIC: 'PublicDns' };

export function canonicalNamespace(spec: Partial<NamespaceBody>): Canonical {
  const ttl = spec.properties?.dnsProperties?.soa?.ttl;
  return canonical({
    type: spec.type,
    vpc: spec.type === 'DNS_PRIVATE' ? spec.vpc : undefined,
    description: spec.description || undefined,
    properties: ttl === undefined ? undefined : { dnsProperties: { soa: { ttl } } },
  });
}

/** A listed namespace in the spec's vocabulary (camelCase, every field optional). */
export function liveNamespaceSpec(namespace: NamespaceSummary): Partial<NamespaceBody> {
  return camelKeys({ Type: namespace.Type, Description: namespace.Description, Properties: namespace.Properties }) as Partial<NamespaceBody>;
}

/** The VPC of a private DNS namespace, recorded in a tag at create. */
const privateVpc = (spec: Pick<CloudMapNamespaceSpec, 'type' | 'vpc'>): string | undefined => (spec.type === 'DNS_PRIVATE' ? spec.vpc : undefined);

function plan(resource: Resource<'CloudMapNamespace'>, ctx: PlanContext): void {
  const name = awsName(resource);
  const live = ctx.live.namespaces.get(name);
  const spec = specBody(resource);
  const tags = desiredTags(resource, ctx);
  // The SOA TTL has a default Cloud Map picks; compare it only when the document sets one.
  const liveBody = live && canonicalNamespace({ ...liveNamespaceSpec(live.raw), vpc: live.tags[VPC_TAG] ?? spec.vpc });
  if (liveBody && spec.properties === undefined) delete liveBody.properties;
  const decision = ctx.compare(resource, {
    live: live && { id: live.id, owner: live.tags[OWNER_TAG], tags: live.tags },
    desired: canonicalNamespace(spec),
    liveBody,
    health: live ? HEALTHY : MISSING,
    tags,
    tagCalls: live && ((set, remove) => cloudMapTagCalls(live.arn, set, remove)),
  });
  if (!decision) return;
  const key = resourceKey('CloudMapNamespace', resource.metadata.name);
  if (decision.action === 'update' && live) {
    ctx.addStep({ key, action: 'update', description: `update namespace ${name}`, calls: updateCalls(resource, live, decision) });
    return;
  }
  const vpc = privateVpc(spec);
  const input: Record<string, unknown> = {
    Name: name,
    CreatorRequestId: idempotencyToken(key, ctx.controllerId, canonicalNamespace(spec)),
    Description: spec.description,
    Tags: toCloudMapTags(vpc ? { ...tags, [VPC_TAG]: vpc } : tags),
  };
  if (spec.type === 'DNS_PRIVATE') input.Vpc = spec.vpc;
  if (spec.type !== 'HTTP' && spec.properties) input.Properties = pascalKeys(spec.properties);
  const calls: ApiCall[] = [];
  if (decision.action === 'replace' && live) calls.push({ service: 'servicediscovery', operation: 'DeleteNamespace', input: { Id: live.id } });
  calls.push({ service: 'servicediscovery', operation: `Create${OPERATION_WORD[spec.type]}Namespace`, input, outputs: { id: 'operation.Targets.NAMESPACE' } });
  ctx.addStep({ key, action: decision.action, description: `${decision.action} ${spec.type} namespace ${name}`, calls });
}

function updateCalls(resource: Resource<'CloudMapNamespace'>, live: LiveNamespace, decision: Decision): ApiCall[] {
  const spec = specBody(resource);
  const calls: ApiCall[] = [];
  if (changedFields(decision.changes).size > 0) {
    const update: Record<string, unknown> = { Description: spec.description ?? '' };
    const ttl = spec.properties?.dnsProperties.soa.ttl;
    if (spec.type !== 'HTTP' && ttl !== undefined) update.Properties = { DnsProperties: { SOA: { TTL: ttl } } };
    const key = resourceKey('CloudMapNamespace', resource.metadata.name);
    calls.push({ service: 'servicediscovery', operation: `Update${OPERATION_WORD[spec.type]}Namespace`, input: { Id: live.id, UpdaterRequestId: idempotencyToken(key, 'update', update), Namespace: update } });
  }
  return [...calls, ...cloudMapTagCalls(live.arn, decision.tagSet, decision.tagRemove)];
}

export const CloudMapNamespaceKind: KindModule<'CloudMapNamespace'> = {
  kind: 'CloudMapNamespace',
  createOnly: ['type', 'vpc'],
  controllerTags: (resource) => (privateVpc(specOf(resource)) ? [...OWNERSHIP_TAGS, VPC_TAG] : OWNERSHIP_TAGS),
  notFoundErrors: ['NamespaceNotFound'],
  find: (doc, ctx) => ctx.live.namespaces.get(awsName(doc)),
  plan,
  owned: (live, controllerId) =>
    [...live.namespaces.values()]
      .filter((n) => n.tags[OWNER_TAG] === controllerId)
      .map((n) => ({
        key: ownerKey(n.tags, 'CloudMapNamespace', n.name), kind: 'CloudMapNamespace', awsName: n.name, id: n.id, protectedByTag: pruneDisabled(n.tags), application: n.tags[APPLICATION_TAG],
        calls: [{ service: 'servicediscovery', operation: 'DeleteNamespace', input: { Id: n.id } }],
        view: () => ({ live: canonicalNamespace({ ...liveNamespaceSpec(n.raw), vpc: n.tags[VPC_TAG] }) }),
      })),
  uses: () => [],
};
