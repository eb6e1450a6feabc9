import t, { type Test } from 'tap';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, formatFinding, type LoadResult } from '../../src/load/index.js';
import { cluster, service, taskDefinition } from './docs.js';

type Failed = Extract<LoadResult, { ok: false }>;

async function failing(t: Test, dir: string): Promise<Failed> {
  const result = await loadConfig(dir);
  t.equal(result.ok, false, 'the revision is rejected');
  if (result.ok) throw new Error('expected errors');
  t.notOk('state' in result, 'no partial state is returned');
  return result;
}

const lines = (r: Failed) => r.errors.map(formatFinding);

t.test('a valid directory yields every document, resolved, in apply order', async (t) => {
  const dir = t.testdir({
    'cluster.yaml': cluster(),
    'web.yaml': `${taskDefinition()}---\n${service()}`,
  });
  const result = await loadConfig(dir);
  t.ok(result.ok);
  if (!result.ok) return;
  t.same([...result.state.resources.keys()], ['Cluster/store', 'TaskDefinition/web', 'Service/web']);
  t.same(result.byKind, { Cluster: 1, TaskDefinition: 1, Service: 1 });
  const svc = result.state.resources.get('Service/web')!;
  t.equal(svc.spec.desiredCount, 2);
  t.same(svc.source, { file: join(dir, 'web.yaml'), line: 16, column: 1 });
});

t.test('invalid YAML syntax names the line', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata: {name: [store\n' });
  const r = await failing(t, dir);
  t.equal(r.errors[0].code, 'YAML_SYNTAX');
  t.match(lines(r)[0], /bad\.yaml:4:1 Flow sequence in block collection must be sufficiently indented and end with a \]/);
});

t.test('a tab-indented file is refused with the reason', async (t) => {
  const dir = t.testdir({ 'tabs.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\nmetadata:\n\tname: store\nspec: {}\n' });
  const r = await failing(t, dir);
  t.match(lines(r), [/tabs\.yaml:4:1 tab used for indentation; YAML indents with spaces only/]);
});

t.test('duplicate keys are refused, not silently merged', async (t) => {
  const dir = t.testdir({ 'dup.yaml': cluster().replace('spec:', 'metadata:\n  name: other\nspec:') });
  const r = await failing(t, dir);
  t.equal(r.errors[0].code, 'YAML_DUPLICATE_KEY');
  t.match(lines(r)[0], /dup\.yaml:5:1 the same key appears twice in one mapping/);
});

t.test('an alias bomb is refused quickly', async (t) => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
  }
  const dir = t.testdir({ 'bomb.yaml': `apiVersion: ecs-gitops.io/v1alpha1\nkind: Cluster\n${levels.join('\n')}\n` });
  const started = process.hrtime.bigint();
  const r = await failing(t, dir);
  t.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2000, 'answers without expanding the aliases');
  t.match(lines(r), [/bomb\.yaml:1:1 document expands more than 50 aliases/]);
});

t.test('a 50 MB file is refused unread', async (t) => {
  const dir = t.testdir({ 'huge.yaml': '' });
  truncateSync(join(dir, 'huge.yaml'), 50 * 1024 * 1024);
  const r = await failing(t, dir);
  t.match(lines(r), [/huge\.yaml:1:1 file is 50\.0 MiB; the loader reads files up to 1\.0 MiB/]);
});

t.test('a non-UTF-8 file names where the bad byte is', async (t) => {
  const dir = t.testdir({});
  writeFileSync(join(dir, 'latin1.yaml'), Buffer.concat([Buffer.from(cluster()), Buffer.from('  # caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  const r = await failing(t, dir);
  t.match(lines(r), [/latin1\.yaml:9:8 file is not valid UTF-8 text/]);
});

t.test('an empty file and an empty document are skipped with a warning', async (t) => {
  const dir = t.testdir({ 'empty.yaml': '', 'comments.yml': '# nothing yet\n', 'two.yaml': `${cluster()}---\n` + '---\n' + cluster('b') });
  const result = await loadConfig(dir);
  t.ok(result.ok, 'empty documents do not invalidate the revision');
  t.same(result.warnings.map(formatFinding), [
    `${join(dir, 'comments.yml')}:1:1 warning: file holds no document; skipped`,
    `${join(dir, 'empty.yaml')}:1:1 warning: file holds no document; skipped`,
    `${join(dir, 'two.yaml')}:9:1 warning: document 2 is empty; skipped`,
  ]);
  t.equal(result.documents, 2);
});

t.test('kind and apiVersion: missing, unknown', async (t) => {
  const dir = t.testdir({
    'nokind.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nmetadata: {name: x}\nspec: {}\n',
    'unknown.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n',
    'version.yaml': cluster().replace('ecs-gitops.io/v1alpha1', 'apps/v1'),
    'list.yaml': '- a\n- b\n',
  });
  const r = await failing(t, dir);
  t.same(r.errors.map((e) => e.code), ['NOT_A_MAPPING', 'MISSING_KIND', 'UNKNOWN_KIND', 'UNKNOWN_API_VERSION']);
  t.match(lines(r), [
    /list\.yaml:1:1 document must be a mapping with apiVersion, kind, metadata and spec; found a list of 2/,
    /nokind\.yaml:1:1 document has no kind; add one of: .*Service/,
    /unknown\.yaml:2:7 kind: unknown kind "Deployment"; expected one of: /,
    /version\.yaml:1:13 apiVersion: apiVersion must be ecs-gitops\.io\/v1alpha1; found "apps\/v1"/,
  ]);
});

t.test('wrong types, unknown fields and missing fields name the field and what it must be', async (t) => {
  const dir = t.testdir({
    'cluster.yaml': cluster(),
    'td.yaml': taskDefinition(),
    'svc.yaml': service('web', { desiredCount: 'three' }).replace('  launchType: FARGATE\n', '  launchType: FARGATE\n  launchTyp: EC2\n'),
    'td2.yaml': taskDefinition('worker').replace('      image: public.ecr.aws/nginx/nginx:1.27.3\n', ''),
  });
  const r = await failing(t, dir);
  t.same(lines(r), [
    `${join(dir, 'svc.yaml')}:8:17 spec.desiredCount: must be integer from 0 to 5000; found string "three"`,
    `${join(dir, 'svc.yaml')}:10:3 spec.launchTyp: unknown field; did you mean "launchType"?`,
    `${join(dir, 'td2.yaml')}:11:7 spec.containerDefinitions[0].image: required field is missing`,
  ]);
});

t.test('two documents with one identity', async (t) => {
  const dir = t.testdir({ 'a.yaml': cluster(), 'b.yaml': cluster() });
  const r = await failing(t, dir);
  t.same(lines(r), [`${join(dir, 'b.yaml')}:4:9 metadata.name: Cluster/store is already defined at ${join(dir, 'a.yaml')}:1:1; names must be unique per kind`]);
});

t.test('references to a missing document and to the wrong kind', async (t) => {
  const dir = t.testdir({
    'cluster.yaml': cluster(),
    'web.yaml': `${taskDefinition()}---\n${service('web', { cluster: 'shop' })}`,
    'api.yaml': service('api', { taskDefinition: 'store' }),
  });
  const r = await failing(t, dir);
  t.same(r.errors.map((e) => e.code), ['WRONG_KIND_REFERENCE', 'DANGLING_REFERENCE']);
  t.same(lines(r), [
    `${join(dir, 'api.yaml')}:7:19 spec.taskDefinition: refers to Cluster "store", but this field must name a TaskDefinition`,
    `${join(dir, 'web.yaml')}:21:12 spec.cluster: refers to Cluster "shop", which no document defines`,
  ]);
});

t.test('a symlink pointing outside the root is refused; one inside is followed', async (t) => {
  const outside = t.testdir({ 'secret.yaml': cluster('outside'), 'inner': { 'c.yaml': cluster('inner') } });
  const dir = join(outside, 'inner');
  symlinkSync(join(outside, 'secret.yaml'), join(dir, 'escape.yaml'));
  symlinkSync(join(dir, 'c.yaml'), join(dir, 'alias.yml'));
  const r = await failing(t, dir);
  t.same(r.errors.map((e) => e.code), ['DUPLICATE_IDENTITY', 'SYMLINK_OUTSIDE_ROOT']);
  t.match(lines(r)[1], new RegExp(`escape\\.yaml:1:1 symbolic link resolves to .*secret\\.yaml, outside the config root`));
});

t.test('a directory with no documents is valid and reported as empty', async (t) => {
  const dir = t.testdir({ 'README.md': '# nothing', sub: {} });
  const result = await loadConfig(dir);
  t.ok(result.ok);
  t.equal(result.documents, 0);
  t.same(result.warnings.map((w) => w.code), ['NO_DOCUMENTS']);
});

t.test('hidden directories such as .github are not config', async (t) => {
  const dir = t.testdir({ '.github': { workflows: { 'ci.yaml': 'on: push\n' } }, 'c.yaml': cluster() });
  const result = await loadConfig(dir);
  t.ok(result.ok);
  t.equal(result.files, 1);
});

t.test('every error of a directory is reported in one run', async (t) => {
  const dir = t.testdir({
    'a-syntax.yaml': 'kind: [\n',
    'b-tabs.yaml': 'kind: Cluster\nmetadata:\n\tname: x\n',
    'c-types.yaml': service('web', { desiredCount: '-1' }),
    'd-cluster.yaml': cluster(),
    'e-dup.yaml': cluster(),
    'f-td.yaml': taskDefinition(),
    'g-ref.yaml': service('api', { cluster: 'nowhere' }),
  });
  const r = await failing(t, dir);
  t.same([...new Set(r.errors.map((e) => e.code))].sort(), ['DANGLING_REFERENCE', 'DUPLICATE_IDENTITY', 'SCHEMA', 'YAML_SYNTAX'].sort());
  t.ok(r.errors.length >= 5, `all ${r.errors.length} errors reported`);
});

t.test('the CRDs\' CEL rules are enforced and name the field', async (t) => {
  const dir = t.testdir({
    'ns.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapNamespace\nmetadata: {name: store.local}\nspec:\n  type: DNS_PRIVATE\n',
    'c.yaml': cluster().replace('spec:\n', 'spec:\n  tags:\n    "aws:team": store\n'),
  });
  const r = await failing(t, dir);
  t.same(r.errors.map((e) => e.code), ['INVALID_COMBINATION', 'INVALID_COMBINATION']);
  t.same(lines(r), [
    `${join(dir, 'c.yaml')}:7:5 spec.tags: tag keys and values starting with aws: are reserved for AWS`,
    `${join(dir, 'ns.yaml')}:5:3 spec: vpc is required for DNS_PRIVATE and not allowed otherwise`,
  ]);
});

t.test('rules across documents: network mode, Fargate compatibility, DNS records', async (t) => {
  const dir = t.testdir({
    'c.yaml': cluster(),
    'td.yaml': taskDefinition().replace('  networkMode: awsvpc\n', '').replace('  requiresCompatibilities: [FARGATE]\n', ''),
    'svc.yaml': service(),
    'ns.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapNamespace\nmetadata: {name: partners}\nspec: {type: HTTP}\n',
    'cms.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapService\nmetadata: {name: payments}\nspec:\n  namespace: partners\n  dnsConfig:\n    dnsRecords: [{type: A, ttl: 60}]\n',
  });
  const r = await failing(t, dir);
  t.same(lines(r), [
    `${join(dir, 'cms.yaml')}:7:5 spec.dnsConfig: not allowed: CloudMapNamespace "partners" is an HTTP namespace, which has no DNS records`,
    `${join(dir, 'svc.yaml')}:9:15 spec.launchType: FARGATE needs TaskDefinition "web" to list FARGATE in requiresCompatibilities`,
    `${join(dir, 'svc.yaml')}:11:5 spec.networkConfiguration: only allowed when the task definition's networkMode is awsvpc; TaskDefinition "web" uses the default (bridge)`,
  ]);
});

t.test('a reference to a document that is itself invalid reports only that document', async (t) => {
  const dir = t.testdir({
    'c.yaml': cluster().replace('enabled', 'sometimes'),
    'td.yaml': taskDefinition(),
    'svc.yaml': service(),
  });
  const r = await failing(t, dir);
  t.same(r.errors.map((e) => `${e.code} ${e.field}`), ['SCHEMA spec.settings[0].value']);
});

t.test('load balancer and registry containers must exist in the task definition', async (t) => {
  const dir = t.testdir({
    'c.yaml': cluster(),
    'td.yaml': taskDefinition(),
    'svc.yaml': service() + '  loadBalancers:\n    - targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef\n      containerName: web\n      containerPort: 8080\n    - targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef\n      containerName: api\n      containerPort: 80\n',
  });
  const r = await failing(t, dir);
  t.same(r.errors.map((e) => `${e.field}: ${e.message}`), [
    'spec.loadBalancers[0].containerPort: container "web" of TaskDefinition "web" maps no port 8080',
    'spec.loadBalancers[1].containerName: TaskDefinition "web" has no container "api"; it has web',
  ]);
});

t.test('a load cache reuses unchanged files and re-reads changed ones, under any root', async (t) => {
  const { LoadCache } = await import('../../src/load/index.js');
  const cache = new LoadCache();
  const dir = t.testdir({ 'cluster.yaml': cluster(), 'td.yaml': taskDefinition(), 'svc.yaml': service() });
  const first = await loadConfig(dir, { cache });
  const again = await loadConfig(dir, { cache });
  t.ok(first.ok && again.ok);
  if (!first.ok || !again.ok) return;
  t.equal(again.state.resources.get('Service/web')!.spec, first.state.resources.get('Service/web')!.spec, 'an unchanged file is not parsed again');
  writeFileSync(join(dir, 'svc.yaml'), service('web', { desiredCount: '-1' }));
  const changed = await loadConfig(dir, { cache });
  t.match(changed.ok ? [] : changed.errors.map(formatFinding), [/svc\.yaml:8:17 spec\.desiredCount: must be integer from 0 to 5000/], 'a changed file is validated again');
  const elsewhere = t.testdir({ 'cluster.yaml': cluster(), 'td.yaml': taskDefinition(), 'svc.yaml': service('web', { desiredCount: '-1' }) });
  const moved = await loadConfig(elsewhere, { cache });
  t.match(moved.ok ? [] : moved.errors.map(formatFinding), [new RegExp(`^${elsewhere.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/svc\\.yaml:8:17`)], 'findings name the file under the new root');
  writeFileSync(join(elsewhere, 'c2.yaml'), cluster());
  const dup = await loadConfig(elsewhere, { cache });
  t.match(dup.ok ? [] : dup.errors.map(formatFinding), [/cluster\.yaml:4:9 metadata\.name: Cluster\/store is already defined at .*c2\.yaml:1:1/, /svc\.yaml:8:17/], 'positions of cross-document errors come from a fresh parse');
});
