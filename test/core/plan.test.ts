import t, { type Test } from 'tap';
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { loadConfig } from '../../src/load/index.js';
import { APPLICATION_UNKNOWN, CLAIM_TAGS_ONLY, planSync, type PlanOptions, type Plan } from '../../src/core/plan.js';
import { renderPlan } from '../../src/commands/render.js';
import { emptyLiveState, type LiveState } from '../../src/core/live.js';
import { taskDefinitionHash } from '../../src/core/kinds/task-definition.js';
import type { DesiredState, Resource } from '../../src/api/kinds.js';
import { cluster, service, taskDefinition } from '../load/docs.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012';
const OWNER = { 'ecs-gitops.io/owner': 'ecs-gitops', 'ecs-gitops.io/application': 'test' };
const options = (prune: Partial<PlanOptions['prune']> = {}): PlanOptions => ({
  controllerId: 'ecs-gitops',
  application: 'test',
  prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 10, ...prune },
});

async function desiredFrom(t: Test, files: Record<string, string>): Promise<DesiredState> {
  const result = await loadConfig(t.testdir(files));
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.state;
}

const webFiles = (svc = service()) => ({ 'c.yaml': cluster(), 'td.yaml': taskDefinition(), 'svc.yaml': svc });

/** Live state as AWS shows the documents of `webFiles()` after a sync. */
function syncedLive(desired: DesiredState, overrides: Partial<EcsService> = {}, serviceTags: Record<string, string> = {}): LiveState {
  const live = emptyLiveState();
  live.clusters.set('store', {
    name: 'store', arn: `${ARN}:cluster/store`, tags: { ...OWNER, 'ecs-gitops.io/resource': 'Cluster/store' },
    raw: { clusterName: 'store', status: 'ACTIVE', settings: [{ name: 'containerInsights', value: 'enabled' }] },
  });
  const td = desired.resources.get('TaskDefinition/web') as Resource<'TaskDefinition'>;
  const raw: EcsService = {
    serviceName: 'web', serviceArn: `${ARN}:service/store/web`, status: 'ACTIVE', taskDefinition: `${ARN}:task-definition/web:1`,
    desiredCount: 2, runningCount: 2, launchType: 'FARGATE', platformVersion: 'LATEST', schedulingStrategy: 'REPLICA',
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false } },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'], securityGroups: ['sg-0123456789abcdef0'], assignPublicIp: 'DISABLED' } },
    deployments: [{ status: 'PRIMARY', taskDefinition: `${ARN}:task-definition/web:1`, desiredCount: 2, runningCount: 2, rolloutState: 'COMPLETED' }],
    ...overrides,
  };
  live.services.set('store/web', {
    cluster: 'store', name: 'web', arn: raw.serviceArn!, raw,
    tags: { ...OWNER, 'ecs-gitops.io/resource': 'Service/web', 'ecs-gitops.io/task-definition': 'web:1', 'ecs-gitops.io/task-definition-hash': taskDefinitionHash(td), ...serviceTags },
  });
  return live;
}

const calls = (plan: Plan) => plan.steps.flatMap((s) => s.calls.map((c) => c.operation));
const actions = (plan: Plan) => Object.fromEntries(plan.resources.map((r) => [r.key, r.action]));

t.test('from nothing: everything is created in dependency order, with refs to what earlier steps create', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const plan = planSync(desired, emptyLiveState(), options());
  t.same(actions(plan), { 'Cluster/store': 'create', 'TaskDefinition/web': 'create', 'Service/web': 'create' });
  t.same(plan.steps.map((s) => s.id), ['create Cluster/store', 'create TaskDefinition/web', 'create Service/web']);
  const create = plan.steps[2];
  t.same(create.dependsOn, ['create TaskDefinition/web', 'create Cluster/store']);
  t.match(create.calls[0].input, {
    cluster: 'store', serviceName: 'web', desiredCount: 2,
    taskDefinition: { $ref: 'TaskDefinition/web', attr: 'arn' },
    clientToken: /^[0-9a-f]{32}$/,
  });
  t.ok((create.calls[0].input.tags as { key: string }[]).some((tag) => tag.key === 'ecs-gitops.io/owner'), 'created objects carry the owner tag');
});

t.test('in sync: no step, no change, every resource Synced and Healthy', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const plan = planSync(desired, syncedLive(desired), options());
  t.same(plan.steps, []);
  t.same(actions(plan), { 'Cluster/store': 'none', 'TaskDefinition/web': 'none', 'Service/web': 'none' });
  t.same(plan.resources.map((r) => r.health.status), ['Healthy', 'Healthy', 'Healthy']);
});

t.test('a new image: one registration, one UpdateService, one tag write — nothing else', async (t) => {
  const before = await desiredFrom(t, webFiles());
  const live = syncedLive(before);
  // The reader describes the revision the service runs once its recorded hash no longer matches.
  const { tags: _tags, ...body } = before.resources.get('TaskDefinition/web')!.spec;
  live.taskDefinitions.set(`${ARN}:task-definition/web:1`, { arn: `${ARN}:task-definition/web:1`, family: 'web', revision: 1, tags: {}, raw: { ...body, status: 'ACTIVE' } as never });
  const after = await desiredFrom(t, { ...webFiles(), 'td.yaml': taskDefinition().replace('nginx:1.27.3', 'nginx:1.27.4') });
  const plan = planSync(after, live, options());
  t.same(calls(plan), ['RegisterTaskDefinition', 'UpdateService', 'TagResource']);
  const td = plan.resources.find((r) => r.key === 'TaskDefinition/web')!;
  t.same(td.changes, [{ path: 'spec.containerDefinitions[0].image', from: 'public.ecr.aws/nginx/nginx:1.27.3', to: 'public.ecr.aws/nginx/nginx:1.27.4' }]);
  const update = plan.steps.find((s) => s.key === 'Service/web')!;
  t.same(update.calls[0].input, { cluster: 'store', service: 'web', taskDefinition: { $ref: 'TaskDefinition/web', attr: 'arn' } });
  t.same(update.dependsOn, ['create TaskDefinition/web']);
  t.match(update.calls[1].input.tags, [
    { key: 'ecs-gitops.io/task-definition-hash', value: taskDefinitionHash(after.resources.get('TaskDefinition/web') as Resource<'TaskDefinition'>) },
    { key: 'ecs-gitops.io/task-definition', value: { $ref: 'TaskDefinition/web', format: 'revision' } },
  ]);
});

t.test('a DAEMON service: AWS fills in 100 % / 0 %, and a deploymentConfiguration removed from git goes back to that', async (t) => {
  const daemon = service().replace('  desiredCount: 2\n  launchType: FARGATE\n', '  launchType: EC2\n  schedulingStrategy: DAEMON\n');
  const desired = await desiredFrom(t, webFiles(daemon));
  const daemonLive = (deploymentConfiguration: EcsService['deploymentConfiguration']) =>
    syncedLive(desired, { launchType: 'EC2', schedulingStrategy: 'DAEMON', deploymentConfiguration });
  const defaults = { maximumPercent: 100, minimumHealthyPercent: 0, deploymentCircuitBreaker: { enable: false, rollback: false } };
  t.same(planSync(desired, daemonLive(defaults), options()).steps, [], 'AWS\'s daemon defaults are no diff');
  const plan = planSync(desired, daemonLive({ ...defaults, minimumHealthyPercent: 50 }), options());
  t.same(plan.steps.map((s) => s.calls[0].input), [{ cluster: 'store', service: 'web', deploymentConfiguration: defaults }]);
});

t.test('desiredCount left out belongs to autoscaling; ignore-differences hides named fields', async (t) => {
  const noCount = await desiredFrom(t, webFiles(service().replace('  desiredCount: 2\n', '')));
  t.same(planSync(noCount, syncedLive(noCount, { desiredCount: 7, runningCount: 7 }), options()).steps, [], 'live count 7 is not a diff');

  const ignored = await desiredFrom(t, webFiles(service().replace('metadata:\n  name: web\n', 'metadata:\n  name: web\n  annotations:\n    ecs-gitops.io/ignore-differences: /spec/desiredCount, /spec/platformVersion\n')));
  t.same(planSync(ignored, syncedLive(ignored, { desiredCount: 5, runningCount: 5 }), options()).steps, []);

  const counted = await desiredFrom(t, webFiles());
  const plan = planSync(counted, syncedLive(counted, { desiredCount: 5, runningCount: 5 }), options());
  t.same(plan.resources.find((r) => r.key === 'Service/web')!.changes, [{ path: 'spec.desiredCount', from: 5, to: 2 }], 'drift is seen when git owns the field');
  t.same(calls(plan), ['UpdateService']);
});

t.test('an object the controller did not create is a conflict until adopted', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const live = syncedLive(desired);
  live.clusters.get('store')!.tags = {};
  const conflict = planSync(desired, live, options());
  const c = conflict.resources.find((r) => r.key === 'Cluster/store')!;
  t.equal(c.action, 'conflict');
  t.match(c.message, /not created by this controller; add the annotation ecs-gitops\.io\/adopt: "true"/);
  t.notOk(conflict.steps.some((s) => s.key === 'Cluster/store'), 'nothing is written to it');

  const adopting = await desiredFrom(t, { ...webFiles(), 'c.yaml': cluster().replace('  name: store\n', '  name: store\n  annotations:\n    ecs-gitops.io/adopt: "true"\n') });
  const plan = planSync(adopting, live, options());
  t.equal(plan.resources.find((r) => r.key === 'Cluster/store')!.action, 'update');
  t.same(plan.steps.find((s) => s.key === 'Cluster/store')!.calls.map((c) => c.operation), ['TagResource'], 'adoption only adds the ownership tags');

  live.clusters.get('store')!.tags = { 'ecs-gitops.io/owner': 'another' };
  t.match(planSync(adopting, live, options()).resources.find((r) => r.key === 'Cluster/store'), { action: 'conflict', message: /owned by controller "another"/ });
});

/** The documents of `webFiles()`, each annotated for adoption. */
const adopted = (text: string) => text.replace(/^metadata:\n {2}name: (\S+)\n/m, 'metadata:\n  name: $1\n  annotations:\n    ecs-gitops.io/adopt: "true"\n');
const adoptedFiles = (td = taskDefinition()) => ({ 'c.yaml': adopted(cluster()), 'td.yaml': adopted(td), 'svc.yaml': adopted(service()) });

/**
 * What `syncedLive` shows, made by someone else: nothing tagged, and the revisions `numbers`
 * of web (registered by hand from the document's content; the service runs web:1).
 */
function handMadeLive(desired: DesiredState, numbers = [1], overrides: Partial<EcsService> = {}): LiveState {
  const live = syncedLive(desired, overrides);
  live.clusters.get('store')!.tags = {};
  live.services.get('store/web')!.tags = { team: 'web' };
  const { tags: _tags, ...body } = desired.resources.get('TaskDefinition/web')!.spec;
  for (const n of numbers) {
    const arn = `${ARN}:task-definition/web:${n}`;
    live.taskDefinitions.set(arn, { arn, family: 'web', revision: n, tags: {}, raw: { ...body, cpu: '256', memory: '512', status: 'ACTIVE', registeredBy: 'arn:aws:iam::123456789012:user/terraform' } as never });
  }
  return live;
}

const ownership = (key: string) => ({ ...OWNER, 'ecs-gitops.io/resource': key });
const tagsOf = (call: { input: Record<string, unknown> }) => Object.fromEntries((call.input.tags as { key: string; value: unknown }[]).map((x) => [x.key, x.value]));

t.test('adopting objects whose content equals git: tag steps only, nothing registered or updated', async (t) => {
  const desired = await desiredFrom(t, adoptedFiles());
  const plan = planSync(desired, handMadeLive(desired), options());
  t.same(plan.steps.map((s) => s.id), ['tag Cluster/store', 'tag TaskDefinition/web', 'tag Service/web'], 'one tag step per adopted object');
  t.same(calls(plan), ['TagResource', 'TagResource', 'TagResource', 'UntagResource'], 'no RegisterTaskDefinition, no UpdateService, no UpdateCluster');
  const [clusterTags, revisionTags, serviceTags] = plan.steps.map((s) => s.calls[0]);
  t.equal(revisionTags.input.resourceArn, `${ARN}:task-definition/web:1`, 'the revision the service runs is tagged');
  const hash = taskDefinitionHash(desired.resources.get('TaskDefinition/web') as Resource<'TaskDefinition'>);
  t.same(tagsOf(clusterTags), ownership('Cluster/store'));
  t.same(tagsOf(revisionTags), { ...ownership('TaskDefinition/web'), 'ecs-gitops.io/spec-hash': hash });
  t.same(tagsOf(serviceTags), { ...ownership('Service/web'), 'ecs-gitops.io/task-definition': 'web:1', 'ecs-gitops.io/task-definition-hash': hash }, 'the service records the revision it runs in the same write');
  t.same(plan.steps[2].calls[1].input, { resourceArn: `${ARN}:service/store/web`, tagKeys: ['team'] }, 'a user tag git does not have goes after the owner tag is set');
  for (const r of plan.resources) {
    t.match(r, { action: 'update', sync: 'OutOfSync', message: /^adopt — tags only/ }, `${r.key} is adopted by tags only`);
    t.ok(r.changes.every((c) => c.path.startsWith('spec.tags.')), `${r.key}: the diff lists tags only`);
    t.ok(r.changes.some((c) => c.path === 'spec.tags.ecs-gitops.io/owner'), `${r.key}: the owner tag is shown`);
  }
});

t.test('adopting objects that differ from git: the tag step comes first, the update waits for it', async (t) => {
  const desired = await desiredFrom(t, adoptedFiles());
  const plan = planSync(desired, handMadeLive(desired, [1], { desiredCount: 5, runningCount: 5 }), options());
  t.same(plan.steps.map((s) => s.id), ['tag Cluster/store', 'tag TaskDefinition/web', 'tag Service/web', 'update Service/web']);
  const update = plan.steps[3];
  t.ok(update.dependsOn.includes('tag Service/web'), 'the update runs after the owner tag is on the service');
  t.same(update.calls.map((c) => c.operation), ['UpdateService'], 'the tags are not written twice');
  t.same(update.calls[0].input, { cluster: 'store', service: 'web', desiredCount: 2 });
  t.match(plan.resources.find((r) => r.key === 'Service/web'), { action: 'update', message: /^adopt — adds the ownership tags below first, then makes the changes/ });

  // A cluster whose settings differ: tagged, then updated, in that order.
  const live = handMadeLive(desired);
  live.clusters.get('store')!.raw.settings = [{ name: 'containerInsights', value: 'disabled' }];
  const clusterPlan = planSync(desired, live, options());
  const [tag, updateCluster] = clusterPlan.steps.filter((s) => s.key === 'Cluster/store');
  t.same([tag.calls.map((c) => c.operation), updateCluster.calls.map((c) => c.operation)], [['TagResource'], ['UpdateCluster']]);
  t.same(updateCluster.dependsOn, [tag.id]);
  t.ok(clusterPlan.steps.indexOf(tag) < clusterPlan.steps.indexOf(updateCluster));

  // New content: nothing of the old revision is adopted; the new one is registered with
  // the tags, and the service is tagged before it is pointed at it.
  const changed = await desiredFrom(t, adoptedFiles(taskDefinition().replace('nginx:1.27.3', 'nginx:1.27.4')));
  const next = planSync(changed, handMadeLive(desired), options());
  t.same(next.steps.map((s) => s.id), ['tag Cluster/store', 'tag Service/web', 'create TaskDefinition/web', 'update Service/web']);
  t.same(next.steps[3].dependsOn.sort(), ['create TaskDefinition/web', 'tag Cluster/store', 'tag Service/web']);
  t.same(next.steps[3].calls.map((c) => c.operation), ['UpdateService', 'TagResource'], 'the revision deployed is recorded once the service is the controller\'s');
  t.notOk(tagsOf(next.steps[1].calls[0])['ecs-gitops.io/task-definition'], 'the adopting write does not record a revision about to be replaced');
});

t.test('adopting a Cloud Map namespace and service: tags only when equal; an instance registered in them waits for their tags', async (t) => {
  const CM = 'arn:aws:servicediscovery:us-east-1:123456789012';
  const desired = await desiredFrom(t, {
    'cm.yaml': adopted(`apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata:
  name: partners
spec:
  type: HTTP
  description: partner APIs
`) + '---\n' + adopted(`apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapService
metadata:
  name: payments
spec:
  namespace: partners
`) + `---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapInstance
metadata:
  name: primary
spec:
  service: payments
  attributes:
    host: api.payments.example.com
`,
  });
  const live = emptyLiveState();
  live.namespaces.set('partners', { id: 'ns-p', arn: `${CM}:namespace/ns-p`, name: 'partners', tags: {}, raw: { Type: 'HTTP', Description: 'partner APIs' } });
  live.cloudMapServices.set('ns-p/payments', { id: 'srv-p', arn: `${CM}:service/srv-p`, name: 'payments', namespaceId: 'ns-p', tags: {}, raw: {} });
  const plan = planSync(desired, live, options());
  t.same(plan.steps.map((s) => `${s.id}: ${s.calls.map((c) => c.operation).join(', ')}`), [
    'tag CloudMapNamespace/partners: TagResource',
    'tag CloudMapService/payments: TagResource',
    'create CloudMapInstance/primary: RegisterInstance',
  ], 'no Update*Namespace, no UpdateService');
  t.same(plan.steps[0].calls[0].input, { ResourceARN: `${CM}:namespace/ns-p`, Tags: [{ Key: 'ecs-gitops.io/application', Value: 'test' }, { Key: 'ecs-gitops.io/owner', Value: 'ecs-gitops' }, { Key: 'ecs-gitops.io/resource', Value: 'CloudMapNamespace/partners' }] });
  t.same(plan.steps[2].dependsOn, ['tag CloudMapService/payments'], 'RegisterInstance needs the owner tag on the Cloud Map service');
});

t.test('adopting a service whose revision has a newer copy: the revision it runs is kept, nothing is deployed', async (t) => {
  const desired = await desiredFrom(t, adoptedFiles());
  // web:2 holds the same content, registered again by hand after web:1; the service runs web:1.
  const plan = planSync(desired, handMadeLive(desired, [1, 2]), options());
  t.notOk(calls(plan).includes('UpdateService'), 'no deployment');
  t.equal(plan.steps.find((s) => s.key === 'TaskDefinition/web')!.calls[0].input.resourceArn, `${ARN}:task-definition/web:1`);
  t.equal(tagsOf(plan.steps.find((s) => s.key === 'Service/web')!.calls[0])['ecs-gitops.io/task-definition'], 'web:1');
  // Not adopting (the controller owns the service already): the same choice, no deployment.
  const owned = await desiredFrom(t, webFiles());
  const live = handMadeLive(owned, [1, 2]);
  live.services.get('store/web')!.tags = { ...OWNER, 'ecs-gitops.io/resource': 'Service/web' };
  live.clusters.get('store')!.tags = { ...OWNER, 'ecs-gitops.io/resource': 'Cluster/store' };
  const healed = planSync(owned, live, options());
  t.same(calls(healed), ['TagResource'], 'only the revision it runs is recorded on the service');
  t.equal(tagsOf(healed.steps[0].calls[0])['ecs-gitops.io/task-definition'], 'web:1');
});

t.test('adopting a service that runs a deregistered revision equal to git: kept, unless another service would need it', async (t) => {
  const desired = await desiredFrom(t, adoptedFiles());
  const live = handMadeLive(desired);
  live.taskDefinitions.get(`${ARN}:task-definition/web:1`)!.raw.status = 'INACTIVE';
  const plan = planSync(desired, live, options());
  t.same(plan.steps.map((s) => s.id), ['tag Cluster/store', 'tag TaskDefinition/web', 'tag Service/web'], 'ECS lets the service keep running it: tags only');
  t.match(plan.resources.find((r) => r.key === 'TaskDefinition/web'), { liveId: `${ARN}:task-definition/web:1`, message: /^adopt — tags only/ });

  // A second service on the same document is to be created: ECS starts nothing new on an
  // INACTIVE revision, so the content is registered again and both services use it.
  const more = await desiredFrom(t, { ...adoptedFiles(), 'api.yaml': service('api') });
  const next = planSync(more, live, options());
  t.same(next.steps.filter((s) => s.action !== 'tag').map((s) => s.id).sort(), ['create Service/api', 'create TaskDefinition/web', 'update Service/web']);
  t.same(next.steps.find((s) => s.id === 'update Service/web')!.dependsOn.sort(), ['create TaskDefinition/web', 'tag Cluster/store', 'tag Service/web']);
});

t.test('a create-only field stalls until replacement is allowed', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const live = syncedLive(desired, { launchType: 'EC2' });
  const stalled = planSync(desired, live, options()).resources.find((r) => r.key === 'Service/web')!;
  t.equal(stalled.action, 'stalled');
  t.match(stalled.message, /^spec\.launchType cannot be changed in place; add the annotation ecs-gitops\.io\/allow-replace/);

  const allowed = await desiredFrom(t, webFiles(service().replace('  name: web\n', '  name: web\n  annotations:\n    ecs-gitops.io/allow-replace: "true"\n')));
  const plan = planSync(allowed, live, options());
  const step = plan.steps.find((s) => s.key === 'Service/web')!;
  t.equal(step.action, 'replace');
  t.same(step.calls.map((c) => c.operation), ['UpdateService', 'DeleteService', 'CreateService'], 'scaled to 0, deleted, created again');
  t.same(step.waitForInactive, { cluster: 'store', service: 'web' });
});

t.test('a name still draining is created only once ECS has finished', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const live = syncedLive(desired, { status: 'DRAINING' });
  const plan = planSync(desired, live, options());
  t.notOk(plan.steps.some((s) => s.key === 'Service/web'));
  t.match(plan.resources.find((r) => r.key === 'Service/web')!.message, /still draining/);
});

t.test('pruning: every guard', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const withOrphan = () => {
    const live = syncedLive(desired);
    live.clusters.set('old', { name: 'old', arn: `${ARN}:cluster/old`, tags: { ...OWNER, 'ecs-gitops.io/resource': 'Cluster/old' }, raw: { clusterName: 'old', status: 'ACTIVE' } });
    live.services.set('old/legacy', {
      cluster: 'old', name: 'legacy', arn: `${ARN}:service/old/legacy`, tags: { ...OWNER, 'ecs-gitops.io/resource': 'Service/legacy' },
      raw: { serviceName: 'legacy', status: 'ACTIVE', desiredCount: 3, taskDefinition: `${ARN}:task-definition/legacy:4` },
    });
    return live;
  };

  await t.test('off by default: reported, never deleted', async (t) => {
    const plan = planSync(desired, withOrphan(), options());
    t.same(plan.steps, []);
    t.match(plan.resources.filter((r) => r.action === 'prune-skipped').map((r) => r.message), [/pruning is off/, /pruning is off/]);
  });
  await t.test('on: services are scaled to 0 and deleted before their cluster', async (t) => {
    const plan = planSync(desired, withOrphan(), options({ enabled: true }));
    t.same(plan.steps.map((s) => [s.id, s.calls.map((c) => c.operation), s.dependsOn]), [
      ['delete Service/legacy', ['UpdateService', 'DeleteService'], []],
      ['delete Cluster/old', ['DeleteCluster'], ['delete Service/legacy']],
    ]);
    t.same(plan.steps[0].calls[0].input, { cluster: 'old', service: 'legacy', desiredCount: 0 });
  });
  await t.test('the live tag ecs-gitops.io/prune=disabled protects an object', async (t) => {
    const live = withOrphan();
    live.services.get('old/legacy')!.tags['ecs-gitops.io/prune'] = 'disabled';
    const plan = planSync(desired, live, options({ enabled: true }));
    t.same(plan.steps, [], 'nor the cluster the protected service runs in');
    t.match(plan.resources.find((r) => r.key === 'Service/legacy')!.message, /prune=disabled protects it/);
    t.match(plan.resources.find((r) => r.key === 'Cluster/old'), { action: 'prune-skipped', message: 'no longer in git; kept because Service old/legacy, which is kept, uses it' });
  });
  await t.test('an owned cluster an unowned service runs in is kept', async (t) => {
    const live = withOrphan();
    live.services.get('old/legacy')!.tags = {};
    const plan = planSync(desired, live, options({ enabled: true }));
    t.same(plan.steps, []);
    t.match(plan.resources.find((r) => r.key === 'Cluster/old')!.message, /kept because Service old\/legacy, which is kept, uses it/);
  });
  await t.test('a protected service keeps the Cloud Map service it registers in, and that one its namespace', async (t) => {
    const live = withOrphan();
    live.services.get('old/legacy')!.tags['ecs-gitops.io/prune'] = 'disabled';
    const registry = 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-legacy';
    live.services.get('old/legacy')!.raw.serviceRegistries = [{ registryArn: registry }];
    live.namespaces.set('old.local', { id: 'ns-old', arn: 'arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-old', name: 'old.local', tags: { ...OWNER, 'ecs-gitops.io/resource': 'CloudMapNamespace/old.local' }, raw: {} });
    live.cloudMapServices.set('ns-old/legacy', { id: 'srv-legacy', arn: registry, name: 'legacy', namespaceId: 'ns-old', tags: { ...OWNER, 'ecs-gitops.io/resource': 'CloudMapService/legacy' }, raw: {} });
    const plan = planSync(desired, live, options({ enabled: true }));
    t.same(plan.steps, [], 'nothing the kept service needs is deleted');
    t.match(actions(plan), { 'Service/legacy': 'prune-skipped', 'CloudMapService/legacy': 'prune-skipped', 'CloudMapNamespace/old.local': 'prune-skipped', 'Cluster/old': 'prune-skipped' });
    t.equal(plan.resources.find((r) => r.key === 'CloudMapService/legacy')!.message, 'no longer in git; kept because Service old/legacy, which is kept, uses it');
    t.equal(plan.resources.find((r) => r.key === 'CloudMapNamespace/old.local')!.message, 'no longer in git; kept because Cloud Map service legacy, which is kept, uses it');

    // Unprotected, all of it goes: each delete after the deletes of what uses it.
    delete live.services.get('old/legacy')!.tags['ecs-gitops.io/prune'];
    const pruned = planSync(desired, live, options({ enabled: true }));
    t.same(pruned.steps.map((s) => [s.id, s.dependsOn]), [
      ['delete Service/legacy', []],
      ['delete Cluster/old', ['delete Service/legacy']],
      ['delete CloudMapService/legacy', ['delete Service/legacy']],
      ['delete CloudMapNamespace/old.local', ['delete CloudMapService/legacy']],
    ]);
  });
  await t.test('a deferred delete keeps what the deferred object uses', async (t) => {
    const plan = planSync(desired, withOrphan(), options({ enabled: true, maxDeletesPerSync: 0 }));
    t.same(plan.steps, []);
    t.match(plan.resources.find((r) => r.key === 'Cluster/old')!.message, /kept because Service old\/legacy, which is kept, uses it/);
  });
  await t.test('never every owned object at once unless allowEmpty', async (t) => {
    const empty: DesiredState = { resources: new Map() };
    const plan = planSync(empty, withOrphan(), options({ enabled: true }));
    t.same(plan.steps, []);
    t.ok(plan.resources.every((r) => r.action === 'prune-skipped' && /every object the controller owns/.test(r.message ?? '')));
    t.equal(planSync(empty, withOrphan(), options({ enabled: true, allowEmpty: true })).steps.length, 4, 'with allowEmpty all four go');
  });
  await t.test('at most maxDeletesPerSync per pass', async (t) => {
    const plan = planSync(desired, withOrphan(), options({ enabled: true, maxDeletesPerSync: 1 }));
    t.same(plan.steps.map((s) => s.id), ['delete Service/legacy']);
    t.match(plan.resources.find((r) => r.key === 'Cluster/old')!.message, /deferred: at most 1 deletions per sync/);
  });
  await t.test('unowned objects are never candidates', async (t) => {
    const live = withOrphan();
    live.services.get('old/legacy')!.tags = {};
    live.clusters.get('old')!.tags = {};
    t.same(planSync(desired, live, options({ enabled: true, allowEmpty: true })).steps, []);
  });
});

t.test('health: a circuit-breaker rollback is Degraded, never Healthy', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const live = syncedLive(desired, {
    taskDefinition: `${ARN}:task-definition/web:0`,
    deployments: [{ status: 'PRIMARY', taskDefinition: `${ARN}:task-definition/web:0`, desiredCount: 2, runningCount: 2, rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/123.' }],
  }, { 'ecs-gitops.io/task-definition': 'web:1' });
  live.taskDefinitions.set(`${ARN}:task-definition/web:1`, {
    arn: `${ARN}:task-definition/web:1`, family: 'web', revision: 1, raw: { status: 'ACTIVE' },
    tags: { 'ecs-gitops.io/spec-hash': taskDefinitionHash(desired.resources.get('TaskDefinition/web') as Resource<'TaskDefinition'>) },
  });
  const svc = planSync(desired, live, options()).resources.find((r) => r.key === 'Service/web')!;
  t.equal(svc.health.status, 'Degraded');
  t.match(svc.health.message, /circuit breaker rolled back from web:1 to web:0/);
});

t.test('a cluster: Container Insights left out follows the account; a Service Connect namespace named by name matches the ARN AWS answers', async (t) => {
  const noInsights = cluster().replace(/ {2}settings:\n.*\n.*\n/, '  serviceConnectDefaults:\n    namespace: store.internal\n');
  const desired = await desiredFrom(t, { ...webFiles(), 'c.yaml': noInsights });
  const live = syncedLive(desired);
  const namespaceArn = `${ARN.replace(':ecs:', ':servicediscovery:')}:namespace/ns-0123456789abcdef`;
  live.clusters.get('store')!.raw.serviceConnectDefaults = { namespace: namespaceArn };
  live.namespaceNames.set(namespaceArn, 'store.internal');
  const plan = planSync(desired, live, options());
  t.equal(actions(plan)['Cluster/store'], 'none', 'enabled by the account, not by git: no diff');
  t.same(calls(plan), [], 'Container Insights is never turned off unasked');

  live.clusters.get('store')!.raw.serviceConnectDefaults = { namespace: `${namespaceArn}-other` };
  const moved = planSync(desired, live, options());
  t.equal(actions(moved)['Cluster/store'], 'update', 'another namespace is a diff');
  t.same(calls(moved), ['UpdateCluster']);
});

t.test('a service: the service-linked role and an inherited strategy are no diff; a launch type and a strategy change in place', async (t) => {
  const noLaunch = service().replace('  launchType: FARGATE\n', '');
  const desired = await desiredFrom(t, webFiles(noLaunch));
  const linkedRole = 'arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS';
  const inherited = syncedLive(desired, { launchType: undefined, capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }], roleArn: linkedRole });
  const plan = planSync(desired, inherited, options());
  t.equal(actions(plan)['Service/web'], 'none');
  t.same(calls(plan), [], 'no UpdateService capacityProviderStrategy: []');

  const onFargate = planSync(await desiredFrom(t, webFiles()), inherited, options());
  t.equal(actions(onFargate)['Service/web'], 'update', 'launch type FARGATE over a FARGATE_SPOT strategy: in place');
  t.same(onFargate.steps.flatMap((s) => s.calls.map((c) => c.input.capacityProviderStrategy)).filter(Boolean), [[]], 'the strategy removed with []');

  const onEc2 = planSync(await desiredFrom(t, webFiles(service().replace('launchType: FARGATE', 'launchType: EC2'))), inherited, options());
  t.equal(actions(onEc2)['Service/web'], 'stalled', 'EC2 is not what a Fargate strategy goes back to: a replacement');
  t.match(onEc2.resources.find((r) => r.key === 'Service/web')?.message, /spec\.launchType cannot be changed in place/);
});

t.test('a rolled-back revision holds only the task definition, from the deployment history', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const td = desired.resources.get('TaskDefinition/web') as Resource<'TaskDefinition'>;
  // web:2 carries the document's content; ECS rolled it back to web:1 and dropped the failed deployment.
  const live = syncedLive(desired, { desiredCount: 3 }, { 'ecs-gitops.io/task-definition': 'web:2' });
  live.services.get('store/web')!.tags['ecs-gitops.io/task-definition-hash'] = 'another';
  live.taskDefinitions.set(`${ARN}:task-definition/web:2`, { arn: `${ARN}:task-definition/web:2`, family: 'web', revision: 2, tags: { 'ecs-gitops.io/spec-hash': taskDefinitionHash(td) }, raw: { status: 'ACTIVE', family: 'web', revision: 2 } });
  live.rolledBack.set(`${ARN}:service/store/web`, new Set([`${ARN}:task-definition/web:2`]));
  const plan = planSync(desired, live, options());
  const web = plan.resources.find((r) => r.key === 'Service/web');
  t.equal(web?.health.status, 'Degraded');
  t.match(web?.message, /ECS rolled back web:2; not deploying it again/);
  t.same(plan.steps.flatMap((s) => s.calls.map((c) => c.input)).filter((i) => 'service' in i), [{ cluster: 'store', service: 'web', desiredCount: 2 }], 'the desired count still converges; the task definition waits');
  t.ok(web?.changes.some((c) => c.path === 'spec.taskDefinition'), 'the held change is reported');

  live.services.get('store/web')!.raw.desiredCount = 2;
  const settled = planSync(desired, live, options());
  t.equal(actions(settled)['Service/web'], 'stalled', 'with nothing else to do: stalled');
  t.same(calls(settled), []);
});

t.test('a service no longer in git is judged from what it runs: rolled back is Degraded, and a delete shows its live spec', async (t) => {
  const withWeb = await desiredFrom(t, webFiles());
  const live = syncedLive(withWeb, {}, { 'ecs-gitops.io/task-definition': 'web:2' });
  live.rolledBack.set(`${ARN}:service/store/web`, new Set([`${ARN}:task-definition/web:2`]));
  const withoutWeb = await desiredFrom(t, { 'c.yaml': cluster(), 'td.yaml': taskDefinition() });
  const kept = planSync(withoutWeb, live, options()).resources.find((r) => r.key === 'Service/web');
  t.equal(kept?.action, 'prune-skipped');
  t.match(kept?.health, { status: 'Degraded', reason: 'RolledBack' });

  live.services.get('store/web')!.tags['ecs-gitops.io/task-definition'] = 'web:1';
  const pruned = planSync(withoutWeb, live, options({ enabled: true })).resources.find((r) => r.key === 'Service/web');
  t.equal(pruned?.action, 'delete');
  t.equal(pruned?.health.status, 'Healthy', 'running what it last deployed, to completion');
  t.match(pruned?.live, { desiredCount: 2, launchType: 'FARGATE', taskDefinition: 'web:1' });
});

const doc = (kind: string, name: string, spec: string) => `apiVersion: ecs-gitops.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

/** An ACTIVE cluster no document names, with these tags. */
function extraCluster(live: LiveState, name: string, tags: Record<string, string>): void {
  live.clusters.set(name, { name, arn: `${ARN}:cluster/${name}`, tags: { ...tags, 'ecs-gitops.io/resource': `Cluster/${name}` }, raw: { clusterName: name, status: 'ACTIVE' } });
}

t.test("another application's object of this controller: a conflict naming the application, never adopted, never pruned", async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const live = syncedLive(desired);
  live.clusters.get('store')!.tags = { ...OWNER, 'ecs-gitops.io/application': 'github.com/org/other', 'ecs-gitops.io/resource': 'Cluster/store' };
  extraCluster(live, 'theirs', { ...OWNER, 'ecs-gitops.io/application': 'github.com/org/other' });
  extraCluster(live, 'mine', OWNER);
  const plan = planSync(desired, live, options({ enabled: true }));
  t.match(plan.resources.find((r) => r.key === 'Cluster/store'), { action: 'conflict', message: /owned by application "github\.com\/org\/other" of this controller, not "test"/ });
  t.notOk(plan.steps.some((s) => s.key === 'Cluster/store'), 'nothing is written to it');
  t.notOk(plan.resources.some((r) => r.key === 'Cluster/theirs'), "the other application's object is not in this plan at all");
  t.same(plan.steps.filter((s) => s.action === 'delete').map((s) => s.key), ['Cluster/mine'], "only this application's object is pruned");

  const adopting = await desiredFrom(t, { ...webFiles(), 'c.yaml': adopted(cluster()) });
  t.match(planSync(adopting, live, options()).resources.find((r) => r.key === 'Cluster/store'), { action: 'conflict' }, 'the adopt annotation does not take it');
});

t.test('an object owned before applications existed: claimed by the application that names it, kept and reported otherwise', async (t) => {
  const desired = await desiredFrom(t, webFiles());
  const live = syncedLive(desired);
  const ownerOnly = { 'ecs-gitops.io/owner': 'ecs-gitops' };
  live.clusters.get('store')!.tags = { ...ownerOnly, 'ecs-gitops.io/resource': 'Cluster/store' };
  extraCluster(live, 'old', ownerOnly);
  const plan = planSync(desired, live, options({ enabled: true, allowEmpty: true }));
  t.match(plan.resources.find((r) => r.key === 'Cluster/store'), { action: 'update', message: CLAIM_TAGS_ONLY, changes: [{ path: 'spec.tags.ecs-gitops.io/application', to: 'test' }] });
  const claim = plan.steps.find((s) => s.key === 'Cluster/store')!;
  t.same(claim.calls, [{ service: 'ecs', operation: 'TagResource', input: { resourceArn: `${ARN}:cluster/store`, tags: [{ key: 'ecs-gitops.io/application', value: 'test' }] } }], 'the claim adds the application tag and writes nothing else');
  t.match(plan.resources.find((r) => r.key === 'Cluster/old'), { action: 'prune-skipped', message: APPLICATION_UNKNOWN });
  t.notOk(plan.steps.some((s) => s.key === 'Cluster/old'), 'it may be another repository\'s: not pruned, even with --prune and allowEmpty');
  t.match(renderPlan(plan, { color: false }), /Cluster\/store: to claim — owned by this controller before applications existed/);
  t.match(renderPlan(plan, { color: false }), /Cluster\/old: not in git \(kept\) — owned, application unknown; not pruned/);
});

t.test('a Cloud Map instance: registered again to be claimed; another application\'s is a conflict', async (t) => {
  const CM = 'arn:aws:servicediscovery:us-east-1:123456789012';
  const desired = await desiredFrom(t, {
    'cm.yaml': doc('CloudMapNamespace', 'partners', '  type: HTTP\n') + '---\n' + doc('CloudMapService', 'payments', '  namespace: partners\n') + '---\n' + doc('CloudMapInstance', 'primary', '  service: payments\n  attributes:\n    host: api.example.com\n'),
  });
  const live = emptyLiveState();
  live.namespaces.set('partners', { id: 'ns-p', arn: `${CM}:namespace/ns-p`, name: 'partners', tags: { ...OWNER, 'ecs-gitops.io/resource': 'CloudMapNamespace/partners' }, raw: { Type: 'HTTP' } });
  live.cloudMapServices.set('ns-p/payments', { id: 'srv-p', arn: `${CM}:service/srv-p`, name: 'payments', namespaceId: 'ns-p', tags: { ...OWNER, 'ecs-gitops.io/resource': 'CloudMapService/payments' }, raw: {} });
  const instance = (marks: Record<string, string>) => live.instances.set('srv-p/primary', { serviceId: 'srv-p', id: 'primary', attributes: { host: 'api.example.com', ...marks } });

  instance({ 'ecs-gitops.io/owner': 'ecs-gitops' });
  const claim = planSync(desired, live, options());
  t.match(claim.resources.find((r) => r.key === 'CloudMapInstance/primary'), { action: 'update', message: /claiming an object owned before applications existed/ });
  t.match(claim.steps.find((s) => s.key === 'CloudMapInstance/primary')?.calls[0], { operation: 'RegisterInstance', input: { Attributes: { host: 'api.example.com', 'ecs-gitops.io/owner': 'ecs-gitops', 'ecs-gitops.io/application': 'test' } } });

  instance({ 'ecs-gitops.io/owner': 'ecs-gitops', 'ecs-gitops.io/application': 'test' });
  t.match(planSync(desired, live, options()).resources.find((r) => r.key === 'CloudMapInstance/primary'), { action: 'none', sync: 'Synced' }, 'claimed, it is in sync');

  instance({ 'ecs-gitops.io/owner': 'ecs-gitops', 'ecs-gitops.io/application': 'orders' });
  const other = planSync(desired, live, options({ enabled: true }));
  t.match(other.resources.find((r) => r.key === 'CloudMapInstance/primary'), { action: 'conflict', message: /owned by application "orders"/ });
  t.notOk(other.steps.some((s) => s.key === 'CloudMapInstance/primary'), 'nothing is registered over it');
});
