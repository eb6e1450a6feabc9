// Cloud Map (service discovery) operations. Namespace creation and deletion, service
// updates and instance (de)registration are asynchronous operations that advance
// SUBMITTED → PENDING → SUCCESS on the clock; their effect is applied at SUCCESS.
import { createHash } from 'node:crypto';
import type {
  CreateHttpNamespaceRequest, CreatePrivateDnsNamespaceRequest, CreatePublicDnsNamespaceRequest,
  CreateServiceRequest, DeleteNamespaceRequest, DeleteServiceRequest, DeregisterInstanceRequest,
  DiscoverInstancesRequest, GetInstanceRequest, GetInstancesHealthStatusRequest, GetNamespaceRequest,
  GetOperationRequest, GetServiceRequest, ListInstancesRequest, ListNamespacesRequest, ListOperationsRequest,
  ListServicesRequest, ListTagsForResourceRequest, RegisterInstanceRequest, TagResourceRequest,
  UntagResourceRequest, UpdateHttpNamespaceRequest, UpdatePrivateDnsNamespaceRequest, UpdatePublicDnsNamespaceRequest,
  UpdateServiceRequest,
} from '@aws-sdk/client-servicediscovery';
import type { SimContext } from './context.js';
import { AwsError, invalidInput, resourceNotFound } from './errors.js';
import { cloudMapServiceId, hostedZoneId, namespaceId, operationId } from './ids.js';
import { paginate } from './paginate.js';
import type {
  CloudMapServiceState, CloudMapTag, InstanceState, NamespaceState, OperationEffect, OperationState,
} from './state.js';
import { clone, wireTime } from './state.js';

type Json = Record<string, unknown>;
type Handler = (ctx: SimContext, input: object) => unknown;

const pad = (n: number): string => String(n).padStart(12, '0');
/** Cloud Map's default quota of instances per service. */
const MAX_INSTANCES = 1000;
const namespaceNotFound = (): AwsError => new AwsError('NamespaceNotFound', 'No namespace exists with the specified ID.');
const serviceNotFound = (): AwsError => new AwsError('ServiceNotFound', 'No service exists with the specified ID.');
const instanceNotFound = (): AwsError => new AwsError('InstanceNotFound', 'No instance exists with the specified ID.');

function requireString(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw invalidInput(`${name} is required.`);
  return v;
}

function validateTags(tags: unknown): CloudMapTag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw invalidInput('Tags must be a list.');
  if (tags.length > 50) throw new AwsError('TooManyTagsException', 'Too many tags.');
  return tags.map((t: { Key?: unknown; Value?: unknown }) => {
    if (typeof t?.Key !== 'string' || t.Key === '') throw invalidInput('Tag keys must be non-empty strings.');
    return { Key: t.Key, Value: typeof t.Value === 'string' ? t.Value : '' };
  });
}

function pageOpts(input: { MaxResults?: number; NextToken?: string }): { maxResults?: number; nextToken?: string } {
  const out: { maxResults?: number; nextToken?: string } = {};
  if (input.MaxResults !== undefined && input.MaxResults !== null) out.maxResults = input.MaxResults;
  if (input.NextToken !== undefined && input.NextToken !== null) out.nextToken = input.NextToken;
  return out;
}

function withToken(body: Json, token: string | undefined): Json {
  if (token) body.NextToken = token;
  return body;
}

// ---------- operations ----------

function submit(ctx: SimContext, type: OperationState['type'], targets: Record<string, string>, effect: OperationEffect, creatorRequestId?: string): string {
  const now = ctx.clock.now();
  const op: OperationState = {
    seq: ctx.nextSeq(),
    id: operationId(),
    type,
    status: 'SUBMITTED',
    createDate: now,
    updateDate: now,
    targets,
    effect,
    dueAt: now + ctx.timings.cloudMapStepMs,
  };
  if (creatorRequestId) op.creatorRequestId = creatorRequestId;
  ctx.state.operations.push(op);
  return op.id;
}

function failOperation(op: OperationState, code: string, message: string): void {
  op.status = 'FAIL';
  op.errorCode = code;
  op.errorMessage = message;
}

function applyEffect(ctx: SimContext, op: OperationState): void {
  const e = op.effect;
  const state = ctx.state;
  switch (e.kind) {
    case 'createNamespace':
      ctx.written(`namespace:${e.namespace.id}`, undefined);
      state.namespaces.push(clone(e.namespace));
      break;
    case 'deleteNamespace': {
      if (state.cloudMapServices.some((s) => s.namespaceId === e.namespaceId)) {
        return failOperation(op, 'RESOURCE_IN_USE', 'The namespace contains services.');
      }
      const ns = state.namespaces.find((n) => n.id === e.namespaceId);
      ctx.written(`namespace:${e.namespaceId}`, clone(ns));
      state.namespaces = state.namespaces.filter((n) => n.id !== e.namespaceId);
      break;
    }
    case 'updateNamespace': {
      const ns = state.namespaces.find((n) => n.id === e.namespaceId);
      if (!ns) {
        return failOperation(op, 'NAMESPACE_NOT_FOUND', 'The namespace no longer exists.');
      }
      ctx.written(`namespace:${ns.id}`, clone(ns));
      if (e.description !== undefined) ns.description = e.description;
      if (e.soaTtl !== undefined) {
        const dns = (ns.properties.DnsProperties ?? {}) as Json;
        ns.properties.DnsProperties = { ...dns, SOA: { ...(dns.SOA as Json | undefined), TTL: e.soaTtl } };
      }
      break;
    }
    case 'updateService': {
      const svc = state.cloudMapServices.find((s) => s.id === e.serviceId);
      if (!svc) {
        return failOperation(op, 'SERVICE_NOT_FOUND', 'The service no longer exists.');
      }
      ctx.written(`cmservice:${svc.id}`, clone(svc));
      const c = e.changes as { Description?: string; DnsConfig?: { DnsRecords?: unknown }; HealthCheckConfig?: unknown };
      if (c.Description !== undefined) svc.description = c.Description;
      // What the request leaves out is deleted (DNS namespaces).
      if (svc.dnsConfig) svc.dnsConfig.DnsRecords = clone(c.DnsConfig?.DnsRecords ?? []);
      if (c.HealthCheckConfig !== undefined) svc.healthCheckConfig = clone(c.HealthCheckConfig);
      else delete svc.healthCheckConfig;
      break;
    }
    case 'registerInstance': {
      const svc = state.cloudMapServices.find((s) => s.id === e.serviceId);
      if (!svc) {
        return failOperation(op, 'SERVICE_NOT_FOUND', 'The service no longer exists.');
      }
      putInstance(svc, clone(e.instance));
      break;
    }
    case 'deregisterInstance': {
      const svc = state.cloudMapServices.find((s) => s.id === e.serviceId);
      if (svc) removeInstance(svc, e.instanceId);
      break;
    }
  }
  op.status = 'SUCCESS';
}

function putInstance(svc: CloudMapServiceState, instance: InstanceState): void {
  const idx = svc.instances.findIndex((i) => i.id === instance.id);
  if (idx >= 0) svc.instances[idx] = { ...instance, seq: svc.instances[idx].seq };
  else svc.instances.push(instance);
  svc.revision++;
}

function removeInstance(svc: CloudMapServiceState, id: string): void {
  const before = svc.instances.length;
  svc.instances = svc.instances.filter((i) => i.id !== id);
  if (svc.instances.length !== before) svc.revision++;
}

/** Advances every Cloud Map operation whose step is due. */
export function processCloudMapDue(ctx: SimContext): void {
  const now = ctx.clock.now();
  for (const op of ctx.state.operations) {
    if (op.dueAt === undefined || op.dueAt > now) continue;
    op.updateDate = op.dueAt;
    if (op.status === 'SUBMITTED') {
      op.status = 'PENDING';
      op.dueAt = op.dueAt + ctx.timings.cloudMapStepMs;
      if (op.dueAt <= now) {
        op.updateDate = op.dueAt;
        delete op.dueAt;
        applyEffect(ctx, op);
      }
    } else {
      delete op.dueAt;
      applyEffect(ctx, op);
    }
  }
}

export function nextCloudMapDue(ctx: SimContext): number | undefined {
  let next: number | undefined;
  for (const op of ctx.state.operations) if (op.dueAt !== undefined && (next === undefined || op.dueAt < next)) next = op.dueAt;
  return next;
}

function operationOut(op: OperationState): Json {
  const out: Json = {
    Id: op.id,
    Type: op.type,
    Status: op.status,
    CreateDate: wireTime(op.createDate),
    UpdateDate: wireTime(op.updateDate),
    Targets: { ...op.targets },
  };
  if (op.errorCode) out.ErrorCode = op.errorCode;
  if (op.errorMessage) out.ErrorMessage = op.errorMessage;
  return out;
}

const getOperation: Handler = (ctx, raw) => {
  const input = raw as GetOperationRequest;
  const id = requireString(input.OperationId, 'OperationId');
  const op = ctx.state.operations.find((o) => o.id === id);
  if (!op) throw new AwsError('OperationNotFound', 'No operation exists with the specified ID.');
  return { Operation: operationOut(op) };
};

function matches(value: string | undefined, filter: { Values?: string[]; Condition?: string }): boolean {
  const values = filter.Values ?? [];
  if (values.length === 0) throw invalidInput('Filter values are required.');
  const cond = filter.Condition ?? 'EQ';
  if (value === undefined) return false;
  if (cond === 'EQ') {
    if (values.length !== 1) throw invalidInput('The EQ condition takes exactly one value.');
    return value === values[0];
  }
  if (cond === 'IN') return values.includes(value);
  if (cond === 'BEGINS_WITH') return values.some((v) => value.startsWith(v));
  throw invalidInput(`Unsupported filter condition ${cond}.`);
}

const listOperations: Handler = (ctx, raw) => {
  const input = raw as ListOperationsRequest;
  const filters = input.Filters ?? [];
  const fields: Record<string, (op: OperationState) => string | undefined> = {
    NAMESPACE_ID: (op) => op.targets.NAMESPACE,
    SERVICE_ID: (op) => op.targets.SERVICE,
    STATUS: (op) => op.status,
    TYPE: (op) => op.type,
  };
  for (const f of filters) {
    if (!f.Name || !fields[f.Name]) throw invalidInput(`Unsupported filter ${f.Name ?? ''}.`);
    matches('', f); // validates the condition and values even when nothing is listed
  }
  const all = ctx.state.operations.filter((op) => filters.every((f) => matches(fields[f.Name as string](op), f)));
  const page = paginate(all, (op) => pad(op.seq), { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidInput });
  return withToken({ Operations: page.items.map((op) => ({ Id: op.id, Status: op.status })) }, page.nextToken);
};

// ---------- namespaces ----------

function namespaceOut(ctx: SimContext, ns: NamespaceState): Json {
  const out: Json = {
    Id: ns.id,
    Arn: ns.arn,
    Name: ns.name,
    ResourceOwner: ctx.accountId,
    Type: ns.type,
    ServiceCount: ctx.state.cloudMapServices.filter((s) => s.namespaceId === ns.id).length,
    Properties: clone(ns.properties),
    CreateDate: wireTime(ns.createDate),
  };
  if (ns.description !== undefined) out.Description = ns.description;
  if (ns.creatorRequestId !== undefined) out.CreatorRequestId = ns.creatorRequestId;
  return out;
}

function createNamespace(
  ctx: SimContext,
  type: NamespaceState['type'],
  input: { Name?: string; CreatorRequestId?: string; Description?: string; Tags?: unknown; Vpc?: string; Properties?: { DnsProperties?: { SOA?: { TTL?: number } } } },
): Json {
  const name = requireString(input.Name, 'Name');
  if (type !== 'HTTP' && !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(name.replace(/\.$/, ''))) throw invalidInput('Namespace name is not a valid DNS name.');
  if (type === 'DNS_PRIVATE') requireString(input.Vpc, 'Vpc');
  if (input.CreatorRequestId) {
    const same = ctx.state.operations.find((o) => o.type === 'CREATE_NAMESPACE' && o.creatorRequestId === input.CreatorRequestId);
    if (same) return { OperationId: same.id };
  }
  const existing = ctx.state.namespaces.find((n) => n.name === name);
  if (existing) {
    throw new AwsError('NamespaceAlreadyExists', `Namespace ${name} already exists.`, {
      extra: { NamespaceId: existing.id, ...(existing.creatorRequestId ? { CreatorRequestId: existing.creatorRequestId } : {}) },
    });
  }
  const inFlight = ctx.state.operations.find((o) => o.effect.kind === 'createNamespace' && o.effect.namespace.name === name && o.status !== 'SUCCESS' && o.status !== 'FAIL');
  if (inFlight) {
    throw new AwsError('DuplicateRequest', `A request to create namespace ${name} is already in progress.`, { extra: { DuplicateOperationId: inFlight.id } });
  }
  const id = namespaceId();
  const properties: Json = { DnsProperties: {}, HttpProperties: { HttpName: name } };
  // Cloud Map's default negative-caching TTL is 15 s unless the request sets one.
  const ttl = type === 'HTTP' ? undefined : input.Properties?.DnsProperties?.SOA?.TTL;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647)) throw invalidInput('Properties.DnsProperties.SOA.TTL must be an integer from 0 to 2147483647.');
  if (type !== 'HTTP') properties.DnsProperties = { HostedZoneId: hostedZoneId(), SOA: { TTL: ttl ?? 15 } };
  const ns: NamespaceState = {
    seq: ctx.nextSeq(),
    id,
    arn: ctx.arns.namespace(id),
    name,
    type,
    properties,
    createDate: ctx.clock.now(),
    tags: validateTags(input.Tags),
  };
  if (input.Description !== undefined) ns.description = input.Description;
  if (input.CreatorRequestId) ns.creatorRequestId = input.CreatorRequestId;
  return { OperationId: submit(ctx, 'CREATE_NAMESPACE', { NAMESPACE: id }, { kind: 'createNamespace', namespace: ns }, input.CreatorRequestId) };
}

const createHttpNamespace: Handler = (ctx, raw) => createNamespace(ctx, 'HTTP', raw as CreateHttpNamespaceRequest);
const createPrivateDnsNamespace: Handler = (ctx, raw) => createNamespace(ctx, 'DNS_PRIVATE', raw as CreatePrivateDnsNamespaceRequest);
const createPublicDnsNamespace: Handler = (ctx, raw) => createNamespace(ctx, 'DNS_PUBLIC', raw as CreatePublicDnsNamespaceRequest);

/** Ids may be given as ARNs (shared namespaces); the id is the ARN's last segment. */
const idOf = (ref: string): string => (ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref);

function findNamespace(ctx: SimContext, id: unknown): NamespaceState {
  const nsId = idOf(requireString(id, 'Id'));
  const ns = ctx.visible(`namespace:${nsId}`, ctx.state.namespaces.find((n) => n.id === nsId));
  if (!ns) throw namespaceNotFound();
  return ns;
}

const getNamespace: Handler = (ctx, raw) => ({ Namespace: namespaceOut(ctx, findNamespace(ctx, (raw as GetNamespaceRequest).Id)) });

const listNamespaces: Handler = (ctx, raw) => {
  const input = raw as ListNamespacesRequest;
  const filters = input.Filters ?? [];
  const fields: Record<string, (ns: NamespaceState) => string | undefined> = {
    TYPE: (ns) => ns.type,
    NAME: (ns) => ns.name,
    HTTP_NAME: (ns) => (ns.properties.HttpProperties as { HttpName?: string } | undefined)?.HttpName,
  };
  for (const f of filters) {
    if (!f.Name || !fields[f.Name]) throw invalidInput(`Unsupported filter ${f.Name ?? ''}.`);
    matches('', f); // validates the condition and values even when nothing is listed
  }
  const all = ctx.state.namespaces.filter((ns) => filters.every((f) => matches(fields[f.Name as string](ns), f)));
  const page = paginate(all, (ns) => pad(ns.seq), { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidInput });
  return withToken({ Namespaces: page.items.map((ns) => namespaceOut(ctx, ns)) }, page.nextToken);
};

const deleteNamespace: Handler = (ctx, raw) => {
  const ns = findNamespace(ctx, (raw as DeleteNamespaceRequest).Id);
  if (ctx.state.cloudMapServices.some((s) => s.namespaceId === ns.id)) {
    throw new AwsError('ResourceInUse', 'The namespace contains services and cannot be deleted.');
  }
  return { OperationId: submit(ctx, 'DELETE_NAMESPACE', { NAMESPACE: ns.id }, { kind: 'deleteNamespace', namespaceId: ns.id }) };
};

/**
 * UpdateHttpNamespace / UpdatePrivateDnsNamespace / UpdatePublicDnsNamespace: an operation
 * whose effect (description, SOA TTL) is applied at SUCCESS. A repeated `UpdaterRequestId`
 * returns the first operation.
 */
function updateNamespace(
  ctx: SimContext,
  type: NamespaceState['type'],
  input: { Id?: string; UpdaterRequestId?: string; Namespace?: { Description?: string; Properties?: { DnsProperties?: { SOA?: { TTL?: number } } } } },
): Json {
  const ns = findNamespace(ctx, input.Id);
  if (input.UpdaterRequestId) {
    const same = ctx.state.operations.find((o) => o.type === 'UPDATE_NAMESPACE' && o.creatorRequestId === input.UpdaterRequestId && o.targets.NAMESPACE === ns.id);
    if (same) return { OperationId: same.id };
  }
  const change = input.Namespace;
  if (!change || typeof change !== 'object') throw invalidInput('Namespace is required.');
  if (ns.type !== type) throw invalidInput(`Namespace ${ns.id} is a ${ns.type} namespace, not ${type}.`);
  if (type === 'HTTP' && typeof change.Description !== 'string') throw invalidInput('Namespace.Description is required.');
  if (change.Description !== undefined && typeof change.Description !== 'string') throw invalidInput('Namespace.Description must be a string.');
  const ttl = type === 'HTTP' ? undefined : change.Properties?.DnsProperties?.SOA?.TTL;
  if (change.Properties !== undefined) {
    if (type === 'HTTP') throw invalidInput('Properties cannot be changed for an HTTP namespace.');
    if (!Number.isInteger(ttl) || (ttl as number) < 0 || (ttl as number) > 2147483647) throw invalidInput('Namespace.Properties.DnsProperties.SOA.TTL must be an integer from 0 to 2147483647.');
  }
  const effect: OperationEffect = { kind: 'updateNamespace', namespaceId: ns.id };
  if (change.Description !== undefined) effect.description = change.Description;
  if (ttl !== undefined) effect.soaTtl = ttl;
  return { OperationId: submit(ctx, 'UPDATE_NAMESPACE', { NAMESPACE: ns.id }, effect, input.UpdaterRequestId) };
}

const updateHttpNamespace: Handler = (ctx, raw) => updateNamespace(ctx, 'HTTP', raw as UpdateHttpNamespaceRequest);
const updatePrivateDnsNamespace: Handler = (ctx, raw) => updateNamespace(ctx, 'DNS_PRIVATE', raw as UpdatePrivateDnsNamespaceRequest);
const updatePublicDnsNamespace: Handler = (ctx, raw) => updateNamespace(ctx, 'DNS_PUBLIC', raw as UpdatePublicDnsNamespaceRequest);

// ---------- services ----------

function serviceOut(ctx: SimContext, s: CloudMapServiceState): Json {
  const out: Json = {
    Id: s.id,
    Arn: s.arn,
    Name: s.name,
    ResourceOwner: ctx.accountId,
    NamespaceId: s.namespaceId,
    InstanceCount: s.instances.length,
    CreateDate: wireTime(s.createDate),
    CreatedByAccount: ctx.accountId,
  };
  if (s.description !== undefined) out.Description = s.description;
  if (s.dnsConfig !== undefined) out.DnsConfig = { NamespaceId: s.namespaceId, ...clone(s.dnsConfig) };
  if (s.healthCheckConfig !== undefined) out.HealthCheckConfig = clone(s.healthCheckConfig);
  if (s.healthCheckCustomConfig !== undefined) out.HealthCheckCustomConfig = clone(s.healthCheckCustomConfig);
  if (s.type !== undefined) out.Type = s.type;
  if (s.creatorRequestId !== undefined) out.CreatorRequestId = s.creatorRequestId;
  return out;
}

const createService: Handler = (ctx, raw) => {
  const input = raw as CreateServiceRequest;
  const name = requireString(input.Name, 'Name');
  const nsRef = input.NamespaceId ?? (input.DnsConfig as { NamespaceId?: string } | undefined)?.NamespaceId;
  if (!nsRef) throw invalidInput('NamespaceId is required.');
  const nsId = idOf(nsRef);
  const ns = ctx.state.namespaces.find((n) => n.id === nsId);
  if (!ns) throw namespaceNotFound();
  if (input.CreatorRequestId) {
    const same = ctx.state.cloudMapServices.find((s) => s.creatorRequestId === input.CreatorRequestId && s.name === name && s.namespaceId === nsId);
    if (same) return { Service: serviceOut(ctx, same) };
  }
  const existing = ctx.state.cloudMapServices.find((s) => s.namespaceId === nsId && s.name.toLowerCase() === name.toLowerCase());
  if (existing) {
    throw new AwsError('ServiceAlreadyExists', `Service ${name} already exists in the namespace.`, {
      extra: { ServiceId: existing.id, ServiceArn: existing.arn, ...(existing.creatorRequestId ? { CreatorRequestId: existing.creatorRequestId } : {}) },
    });
  }
  if (input.DnsConfig && ns.type === 'HTTP') throw invalidInput('DnsConfig is not valid for an HTTP namespace.');
  if (input.HealthCheckConfig && input.HealthCheckCustomConfig) throw invalidInput('HealthCheckConfig and HealthCheckCustomConfig are mutually exclusive.');
  if (input.HealthCheckConfig && ns.type === 'DNS_PRIVATE') throw invalidInput('HealthCheckConfig is valid only for services in public DNS and HTTP namespaces.');
  const id = cloudMapServiceId();
  const svc: CloudMapServiceState = {
    seq: ctx.nextSeq(),
    id,
    arn: ctx.arns.cloudMapService(id),
    name,
    namespaceId: nsId,
    createDate: ctx.clock.now(),
    tags: validateTags(input.Tags),
    instances: [],
    revision: 1,
  };
  if (input.Description !== undefined) svc.description = input.Description;
  if (input.DnsConfig) {
    const dns = clone(input.DnsConfig) as unknown as Json;
    delete dns.NamespaceId;
    if (dns.RoutingPolicy === undefined) dns.RoutingPolicy = 'MULTIVALUE';
    svc.dnsConfig = dns;
  }
  if (input.HealthCheckConfig) svc.healthCheckConfig = clone(input.HealthCheckConfig);
  if (input.HealthCheckCustomConfig) svc.healthCheckCustomConfig = clone(input.HealthCheckCustomConfig);
  if (input.Type) svc.type = input.Type;
  else svc.type = ns.type === 'HTTP' ? 'HTTP' : 'DNS_HTTP';
  if (input.CreatorRequestId) svc.creatorRequestId = input.CreatorRequestId;
  ctx.written(`cmservice:${id}`, undefined);
  ctx.state.cloudMapServices.push(svc);
  return { Service: serviceOut(ctx, svc) };
};

function findService(ctx: SimContext, id: unknown, lagged = false): CloudMapServiceState {
  const svcId = idOf(requireString(id, 'Id'));
  const current = ctx.state.cloudMapServices.find((s) => s.id === svcId);
  const svc = lagged ? ctx.visible(`cmservice:${svcId}`, current) : current;
  if (!svc) throw serviceNotFound();
  return svc;
}

const getService: Handler = (ctx, raw) => ({ Service: serviceOut(ctx, findService(ctx, (raw as GetServiceRequest).Id, true)) });

const listServices: Handler = (ctx, raw) => {
  const input = raw as ListServicesRequest;
  const filters = input.Filters ?? [];
  for (const f of filters) {
    if (f.Name !== 'NAMESPACE_ID' && f.Name !== 'RESOURCE_OWNER') throw invalidInput(`Unsupported filter ${f.Name ?? ''}.`);
    matches('', f);
  }
  const all = ctx.state.cloudMapServices.filter((s) => filters.every((f) => f.Name !== 'NAMESPACE_ID' || matches(s.namespaceId, f)));
  const page = paginate(all, (s) => pad(s.seq), { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidInput });
  return withToken({ Services: page.items.map((s) => serviceOut(ctx, s)) }, page.nextToken);
};

/**
 * UpdateService changes only the TTLs of the service's DNS records, its description and
 * (public DNS namespaces) its HealthCheckConfig; omitted records and health checks are
 * deleted. It can't be called at all on a service in an HTTP namespace.
 */
const updateService: Handler = (ctx, raw) => {
  const input = raw as UpdateServiceRequest;
  const svc = findService(ctx, input.Id);
  if (!input.Service) throw invalidInput('Service is required.');
  const ns = ctx.state.namespaces.find((n) => n.id === svc.namespaceId);
  if (!ns || ns.type === 'HTTP') throw invalidInput(`Service ${svc.id} is in an HTTP namespace; UpdateService can't be called on it.`);
  const change = input.Service;
  const existing = ((svc.dnsConfig?.DnsRecords ?? []) as { Type?: string }[]).map((r) => r.Type).sort();
  if (change.DnsConfig) {
    const records = change.DnsConfig.DnsRecords ?? [];
    const types = records.map((r) => r.Type).sort();
    if (JSON.stringify(types) !== JSON.stringify(existing)) {
      throw invalidInput(`UpdateService can change only the TTL of existing DNS records (${existing.join(', ')}); their types can't change.`);
    }
    for (const r of records) if (!Number.isInteger(r.TTL) || (r.TTL as number) < 0 || (r.TTL as number) > 2147483647) throw invalidInput('DnsRecords TTL must be an integer from 0 to 2147483647.');
  }
  if (change.HealthCheckConfig && ns.type !== 'DNS_PUBLIC') throw invalidInput('HealthCheckConfig is valid only for services in public DNS namespaces.');
  return { OperationId: submit(ctx, 'UPDATE_SERVICE', { SERVICE: svc.id, NAMESPACE: svc.namespaceId }, { kind: 'updateService', serviceId: svc.id, changes: clone(input.Service) as Json }) };
};

const deleteService: Handler = (ctx, raw) => {
  const svc = findService(ctx, (raw as DeleteServiceRequest).Id);
  if (svc.instances.length > 0) throw new AwsError('ResourceInUse', 'The service contains registered instances and cannot be deleted.');
  ctx.written(`cmservice:${svc.id}`, clone(svc));
  ctx.state.cloudMapServices = ctx.state.cloudMapServices.filter((s) => s !== svc);
  return {};
};

// ---------- instances ----------

const registerInstance: Handler = (ctx, raw) => {
  const input = raw as RegisterInstanceRequest;
  const svc = findService(ctx, input.ServiceId);
  const id = requireString(input.InstanceId, 'InstanceId');
  const attributes = input.Attributes ?? {};
  if (typeof attributes !== 'object') throw invalidInput('Attributes must be a map.');
  if (Object.keys(attributes).length > 30) throw invalidInput('At most 30 attributes per instance.');
  if (svc.instances.length >= MAX_INSTANCES && !svc.instances.some((i) => i.id === id)) {
    throw new AwsError('ResourceLimitExceeded', `The service ${svc.id} already has ${MAX_INSTANCES} instances, the quota.`);
  }
  const instance: InstanceState = { id, attributes: { ...attributes }, seq: ctx.nextSeq() };
  if (input.CreatorRequestId) instance.creatorRequestId = input.CreatorRequestId;
  return { OperationId: submit(ctx, 'REGISTER_INSTANCE', { INSTANCE: id, SERVICE: svc.id }, { kind: 'registerInstance', serviceId: svc.id, instance }) };
};

const deregisterInstance: Handler = (ctx, raw) => {
  const input = raw as DeregisterInstanceRequest;
  const svc = findService(ctx, input.ServiceId);
  const id = requireString(input.InstanceId, 'InstanceId');
  if (!svc.instances.some((i) => i.id === id)) throw instanceNotFound();
  return { OperationId: submit(ctx, 'DEREGISTER_INSTANCE', { INSTANCE: id, SERVICE: svc.id }, { kind: 'deregisterInstance', serviceId: svc.id, instanceId: id }) };
};

const getInstance: Handler = (ctx, raw) => {
  const input = raw as GetInstanceRequest;
  const svc = findService(ctx, input.ServiceId);
  const inst = svc.instances.find((i) => i.id === input.InstanceId);
  if (!inst) throw instanceNotFound();
  const out: Json = { Id: inst.id, Attributes: { ...inst.attributes }, CreatedByAccount: ctx.accountId };
  if (inst.creatorRequestId) out.CreatorRequestId = inst.creatorRequestId;
  return { ResourceOwner: ctx.accountId, Instance: out };
};

const listInstances: Handler = (ctx, raw) => {
  const input = raw as ListInstancesRequest;
  const svc = findService(ctx, input.ServiceId);
  const page = paginate(svc.instances, (i) => pad(i.seq), { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidInput });
  return withToken({ ResourceOwner: ctx.accountId, Instances: page.items.map((i) => ({ Id: i.id, Attributes: { ...i.attributes }, CreatedByAccount: ctx.accountId })) }, page.nextToken);
};

const healthOf = (i: InstanceState): string => (i.attributes.AWS_INIT_HEALTH_STATUS === 'UNHEALTHY' ? 'UNHEALTHY' : 'HEALTHY');

const discoverInstances: Handler = (ctx, raw) => {
  const input = raw as DiscoverInstancesRequest;
  const nsName = requireString(input.NamespaceName, 'NamespaceName');
  const svcName = requireString(input.ServiceName, 'ServiceName');
  const ns = ctx.state.namespaces.find((n) => n.name === nsName);
  if (!ns) throw namespaceNotFound();
  const svc = ctx.state.cloudMapServices.find((s) => s.namespaceId === ns.id && s.name === svcName);
  if (!svc) throw serviceNotFound();
  const max = input.MaxResults ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw invalidInput('MaxResults must be between 1 and 1000.');
  const wanted = input.HealthStatus ?? 'HEALTHY';
  const query = (q: Record<string, string> | undefined) => (i: InstanceState): boolean =>
    Object.entries(q ?? {}).every(([k, v]) => i.attributes[k] === v);
  let found = svc.instances.filter(query(input.QueryParameters));
  const optional = found.filter(query(input.OptionalParameters));
  if (optional.length > 0) found = optional;
  if (wanted === 'HEALTHY' || wanted === 'HEALTHY_OR_ELSE_ALL') {
    const healthy = found.filter((i) => healthOf(i) === 'HEALTHY');
    found = wanted === 'HEALTHY' || healthy.length > 0 ? healthy : found;
  } else if (wanted === 'UNHEALTHY') {
    found = found.filter((i) => healthOf(i) === 'UNHEALTHY');
  }
  return {
    Instances: found.slice(0, max).map((i) => ({
      InstanceId: i.id,
      NamespaceName: ns.name,
      ServiceName: svc.name,
      HealthStatus: healthOf(i),
      Attributes: { ...i.attributes },
    })),
    InstancesRevision: svc.revision,
  };
};

const getInstancesHealthStatus: Handler = (ctx, raw) => {
  const input = raw as GetInstancesHealthStatusRequest;
  const svc = findService(ctx, input.ServiceId);
  let instances = svc.instances;
  if (input.Instances && input.Instances.length > 0) {
    instances = input.Instances.map((id) => {
      const inst = svc.instances.find((i) => i.id === id);
      if (!inst) throw instanceNotFound();
      return inst;
    });
  }
  const page = paginate(instances, (i) => pad(i.seq), { ...pageOpts(input), defaultPage: 100, maxPage: 100, invalid: invalidInput });
  return withToken({ Status: Object.fromEntries(page.items.map((i) => [i.id, healthOf(i)])) }, page.nextToken);
};

// ---------- tags ----------

function taggable(ctx: SimContext, arn: unknown): { tags: CloudMapTag[] } {
  const ref = requireString(arn, 'ResourceARN');
  const target = ctx.state.namespaces.find((n) => n.arn === ref) ?? ctx.state.cloudMapServices.find((s) => s.arn === ref);
  if (!target) throw resourceNotFound('The operation can\'t be completed because the resource was not found.');
  return target;
}

const tagResource: Handler = (ctx, raw) => {
  const input = raw as TagResourceRequest;
  const target = taggable(ctx, input.ResourceARN);
  const added = validateTags(input.Tags);
  const merged = target.tags.filter((t) => !added.some((a) => a.Key === t.Key)).concat(added);
  if (merged.length > 50) throw new AwsError('TooManyTagsException', 'Too many tags.', { extra: { ResourceName: input.ResourceARN } });
  target.tags = merged;
  return {};
};

const untagResource: Handler = (ctx, raw) => {
  const input = raw as UntagResourceRequest;
  const target = taggable(ctx, input.ResourceARN);
  const keys = input.TagKeys ?? [];
  target.tags = target.tags.filter((t) => !keys.includes(t.Key));
  return {};
};

const listTagsForResource: Handler = (ctx, raw) => ({ Tags: clone(taggable(ctx, (raw as ListTagsForResourceRequest).ResourceARN).tags) });

// ---------- hooks for ECS service registries ----------

export function cloudMapHooks(ctx: () => SimContext): SimContext['cloudMap'] {
  const byArn = (arn: string): CloudMapServiceState | undefined => ctx().state.cloudMapServices.find((s) => s.arn === arn);
  return {
    serviceExists: (arn) => byArn(arn) !== undefined,
    namespaceArn: (ref) => {
      const c = ctx();
      if (ref.startsWith('arn:')) return c.state.namespaces.find((n) => n.arn === ref)?.arn;
      const found = c.state.namespaces.find((n) => n.name === ref);
      if (found) return found.arn;
      const id = namespaceId();
      c.state.namespaces.push({
        seq: c.nextSeq(), id, arn: c.arns.namespace(id), name: ref, type: 'HTTP',
        properties: { DnsProperties: {}, HttpProperties: { HttpName: ref } }, createDate: c.clock.now(), tags: [],
      });
      return c.arns.namespace(id);
    },
    existingNamespaceArn: (ref) => ctx().state.namespaces.find((n) => (ref.startsWith('arn:') ? n.arn === ref : n.name === ref))?.arn,
    discoveryArn: (namespaceArn, name) => {
      const c = ctx();
      const ns = c.state.namespaces.find((n) => n.arn === namespaceArn);
      const found = ns && c.state.cloudMapServices.find((s) => s.namespaceId === ns.id && s.name === name);
      return found?.arn ?? c.arns.cloudMapService(`srv-${createHash('sha256').update(`${namespaceArn} ${name}`).digest('hex').slice(0, 16)}`);
    },
    room: (arn) => Math.max(0, MAX_INSTANCES - (byArn(arn)?.instances.length ?? MAX_INSTANCES)),
    register: (arn, instances) => {
      const svc = byArn(arn);
      if (!svc) return undefined;
      for (const instance of instances) putInstance(svc, { ...instance, seq: ctx().nextSeq() });
      return svc.id;
    },
    deregister: (serviceId, instanceIds) => {
      const svc = ctx().state.cloudMapServices.find((s) => s.id === serviceId);
      if (!svc) return;
      const gone = new Set(instanceIds);
      const before = svc.instances.length;
      svc.instances = svc.instances.filter((i) => !gone.has(i.id));
      if (svc.instances.length !== before) svc.revision++;
    },
  };
}

export const CLOUDMAP_OPERATIONS: Record<string, Handler> = {
  CreateHttpNamespace: createHttpNamespace,
  CreatePrivateDnsNamespace: createPrivateDnsNamespace,
  CreatePublicDnsNamespace: createPublicDnsNamespace,
  GetNamespace: getNamespace,
  ListNamespaces: listNamespaces,
  DeleteNamespace: deleteNamespace,
  UpdateHttpNamespace: updateHttpNamespace,
  UpdatePrivateDnsNamespace: updatePrivateDnsNamespace,
  UpdatePublicDnsNamespace: updatePublicDnsNamespace,
  GetOperation: getOperation,
  ListOperations: listOperations,
  CreateService: createService,
  GetService: getService,
  ListServices: listServices,
  UpdateService: updateService,
  DeleteService: deleteService,
  RegisterInstance: registerInstance,
  DeregisterInstance: deregisterInstance,
  GetInstance: getInstance,
  ListInstances: listInstances,
  DiscoverInstances: discoverInstances,
  GetInstancesHealthStatus: getInstancesHealthStatus,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};

export const CLOUDMAP_READS = new Set([
  'GetNamespace', 'ListNamespaces', 'GetOperation', 'ListOperations', 'GetService', 'ListServices',
  'GetInstance', 'ListInstances', 'DiscoverInstances', 'GetInstancesHealthStatus', 'ListTagsForResource',
]);
