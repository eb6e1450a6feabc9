/**
 * CloudMapService: a Cloud Map service in a namespace. Cloud Map's UpdateService can't be
 * called at all on a service in an HTTP namespace; in a DNS namespace it changes the
 * description, the TTLs of the existing records and (public DNS) the health check. Every
 * other change is a new service (see createOnlyChange) — and a service with registered
 * instances is never replaced: it is stalled, naming the field. (`type` is not compared:
 * Cloud Map derives it from the namespace and dnsConfig, which are compared themselves.)
 */
import type { ServiceSummary } from '@aws-sdk/client-servicediscovery';
import type { Resource } from '../../api/kinds.js';
import { resourceKey, specOf } from '../../api/kinds.js';
import type { CloudMapNamespaceSpec, CloudMapServiceSpec } from '../../api/specs.js';
import type { FieldChange } from '../diff.js';
import { awsName, desiredTags, specBody } from '../desired.js';
import { HEALTHY, MISSING } from '../health.js';
import type { LiveCloudMapService } from '../live.js';
import { camelKeys, canonical, pascalKeys, sortBy, type Canonical } from '../normalize.js';
import type { ApiCall, Ref } from '../plan.js';
import { APPLICATION_TAG, OWNER_TAG, OWNERSHIP_TAGS, toCloudMapTags } from '../tags.js';
import { changedFields, cloudMapTagCalls, idempotencyToken, ownerKey, pruneDisabled } from './calls.js';
import type { Decision, KindModule, PlanContext } from './types.js';

export type CloudMapServiceBody = Omit<CloudMapServiceSpec, 'name' | 'namespace' | 'tags'>;

/** What Cloud Map fills in: MULTIVALUE routing, a failure threshold of 1. */
const DEFAULTS = { routingPolicy: 'MULTIVALUE', failureThreshold: 1 } as const;

export function canonicalCloudMapService(spec: CloudMapServiceBody): Canonical {
  const dns = spec.dnsConfig;
  return canonical({
    description: spec.description || undefined,
    dnsConfig: dns ? { routingPolicy: dns.routingPolicy ?? DEFAULTS.routingPolicy, dnsRecords: sortBy(dns.dnsRecords, (r) => r.type) } : undefined,
    healthCheckConfig: spec.healthCheckConfig ? { failureThreshold: DEFAULTS.failureThreshold, ...spec.healthCheckConfig } : undefined,
    // Cloud Map ignores the deprecated failureThreshold and always uses 1; only presence counts.
    healthCheckCustomConfig: spec.healthCheckCustomConfig ? { enabled: true } : undefined,
  });
}

/** A listed Cloud Map service in the spec's vocabulary (camelCase, every field optional). */
export function liveCloudMapServiceSpec(service: ServiceSummary): CloudMapServiceBody {
  return camelKeys({
    Description: service.Description,
    DnsConfig: service.DnsConfig ? { RoutingPolicy: service.DnsConfig.RoutingPolicy, DnsRecords: service.DnsConfig.DnsRecords } : undefined,
    HealthCheckConfig: service.HealthCheckConfig,
    HealthCheckCustomConfig: service.HealthCheckCustomConfig,
  }) as CloudMapServiceBody;
}

/** Fields that never change in place, whatever the namespace. */
const CREATE_ONLY = ['healthCheckCustomConfig', 'dnsConfig.routingPolicy'] as const;
/** What UpdateService can change, by namespace type (its API reference; nothing in an HTTP namespace). */
const UPDATABLE: Record<CloudMapNamespaceSpec['type'], RegExp[]> = {
  HTTP: [],
  DNS_PRIVATE: [/^spec\.description$/, /^spec\.dnsConfig\.dnsRecords\[\d+\]\.ttl$/],
  DNS_PUBLIC: [/^spec\.description$/, /^spec\.dnsConfig\.dnsRecords\[\d+\]\.ttl$/, /^spec\.healthCheckConfig(\.|$)/],
};

/** The first change UpdateService cannot make to a service in this type of namespace. */
function createOnlyChange(namespaceType: CloudMapNamespaceSpec['type']) {
  return (changes: FieldChange[]): string | undefined =>
    changes.find((c) => CREATE_ONLY.some((f) => c.path === `spec.${f}` || c.path.startsWith(`spec.${f}.`)) || !UPDATABLE[namespaceType].some((re) => re.test(c.path)))?.path;
}

function find(doc: Resource<'CloudMapService'>, ctx: PlanContext): LiveCloudMapService | undefined {
  const namespace = ctx.doc('CloudMapNamespace', specOf(doc).namespace);
  const liveNamespace = namespace && ctx.find(namespace);
  return liveNamespace && ctx.live.cloudMapServices.get(`${liveNamespace.id}/${awsName(doc)}`);
}

function plan(resource: Resource<'CloudMapService'>, ctx: PlanContext): void {
  const name = awsName(resource);
  const key = resourceKey('CloudMapService', resource.metadata.name);
  const namespaceDoc = ctx.resolve('CloudMapNamespace', specOf(resource).namespace);
  const namespaceKey = resourceKey('CloudMapNamespace', namespaceDoc.metadata.name);
  const liveNamespace = ctx.find(namespaceDoc);
  const live = find(resource, ctx);
  const spec = specBody(resource, 'namespace');
  const tags = desiredTags(resource, ctx);
  const instances = live?.raw.InstanceCount ?? 0;
  const decision = ctx.compare(resource, {
    live: live && { id: live.arn, owner: live.tags[OWNER_TAG], tags: live.tags },
    desired: canonicalCloudMapService(spec),
    liveBody: live && canonicalCloudMapService(liveCloudMapServiceSpec(live.raw)),
    health: live ? HEALTHY : MISSING,
    tags,
    tagCalls: live && ((set, remove) => cloudMapTagCalls(live.arn, set, remove)),
    createOnlyChange: createOnlyChange(specOf(namespaceDoc).type),
    ...(instances > 0 ? { neverReplace: `it has ${instances} registered instance${instances === 1 ? '' : 's'}` } : {}),
  });
  if (!decision) return;
  if (decision.action === 'update' && live) {
    ctx.addStep({ key, action: 'update', description: `update Cloud Map service ${name}`, calls: updateCalls(spec, live, decision) });
    return;
  }
  const body = pascalKeys(spec) as Record<string, unknown>;
  if (body.HealthCheckCustomConfig) body.HealthCheckCustomConfig = {};
  const input = {
    ...body,
    Name: name,
    NamespaceId: liveNamespace?.id ?? ({ $ref: namespaceKey, attr: 'id' } satisfies Ref),
    CreatorRequestId: idempotencyToken(key, ctx.controllerId, canonicalCloudMapService(spec)),
    Tags: toCloudMapTags(tags),
  };
  const calls: ApiCall[] = [];
  if (decision.action === 'replace' && live) calls.push({ service: 'servicediscovery', operation: 'DeleteService', input: { Id: live.id } });
  calls.push({ service: 'servicediscovery', operation: 'CreateService', input, outputs: { id: 'Service.Id', arn: 'Service.Arn' } });
  ctx.addStep({ key, action: decision.action, description: `${decision.action} Cloud Map service ${name}`, calls, dependsOn: ctx.after(namespaceKey) });
}

function updateCalls(spec: CloudMapServiceBody, live: LiveCloudMapService, decision: Decision): ApiCall[] {
  const calls: ApiCall[] = [];
  if (changedFields(decision.changes).size > 0) {
    const update: Record<string, unknown> = { Description: spec.description ?? '' };
    if (spec.dnsConfig) update.DnsConfig = { DnsRecords: pascalKeys(spec.dnsConfig.dnsRecords) };
    // Omitted, Cloud Map deletes it; only public DNS namespaces take one (see UPDATABLE).
    if (spec.healthCheckConfig) update.HealthCheckConfig = pascalKeys(spec.healthCheckConfig);
    calls.push({ service: 'servicediscovery', operation: 'UpdateService', input: { Id: live.id, Service: update } });
  }
  return [...calls, ...cloudMapTagCalls(live.arn, decision.tagSet, decision.tagRemove)];
}

export const CloudMapServiceKind: KindModule<'CloudMapService'> = {
  kind: 'CloudMapService',
  createOnly: CREATE_ONLY,
  controllerTags: () => OWNERSHIP_TAGS,
  notFoundErrors: ['ServiceNotFound'],
  find,
  plan,
  owned: (live, controllerId) =>
    [...live.cloudMapServices.values()]
      .filter((s) => s.tags[OWNER_TAG] === controllerId)
      .map((s) => ({
        key: ownerKey(s.tags, 'CloudMapService', s.name), kind: 'CloudMapService', awsName: s.name, id: s.arn, protectedByTag: pruneDisabled(s.tags), application: s.tags[APPLICATION_TAG],
        calls: [{ service: 'servicediscovery', operation: 'DeleteService', input: { Id: s.id } }],
        view: () => ({ live: canonicalCloudMapService(liveCloudMapServiceSpec(s.raw)) }),
      })),
  uses: (live) => [...live.cloudMapServices.values()].map((s) => ({ id: s.arn, name: `Cloud Map service ${s.name}`, uses: [s.namespaceId] })),
};
