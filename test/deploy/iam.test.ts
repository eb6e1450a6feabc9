// The controller's IAM policy against the code: every ECS and Cloud Map operation the code
// may call (API_OPERATIONS, the one list) is allowed, with the Route 53 and EC2 actions AWS
// documents Cloud Map as needing for it; nothing else is; roles can be passed only to ECS
// tasks; tags only on create or on objects the controller owns. The CloudFormation task
// role carries the same statements.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_OPERATIONS, isReadOperation, type ApiService } from '../../src/aws/clients.js';
import { DEFAULT_CONTROLLER_ID } from '../../src/config.js';
import { emptyLiveState } from '../../src/core/live.js';
import { planSync } from '../../src/core/plan.js';
import { OWNER_TAG } from '../../src/core/tags.js';
import { loadConfig } from '../../src/load/index.js';
import { ROOT, loadTemplate, loadTemplateAt, render } from './cfn.js';

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

const IAM_PREFIX: Record<ApiService, string> = { ecs: 'ecs', servicediscovery: 'servicediscovery', tagging: 'tag', sts: 'sts' };
const codeActions = (Object.keys(API_OPERATIONS) as ApiService[]).flatMap((service) => Object.keys(API_OPERATIONS[service]).map((op) => ({ service, op, action: `${IAM_PREFIX[service]}:${op}` })));

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
  for (const { service, op, action } of codeActions) {
    // STS's AssumeRole is tied to the target roles instead (its own test).
    if (isReadOperation(op) || op === 'GetOperation' || service === 'sts') continue;
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
      if (typeof v === 'string' && (/[rR]oleArn$/.test(k) || k === 'role') && v.startsWith('arn:')) into.add(v);
      else rolesNamed(v, into);
    }
  }
  return into;
}

/** The EBS infrastructure roles a config names: ECS itself assumes them, not the tasks. */
function infrastructureRolesNamed(specs: unknown[]): Set<string> {
  const roles = specs.flatMap((spec) => ((spec as { volumeConfigurations?: { managedEBSVolume?: { roleArn?: string } }[] }).volumeConfigurations ?? []).map((v) => v.managedEBSVolume?.roleArn));
  return new Set(roles.filter((r): r is string => !!r));
}

t.test('iam:PassRole: only the roles the config names, task roles to ECS tasks, infrastructure roles to ECS', async (t) => {
  const pass = policy.Statement.filter((s) => actionsOf(s).includes('iam:PassRole'));
  t.same(pass.map((s) => s.Sid), ['PassTaskRoles', 'PassInfrastructureRoles'], 'two PassRole statements');
  for (const s of pass) {
    t.same(actionsOf(s), ['iam:PassRole']);
    const resources = s.Resource as string[];
    t.ok(Array.isArray(resources) && resources.every((r) => /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(r)), `${s.Sid}: role ARNs, no wildcard`);
  }
  const [tasks, infrastructure] = pass;
  t.same(tasks.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, 'task roles are passed to ecs-tasks.amazonaws.com only');
  t.same(infrastructure.Condition, { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } }, 'infrastructure roles are passed to ecs.amazonaws.com only');

  const loaded = await loadConfig(join(ROOT, 'examples'));
  if (!loaded.ok) return t.fail('the examples load');
  const specs = [...loaded.state.resources.values()].map((r) => r.spec);
  const infrastructureRoles = infrastructureRolesNamed(specs);
  const taskRoles = new Set([...rolesNamed(specs)].filter((r) => !infrastructureRoles.has(r)));
  t.ok(taskRoles.size > 0 && infrastructureRoles.size > 0, 'the example config names both kinds of role');
  for (const [statement, named] of [[tasks, taskRoles], [infrastructure, infrastructureRoles]] as const) {
    const resources = statement.Resource as string[];
    for (const role of named) t.ok(resources.includes(role), `${statement.Sid}: the controller may pass ${role}`);
    for (const role of resources) t.ok(named.has(role), `${statement.Sid}: ${role} is named by the config (no spare roles)`);
  }
});

t.test('the read-only policy (for `ecs-gitops diff` in CI) holds exactly the read operations', async (t) => {
  const reads = codeActions.filter((c) => isReadOperation(c.op)).map((c) => c.action).sort();
  t.same([...allActions(readonly)].sort(), reads);
  for (const s of readonly.Statement) t.notOk(s.Condition, `${s.Sid}: unconditional reads`);
});

t.test('sts:AssumeRole: only the listed target roles, by ARN; the account lookup needs no resource', async (t) => {
  const assume = allowing(policy, 'sts:AssumeRole');
  t.equal(assume.length, 1, 'one AssumeRole statement');
  t.same(actionsOf(assume[0]), ['sts:AssumeRole'], 'that allows nothing else');
  const resources = assume[0].Resource as string[];
  t.ok(Array.isArray(resources) && resources.length > 0 && resources.every((r) => /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(r)), 'role ARNs, no wildcard');
  t.same(actionsOf(allowing(policy, 'sts:GetCallerIdentity')[0]), ['sts:GetCallerIdentity']);
  t.notOk(allowing(readonly, 'sts:AssumeRole').length, 'the read-only policy assumes no role');
});

/** The task role's statements as the template renders them for `values`. */
function taskRoleStatements(values: Record<string, string | string[]>): Statement[] {
  const role = render(loadTemplate(), { PassRoleArns: ['arn:aws:iam::123456789012:role/x'], ...values }).Resources.TaskRole.Properties as { Policies: { PolicyDocument: Policy }[] };
  return role.Policies[0].PolicyDocument.Statement;
}

t.test('the task role may assume the TargetRoleArns, and no role when the list is empty', async (t) => {
  const roles = ['arn:aws:iam::210987654321:role/ecs-gitops-target', 'arn:aws:iam::345678901234:role/ecs-gitops-target'];
  const withRoles = taskRoleStatements({ TargetRoleArns: roles }).find((s) => s.Sid === 'AssumeTargetRoles');
  t.same(withRoles?.Resource, roles, 'sts:AssumeRole on exactly the listed roles');
  t.same(withRoles && actionsOf(withRoles), ['sts:AssumeRole']);
  t.notOk(taskRoleStatements({}).some((s) => actionsOf(s).includes('sts:AssumeRole')), 'by default the controller assumes no role');
});

t.test('the CloudFormation task role carries the same statements as deploy/iam-policy.json', async (t) => {
  const template = loadTemplate();
  const role = template.Resources.TaskRole.Properties as { Policies: { PolicyDocument: Policy }[] };
  t.equal(role.Policies.length, 1);
  // The AssumeRole statement exists when TargetRoleArns names roles, the infrastructure roles' when InfrastructureRoleArns does.
  type Conditional = { 'Fn::If': [string, Statement, unknown] };
  const statements = role.Policies[0].PolicyDocument.Statement as (Statement | Conditional)[];
  const conditions = statements.flatMap((s) => ('Fn::If' in s ? [[s['Fn::If'][1].Sid, s['Fn::If'][0], s['Fn::If'][2]]] : []));
  t.same(conditions, [['PassInfrastructureRoles', 'HasInfrastructureRoles', { Ref: 'AWS::NoValue' }], ['AssumeTargetRoles', 'HasTargetRoles', { Ref: 'AWS::NoValue' }]], 'two statements only when their parameter names roles');
  const cfn = { ...role.Policies[0].PolicyDocument, Statement: statements.map((s) => ('Fn::If' in s ? s['Fn::If'][1] : s)) };
  t.same(cfn.Statement.map((s) => s.Sid), policy.Statement.map((s) => s.Sid), 'same statements in the same order');
  const ref = (name: string) => ({ Ref: name });
  for (const s of policy.Statement) {
    const c = cfn.Statement.find((x) => x.Sid === s.Sid)!;
    t.same(actionsOf(c), actionsOf(s), `${s.Sid}: same actions`);
    t.equal(c.Effect, s.Effect);
    if (s.Sid === 'PassTaskRoles' || s.Sid === 'PassInfrastructureRoles') {
      const resource = s.Sid === 'PassTaskRoles' ? ref('PassRoleArns') : { 'Fn::Split': [',', ref('InfrastructureRoleArns')] };
      t.same(c.Resource, resource, `${s.Sid}: the resources come from a parameter`);
      t.same(c.Condition, s.Condition);
    } else if (s.Sid === 'AssumeTargetRoles') {
      t.same(c.Resource, ref('TargetRoleArns'), 'AssumeRole resources come from the TargetRoleArns parameter');
      t.notOk(c.Condition);
    } else {
      t.same(c.Resource, s.Resource, `${s.Sid}: same resources`);
      // The owner tag value is the ControllerId parameter in the template.
      const expected = JSON.parse(JSON.stringify(s.Condition ?? null).replaceAll(`"${DEFAULT_CONTROLLER_ID}"`, JSON.stringify(ref('ControllerId'))));
      t.same(c.Condition ?? null, expected, `${s.Sid}: same conditions`);
    }
  }
  t.equal(template.Parameters.ControllerId.Default, DEFAULT_CONTROLLER_ID, 'the template defaults to the CLI\'s controller id');
});

t.test('deploy/target-account-role.yaml: trusts the controller\'s task role only, with the external id when set, and allows what the task role does in its own account', async (t) => {
  const template = loadTemplateAt('deploy/target-account-role.yaml');
  const controllerRole = 'arn:aws:iam::123456789012:role/ecs-gitops-TaskRole-ABC';
  const values = { ControllerRoleArn: controllerRole, PassRoleArns: ['arn:aws:iam::210987654321:role/app-task'] };
  const roleOf = (tpl: typeof template) => tpl.Resources.TargetRole.Properties as { AssumeRolePolicyDocument: Policy & { Statement: (Statement & { Principal: unknown })[] }; Policies: { PolicyDocument: Policy }[] };

  const trust = roleOf(render(template, values)).AssumeRolePolicyDocument.Statement;
  t.equal(trust.length, 1, 'one trust statement');
  t.same(trust[0].Principal, { AWS: controllerRole }, "the controller's task role is the only principal");
  t.same(trust[0].Action, 'sts:AssumeRole');
  t.notOk(trust[0].Condition, 'no external id asked for unless one is set');
  const withId = roleOf(render(template, { ...values, ExternalId: 'acme-ecs' })).AssumeRolePolicyDocument.Statement[0];
  t.same(withId.Condition, { StringEquals: { 'sts:ExternalId': 'acme-ecs' } }, 'the external id is a condition of the trust when set');

  // The infrastructure roles' statement is there when InfrastructureRoleArns names roles.
  const infrastructure = 'arn:aws:iam::210987654321:role/app-ecs-infrastructure';
  t.notOk(roleOf(render(template, values)).Policies[0].PolicyDocument.Statement.some((s) => s.Sid === 'PassInfrastructureRoles'), 'no infrastructure role unless named');
  const statements = roleOf(render(template, { ...values, InfrastructureRoleArns: infrastructure })).Policies[0].PolicyDocument.Statement;
  const expected = policy.Statement.filter((s) => !actionsOf(s).some((a) => a.startsWith('sts:')));
  t.same(statements.map((s) => s.Sid), expected.map((s) => s.Sid), "the task role's statements but STS (the target role assumes no further role)");
  for (const s of expected) {
    const c = statements.find((x) => x.Sid === s.Sid)!;
    t.same(actionsOf(c), actionsOf(s), `${s.Sid}: same actions`);
    if (s.Sid === 'PassTaskRoles' || s.Sid === 'PassInfrastructureRoles') {
      t.same(c.Resource, s.Sid === 'PassTaskRoles' ? values.PassRoleArns : [infrastructure], `${s.Sid}: the target account's roles the config names`);
      t.same(c.Condition, s.Condition, `${s.Sid}: passed to the same service`);
      continue;
    }
    t.same(c.Resource, s.Resource, `${s.Sid}: same resources`);
    // Rendered with the default ControllerId: the very conditions of the task role.
    t.same(c.Condition ?? null, s.Condition ?? null, `${s.Sid}: the same owner-tag conditions`);
  }
  const other = JSON.stringify(roleOf(render(template, { ...values, ControllerId: 'team-a' })).Policies[0].PolicyDocument);
  t.ok(other.includes('"team-a"') && !other.includes(`"${DEFAULT_CONTROLLER_ID}"`), 'the owner-tag conditions follow the ControllerId parameter');
  t.equal(template.Parameters.ControllerId.Default, DEFAULT_CONTROLLER_ID);
});
