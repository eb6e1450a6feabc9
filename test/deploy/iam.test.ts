// The controller's IAM policy against the code: every ECS and Cloud Map operation the code
// may call (API_OPERATIONS, the one list) is allowed, with the Route 53 and EC2 actions AWS
// documents Cloud Map as needing for it; nothing else is; roles can be passed only to ECS
// tasks; tags only on create or on objects the controller owns. The CloudFormation task
// role carries the same statements.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_OPERATIONS, isReadOperation, type AwsService } from '../../src/aws/clients.js';
import { DEFAULT_CONTROLLER_ID } from '../../src/config.js';
import { emptyLiveState } from '../../src/core/live.js';
import { planSync } from '../../src/core/plan.js';
import { OWNER_TAG } from '../../src/core/tags.js';
import { loadConfig } from '../../src/load/index.js';
import { ROOT, loadTemplate } from './cfn.js';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  NotAction?: unknown;
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const readPolicy = async (name: string) => JSON.parse(await readFile(join(ROOT, 'deploy', name), 'utf8')) as Policy;
const policy = await readPolicy('iam-policy.json');
const readonly = await readPolicy('iam-policy-readonly.json');
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const allActions = (p: Policy) => new Set(p.Statement.flatMap(actionsOf));

/** Statements that allow `action` with no condition at all. */
const unconditionally = (p: Policy, action: string) => p.Statement.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action) && !s.Condition);

const IAM_PREFIX: Record<AwsService, string> = { ecs: 'ecs', servicediscovery: 'servicediscovery', tagging: 'tag' };
const codeActions = (Object.keys(API_OPERATIONS) as AwsService[]).flatMap((service) => Object.keys(API_OPERATIONS[service]).map((op) => ({ service, op, action: `${IAM_PREFIX[service]}:${op}` })));

/**
 * What AWS Cloud Map calls on the caller's behalf, and so needs the caller to be allowed
 * ("AWS Cloud Map API permissions reference", required permissions per action).
 */
const CLOUD_MAP_DEPENDENCIES: Record<string, string[]> = {
  CreatePrivateDnsNamespace: ['route53:CreateHostedZone', 'route53:GetHostedZone', 'route53:ListHostedZonesByName', 'ec2:DescribeVpcs', 'ec2:DescribeRegions'],
  CreatePublicDnsNamespace: ['route53:CreateHostedZone', 'route53:GetHostedZone', 'route53:ListHostedZonesByName'],
  DeleteNamespace: ['route53:DeleteHostedZone'],
  UpdatePrivateDnsNamespace: ['route53:ChangeResourceRecordSets'],
  UpdatePublicDnsNamespace: ['route53:ChangeResourceRecordSets'],
  RegisterInstance: ['route53:GetHealthCheck', 'route53:CreateHealthCheck', 'route53:UpdateHealthCheck', 'route53:ChangeResourceRecordSets', 'ec2:DescribeInstances'],
  DeregisterInstance: ['route53:GetHealthCheck', 'route53:DeleteHealthCheck', 'route53:UpdateHealthCheck', 'route53:ChangeResourceRecordSets'],
  UpdateService: ['route53:GetHealthCheck', 'route53:CreateHealthCheck', 'route53:DeleteHealthCheck', 'route53:UpdateHealthCheck', 'route53:ChangeResourceRecordSets'],
};

/** Statements that allow `action`, with or without a condition. */
const allowing = (p: Policy, action: string) => p.Statement.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action));

/**
 * Writes AWS gives no resource-level permission or tag condition for, so the policy
 * cannot tie them to the owner tag; deploy/README.md writes each of them down.
 */
const UNCONDITIONED_WRITES = ['ecs:DeregisterTaskDefinition'];

t.test('every operation the code may call is allowed by the policy', async (t) => {
  for (const { action } of codeActions) t.ok(allowing(policy, action).length > 0, `${action} is allowed`);
  for (const [op, needs] of Object.entries(CLOUD_MAP_DEPENDENCIES)) {
    if (!Object.hasOwn(API_OPERATIONS.servicediscovery, op)) continue;
    for (const dependency of needs) t.ok(unconditionally(policy, dependency).length > 0, `servicediscovery:${op} needs ${dependency}`);
  }
});

t.test('writes are tied to the owner tag: creates on aws:RequestTag, changes and deletes on aws:ResourceTag; the exceptions are written down', async (t) => {
  const ownerIs = (s: Statement, key: string) => s.Condition?.StringEquals?.[`${key}/${OWNER_TAG}`] === DEFAULT_CONTROLLER_ID;
  for (const { op, action } of codeActions) {
    if (isReadOperation(op) || op === 'GetOperation') continue;
    if (UNCONDITIONED_WRITES.includes(action)) continue;
    const statements = allowing(policy, action);
    const creates = /^(Create|RegisterTaskDefinition)/.test(op);
    for (const s of statements) {
      const ok = creates
        ? ownerIs(s, 'aws:RequestTag')
        : ownerIs(s, 'aws:ResourceTag') || (op === 'TagResource' && (ownerIs(s, 'aws:RequestTag') || s.Condition?.StringEquals?.['ecs:CreateAction'] !== undefined));
      t.ok(ok, `${action} (${s.Sid}) is allowed only ${creates ? 'when the request sets' : 'on objects carrying'} ${OWNER_TAG}=${DEFAULT_CONTROLLER_ID}`);
    }
  }
  const readme = await readFile(join(ROOT, 'deploy', 'README.md'), 'utf8');
  for (const action of UNCONDITIONED_WRITES) {
    t.ok(allowing(policy, action).length > 0, `${action} is still allowed`);
    t.match(readme, new RegExp(`\\\`${action}\\\`[^\\n]*(no resource-level|no tag condition)`), `deploy/README.md says why ${action} has no owner condition`);
  }
  t.match(readme, /Route 53[^\n]*(no owner tag|cannot carry)/, 'deploy/README.md says why the Route 53 and EC2 actions have no owner condition');
});

t.test('the policy allows nothing the code does not call', async (t) => {
  const justified = new Set([...codeActions.map((c) => c.action), ...Object.values(CLOUD_MAP_DEPENDENCIES).flat(), 'iam:PassRole']);
  for (const action of allActions(policy)) {
    t.ok(justified.has(action), `${action} is called by the code or needed by an operation it calls`);
    t.notMatch(action, /\*/, `${action} names one action, no wildcard`);
  }
  for (const s of policy.Statement) {
    t.equal(s.Effect, 'Allow', `${s.Sid}: allow statements only`);
    t.notOk(s.NotAction, `${s.Sid}: no NotAction`);
    t.ok(s.Sid && /^[A-Za-z0-9]+$/.test(s.Sid), `${s.Sid}: every statement has a Sid`);
  }
});

t.test('ECS tags: allowed at create for every create call that sends tags, and afterwards only on objects this controller owns', async (t) => {
  // Which creates carry tags, from the planner itself: plan the example repository against an empty account.
  const loaded = await loadConfig(join(ROOT, 'examples'));
  t.ok(loaded.ok, 'the examples load');
  if (!loaded.ok) return;
  const plan = planSync(loaded.state, emptyLiveState(), { controllerId: DEFAULT_CONTROLLER_ID, application: 'test', prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 } });
  const taggedCreates = new Set(plan.steps.flatMap((s) => s.calls).filter((c) => c.service === 'ecs' && Array.isArray(c.input.tags) && (c.input.tags as unknown[]).length > 0).map((c) => c.operation));
  t.same([...taggedCreates].sort(), ['CreateCluster', 'CreateService', 'RegisterTaskDefinition'], 'the planner tags clusters, task definitions and services at create');

  const onCreate = policy.Statement.filter((s) => actionsOf(s).includes('ecs:TagResource') && s.Condition?.StringEquals?.['ecs:CreateAction']);
  t.equal(onCreate.length, 1, 'one statement allows tagging on create');
  const createActions = onCreate[0].Condition!.StringEquals['ecs:CreateAction'] as string[];
  for (const op of taggedCreates) t.ok(createActions.includes(op), `ecs:TagResource is allowed when ecs:CreateAction = ${op}`);
  t.same(actionsOf(onCreate[0]), ['ecs:TagResource'], 'that statement allows nothing but TagResource');

  t.same(unconditionally(policy, 'ecs:TagResource'), [], 'ecs:TagResource is never allowed without a condition');
  t.same(unconditionally(policy, 'ecs:UntagResource'), [], 'ecs:UntagResource is never allowed without a condition');
  const tagging = policy.Statement.filter((s) => actionsOf(s).includes('ecs:TagResource'));
  const owned = tagging.find((s) => s.Condition?.StringEquals?.[`aws:ResourceTag/${OWNER_TAG}`] !== undefined);
  t.same([...actionsOf(owned!)].sort(), ['ecs:TagResource', 'ecs:UntagResource'], 'tag changes on objects carrying the owner tag (tag drift, user tag edits)');
  t.equal(owned!.Condition!.StringEquals[`aws:ResourceTag/${OWNER_TAG}`], DEFAULT_CONTROLLER_ID);
  const adopted = tagging.find((s) => s.Condition?.StringEquals?.[`aws:RequestTag/${OWNER_TAG}`] !== undefined);
  t.same(actionsOf(adopted!), ['ecs:TagResource'], 'adoption: tagging that sets the owner tag');
  t.equal(adopted!.Condition!.StringEquals[`aws:RequestTag/${OWNER_TAG}`], DEFAULT_CONTROLLER_ID);
});

/** Every role a config names: task definitions' task and execution roles, services' role. */
function rolesNamed(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => rolesNamed(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && (/RoleArn$/.test(k) || k === 'role') && v.startsWith('arn:')) into.add(v);
      else rolesNamed(v, into);
    }
  }
  return into;
}

t.test('iam:PassRole: only the roles the config names, only to ECS tasks', async (t) => {
  const pass = policy.Statement.filter((s) => actionsOf(s).includes('iam:PassRole'));
  t.equal(pass.length, 1, 'one PassRole statement');
  t.same(actionsOf(pass[0]), ['iam:PassRole']);
  t.same(pass[0].Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, 'passed to ecs-tasks.amazonaws.com only');
  const resources = pass[0].Resource as string[];
  t.ok(Array.isArray(resources) && resources.every((r) => /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(r)), 'role ARNs, no wildcard');

  const loaded = await loadConfig(join(ROOT, 'examples'));
  if (!loaded.ok) return t.fail('the examples load');
  const named = rolesNamed([...loaded.state.resources.values()].map((r) => r.spec));
  t.ok(named.size > 0, 'the example config names roles');
  for (const role of named) t.ok(resources.includes(role), `the controller may pass ${role}`);
  for (const role of resources) t.ok(named.has(role), `${role} is named by the config (no spare roles)`);
});

t.test('the read-only policy (for `ecs-gitops diff` in CI) holds exactly the read operations', async (t) => {
  const reads = codeActions.filter((c) => isReadOperation(c.op)).map((c) => c.action).sort();
  t.same([...allActions(readonly)].sort(), reads);
  for (const s of readonly.Statement) t.notOk(s.Condition, `${s.Sid}: unconditional reads`);
});

t.test('the CloudFormation task role carries the same statements as deploy/iam-policy.json', async (t) => {
  const template = loadTemplate();
  const role = template.Resources.TaskRole.Properties as { Policies: { PolicyDocument: Policy }[] };
  t.equal(role.Policies.length, 1);
  const cfn = role.Policies[0].PolicyDocument;
  t.same(cfn.Statement.map((s) => s.Sid), policy.Statement.map((s) => s.Sid), 'same statements in the same order');
  const ref = (name: string) => ({ Ref: name });
  for (const s of policy.Statement) {
    const c = cfn.Statement.find((x) => x.Sid === s.Sid)!;
    t.same(actionsOf(c), actionsOf(s), `${s.Sid}: same actions`);
    t.equal(c.Effect, s.Effect);
    if (s.Sid === 'PassTaskRoles') {
      t.same(c.Resource, ref('PassRoleArns'), 'PassRole resources come from the PassRoleArns parameter');
      t.same(c.Condition, s.Condition);
    } else {
      t.same(c.Resource, s.Resource, `${s.Sid}: same resources`);
      // The owner tag value is the ControllerId parameter in the template.
      const expected = JSON.parse(JSON.stringify(s.Condition ?? null).replaceAll(`"${DEFAULT_CONTROLLER_ID}"`, JSON.stringify(ref('ControllerId'))));
      t.same(c.Condition ?? null, expected, `${s.Sid}: same conditions`);
    }
  }
  t.equal(template.Parameters.ControllerId.Default, DEFAULT_CONTROLLER_ID, 'the template defaults to the CLI\'s controller id');
});
