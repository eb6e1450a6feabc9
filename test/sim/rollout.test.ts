import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand,
  DescribeServicesCommand, ListServiceDeploymentsCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import { CreateHttpNamespaceCommand, CreateServiceCommand as CreateCmServiceCommand, DiscoverInstancesCommand, GetOperationCommand, ListInstancesCommand } from '@aws-sdk/client-servicediscovery';
import type { SimState } from '../../src/sim/index.js';
import { taskIdAt } from '../../src/sim/rollout.js';
import type { TaskState } from '../../src/sim/state.js';
import { container, errorOf, harness } from './fixtures.js';
import type { Harness } from './fixtures.js';

const START = 1000;
const STOP = 500;
const timings = { taskStartMs: START, taskStopMs: STOP, serviceDrainMs: 200, cloudMapStepMs: 100 };

async function describe(ecs: ECSClient, name = 'web'): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: [name] }));
  return out.services?.[0] as Service;
}

async function setup(h: Harness, images: string[]): Promise<string[]> {
  await h.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
  const arns: string[] = [];
  for (const image of images) {
    const r = await h.ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [container('web', image, 80)] }));
    arns.push(r.taskDefinition?.taskDefinitionArn as string);
  }
  return arns;
}

/** A service of two web:1 tasks with the circuit breaker and rollback on, updated to web:2 whose image fails. */
async function deployFailingImage(h: Harness): Promise<void> {
  await h.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2,
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
  }));
  h.clock.advance(START);
  h.sim.faults.failImage('web:bad');
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
}

t.test('a new service rolls out on the clock: pending → running → COMPLETED', async (t) => {
  const h = await harness(t, { rolloutTimings: timings });
  const [td1] = await setup(h, ['web:1']);
  const created = await h.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: td1, desiredCount: 3 }));
  t.equal(created.service?.deployments?.length, 1);
  t.equal(created.service?.deployments?.[0].status, 'PRIMARY');
  t.equal(created.service?.deployments?.[0].rolloutState, 'IN_PROGRESS');
  t.equal(created.service?.runningCount, 0);
  t.equal((await describe(h.ecs)).pendingCount, 3, 'tasks are launched at once (maximumPercent 200)');
  h.clock.advance(START - 1);
  t.equal((await describe(h.ecs)).runningCount, 0, 'still pending just before taskStartMs');
  h.clock.advance(1);
  const done = await describe(h.ecs);
  t.equal(done.runningCount, 3);
  t.equal(done.pendingCount, 0);
  t.equal(done.deployments?.[0].rolloutState, 'COMPLETED');
  t.match(done.events?.[0].message, /has reached a steady state/);
});

t.test('UpdateService with a new task definition starts a PRIMARY deployment and drains the old one', async (t) => {
  const h = await harness(t, { rolloutTimings: timings });
  const [, td2] = await setup(h, ['web:1', 'web:2']);
  await h.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 }));
  h.clock.advance(START);
  const upd = await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
  t.equal(upd.service?.taskDefinition, td2, 'UpdateService stores the resolved full ARN');
  t.same(upd.service?.deployments?.map((d) => [d.status, d.rolloutState]), [['PRIMARY', 'IN_PROGRESS'], ['ACTIVE', 'COMPLETED']]);
  t.equal(upd.service?.deployments?.[0].taskDefinition, td2);
  h.clock.advance(START);
  const mid = await describe(h.ecs);
  t.equal(mid.deployments?.[0].runningCount, 2, 'new tasks running');
  t.equal(mid.deployments?.length, 2, 'old deployment still draining');
  t.equal(mid.runningCount, 2, 'old tasks are stopping, only new ones count as running');
  h.clock.advance(STOP);
  const done = await describe(h.ecs);
  t.equal(done.deployments?.length, 1);
  t.equal(done.deployments?.[0].rolloutState, 'COMPLETED');
  t.equal(done.runningCount, 2);

  const scale = await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 4 }));
  t.equal(scale.service?.deployments?.length, 1, 'changing only desiredCount starts no deployment');
  h.clock.advance(START);
  t.equal((await describe(h.ecs)).runningCount, 4);
  const forced = await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', forceNewDeployment: true }));
  t.equal(forced.service?.deployments?.length, 2, 'forceNewDeployment starts one');
});

t.test('minimumHealthyPercent keeps old tasks running until new ones start', async (t) => {
  const h = await harness(t, { rolloutTimings: timings });
  await setup(h, ['web:1', 'web:2']);
  await h.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 4,
    deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 100 },
  }));
  h.clock.advance(START);
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
  const s1 = await describe(h.ecs);
  t.equal(s1.deployments?.[0].pendingCount, 2, 'only 150% of desired in total: 2 new tasks');
  t.equal(s1.runningCount, 4);
  h.clock.advance(START);
  const s2 = await describe(h.ecs);
  t.equal(s2.deployments?.[0].runningCount, 2);
  t.equal(s2.deployments?.[1].runningCount, 2, 'two old tasks stopped, two kept for minimumHealthyPercent');
  t.ok((s2.runningCount ?? 0) >= 4, 'never below 100% healthy');
  h.clock.advance(START + STOP);
  const s3 = await describe(h.ecs);
  t.equal(s3.deployments?.length, 1);
  t.equal(s3.deployments?.[0].rolloutState, 'COMPLETED');
  t.equal(s3.runningCount, 4);
});

t.test('a failing image trips the circuit breaker and rolls back to the previous task definition', async (t) => {
  const h = await harness(t, { rolloutTimings: timings });
  const [td1] = await setup(h, ['web:1', 'web:bad']);
  await deployFailingImage(h);
  h.clock.advance(START);
  const s1 = await describe(h.ecs);
  t.equal(s1.deployments?.[0].failedTasks, 2, 'both new tasks failed');
  t.equal(s1.deployments?.[0].rolloutState, 'IN_PROGRESS', 'threshold (3) not reached yet');
  t.equal(s1.runningCount, 2, 'old tasks keep serving');
  h.clock.advance(START);
  const s2 = await describe(h.ecs);
  t.equal(s2.taskDefinition, td1, 'the service returned to the previous task definition');
  t.equal(s2.deployments?.[0].taskDefinition, td1);
  t.equal(s2.deployments?.[0].rolloutState, 'IN_PROGRESS', 'a rollback deployment is running');
  t.ok(s2.events?.some((e) => /deployment failed/.test(e.message ?? '')), 'an event reports the failure');
  h.clock.advance(START + STOP);
  const s3 = await describe(h.ecs);
  t.equal(s3.deployments?.length, 1);
  t.equal(s3.deployments?.[0].rolloutState, 'COMPLETED');
  t.equal(s3.runningCount, 2);
});

t.test('without rollback the failed deployment stays PRIMARY and FAILED; without the breaker it retries for ever', async (t) => {
  const h = await harness(t, { rolloutTimings: timings, faults: { failingImages: ['web:bad'] } });
  const [, bad] = await setup(h, ['web:1', 'web:bad']);
  await h.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1,
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
  }));
  await h.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'nobreaker', taskDefinition: 'web:1', desiredCount: 1 }));
  h.clock.advance(START);
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'nobreaker', taskDefinition: 'web:2' }));
  h.clock.advance(10 * START);
  const s = await describe(h.ecs);
  t.equal(s.taskDefinition, bad);
  t.equal(s.deployments?.[0].rolloutState, 'FAILED');
  t.equal(s.deployments?.[0].failedTasks, 3);
  t.equal(s.runningCount, 1, 'the old task keeps running');
  const n = await describe(h.ecs, 'nobreaker');
  t.equal(n.deployments?.[0].rolloutState, 'IN_PROGRESS');
  t.ok((n.deployments?.[0].failedTasks ?? 0) >= 9, 'failing tasks are replaced over and over');
});

t.test('running tasks of a service with serviceRegistries become Cloud Map instances', async (t) => {
  const h = await harness(t, { rolloutTimings: timings });
  await setup(h, ['web:1']);
  const op = await h.sd.send(new CreateHttpNamespaceCommand({ Name: 'internal' }));
  h.clock.advance(1000);
  const nsId = (await h.sd.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation?.Targets?.NAMESPACE;
  const cm = await h.sd.send(new CreateCmServiceCommand({ Name: 'web', NamespaceId: nsId }));
  const registryArn = cm.Service?.Arn as string;
  await h.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2,
    serviceRegistries: [{ registryArn, port: 80 }],
  }));
  t.same((await h.sd.send(new ListInstancesCommand({ ServiceId: cm.Service?.Id }))).Instances, [], 'pending tasks are not registered');
  h.clock.advance(START);
  const listed = await h.sd.send(new ListInstancesCommand({ ServiceId: cm.Service?.Id }));
  t.equal(listed.Instances?.length, 2);
  const inst = listed.Instances?.[0];
  t.match(inst?.Id, /^[0-9a-f]{32}$/, 'instance id is the task id');
  t.match(inst?.Attributes?.AWS_INSTANCE_IPV4, /^10\.0\.\d+\.\d+$/);
  t.equal(inst?.Attributes?.AWS_INSTANCE_PORT, '80');
  t.equal(inst?.Attributes?.ECS_SERVICE_NAME, 'web');
  const found = await h.sd.send(new DiscoverInstancesCommand({ NamespaceName: 'internal', ServiceName: 'web' }));
  t.equal(found.Instances?.length, 2);

  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 1 }));
  t.equal((await h.sd.send(new ListInstancesCommand({ ServiceId: cm.Service?.Id }))).Instances?.length, 1, 'a stopping task is deregistered');
  await h.ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'web', force: true }));
  t.same((await h.sd.send(new ListInstancesCommand({ ServiceId: cm.Service?.Id }))).Instances, [], 'deleting the service deregisters all');

  const bad = await h.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'other', taskDefinition: 'web:1', desiredCount: 1,
    serviceRegistries: [{ registryArn: `${registryArn}x` }],
  })).catch((e: Error) => e);
  t.equal((bad as Error).name, 'InvalidParameterException', 'an unknown registry is refused');
});

t.test('after a rollback the failed deployment is gone; the durable history remembers it for 90 days', async (t) => {
  const h = await harness(t, { rolloutTimings: timings });
  const [td1, td2] = await setup(h, ['web:1', 'web:bad']);
  await deployFailingImage(h);
  h.clock.advance(2 * START);
  const rolling = await describe(h.ecs);
  t.notOk(rolling.deployments?.some((d) => d.taskDefinition === td2), 'the failed deployment left the deployments list at once');
  h.clock.advance(START + STOP);
  const done = await describe(h.ecs);
  t.same(done.deployments?.map((d) => [d.status, d.taskDefinition, d.rolloutState]), [['PRIMARY', td1, 'COMPLETED']]);

  const history = await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web' }));
  t.same(history.serviceDeployments?.map((d) => d.status), ['ROLLBACK_SUCCESSFUL', 'SUCCESSFUL'], 'newest first');
  const [failed, first] = history.serviceDeployments ?? [];
  t.equal(done.currentServiceDeployment, failed.serviceDeploymentArn, 'the rollback concludes the failed service deployment, which is current');
  t.same(done.currentServiceRevisions?.map((r) => [r.arn, r.runningTaskCount]), [[first.targetServiceRevisionArn, 2]], 'running the first revision');
  const rolledBack = await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', status: ['ROLLBACK_SUCCESSFUL'] }));
  t.equal(rolledBack.serviceDeployments?.length, 1, 'filtered by status');
  const described = await h.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [failed.serviceDeploymentArn as string, 'arn:aws:ecs:us-east-1:123456789012:service-deployment/c/web/nope'] }));
  const sd = described.serviceDeployments?.[0];
  t.equal(sd?.status, 'ROLLBACK_SUCCESSFUL');
  t.equal(sd?.rollback?.serviceRevisionArn, first.targetServiceRevisionArn, 'rolled back to the first revision');
  t.equal(sd?.deploymentCircuitBreaker?.status, 'TRIGGERED');
  t.equal(sd?.deploymentCircuitBreaker?.threshold, 3);
  t.ok(sd?.finishedAt, 'a finished deployment has finishedAt');
  t.same(described.failures?.map((f) => f.reason), ['MISSING']);
  // The history maps to task definitions only through service revisions.
  const revisions = await h.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [failed.targetServiceRevisionArn as string, first.targetServiceRevisionArn as string] }));
  t.same(revisions.serviceRevisions?.map((r) => r.taskDefinition), [td2, td1]);
  t.same(revisions.serviceRevisions?.[0].containerImages?.map((c) => c.image), ['web:bad']);
  t.match(revisions.serviceRevisions?.[0].containerImages?.[0].imageDigest, /^sha256:[0-9a-f]{64}$/);

  // Steady-state events repeat every six hours: after a hundred of them the rollback's
  // events have scrolled out of the service's event list, but not out of the history.
  h.clock.advance(100 * 6 * 3_600_000);
  const later = await describe(h.ecs);
  t.equal(later.events?.length, 100, 'events are a rolling list of 100');
  t.ok(later.events?.every((e) => /has reached a steady state/.test(e.message ?? '')), 'only steady-state events remain');
  const stillThere = await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', status: ['ROLLBACK_SUCCESSFUL'] }));
  t.equal(stillThere.serviceDeployments?.length, 1, 'the rollback is still in the history after 25 days');
  h.clock.advance(70 * 24 * 3_600_000);
  const expired = await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web' }));
  t.same(expired.serviceDeployments, [], 'and is forgotten after 90 days');
});

t.test('service deployment history: superseded deployments stop, no rollback means STOPPED, paging, errors', async (t) => {
  const h = await harness(t, { rolloutTimings: timings, faults: { failingImages: ['web:bad'] } });
  await setup(h, ['web:1', 'web:2', 'web:bad']);
  await h.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1,
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
  }));
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
  h.clock.advance(START + STOP);
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:3' }));
  h.clock.advance(10 * START);
  const all = await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web' }));
  t.same(all.serviceDeployments?.map((d) => d.status), ['STOPPED', 'SUCCESSFUL', 'STOPPED']);
  t.match(all.serviceDeployments?.[0].statusReason, /rollback is off/);
  t.match(all.serviceDeployments?.[2].statusReason, /new service deployment/);
  const page1 = await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', maxResults: 2 }));
  t.equal(page1.serviceDeployments?.length, 2);
  const page2 = await h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', maxResults: 2, nextToken: page1.nextToken }));
  t.same(page2.serviceDeployments?.map((d) => d.status), ['STOPPED'], 'the second page has the oldest');
  t.notOk(page2.nextToken);
  t.equal((await errorOf(() => h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'ghost' })))).name, 'ServiceNotFoundException');
  t.equal((await errorOf(() => h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'zz', service: 'web' })))).name, 'ClusterNotFoundException');
  t.equal((await errorOf(() => h.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web', maxResults: 101 })))).name, 'InvalidParameterException');
  const tooMany = Array.from({ length: 21 }, (_, i) => `arn:aws:ecs:us-east-1:123456789012:service-deployment/c/web/${i}`);
  t.equal((await errorOf(() => h.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: tooMany })))).name, 'InvalidParameterException');
});

t.test('a service of two billion tasks is a few task groups: the simulator stays responsive', async (t) => {
  const h = await harness(t, { rolloutTimings: timings });
  await setup(h, ['web:1', 'web:2']);
  const op = await h.sd.send(new CreateHttpNamespaceCommand({ Name: 'internal' }));
  h.clock.advance(1000);
  const nsId = (await h.sd.send(new GetOperationCommand({ OperationId: op.OperationId }))).Operation?.Targets?.NAMESPACE;
  const cm = await h.sd.send(new CreateCmServiceCommand({ Name: 'web', NamespaceId: nsId }));
  const started = process.hrtime.bigint();
  const huge = 2_147_483_647;
  await h.ecs.send(new CreateServiceCommand({
    cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: huge, serviceRegistries: [{ registryArn: cm.Service?.Arn as string }],
  }));
  h.clock.advance(START);
  const running = await describe(h.ecs);
  t.equal(running.runningCount, huge, 'every task runs');
  t.equal(running.deployments?.[0].rolloutState, 'COMPLETED');
  t.ok((running.events?.[1]?.message?.length ?? 0) < 1000, 'events name a few task ids, not two billion');
  const instances = await h.sd.send(new ListInstancesCommand({ ServiceId: cm.Service?.Id, MaxResults: 100 }));
  t.equal(instances.Instances?.length, 100, 'Cloud Map gets instances up to its quota of 1000 per service');
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
  h.clock.advance(START + STOP);
  const rolled = await describe(h.ecs);
  t.same([rolled.runningCount, rolled.deployments?.length], [huge, 1], 'a rollout of two billion tasks completes');
  await h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 3 }));
  h.clock.advance(STOP);
  t.equal((await describe(h.ecs)).runningCount, 3, 'and scales back in');
  const health = await fetch(`${h.sim.endpoint}/_sim/health`);
  t.equal(health.status, 200, 'the health endpoint answers');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.ok(ms < 5000, `all of it in ${ms.toFixed(0)} ms`);
  const tooBig = await errorOf(() => h.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 1e23 })));
  t.equal(tooBig.name, 'InvalidParameterException', 'a desiredCount beyond 32 bits is refused');
});

t.test('persisted state resumes after a restart, including a state file of single tasks from before task groups', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stateFile = join(dir, 'state.json');
  const first = await harness(t, { rolloutTimings: timings, stateFile });
  await setup(first, ['web:1']);
  await first.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 2 }));
  first.clock.advance(START);
  await first.sim.close();

  const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as SimState;
  // Rewrite the service's tasks the way state files stored them before task groups.
  const svc = saved.services[0];
  const group = svc.tasks[0];
  svc.tasks = [0, 1].map((i) => ({
    id: taskIdAt(group, i), arn: `arn:aws:ecs:us-east-1:123456789012:task/c/${taskIdAt(group, i)}`, deploymentId: group.deploymentId,
    taskDefinition: group.taskDefinition, lastStatus: 'RUNNING', fails: false, ip: `10.0.0.${20 + i}`, registeredIn: [],
  })) as unknown as TaskState[];
  writeFileSync(stateFile, JSON.stringify(saved));

  const second = await harness(t, { rolloutTimings: timings, stateFile });
  const resumed = await describe(second.ecs);
  t.same([resumed.runningCount, resumed.deployments?.[0].rolloutState], [2, 'COMPLETED'], 'the service and its tasks are back');
  const history = await second.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'c', service: 'web' }));
  t.same(history.serviceDeployments?.map((d) => d.status), ['SUCCESSFUL'], 'and so is its deployment history');
  await second.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 1 }));
  second.clock.advance(STOP);
  t.equal((await describe(second.ecs)).runningCount, 1, 'old single tasks scale in like groups');
});
