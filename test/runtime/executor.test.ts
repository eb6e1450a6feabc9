import t from 'tap';
import {
  CreateHttpNamespaceCommand, CreatePublicDnsNamespaceCommand, CreateServiceCommand as CreateCmServiceCommand, RegisterInstanceCommand, DeleteServiceCommand as DeleteCmServiceCommand, GetNamespaceCommand, GetOperationCommand, GetServiceCommand,
} from '@aws-sdk/client-servicediscovery';
import { DescribeClustersCommand, DescribeServicesCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ecs';
import { executePlan } from '../../src/runtime/executor.js';
import type { StepEvent } from '../../src/runtime/executor.js';
import { plan, runningService, runtime, step } from './harness.js';

const td = { family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] };

t.test('a failed step skips its dependents, transitively, and only them', async (t) => {
  const r = await runtime(t);
  const events: StepEvent[] = [];
  const { results } = await executePlan(
    plan(
      step('create Cluster/bad', 'Cluster/bad', [{ service: 'ecs', operation: 'CreateCluster', input: { clusterName: 'not a valid name!' } }]),
      step('create TaskDefinition/web', 'TaskDefinition/web', [{ service: 'ecs', operation: 'RegisterTaskDefinition', input: td }]),
      step('create Service/web', 'Service/web', [{ service: 'ecs', operation: 'CreateService', input: { cluster: 'bad', serviceName: 'web', taskDefinition: 'web', desiredCount: 1 } }], {
        dependsOn: ['create Cluster/bad', 'create TaskDefinition/web'],
      }),
      step('tag Service/web', 'Service/web', [{ service: 'ecs', operation: 'TagResource', input: { resourceArn: 'x', tags: [] } }], { dependsOn: ['create Service/web'] }),
      step('create Cluster/good', 'Cluster/good', [{ service: 'ecs', operation: 'CreateCluster', input: { clusterName: 'good' } }]),
    ),
    { clients: r.aws, clock: r.clock, onStep: (e) => events.push(e) },
  );
  t.same(results.map((x) => [x.id, x.status]), [
    ['create Cluster/bad', 'failed'],
    ['create TaskDefinition/web', 'succeeded'],
    ['create Service/web', 'skipped'],
    ['tag Service/web', 'skipped'],
    ['create Cluster/good', 'succeeded'],
  ]);
  t.same(results[0].error, { name: 'InvalidParameterException', message: 'CreateCluster: Cluster name must match [a-zA-Z0-9_-]{1,255}.', reaction: 'stall' });
  t.same(results[0].calls, [{ operation: 'CreateCluster', ok: false }], 'a validation error is not retried');
  t.equal(results[2].error?.message, 'not run: "create Cluster/bad" failed');
  t.equal(results[3].error?.message, 'not run: "create Cluster/bad" failed', 'the message names the step that failed, not the skipped one between');
  t.equal(results[2].error?.reaction, 'stall', 'a skipped step carries the reaction of the failure');
  t.equal(r.aws.calls.total({ operation: 'CreateService' }).calls, 0, 'no call of a skipped step reached AWS');
  t.equal(r.aws.calls.total({ operation: 'TagResource' }).calls, 0);
  const good = await r.aws.ecs.send(new DescribeClustersCommand({ clusters: ['good'] }));
  t.equal(good.clusters?.[0]?.status, 'ACTIVE', 'an independent step still ran');
  const kinds = (id: string) => events.filter((e) => e.step.id === id).map((e) => e.type);
  t.same(kinds('create Cluster/bad'), ['started', 'call', 'failed']);
  t.same(kinds('tag Service/web'), ['skipped']);
  t.same(kinds('create Cluster/good'), ['started', 'call', 'succeeded']);
});

t.test('refs are filled in from earlier steps\' outputs', async (t) => {
  const r = await runtime(t);
  const { results, outputs } = await executePlan(
    plan(
      step('create Cluster/c', 'Cluster/c', [{ service: 'ecs', operation: 'CreateCluster', input: { clusterName: 'c' }, outputs: { arn: 'cluster.clusterArn' } }]),
      step('create TaskDefinition/web', 'TaskDefinition/web', [{ service: 'ecs', operation: 'RegisterTaskDefinition', input: td, outputs: { arn: 'taskDefinition.taskDefinitionArn' } }]),
      step('create Service/web', 'Service/web', [{
        service: 'ecs',
        operation: 'CreateService',
        input: {
          cluster: { $ref: 'Cluster/c', attr: 'arn' },
          serviceName: 'web',
          taskDefinition: { $ref: 'TaskDefinition/web', attr: 'arn' },
          desiredCount: 1,
          tags: [{ key: 'ecs-gitops.io/task-definition', value: { $ref: 'TaskDefinition/web', attr: 'arn', format: 'revision' } }],
        },
        outputs: { arn: 'service.serviceArn' },
      }, {
        service: 'ecs',
        operation: 'TagResource',
        input: { resourceArn: { $ref: 'Service/web', attr: 'arn' }, tags: [{ key: 'same-step', value: 'yes' }] },
      }], { dependsOn: ['create Cluster/c', 'create TaskDefinition/web'] }),
    ),
    { clients: r.aws, clock: r.clock },
  );
  t.same(results.map((x) => x.status), ['succeeded', 'succeeded', 'succeeded']);
  const tdArn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
  const serviceArn = 'arn:aws:ecs:us-east-1:123456789012:service/c/web';
  t.same(outputs.get('TaskDefinition/web'), { arn: tdArn });
  t.same(outputs.get('Service/web'), { arn: serviceArn });
  t.same(results[2].outputs, { arn: serviceArn });
  const svc = (await r.aws.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
  t.equal(svc?.taskDefinition, tdArn, 'the service pins the ARN the register step produced');
  const tags = (await r.aws.ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }))).tags;
  t.same(tags, [{ key: 'ecs-gitops.io/task-definition', value: 'web:1' }, { key: 'same-step', value: 'yes' }], 'format revision gives family:revision; a later call of the step sees its own outputs');
});

t.test('a reference nothing produced fails the step with a clear message', async (t) => {
  const r = await runtime(t);
  const { results } = await executePlan(
    plan(step('create Service/web', 'Service/web', [{ service: 'ecs', operation: 'CreateService', input: { cluster: 'c', serviceName: 'web', taskDefinition: { $ref: 'TaskDefinition/web', attr: 'arn' } } }])),
    { clients: r.aws, clock: r.clock },
  );
  t.equal(results[0].status, 'failed');
  t.same(results[0].error, {
    name: 'UnresolvedReference',
    message: 'CreateService: the input needs the arn of TaskDefinition/web, which no earlier step produced',
    reaction: 'stall',
  });
  t.equal(r.aws.calls.total().calls, 0, 'nothing was sent');
});

t.test('Cloud Map: create namespace → create service → register instance, each waiting for its operation', async (t) => {
  const r = await runtime(t, { rolloutTimings: { cloudMapStepMs: 500 } });
  const start = r.clock.now();
  const events: StepEvent[] = [];
  const { results, outputs } = await executePlan(
    plan(
      step('create CloudMapNamespace/app', 'CloudMapNamespace/app', [{
        service: 'servicediscovery', operation: 'CreateHttpNamespace', input: { Name: 'app', CreatorRequestId: 'ns-1' }, outputs: { id: 'operation.Targets.NAMESPACE' },
      }]),
      step('create CloudMapService/api', 'CloudMapService/api', [{
        service: 'servicediscovery', operation: 'CreateService', input: { Name: 'api', NamespaceId: { $ref: 'CloudMapNamespace/app', attr: 'id' } }, outputs: { arn: 'Service.Arn', id: 'Service.Id' },
      }], { dependsOn: ['create CloudMapNamespace/app'] }),
      step('create CloudMapInstance/i-1', 'CloudMapInstance/i-1', [{
        service: 'servicediscovery', operation: 'RegisterInstance', input: { ServiceId: { $ref: 'CloudMapService/api', attr: 'id' }, InstanceId: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } },
      }], { dependsOn: ['create CloudMapService/api'] }),
      step('update CloudMapNamespace/app', 'CloudMapNamespace/app', [{
        service: 'servicediscovery', operation: 'UpdateHttpNamespace', input: { Id: { $ref: 'CloudMapNamespace/app', attr: 'id' }, UpdaterRequestId: 'u-1', Namespace: { Description: 'updated' } },
      }], { action: 'update', dependsOn: ['create CloudMapInstance/i-1'] }),
    ),
    { clients: r.aws, clock: r.clock, onStep: (e) => events.push(e) },
  );
  t.same(results.map((x) => x.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  const nsId = outputs.get('CloudMapNamespace/app')?.id;
  t.match(nsId, /^ns-/, 'the namespace id comes from the finished operation');
  const svc = (await r.aws.cloudMap.send(new GetServiceCommand({ Id: outputs.get('CloudMapService/api')?.id }))).Service;
  t.equal(svc?.NamespaceId, nsId, 'the service was created in that namespace');
  t.equal(svc?.InstanceCount, 1, 'the instance was registered (its operation finished)');
  t.ok(r.clock.now() - start >= 3_000, 'three operations of two 500 ms steps each');
  t.equal((await r.aws.cloudMap.send(new GetNamespaceCommand({ Id: nsId }))).Namespace?.Description, 'updated', 'the namespace update finished before the step did');
  t.ok(r.aws.calls.total({ operation: 'GetOperation' }).calls >= 4, 'operations were polled');
  t.same(events.filter((e) => e.type === 'waiting').map((e) => e.step.id), ['create CloudMapNamespace/app', 'create CloudMapInstance/i-1', 'update CloudMapNamespace/app']);
  t.same(results[0].calls, [{ operation: 'CreateHttpNamespace', ok: true }], 'polls are not listed as the step\'s calls');
});

t.test('a Cloud Map operation that FAILs fails the step with its message; one that takes too long is a wait', async (t) => {
  const r = await runtime(t, { rolloutTimings: { cloudMapStepMs: 500 } });
  // A DNS namespace: Cloud Map's UpdateService can't be called on a service in an HTTP one.
  const op = await r.aws.cloudMap.send(new CreatePublicDnsNamespaceCommand({ Name: 'app.example.com' }));
  r.clock.advance(1_000);
  const nsId = (await r.aws.cloudMap.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation?.Targets?.NAMESPACE;
  const svc = (await r.aws.cloudMap.send(new CreateCmServiceCommand({ Name: 'api', NamespaceId: nsId, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] } }))).Service!;
  const { results } = await executePlan(
    plan(step('update CloudMapService/api', 'CloudMapService/api', [{ service: 'servicediscovery', operation: 'UpdateService', input: { Id: svc.Id, Service: { Description: 'new' } } }], { action: 'update' })),
    {
      clients: r.aws,
      clock: r.clock,
      // Someone deletes the service while the update is pending.
      onStep: (e) => { if (e.type === 'waiting') void r.aws.cloudMap.send(new DeleteCmServiceCommand({ Id: svc.Id })); },
    },
  );
  t.equal(results[0].status, 'failed');
  t.equal(results[0].error?.name, 'OperationFailed');
  t.match(results[0].error?.message, /^UpdateService: Cloud Map operation \S+ failed: SERVICE_NOT_FOUND: The service no longer exists\.$/);
  t.equal(results[0].error?.reaction, 'stall');

  const slow = await executePlan(
    plan(step('create CloudMapNamespace/other', 'CloudMapNamespace/other', [{ service: 'servicediscovery', operation: 'CreateHttpNamespace', input: { Name: 'other' } }])),
    { clients: r.aws, clock: r.clock, operationTimeoutMs: 300 },
  );
  t.equal(slow.results[0].error?.name, 'OperationPending');
  t.equal(slow.results[0].error?.reaction, 'wait');
  t.match(slow.results[0].error?.message, /still (SUBMITTED|PENDING) after 0\.3 s/);
});

t.test('a replacement deletes, waits until the old service is INACTIVE, then creates', async (t) => {
  const r = await runtime(t);
  await runningService(r);
  const events: StepEvent[] = [];
  const start = r.clock.now();
  const { results } = await executePlan(
    plan(step('replace Service/web', 'Service/web', [
      { service: 'ecs', operation: 'UpdateService', input: { cluster: 'c', service: 'web', desiredCount: 0 } },
      { service: 'ecs', operation: 'DeleteService', input: { cluster: 'c', service: 'web' } },
      { service: 'ecs', operation: 'CreateService', input: { cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 2, clientToken: 'second' }, outputs: { arn: 'service.serviceArn' } },
    ], { action: 'replace', waitForInactive: { cluster: 'c', service: 'web' } })),
    { clients: r.aws, clock: r.clock, onStep: (e) => events.push(e) },
  );
  t.equal(results[0].status, 'succeeded', results[0].error?.message ?? '');
  t.same(results[0].calls, [
    { operation: 'UpdateService', ok: true },
    { operation: 'DeleteService', ok: true },
    { operation: 'CreateService', ok: true },
  ], 'the create went through the first time: the name was free');
  t.ok(r.aws.calls.total({ operation: 'DescribeServices' }).calls >= 2, 'it polled the draining service');
  t.ok(r.clock.now() - start >= 2_000, 'tasks stop (1 s), then the service drains (1 s)');
  t.same(events.filter((e) => e.type === 'waiting').map((e) => e.type === 'waiting' && e.for), ['inactive']);
  const svc = (await r.aws.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
  t.equal(svc?.status, 'ACTIVE');
  t.equal(svc?.desiredCount, 2, 'the new service');
});

t.test('a create refused while the same name drains is retried until the name is free', async (t) => {
  const r = await runtime(t);
  await runningService(r);
  const { results } = await executePlan(
    plan(
      step('delete Service/web', 'Service/web', [{ service: 'ecs', operation: 'DeleteService', input: { cluster: 'c', service: 'web', force: true } }], { action: 'delete' }),
      step('create Service/web', 'Service/web', [{ service: 'ecs', operation: 'CreateService', input: { cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 1, clientToken: 'again' } }], { dependsOn: ['delete Service/web'] }),
    ),
    { clients: r.aws, clock: r.clock },
  );
  t.same(results.map((x) => x.status), ['succeeded', 'succeeded']);
  const creates = results[1].calls;
  t.ok(creates.length >= 2, 'refused at first');
  t.same(creates.at(-1), { operation: 'CreateService', ok: true });
});

/** A prune of service web (scaled to 0, deleted) and then of its cluster c. */
function deleteWebThenCluster() {
  return plan(
    step('delete Service/web', 'Service/web', [
      { service: 'ecs', operation: 'UpdateService', input: { cluster: 'c', service: 'web', desiredCount: 0 } },
      { service: 'ecs', operation: 'DeleteService', input: { cluster: 'c', service: 'web' } },
    ], { action: 'delete' }),
    step('delete Cluster/c', 'Cluster/c', [{ service: 'ecs', operation: 'DeleteCluster', input: { cluster: 'c' } }], { action: 'delete', dependsOn: ['delete Service/web'] }),
  );
}

t.test('ClusterContainsServicesException right after deleting the service is retried until it is INACTIVE', async (t) => {
  const r = await runtime(t);
  await runningService(r);
  const retries: number[] = [];
  const start = r.clock.now();
  const { results } = await executePlan(
    deleteWebThenCluster(),
    { clients: r.aws, clock: r.clock, onStep: (e) => { if (e.type === 'retrying') retries.push(e.delayMs); } },
  );
  t.same(results.map((x) => x.status), ['succeeded', 'succeeded']);
  t.same(results[1].calls.map((c) => c.ok), [...results[1].calls.slice(0, -1).map(() => false), true], 'refused while the service drains, then deleted');
  t.ok(results[1].calls.length >= 2);
  t.same(retries, [1_000, 2_000, 4_000, 8_000, 16_000].slice(0, retries.length), 'exponential backoff from a second');
  const cluster = (await r.aws.ecs.send(new DescribeClustersCommand({ clusters: ['c'] }))).clusters?.[0];
  t.equal(cluster?.status, 'INACTIVE');
  t.ok(r.clock.now() - start < 60_000, 'well inside the settle window');
});

t.test('a delete refused because a kept object still uses it fails at once as a wait; the rest of the plan goes on', async (t) => {
  const r = await runtime(t);
  await runningService(r);
  // A Cloud Map service with an instance nobody deletes in this plan.
  const ns = await r.aws.cloudMap.send(new CreateHttpNamespaceCommand({ Name: 'app' }));
  r.clock.advance(5_000);
  const op = await r.aws.cloudMap.send(new GetOperationCommand({ OperationId: ns.OperationId! }));
  const cm = await r.aws.cloudMap.send(new CreateCmServiceCommand({ Name: 'api', NamespaceId: op.Operation!.Targets!.NAMESPACE! }));
  await r.aws.cloudMap.send(new RegisterInstanceCommand({ ServiceId: cm.Service!.Id!, InstanceId: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } }));
  r.clock.advance(5_000);
  const start = r.clock.now();
  const retries: string[] = [];
  const { results } = await executePlan(
    plan(
      step('delete Cluster/c', 'Cluster/c', [{ service: 'ecs', operation: 'DeleteCluster', input: { cluster: 'c' } }], { action: 'delete' }),
      step('delete CloudMapService/api', 'CloudMapService/api', [{ service: 'servicediscovery', operation: 'DeleteService', input: { Id: cm.Service!.Id! } }], { action: 'delete' }),
      step('update Service/web', 'Service/web', [{ service: 'ecs', operation: 'UpdateService', input: { cluster: 'c', service: 'web', desiredCount: 2 } }], { action: 'update' }),
    ),
    { clients: r.aws, clock: r.clock, onStep: (e) => { if (e.type === 'retrying') retries.push(e.step.id); } },
  );
  t.same(results.map((x) => [x.id, x.status, x.error?.name, x.error?.reaction]), [
    ['delete Cluster/c', 'failed', 'ClusterContainsServicesException', 'wait'],
    ['delete CloudMapService/api', 'failed', 'ResourceInUse', 'wait'],
    ['update Service/web', 'succeeded', undefined, undefined],
  ]);
  t.same(results[0].calls, [{ operation: 'DeleteCluster', ok: false }], 'asked once');
  t.same(results[1].calls, [{ operation: 'DeleteService', ok: false }], 'asked once');
  t.same(retries, [], 'no retry inside the pass');
  t.equal(r.clock.now() - start, 0, 'the pass does not wait for what nothing in it will clear');
});

t.test('settling retries after this plan\'s own delete are bounded: a cluster whose service stays is a wait, after the window', async (t) => {
  const r = await runtime(t);
  await runningService(r);
  await runningService(r, 'other');
  const start = r.clock.now();
  const { results } = await executePlan(
    deleteWebThenCluster(),
    { clients: r.aws, clock: r.clock, settleTimeoutMs: 5_000 },
  );
  t.equal(results[1].status, 'failed');
  t.same(results[1].error, { name: 'ClusterContainsServicesException', message: 'DeleteCluster: The Cluster cannot be deleted while Services are active.', reaction: 'wait' });
  t.equal(results[1].calls.length, 3, 'tries at 0, 1 and 3 s; the next (7 s) is past the window');
  t.ok(r.clock.now() - start <= 5_000);
});

t.test('not found right after this plan created the object is retried; otherwise not', async (t) => {
  // Reads lag writes by 3 s: a namespace just created is not visible to GetNamespace yet.
  const r = await runtime(t, { rolloutTimings: { cloudMapStepMs: 100 }, faults: { consistencyLagMs: 3_000 } });
  const { results } = await executePlan(
    plan(
      step('create CloudMapNamespace/app', 'CloudMapNamespace/app', [{ service: 'servicediscovery', operation: 'CreateHttpNamespace', input: { Name: 'app' }, outputs: { id: 'operation.Targets.NAMESPACE' } }]),
      step('check CloudMapNamespace/app', 'CloudMapNamespace/app', [{ service: 'servicediscovery', operation: 'GetNamespace', input: { Id: { $ref: 'CloudMapNamespace/app', attr: 'id' } } }], { action: 'update', dependsOn: ['create CloudMapNamespace/app'] }),
      step('check CloudMapNamespace/none', 'CloudMapNamespace/none', [{ service: 'servicediscovery', operation: 'GetNamespace', input: { Id: 'ns-doesnotexist0000' } }], { action: 'update' }),
    ),
    { clients: r.aws, clock: r.clock },
  );
  t.same(results.map((x) => x.status), ['succeeded', 'succeeded', 'failed']);
  t.ok(results[1].calls.length >= 2 && results[1].calls.at(-1)?.ok, 'NamespaceNotFound after the create, then found');
  t.same(results[2].calls, [{ operation: 'GetNamespace', ok: false }], 'no create before it: not retried');
  t.equal(results[2].error?.reaction, 'retry', 'the daemon may look again later');
});

t.test('concurrency is bounded and independent steps overlap up to it', async (t) => {
  const r = await runtime(t);
  let running = 0;
  let peak = 0;
  const steps = Array.from({ length: 12 }, (_, i) => step(`create Cluster/c${i}`, `Cluster/c${i}`, [{ service: 'ecs', operation: 'CreateCluster', input: { clusterName: `c${i}` } }]));
  const { results } = await executePlan(plan(...steps), {
    clients: r.aws,
    clock: r.clock,
    concurrency: 3,
    onStep: (e) => {
      if (e.type === 'started') peak = Math.max(peak, ++running);
      if (e.type === 'succeeded' || e.type === 'failed') running--;
    },
  });
  t.ok(results.every((x) => x.status === 'succeeded'));
  t.equal(peak, 3);
  t.equal(r.aws.calls.total({ operation: 'CreateCluster' }).calls, 12);
});

t.test('abort: steps not started are skipped', async (t) => {
  const r = await runtime(t);
  const ac = new AbortController();
  const { results } = await executePlan(
    plan(
      step('create Cluster/a', 'Cluster/a', [{ service: 'ecs', operation: 'CreateCluster', input: { clusterName: 'a' } }]),
      step('create Cluster/b', 'Cluster/b', [{ service: 'ecs', operation: 'CreateCluster', input: { clusterName: 'b' } }], { dependsOn: ['create Cluster/a'] }),
    ),
    { clients: r.aws, clock: r.clock, signal: ac.signal, onStep: (e) => { if (e.type === 'succeeded') ac.abort(); } },
  );
  t.same(results.map((x) => x.status), ['succeeded', 'skipped']);
  t.equal(results[1].error?.message, 'not run: execution was aborted');
  t.equal(r.aws.calls.total({ operation: 'CreateCluster' }).calls, 1);
});

t.test('steps whose dependencies are missing or circular are skipped, not hung', async (t) => {
  const r = await runtime(t);
  const { results } = await executePlan(
    plan(
      step('a', 'Cluster/a', [], { dependsOn: ['b'] }),
      step('b', 'Cluster/b', [], { dependsOn: ['a'] }),
      step('c', 'Cluster/c', [], { dependsOn: ['nowhere'] }),
      step('d', 'Cluster/d', []),
    ),
    { clients: r.aws, clock: r.clock },
  );
  t.same(results.map((x) => [x.id, x.status, x.error?.message]), [
    ['a', 'skipped', 'not run: its dependencies form a cycle'],
    ['b', 'skipped', 'not run: its dependencies form a cycle'],
    ['c', 'skipped', 'not run: it depends on "nowhere", which is not in the plan'],
    ['d', 'succeeded', undefined],
  ]);
  t.equal(r.aws.calls.total().calls, 0, 'steps without calls send nothing');
});

t.test('a registration whose answer is lost is found by its content hash, not registered again', async (t) => {
  const r = await runtime(t, { faults: { dropRate: 1, dropOperations: ['RegisterTaskDefinition'] } });
  const tagged = { ...td, tags: [{ key: 'ecs-gitops.io/spec-hash', value: 'abc123' }] };
  const { results } = await executePlan(
    plan(step('create TaskDefinition/web', 'TaskDefinition/web', [{ service: 'ecs', operation: 'RegisterTaskDefinition', input: tagged, outputs: { arn: 'taskDefinition.taskDefinitionArn' } }])),
    { clients: r.aws, clock: r.clock },
  );
  t.equal(results[0].status, 'succeeded');
  t.same(results[0].calls, [{ operation: 'RegisterTaskDefinition', ok: false }], 'sent once; its answer lost');
  t.match(results[0].outputs.arn, /:task-definition\/web:1$/, 'the revision the lost call registered');
  t.same(r.sim.dump().familyRevisions, { web: 1 }, 'one revision');
});

t.test('a registration answered 5xx is looked for, then sent again, as often as the SDK would have', async (t) => {
  const r = await runtime(t, { faults: { errorRate: 1, errorOperations: ['RegisterTaskDefinition'] } });
  const tagged = { ...td, tags: [{ key: 'ecs-gitops.io/spec-hash', value: 'abc123' }] };
  const start = r.clock.now();
  const { results } = await executePlan(
    plan(step('create TaskDefinition/web', 'TaskDefinition/web', [{ service: 'ecs', operation: 'RegisterTaskDefinition', input: tagged }])),
    { clients: r.aws, clock: r.clock },
  );
  t.equal(results[0].status, 'failed');
  t.match(results[0].error, { name: 'ServerException', reaction: 'retry' }, 'the error AWS gave, for the daemon to retry');
  t.equal(results[0].calls.length, 3, 'three attempts, each after a look-up found nothing');
  t.equal(r.aws.calls.total({ operation: 'ListTaskDefinitions' }).calls, 3, 'one look-up per lost answer');
  t.equal(r.clock.now() - start, 3_000, 'at 0, 1 and 3 s: the pass is not held up for long');
  t.same(r.sim.dump().familyRevisions, {}, 'nothing registered');
});
