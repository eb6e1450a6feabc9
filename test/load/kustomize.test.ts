// Overlays through the loader: a directory holding kustomization.yaml is rendered, each
// transformer does what kustomize's does, errors name the file and line that wrote the
// bad value, and nothing outside the repository root is read.
import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFinding, loadConfig, type LoadResult } from '../../src/load/index.js';
import type { Resource } from '../../src/api/kinds.js';
import { cluster, service, taskDefinition } from './docs.js';

type Failed = Extract<LoadResult, { ok: false }>;

/** A repository (it has `.git`) with a base of one cluster, task definition and service. */
const repo = (extra: Record<string, unknown>) => ({
  '.git': {},
  base: {
    'kustomization.yaml': 'resources:\n  - cluster.yaml\n  - web.yaml\n',
    'cluster.yaml': cluster(),
    'web.yaml': `${taskDefinition()}---\n${service()}`,
  },
  ...extra,
});

async function rendered(t: Test, dir: string): Promise<Map<string, Resource>> {
  const result = await loadConfig(dir);
  if (!result.ok) t.fail(result.errors.map(formatFinding).join('\n'));
  return result.ok ? (result.state.resources as Map<string, Resource>) : new Map();
}

async function failing(t: Test, dir: string): Promise<Failed> {
  const result = await loadConfig(dir);
  t.equal(result.ok, false, 'the revision is rejected');
  if (result.ok) throw new Error('expected errors');
  t.notOk('state' in result, 'nothing of it is applied');
  return result;
}

const image = (r: Resource | undefined) => ((r?.spec.containerDefinitions as { image: string }[])[0]).image;

t.test('a base rendered as is: the documents of its resources, each naming its own file and line', async (t) => {
  const dir = t.testdir(repo({}));
  const state = await rendered(t, join(dir, 'base'));
  t.same([...state.keys()], ['Cluster/store', 'TaskDefinition/web', 'Service/web']);
  t.same(state.get('Service/web')?.source, { file: join(dir, 'base', 'web.yaml'), line: 16, column: 1 });
});

t.test('images: newTag, newName and digest replace the matching container images only', async (t) => {
  const overlay = (images: string) => ({ 'kustomization.yaml': `resources: [../base]\nimages:\n${images}` });
  const dir = t.testdir(repo({
    tag: overlay('  - name: public.ecr.aws/nginx/nginx\n    newTag: "1.28.0"\n'),
    name: overlay('  - name: public.ecr.aws/nginx/nginx\n    newName: registry.local:5000/web\n'),
    digest: overlay('  - name: public.ecr.aws/nginx/nginx\n    newName: registry.local:5000/web\n    digest: sha256:0123\n'),
  }));
  t.equal(image((await rendered(t, join(dir, 'tag'))).get('TaskDefinition/web')), 'public.ecr.aws/nginx/nginx:1.28.0');
  t.equal(image((await rendered(t, join(dir, 'name'))).get('TaskDefinition/web')), 'registry.local:5000/web:1.27.3');
  t.equal(image((await rendered(t, join(dir, 'digest'))).get('TaskDefinition/web')), 'registry.local:5000/web@sha256:0123');
});

t.test('replicas set a Service desiredCount', async (t) => {
  const dir = t.testdir(repo({ prod: { 'kustomization.yaml': 'resources: [../base]\nreplicas:\n  - name: web\n    count: 6\n' } }));
  t.equal((await rendered(t, join(dir, 'prod'))).get('Service/web')?.spec.desiredCount, 6);
});

t.test('namePrefix and nameSuffix rename every document and every reference to one', async (t) => {
  const dir = t.testdir(repo({
    discovery: {
      'kustomization.yaml': 'resources: [../base, cloudmap.yaml]\n',
      'cloudmap.yaml': `apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata: {name: store}
spec: {type: HTTP, name: store.example}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapService
metadata: {name: web}
spec: {namespace: store, type: HTTP}
`,
    },
    staging: {
      'kustomization.yaml': `resources: [../discovery]
namePrefix: staging-
nameSuffix: -v2
patches:
  - target: {kind: Service, name: web}
    patch: |
      - op: add
        path: /spec/serviceRegistries
        value: [{cloudMapService: web}]
`,
    },
  }));
  const state = await rendered(t, join(dir, 'staging'));
  t.same([...state.keys()].sort(), ['CloudMapNamespace/staging-store-v2', 'CloudMapService/staging-web-v2', 'Cluster/staging-store-v2', 'Service/staging-web-v2', 'TaskDefinition/staging-web-v2']);
  const svc = state.get('Service/staging-web-v2')!;
  t.same([svc.spec.cluster, svc.spec.taskDefinition, svc.spec.serviceRegistries], ['staging-store-v2', 'staging-web-v2', [{ cloudMapService: 'staging-web-v2' }]]);
  t.equal(state.get('CloudMapService/staging-web-v2')?.spec.namespace, 'staging-store-v2');
});

t.test('labels, commonLabels and commonAnnotations go on every document', async (t) => {
  const dir = t.testdir(repo({
    prod: { 'kustomization.yaml': 'resources: [../base]\nlabels:\n  - pairs: {env: prod}\n    includeSelectors: false\ncommonLabels: {team: web}\ncommonAnnotations:\n  ecs-gitops.io/allow-replace: "true"\n' },
  }));
  for (const r of (await rendered(t, join(dir, 'prod'))).values()) {
    t.same(r.metadata.labels, { env: 'prod', team: 'web' }, `${r.kind} labels`);
    t.same(r.metadata.annotations, { 'ecs-gitops.io/allow-replace': 'true' }, `${r.kind} annotations`);
  }
});

t.test('two levels of overlays: patches from a file and inline, in kustomize order (patch before prefix)', async (t) => {
  const dir = t.testdir(repo({
    mid: {
      'kustomization.yaml': 'resources: [../base]\nnamePrefix: eu-\npatches:\n  - path: env.yaml\n',
      'env.yaml': `apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata: {name: web}
spec:
  containerDefinitions:
    - name: web
      environment:
        - {name: REGION, value: eu-west-1}
`,
    },
    top: {
      'kustomization.yaml': `resources: [../mid]
patches:
  - patch: |
      apiVersion: ecs-gitops.io/v1alpha1
      kind: TaskDefinition
      metadata: {name: eu-web}
      spec:
        containerDefinitions:
          - name: web
            environment:
              - {name: LOG_LEVEL, value: debug}
`,
    },
  }));
  const td = (await rendered(t, join(dir, 'top'))).get('TaskDefinition/eu-web');
  t.same((td?.spec.containerDefinitions as { environment: unknown }[])[0].environment, [{ name: 'REGION', value: 'eu-west-1' }, { name: 'LOG_LEVEL', value: 'debug' }]);
});

t.test('a config root with overlays below it renders each, and the documents they read beside it count as inputs', async (t) => {
  const dir = t.testdir(repo({ envs: { a: { 'kustomization.yaml': 'resources: [../../base]\nnamePrefix: a-\n' }, b: { 'kustomization.yaml': 'resources: [../../base]\nnamePrefix: b-\n' } } }));
  const result = await loadConfig(join(dir, 'envs'));
  t.ok(result.ok);
  t.equal(result.documents, 6);
  t.same([...(result.inputs ?? [])].map((f) => f.slice(dir.length + 1)).sort(), ['base/cluster.yaml', 'base/kustomization.yaml', 'base/web.yaml', 'envs/a/kustomization.yaml', 'envs/b/kustomization.yaml']);
});

t.test('an unsupported kustomize field is an error naming the field', async (t) => {
  const dir = t.testdir(repo({ prod: { 'kustomization.yaml': 'resources: [../base]\nconfigMapGenerator:\n  - name: x\nnamespace: prod\n' } }));
  const r = await failing(t, join(dir, 'prod'));
  t.match(r.errors, [
    { code: 'KUSTOMIZE_UNSUPPORTED', file: join(dir, 'prod', 'kustomization.yaml'), line: 2, field: 'configMapGenerator', message: /configMapGenerator is not supported/ },
    { code: 'KUSTOMIZE_UNSUPPORTED', line: 4, field: 'namespace', message: /no namespace/ },
  ]);
});

t.test('a patch that targets nothing is an error naming the patch', async (t) => {
  const dir = t.testdir(repo({
    prod: {
      'kustomization.yaml': 'resources: [../base]\npatches:\n  - path: count.yaml\n',
      'count.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: Service\nmetadata: {name: api}\nspec: {desiredCount: 3}\n',
    },
  }));
  const r = await failing(t, join(dir, 'prod'));
  t.match(r.errors, [{ code: 'PATCH_NO_TARGET', file: join(dir, 'prod', 'count.yaml'), line: 1, message: new RegExp(`${join(dir, 'prod', 'count.yaml')} matches no document: no resource of this kustomization is Service "api"`) }]);
});

t.test('an image or replicas entry that matches nothing is an error', async (t) => {
  const dir = t.testdir(repo({ prod: { 'kustomization.yaml': 'resources: [../base]\nimages:\n  - {name: nginx, newTag: "2"}\nreplicas:\n  - {name: api, count: 2}\n' } }));
  const r = await failing(t, join(dir, 'prod'));
  t.match(r.errors, [
    { code: 'PATCH_NO_TARGET', line: 3, field: 'images[0].name' },
    { code: 'PATCH_NO_TARGET', line: 5, field: 'replicas[0].name' },
  ]);
});

t.test("an error in a patch is reported at the patch's file and line; one in the base at the base's", async (t) => {
  const dir = t.testdir(repo({
    prod: {
      'kustomization.yaml': 'resources: [../base]\npatches:\n  - path: web.yaml\n  - patch: |\n      - op: add\n      path: /spec/desiredCount\n    target: {kind: Service}\n',
      'web.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: TaskDefinition\nmetadata: {name: web}\nspec:\n  containerDefinitions:\n    - name: web\n      essential: maybe\n',
    },
    fine: {
      'kustomization.yaml': 'resources: [../base]\npatches:\n  - path: web.yaml\n',
      'web.yaml': 'apiVersion: ecs-gitops.io/v1alpha1\nkind: TaskDefinition\nmetadata: {name: web}\nspec:\n  containerDefinitions:\n    - name: web\n      essential: maybe\n      memory: lots\n',
    },
  }));
  const broken = await failing(t, join(dir, 'prod'));
  t.match(broken.errors, [{ code: 'YAML_SYNTAX', file: join(dir, 'prod', 'kustomization.yaml'), line: 6 }], 'a syntax error inside an inline patch, at its line in the kustomization');
  const r = await failing(t, join(dir, 'fine'));
  t.match(r.errors, [
    { code: 'SCHEMA', file: join(dir, 'fine', 'web.yaml'), line: 7, column: 18, field: 'spec.containerDefinitions[0].essential' },
    { code: 'SCHEMA', file: join(dir, 'fine', 'web.yaml'), line: 8, field: 'spec.containerDefinitions[0].memory' },
  ]);
  const base = t.testdir(repo({ prod: { 'kustomization.yaml': 'resources: [../base]\nreplicas: [{name: web, count: 2}]\n' } }));
  writeFileSync(join(base, 'base', 'cluster.yaml'), cluster().replace('value: enabled', 'value: 7'));
  const fromBase = await failing(t, join(base, 'prod'));
  t.match(fromBase.errors, [{ file: join(base, 'base', 'cluster.yaml'), line: 8, field: 'spec.settings[0].value' }]);
});

t.test('a JSON patch that fails names its operation, at its line', async (t) => {
  const dir = t.testdir(repo({
    prod: {
      'kustomization.yaml': 'resources: [../base]\npatches:\n  - path: ops.yaml\n    target: {kind: Service, name: web}\n',
      'ops.yaml': '- op: replace\n  path: /spec/desiredCount\n  value: 4\n- op: remove\n  path: /spec/placementStrategy\n',
    },
  }));
  const r = await failing(t, join(dir, 'prod'));
  t.match(r.errors, [{ code: 'PATCH_FAILED', file: join(dir, 'prod', 'ops.yaml'), line: 5, message: /\/spec\/placementStrategy does not exist/ }]);
});

t.test('a base outside the repository root is refused: .. past the root, an absolute path, a link out', async (t) => {
  const dir = t.testdir(repo({ outside: { 'kustomization.yaml': 'resources: [c.yaml]\n', 'c.yaml': cluster('outside') } }));
  const root = join(dir, 'repo');
  const outside = join(dir, 'outside');
  // The repository is a directory beside `outside`, with its own .git.
  mkdirSync(root);
  renameSync(join(dir, '.git'), join(root, '.git'));
  renameSync(join(dir, 'base'), join(root, 'base'));
  mkdirSync(join(root, 'prod'));
  writeFileSync(join(root, 'prod', 'kustomization.yaml'), `resources:\n  - ../base\n  - ../../outside\n  - ${outside}\n  - ./link\n`);
  symlinkSync(outside, join(root, 'prod', 'link'));
  const r = await failing(t, join(root, 'prod'));
  t.match(r.errors, [
    { code: 'OUTSIDE_REPOSITORY', line: 3, field: 'resources[1]', message: /leads outside the repository root/ },
    { code: 'OUTSIDE_REPOSITORY', line: 4, field: 'resources[2]', message: /absolute path/ },
    { code: 'OUTSIDE_REPOSITORY', line: 5, field: 'resources[3]', message: /symbolic link/ },
  ]);
  t.equal(r.errors.length, 3);
});

t.test('kustomizations that include each other are an error, not a hang', async (t) => {
  const dir = t.testdir({ '.git': {}, a: { 'kustomization.yaml': 'resources: [../b]\n' }, b: { 'kustomization.yaml': 'resources: [../a]\n' } });
  const r = await failing(t, join(dir, 'a'));
  t.match(r.errors, [{ code: 'KUSTOMIZE_CYCLE' }]);
});

t.test('without .git above it, the config directory is the repository root', async (t) => {
  // Outside this checkout: a temporary directory with no .git above it.
  const dir = mkdtempSync(join(tmpdir(), 'ecs-gitops-overlay-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'base'));
  mkdirSync(join(dir, 'prod'));
  writeFileSync(join(dir, 'base', 'c.yaml'), cluster());
  writeFileSync(join(dir, 'prod', 'kustomization.yaml'), 'resources: [../base]\n');
  const r = await failing(t, join(dir, 'prod'));
  t.match(r.errors, [{ code: 'OUTSIDE_REPOSITORY' }]);
  t.ok((await loadConfig(join(dir, 'prod'), { repositoryRoot: dir })).ok, 'with the root given, the base is read');
});

t.test('a strategic-merge patch of $patch: delete removes the document from the overlay', async (t) => {
  const dir = t.testdir(repo({
    prod: { 'kustomization.yaml': 'resources: [../base]\npatches:\n  - patch: |\n      apiVersion: ecs-gitops.io/v1alpha1\n      kind: Service\n      metadata: {name: web}\n      $patch: delete\n' },
  }));
  t.same([...(await rendered(t, join(dir, 'prod'))).keys()], ['Cluster/store', 'TaskDefinition/web']);
});

t.test('label options with no meaning here are refused, not ignored', async (t) => {
  const dir = t.testdir(repo({ prod: { 'kustomization.yaml': 'resources: [../base]\nlabels:\n  - pairs: {env: prod}\n    includeSelectors: true\n' } }));
  const r = await failing(t, join(dir, 'prod'));
  t.match(r.errors, [{ code: 'KUSTOMIZE_UNSUPPORTED', line: 4, field: 'labels[0].includeSelectors', message: /no selectors or templates/ }]);
});

t.test('with a cache (the daemon), a second load renders the same, a changed base is read again, and errors stay errors', async (t) => {
  const { LoadCache } = await import('../../src/load/index.js');
  const { writeFileSync: write } = await import('node:fs');
  const dir = t.testdir(repo({ prod: { 'kustomization.yaml': 'resources: [../base]\nreplicas: [{name: web, count: 3}]\n' } }));
  const cache = new LoadCache();
  const first = await loadConfig(join(dir, 'prod'), { cache });
  const again = await loadConfig(join(dir, 'prod'), { cache });
  t.ok(first.ok && again.ok);
  if (first.ok && again.ok) t.same([...again.state.resources.values()], [...first.state.resources.values()]);
  write(join(dir, 'base', 'cluster.yaml'), cluster().replace('enabled', 'disabled'));
  const changed = await loadConfig(join(dir, 'prod'), { cache });
  t.same(changed.ok ? changed.state.resources.get('Cluster/store')?.spec.settings : changed.errors, [{ name: 'containerInsights', value: 'disabled' }], 'the changed base is read');
  write(join(dir, 'base', 'cluster.yaml'), cluster().replace('enabled', 'sometimes'));
  for (let i = 0; i < 2; i++) {
    const broken = await loadConfig(join(dir, 'prod'), { cache });
    t.match(broken, { ok: false, errors: [{ code: 'SCHEMA', file: join(dir, 'base', 'cluster.yaml'), line: 8 }] }, `load ${i + 1} of the broken base`);
  }
});

t.test('a strategic-merge patch that names no document and has no target is an error at the patch', async (t) => {
  const dir = t.testdir(repo({ prod: { 'kustomization.yaml': 'resources: [../base]\npatches:\n  - path: p.yaml\n', 'p.yaml': 'spec:\n  desiredCount: 3\n' } }));
  const r = await failing(t, join(dir, 'prod'));
  t.match(r.errors, [{ code: 'PATCH_FAILED', file: join(dir, 'prod', 'p.yaml'), line: 1, message: /names the document it patches by kind and metadata\.name/ }]);
});

t.test('whatever a kustomization and its patch hold, the loader answers with located errors, never a crash', async (t) => {
  const fc = (await import('fast-check')).default;
  const { stringify } = await import('yaml');
  const { writeFileSync: write } = await import('node:fs');
  const dir = t.testdir(repo({ prod: {} }));
  const shapes = fc.oneof(fc.anything(), fc.constant(null));
  const entry = (record: Record<string, unknown>) => fc.record(record as never, { requiredKeys: [] });
  const kustomization = entry({
    resources: fc.oneof(fc.constant(['../base']), fc.array(fc.oneof(fc.string(), fc.constant('../base'), fc.constant('p.yaml'))), shapes),
    patches: fc.oneof(fc.array(entry({ path: fc.oneof(fc.constant('p.yaml'), fc.string()), patch: fc.oneof(fc.string(), shapes), target: fc.oneof(entry({ kind: fc.constantFrom('Service', 'TaskDefinition', 'Cluster'), name: fc.constantFrom('web', 'store', 'x') }), shapes) })), shapes),
    images: fc.oneof(fc.array(entry({ name: fc.constantFrom('public.ecr.aws/nginx/nginx', 'x'), newTag: fc.oneof(fc.string(), shapes), newName: fc.string(), digest: fc.string() })), shapes),
    replicas: fc.oneof(fc.array(entry({ name: fc.constantFrom('web', 'x'), count: fc.oneof(fc.integer({ min: -2, max: 10 }), shapes) })), shapes),
    namePrefix: fc.oneof(fc.string(), shapes),
    labels: fc.oneof(fc.array(entry({ pairs: fc.dictionary(fc.string(), fc.oneof(fc.string(), shapes)), includeSelectors: fc.boolean() })), shapes),
    commonAnnotations: shapes,
  });
  const patch = fc.oneof(
    fc.anything(),
    fc.record({ apiVersion: fc.constant('ecs-gitops.io/v1alpha1'), kind: fc.constantFrom('Service', 'TaskDefinition'), metadata: fc.constant({ name: 'web' }), spec: fc.anything() }),
    fc.array(fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'x'), path: fc.constantFrom('/spec/desiredCount', '/spec/containerDefinitions/0/image', '/spec/x/y', '', '/', 'spec', '/spec/containerDefinitions/-'), from: fc.constantFrom('/spec/cluster', '/nope'), value: fc.anything() }, { requiredKeys: ['op'] })),
  );
  await fc.assert(
    fc.asyncProperty(kustomization, patch, async (k, p) => {
      write(join(dir, 'prod', 'kustomization.yaml'), stringify(k) ?? '');
      write(join(dir, 'prod', 'p.yaml'), stringify(p) ?? '');
      const result = await loadConfig(join(dir, 'prod'));
      if (result.ok) return true;
      return result.errors.every((e) => e.code !== 'LOADER_FAILED' && e.line >= 1 && e.column >= 1 && e.message.length > 0);
    }),
    { numRuns: 300 },
  );
  t.pass('300 kustomizations, every answer located');
});
