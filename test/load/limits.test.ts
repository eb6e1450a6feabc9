// AWS's limits and odd input, checked before any call (issue 13, findings 3 and 6;
// issue 11, item 5): each refusal names file, line and field, and `validate` exits 1.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { loadConfig, type Finding } from '../../src/load/index.js';
import { fargateMemoryChoices } from '../../src/load/rules.js';
import { cluster, service, taskDefinition } from './docs.js';

async function errorsOf(t: Test, files: Record<string, string>): Promise<Finding[]> {
  const result = await loadConfig(t.testdir(files));
  return result.ok ? [] : result.errors;
}

const withTags = (doc: string, tags: Record<string, string>) =>
  `${doc}${doc.endsWith('\n') ? '' : '\n'}  tags:\n${Object.entries(tags)
    .map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join('\n')}\n`;

const manyTags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`team-${i}`, 'x']));

t.test('tag count: 50 per resource including the tags the controller adds to that kind', async (t) => {
  const cases: [string, string, number][] = [
    ['Cluster', cluster(), 47],
    ['TaskDefinition', taskDefinition(), 46],
    ['Service', service(), 45],
  ];
  for (const [kind, doc, room] of cases) {
    const others: Record<string, string> = kind === 'Service' ? { 'c.yaml': cluster(), 't.yaml': taskDefinition() } : {};
    t.same(await errorsOf(t, { ...others, 'x.yaml': withTags(doc, manyTags(room)) }), [], `${kind}: ${room} tags fit`);
    const over = await errorsOf(t, { ...others, 'x.yaml': withTags(doc, manyTags(room + 1)) });
    t.match(over, [{ code: 'SCHEMA', field: 'spec.tags', file: /x\.yaml$/, line: Number, message: new RegExp(`at most ${room} entries`) }], `${kind}: ${room + 1} tags do not`);
  }
});

t.test("tag keys and values follow AWS's rules: no control characters, no aws: prefix, no ecs-gitops.io/ keys", async (t) => {
  for (const [key, value, why] of [
    ['bell\u0007', 'x', /only letters, digits, spaces/],
    ['ok', 'line\nbreak', /matching/],
    ['ok', 'nul\u0000', /matching/],
    ['ok', 'carriage\r', /matching/],
    ['AWS:cost', 'x', /reserved for AWS/],
    ['ok', 'aws:x', /reserved for AWS/],
    ['ecs-gitops.io/prune', 'disabled', /sets the ecs-gitops.io\/ tags itself/],
  ] as const) {
    const errors = await errorsOf(t, { 'c.yaml': withTags(cluster(), { [key]: value }) });
    t.match(errors, [{ field: /^spec\.tags/, line: 10, message: why }], `${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  }
  t.same(await errorsOf(t, { 'c.yaml': withTags(cluster(), { 'Équipe données': 'café + 1 = 2 @ a:b/c_d.e-f' }) }), [], 'letters of any script, digits, spaces and + - = . _ : / @ are fine');
});

t.test('numbers: AWS maxima and the range a number is read exactly in, each naming the field', async (t) => {
  const base = { 'c.yaml': cluster(), 't.yaml': taskDefinition() };
  for (const [count, message] of [
    ['1000000', /from 0 to 5000; found number 1000000/],
    ['1e23', /too large to be read exactly/],
    ['1e400', /not finite once read/],
    ['.inf', /not finite once read/],
  ] as const) {
    const errors = await errorsOf(t, { ...base, 's.yaml': service('web', { desiredCount: count }) });
    t.match(errors, [{ file: /s\.yaml$/, line: 8, field: 'spec.desiredCount', message }], `desiredCount ${count}`);
    t.notMatch(errors.map((e) => e.message).join('\n'), /found number null/);
  }
});

t.test('keys that vanish or merge when read are errors with their line: __proto__, constructor, 1 and "1"', async (t) => {
  for (const [tags, field, line, message] of [
    ['    __proto__: x\n', 'spec.tags.__proto__', 10, /key __proto__ is not allowed/],
    ['    constructor: x\n', 'spec.tags.constructor', 10, /key constructor is not allowed/],
    ['    1: a\n    "1": b\n', 'spec.tags.1', 11, /1 and "1" are the same key/],
    ['    true: a\n    "true": b\n', 'spec.tags.true', 11, /true and "true" are the same key/],
  ] as const) {
    const errors = await errorsOf(t, { 'c.yaml': `${cluster()}  tags:\n${tags}` });
    t.match(errors, [{ field, line, message }], field);
  }
});

t.test('names and ARNs follow AWS: a path is not a role', async (t) => {
  for (const [field, value] of [
    ['executionRoleArn', '../../../etc/passwd'],
    ['taskRoleArn', 'arn:aws:iam::123:role/x'],
  ] as const) {
    const errors = await errorsOf(t, { 't.yaml': taskDefinition().replace('spec:\n', `spec:\n  ${field}: ${value}\n`) });
    t.match(errors, [{ field: `spec.${field}`, line: 6 }], `${field}: ${value}`);
  }
  const roles = ['ecsTaskExecutionRole', 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole', 'arn:aws-cn:iam::123456789012:role/service/app-role'];
  for (const role of roles) t.same(await errorsOf(t, { 't.yaml': taskDefinition().replace('spec:\n', `spec:\n  executionRoleArn: ${role}\n`) }), [], role);
});

t.test("Fargate takes only AWS's cpu/memory pairs", async (t) => {
  t.same(fargateMemoryChoices(256), [512, 1024, 2048]);
  t.same(fargateMemoryChoices(8192).slice(0, 2), [16384, 20480]);
  const sized = (cpu: string, memory: string) => taskDefinition().replace('cpu: "256"', `cpu: "${cpu}"`).replace('memory: "512"', `memory: "${memory}"`);
  for (const [cpu, memory] of [['256', '512'], ['1 vCPU', '2 GB'], ['4096', '30720'], ['16384', '122880']]) {
    t.same(await errorsOf(t, { 't.yaml': sized(cpu, memory) }), [], `${cpu} / ${memory}`);
  }
  for (const [cpu, memory, field, message] of <[string, string, string, RegExp][]>[
    ['256', '4096', 'spec.memory', /cpu 256 takes memory 0.5 GB|cpu 256 takes memory 512 MiB, 1 GB, 2 GB/],
    ['1 vCPU', '1 GB', 'spec.memory', /cpu 1024 takes memory 2 GB to 8 GB in steps of 1 GB/],
    ['8192', '20000', 'spec.memory', /steps of 4 GB/],
    ['384', '1024', 'spec.cpu', /Fargate offers cpu 256, 512/],
  ]) {
    t.match(await errorsOf(t, { 't.yaml': sized(cpu, memory) }), [{ field, file: /t\.yaml$/, message }], `${cpu} / ${memory}`);
  }
});

t.test("a Service's capacity-provider strategy names only providers its cluster has", async (t) => {
  const withProviders = cluster().replace('spec:\n', 'spec:\n  capacityProviders: [FARGATE]\n');
  const strategy = (provider: string) => service().replace('  launchType: FARGATE\n', `  capacityProviderStrategy:\n    - capacityProvider: ${provider}\n      weight: 1\n`);
  t.same(await errorsOf(t, { 'c.yaml': withProviders, 't.yaml': taskDefinition(), 's.yaml': strategy('FARGATE') }), []);
  const errors = await errorsOf(t, { 'c.yaml': withProviders, 't.yaml': taskDefinition(), 's.yaml': strategy('FARGATE_SPOT') });
  t.match(errors, [{ code: 'INVALID_COMBINATION', file: /s\.yaml$/, field: 'spec.capacityProviderStrategy[0].capacityProvider', message: /only the capacity providers FARGATE; add FARGATE_SPOT/ }]);
});

t.test('a Cloud Map instance has room for 28 custom attributes: the controller adds its owner and application attributes', async (t) => {
  const instance = (n: number) =>
    `apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapInstance\nmetadata:\n  name: db\nspec:\n  service: db\n  attributes:\n    AWS_INSTANCE_IPV4: 10.0.0.9\n${Array.from({ length: n }, (_, i) => `    custom${i}: v\n`).join('')}`;
  const errors28 = (await errorsOf(t, { 'i.yaml': instance(28) })).filter((e) => e.field === 'spec.attributes');
  t.same(errors28, [], '28 fit');
  t.match((await errorsOf(t, { 'i.yaml': instance(29) })).filter((e) => e.field === 'spec.attributes'), [{ line: 8, message: /at most 28 custom attributes/ }]);
});

t.test('validate exits 1 and names file, line and field', async (t) => {
  const dir = t.testdir({ 'c.yaml': withTags(cluster(), manyTags(49)) });
  let status = 0;
  let out = '';
  try {
    execFileSync(process.execPath, ['dist/cli.js', 'validate', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    status = (err as { status: number }).status;
    out = `${(err as { stdout: string }).stdout}${(err as { stderr: string }).stderr}`;
  }
  t.equal(status, 1);
  t.match(out, /c\.yaml:\d+:\d+ spec\.tags: must be object of at most 47 entries/);
});
