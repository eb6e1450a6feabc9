import t from 'tap';
import {
  CreateHttpNamespaceCommand, CreatePrivateDnsNamespaceCommand, CreatePublicDnsNamespaceCommand, CreateServiceCommand,
  DeleteNamespaceCommand, DeleteServiceCommand, DeregisterInstanceCommand, DiscoverInstancesCommand, GetInstanceCommand,
  GetInstancesHealthStatusCommand, GetNamespaceCommand, GetOperationCommand, GetServiceCommand, ListInstancesCommand,
  ListNamespacesCommand, ListOperationsCommand, ListServicesCommand, ListTagsForResourceCommand, RegisterInstanceCommand,
  TagResourceCommand, UntagResourceCommand, UpdateHttpNamespaceCommand, UpdatePrivateDnsNamespaceCommand,
  UpdatePublicDnsNamespaceCommand, UpdateServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { errorOf, harness } from './fixtures.js';
import type { Harness } from './fixtures.js';

const STEP = 100;

async function namespace(h: Harness, name: string): Promise<string> {
  const op = await h.sd.send(new CreateHttpNamespaceCommand({ Name: name }));
  h.clock.advance(2 * STEP);
  return (await h.sd.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation?.Targets?.NAMESPACE as string;
}

async function settle(h: Harness, sd: ServiceDiscoveryClient, operationId: string | undefined): Promise<string | undefined> {
  h.clock.advance(2 * STEP);
  return (await sd.send(new GetOperationCommand({ OperationId: operationId }))).Operation?.Status;
}

t.test('namespace creation is an operation: SUBMITTED → PENDING → SUCCESS on the clock', async (t) => {
  const h = await harness(t, { rolloutTimings: { cloudMapStepMs: STEP } });
  const op = await h.sd.send(new CreateHttpNamespaceCommand({ Name: 'app', Description: 'd', Tags: [{ Key: 'k', Value: 'v' }] }));
  t.match(op.OperationId, /^[a-z0-9]{32}-[a-z0-9]{8}$/);
  const get = async () => (await h.sd.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation;
  const o1 = await get();
  t.equal(o1?.Status, 'SUBMITTED');
  t.equal(o1?.Type, 'CREATE_NAMESPACE');
  const nsId = o1?.Targets?.NAMESPACE as string;
  t.match(nsId, /^ns-[a-z0-9]{16}$/);
  t.equal((await errorOf(() => h.sd.send(new GetNamespaceCommand({ Id: nsId })))).name, 'NamespaceNotFound', 'absent until SUCCESS');
  const dup = await errorOf(() => h.sd.send(new CreateHttpNamespaceCommand({ Name: 'app' })));
  t.equal(dup.name, 'DuplicateRequest', 'same name while creation is in progress');
  h.clock.advance(STEP);
  t.equal((await get())?.Status, 'PENDING');
  h.clock.advance(STEP);
  t.equal((await get())?.Status, 'SUCCESS');
  const ns = (await h.sd.send(new GetNamespaceCommand({ Id: nsId }))).Namespace;
  t.equal(ns?.Name, 'app');
  t.equal(ns?.Type, 'HTTP');
  t.equal(ns?.Arn, `arn:aws:servicediscovery:us-east-1:123456789012:namespace/${nsId}`);
  t.equal(ns?.Properties?.HttpProperties?.HttpName, 'app');
  t.equal(ns?.ServiceCount, 0);
  const exists = await errorOf(() => h.sd.send(new CreateHttpNamespaceCommand({ Name: 'app' })));
  t.equal(exists.name, 'NamespaceAlreadyExists');
  t.equal((exists as unknown as { NamespaceId: string }).NamespaceId, nsId);
  t.same((await h.sd.send(new ListTagsForResourceCommand({ ResourceARN: ns?.Arn }))).Tags, [{ Key: 'k', Value: 'v' }]);

  const priv = await h.sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'corp.local', Vpc: 'vpc-1', CreatorRequestId: 'req-1' }));
  const again = await h.sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'corp.local', Vpc: 'vpc-1', CreatorRequestId: 'req-1' }));
  t.equal(again.OperationId, priv.OperationId, 'a repeated CreatorRequestId returns the first operation');
  await h.sd.send(new CreatePublicDnsNamespaceCommand({ Name: 'example.com' }));
  h.clock.advance(2 * STEP);
  const all = (await h.sd.send(new ListNamespacesCommand({}))).Namespaces ?? [];
  t.same(all.map((n) => n.Name), ['app', 'corp.local', 'example.com']);
  t.match(all[1].Properties?.DnsProperties?.HostedZoneId, /^Z[A-Z0-9]{20}$/);
  const dns = await h.sd.send(new ListNamespacesCommand({ Filters: [{ Name: 'TYPE', Values: ['DNS_PRIVATE', 'DNS_PUBLIC'], Condition: 'IN' }] }));
  t.same(dns.Namespaces?.map((n) => n.Name), ['corp.local', 'example.com']);
  const page = await h.sd.send(new ListNamespacesCommand({ MaxResults: 2 }));
  t.equal(page.Namespaces?.length, 2);
  const rest = await h.sd.send(new ListNamespacesCommand({ MaxResults: 2, NextToken: page.NextToken }));
  t.same(rest.Namespaces?.map((n) => n.Name), ['example.com']);
  const ops = await h.sd.send(new ListOperationsCommand({ Filters: [{ Name: 'STATUS', Values: ['SUCCESS'], Condition: 'EQ' }] }));
  t.equal(ops.Operations?.length, 3);
  t.equal((await errorOf(() => h.sd.send(new GetOperationCommand({ OperationId: 'nope' })))).name, 'OperationNotFound');
});

t.test('services and instances: duplicates, ResourceInUse, re-registration updates, discovery', async (t) => {
  const h = await harness(t, { rolloutTimings: { cloudMapStepMs: STEP } });
  const nsId = await namespace(h, 'app');
  const missingNs = await errorOf(() => h.sd.send(new CreateServiceCommand({ Name: 'x', NamespaceId: 'ns-doesnotexist0000' })));
  t.equal(missingNs.name, 'NamespaceNotFound');
  const svc = (await h.sd.send(new CreateServiceCommand({ Name: 'api', NamespaceId: nsId, HealthCheckCustomConfig: {} }))).Service;
  t.match(svc?.Id, /^srv-[a-z0-9]{16}$/);
  t.equal(svc?.Arn, `arn:aws:servicediscovery:us-east-1:123456789012:service/${svc?.Id}`);
  const dup = await errorOf(() => h.sd.send(new CreateServiceCommand({ Name: 'api', NamespaceId: nsId })));
  t.equal(dup.name, 'ServiceAlreadyExists');
  t.equal((await h.sd.send(new GetNamespaceCommand({ Id: nsId }))).Namespace?.ServiceCount, 1);

  const reg = await h.sd.send(new RegisterInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.1.0.1', color: 'blue' } }));
  t.equal(await settle(h, h.sd, reg.OperationId), 'SUCCESS');
  const reg2 = await h.sd.send(new RegisterInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.1.0.2', color: 'green' } }));
  await settle(h, h.sd, reg2.OperationId);
  const list = await h.sd.send(new ListInstancesCommand({ ServiceId: svc?.Id }));
  t.same(list.Instances, [{ Id: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.1.0.2', color: 'green' }, CreatedByAccount: '123456789012' }], 're-registering an id updates it');
  const one = await h.sd.send(new GetInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-1' }));
  t.equal(one.Instance?.Attributes?.color, 'green');
  await settle(h, h.sd, (await h.sd.send(new RegisterInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-2', Attributes: { AWS_INSTANCE_IPV4: '10.1.0.3', color: 'blue', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' } }))).OperationId);

  const disc = await h.sd.send(new DiscoverInstancesCommand({ NamespaceName: 'app', ServiceName: 'api', HealthStatus: 'ALL' }));
  t.equal(disc.Instances?.length, 2);
  t.ok((disc.InstancesRevision ?? 0) > 0);
  const blue = await h.sd.send(new DiscoverInstancesCommand({ NamespaceName: 'app', ServiceName: 'api', QueryParameters: { color: 'blue' }, HealthStatus: 'ALL' }));
  t.same(blue.Instances?.map((i) => i.InstanceId), ['i-2']);
  const healthy = await h.sd.send(new DiscoverInstancesCommand({ NamespaceName: 'app', ServiceName: 'api' }));
  t.same(healthy.Instances?.map((i) => i.InstanceId), ['i-1'], 'HEALTHY by default');
  const status = await h.sd.send(new GetInstancesHealthStatusCommand({ ServiceId: svc?.Id }));
  t.same(status.Status, { 'i-1': 'HEALTHY', 'i-2': 'UNHEALTHY' });
  t.equal((await errorOf(() => h.sd.send(new DiscoverInstancesCommand({ NamespaceName: 'nope', ServiceName: 'api' })))).name, 'NamespaceNotFound');

  t.equal((await errorOf(() => h.sd.send(new DeleteServiceCommand({ Id: svc?.Id })))).name, 'ResourceInUse');
  t.equal((await errorOf(() => h.sd.send(new DeleteNamespaceCommand({ Id: nsId })))).name, 'ResourceInUse');
  t.equal((await errorOf(() => h.sd.send(new DeregisterInstanceCommand({ ServiceId: svc?.Id, InstanceId: 'i-9' })))).name, 'InstanceNotFound');
  for (const id of ['i-1', 'i-2']) {
    await settle(h, h.sd, (await h.sd.send(new DeregisterInstanceCommand({ ServiceId: svc?.Id, InstanceId: id }))).OperationId);
  }
  const upd = await errorOf(() => h.sd.send(new UpdateServiceCommand({ Id: svc?.Id, Service: { Description: 'new' } })));
  t.equal(upd.name, 'InvalidInput', 'UpdateService can not be called on a service in an HTTP namespace');
  t.notOk((await h.sd.send(new GetServiceCommand({ Id: svc?.Id }))).Service?.Description, 'and nothing changed');
  await h.sd.send(new TagResourceCommand({ ResourceARN: svc?.Arn, Tags: [{ Key: 'a', Value: '1' }] }));
  await h.sd.send(new UntagResourceCommand({ ResourceARN: svc?.Arn, TagKeys: ['a'] }));
  t.same((await h.sd.send(new ListTagsForResourceCommand({ ResourceARN: svc?.Arn }))).Tags, []);
  t.equal((await errorOf(() => h.sd.send(new ListTagsForResourceCommand({ ResourceARN: `${svc?.Arn}x` })))).name, 'ResourceNotFoundException');
  await h.sd.send(new DeleteServiceCommand({ Id: svc?.Id }));
  t.equal((await errorOf(() => h.sd.send(new GetServiceCommand({ Id: svc?.Id })))).name, 'ServiceNotFound');
  t.same((await h.sd.send(new ListServicesCommand({ Filters: [{ Name: 'NAMESPACE_ID', Values: [nsId], Condition: 'EQ' }] }))).Services, []);
  const del = await h.sd.send(new DeleteNamespaceCommand({ Id: nsId }));
  t.equal(await settle(h, h.sd, del.OperationId), 'SUCCESS');
  t.equal((await errorOf(() => h.sd.send(new GetNamespaceCommand({ Id: nsId })))).name, 'NamespaceNotFound');
  const badFilter = await errorOf(() => h.sd.send(new ListNamespacesCommand({ Filters: [{ Name: 'NAME', Values: ['a', 'b'], Condition: 'EQ' }] })));
  t.equal(badFilter.name, 'InvalidInput');
});

t.test('a DNS namespace keeps the SOA TTL its create request gives, else 15', async (t) => {
  const h = await harness(t, { rolloutTimings: { cloudMapStepMs: STEP } });
  const given = await h.sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'given.local', Vpc: 'vpc-1', Properties: { DnsProperties: { SOA: { TTL: 60 } } } }));
  const fallback = await h.sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'default.local', Vpc: 'vpc-1' }));
  t.equal(await settle(h, h.sd, given.OperationId), 'SUCCESS');
  t.equal(await settle(h, h.sd, fallback.OperationId), 'SUCCESS');
  const ttl = async (name: string) => (await h.sd.send(new ListNamespacesCommand({}))).Namespaces?.find((n) => n.Name === name)?.Properties?.DnsProperties?.SOA?.TTL;
  t.equal(await ttl('given.local'), 60);
  t.equal(await ttl('default.local'), 15);
});

t.test('namespace updates are operations applied at SUCCESS: description and SOA TTL', async (t) => {
  const h = await harness(t, { rolloutTimings: { cloudMapStepMs: STEP } });
  const httpId = await namespace(h, 'app');
  const op = await h.sd.send(new UpdateHttpNamespaceCommand({ Id: httpId, UpdaterRequestId: 'u-1', Namespace: { Description: 'new' } }));
  t.match(op.OperationId, /^[a-z0-9]{32}-[a-z0-9]{8}$/);
  const operation = (await h.sd.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation;
  t.equal(operation?.Type, 'UPDATE_NAMESPACE');
  t.same(operation?.Targets, { NAMESPACE: httpId });
  t.equal((await h.sd.send(new GetNamespaceCommand({ Id: httpId }))).Namespace?.Description, undefined, 'not applied before SUCCESS');
  const again = await h.sd.send(new UpdateHttpNamespaceCommand({ Id: httpId, UpdaterRequestId: 'u-1', Namespace: { Description: 'new' } }));
  t.equal(again.OperationId, op.OperationId, 'a repeated UpdaterRequestId returns the first operation');
  t.equal(await settle(h, h.sd, op.OperationId), 'SUCCESS');
  t.equal((await h.sd.send(new GetNamespaceCommand({ Id: httpId }))).Namespace?.Description, 'new');

  const created = await h.sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'corp.local', Vpc: 'vpc-1', Description: 'old' }));
  h.clock.advance(2 * STEP);
  const privId = (await h.sd.send(new GetOperationCommand({ OperationId: created.OperationId }))).Operation?.Targets?.NAMESPACE as string;
  const zone = (await h.sd.send(new GetNamespaceCommand({ Id: privId }))).Namespace?.Properties?.DnsProperties?.HostedZoneId;
  const dnsOp = await h.sd.send(new UpdatePrivateDnsNamespaceCommand({ Id: privId, Namespace: { Properties: { DnsProperties: { SOA: { TTL: 60 } } } } }));
  t.equal(await settle(h, h.sd, dnsOp.OperationId), 'SUCCESS');
  const priv = (await h.sd.send(new GetNamespaceCommand({ Id: privId }))).Namespace;
  t.same(priv?.Properties?.DnsProperties, { HostedZoneId: zone, SOA: { TTL: 60 } }, 'the TTL changes, the hosted zone stays');
  t.equal(priv?.Description, 'old', 'a description left out is unchanged');

  await h.sd.send(new CreatePublicDnsNamespaceCommand({ Name: 'example.com' }));
  h.clock.advance(2 * STEP);
  const pubId = (await h.sd.send(new ListNamespacesCommand({ Filters: [{ Name: 'TYPE', Values: ['DNS_PUBLIC'] }] }))).Namespaces?.[0].Id as string;
  const pubOp = await h.sd.send(new UpdatePublicDnsNamespaceCommand({ Id: pubId, Namespace: { Description: 'public', Properties: { DnsProperties: { SOA: { TTL: 300 } } } } }));
  t.equal(await settle(h, h.sd, pubOp.OperationId), 'SUCCESS');
  const pub = (await h.sd.send(new GetNamespaceCommand({ Id: pubId }))).Namespace;
  t.equal(pub?.Description, 'public');
  t.equal(pub?.Properties?.DnsProperties?.SOA?.TTL, 300);

  t.equal((await errorOf(() => h.sd.send(new UpdateHttpNamespaceCommand({ Id: 'ns-doesnotexist0000', Namespace: { Description: 'x' } })))).name, 'NamespaceNotFound');
  t.equal((await errorOf(() => h.sd.send(new UpdateHttpNamespaceCommand({ Id: privId, Namespace: { Description: 'x' } })))).name, 'InvalidInput', 'the operation must match the namespace type');
  t.equal((await errorOf(() => h.sd.send(new UpdateHttpNamespaceCommand({ Id: httpId, Namespace: {} as { Description: string } })))).name, 'InvalidInput', 'an HTTP change needs a description');
  t.equal((await errorOf(() => h.sd.send(new UpdatePrivateDnsNamespaceCommand({ Id: privId, Namespace: { Properties: { DnsProperties: { SOA: { TTL: -1 } } } } })))).name, 'InvalidInput');

  await h.sd.send(new DeleteNamespaceCommand({ Id: httpId }));
  const lost = await h.sd.send(new UpdateHttpNamespaceCommand({ Id: httpId, Namespace: { Description: 'late' } }));
  h.clock.advance(2 * STEP);
  const failed = (await h.sd.send(new GetOperationCommand({ OperationId: lost.OperationId }))).Operation;
  t.equal(failed?.Status, 'FAIL', 'an update of a namespace deleted meanwhile fails');
  t.equal(failed?.ErrorCode, 'NAMESPACE_NOT_FOUND');
});

t.test('UpdateService changes only DNS record TTLs and health checks; what it leaves out is deleted', async (t) => {
  const h = await harness(t, { rolloutTimings: { cloudMapStepMs: STEP } });
  const pub = await h.sd.send(new CreatePublicDnsNamespaceCommand({ Name: 'example.com' }));
  const priv = await h.sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'corp.local', Vpc: 'vpc-1' }));
  await settle(h, h.sd, pub.OperationId);
  await settle(h, h.sd, priv.OperationId);
  const [pubId, privId] = await Promise.all([pub, priv].map(async (o) => (await h.sd.send(new GetOperationCommand({ OperationId: o.OperationId }))).Operation?.Targets?.NAMESPACE));
  const web = (await h.sd.send(new CreateServiceCommand({
    Name: 'web', NamespaceId: pubId, DnsConfig: { RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 300 }] },
    HealthCheckConfig: { Type: 'HTTP', ResourcePath: '/', FailureThreshold: 2 },
  }))).Service;
  t.equal(web?.DnsConfig?.NamespaceId, pubId, 'DnsConfig names its namespace (AWS CLI create-service example)');
  const ttl = await h.sd.send(new UpdateServiceCommand({
    Id: web?.Arn, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] }, HealthCheckConfig: { Type: 'HTTP', ResourcePath: '/health', FailureThreshold: 3 } },
  }));
  t.equal(await settle(h, h.sd, ttl.OperationId), 'SUCCESS', 'a TTL and health-check change, by ARN');
  const after = (await h.sd.send(new GetServiceCommand({ Id: web?.Id }))).Service;
  t.same(after?.DnsConfig?.DnsRecords, [{ Type: 'A', TTL: 60 }]);
  t.equal(after?.HealthCheckConfig?.ResourcePath, '/health');
  const dropped = await h.sd.send(new UpdateServiceCommand({ Id: web?.Id, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] } } }));
  await settle(h, h.sd, dropped.OperationId);
  t.notOk((await h.sd.send(new GetServiceCommand({ Id: web?.Id }))).Service?.HealthCheckConfig, 'an omitted HealthCheckConfig is deleted');

  const retype = await errorOf(() => h.sd.send(new UpdateServiceCommand({ Id: web?.Id, Service: { DnsConfig: { DnsRecords: [{ Type: 'SRV', TTL: 60 }] } } })));
  t.equal(retype.name, 'InvalidInput', 'a record type can not change');
  const api = (await h.sd.send(new CreateServiceCommand({ Name: 'api', NamespaceId: privId, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } }))).Service;
  const privHc = await errorOf(() => h.sd.send(new UpdateServiceCommand({
    Id: api?.Id, Service: { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] }, HealthCheckConfig: { Type: 'HTTP', ResourcePath: '/' } },
  })));
  t.equal(privHc.name, 'InvalidInput', 'HealthCheckConfig only in public DNS namespaces');
  const ops = (await h.sd.send(new ListOperationsCommand({ Filters: [{ Name: 'TYPE', Values: ['UPDATE_SERVICE'], Condition: 'EQ' }] }))).Operations;
  t.equal(ops?.length, 2, 'refused updates leave no operation behind');
});
