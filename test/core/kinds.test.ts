import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KINDS } from '../../src/api/kinds.js';
import { KIND_READERS } from '../../src/aws/kinds/index.js';
import { NOT_FOUND } from '../../src/core/errors.js';
import { KIND_MODULES, PRUNE_ORDER, kindNotFound } from '../../src/core/kinds/index.js';
import { SCHEMA_DIR } from '../../src/load/schema.js';

type Node = { properties?: Record<string, Node>; items?: Node };

/** The schema node at a dot path below a kind's spec, if the CRD has that field. */
function specField(kind: string, path: string): Node | undefined {
  const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, `${kind.toLowerCase()}.json`), 'utf8')) as Node;
  let node = schema.properties?.spec;
  for (const part of path.split('.')) node = (node?.items ?? node)?.properties?.[part];
  return node;
}

t.test('every kind has one module and one reader, under its own name', async (t) => {
  t.same(Object.keys(KIND_MODULES).sort(), [...KINDS].sort());
  t.same(Object.keys(KIND_READERS).sort(), [...KINDS].sort());
  for (const kind of KINDS) {
    t.equal(KIND_MODULES[kind].kind, kind, `${kind} module`);
    t.equal(KIND_READERS[kind].kind, kind, `${kind} reader`);
    // The reader runs each kind after the one it looks in; a cycle would never start.
    const chain = [kind];
    for (let k = KIND_READERS[kind].after; k && chain.length <= KINDS.length; k = KIND_READERS[k].after) chain.push(k);
    t.ok(chain.length <= KINDS.length, `${kind} is read after ${chain.slice(1).join(', ') || 'nothing'}`);
  }
});

t.test('a create-only field names a field of the kind\'s CRD, so a renamed field cannot lose its protection', async (t) => {
  for (const kind of KINDS) {
    for (const path of KIND_MODULES[kind].createOnly) t.ok(specField(kind, path), `${kind}: spec.${path}`);
  }
  t.notOk(specField('Service', 'noSuchField'), 'a field the CRD lacks is found missing');
});

t.test('each kind\'s not-found errors are ones the classifier retries, and name that kind alone', async (t) => {
  for (const kind of KINDS) {
    for (const code of KIND_MODULES[kind].notFoundErrors) {
      t.ok(NOT_FOUND.has(code), `${kind}: ${code} is a not-found error`);
      t.equal(kindNotFound(code), kind, `${code} is about ${kind}`);
    }
  }
  t.equal(kindNotFound('ResourceNotFoundException'), undefined, 'a not-found error of any kind names none');
});

t.test('pruning runs children before parents: the reverse of apply order', async (t) => {
  t.same(PRUNE_ORDER, ['CloudMapInstance', 'Service', 'TaskDefinition', 'Cluster', 'CloudMapService', 'CloudMapNamespace']);
});

t.test('a kind names exactly the tags the controller writes on its objects, so the tag limit can count them', async (t) => {
  const { loadConfig } = await import('../../src/load/index.js');
  const { planSync } = await import('../../src/core/plan.js');
  const { emptyLiveState } = await import('../../src/core/live.js');
  const loaded = await loadConfig('examples');
  if (!loaded.ok) throw new Error('examples are invalid');
  const plan = planSync(loaded.state, emptyLiveState(), { controllerId: 'ecs-gitops', application: 'test', prune: { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 } });
  const seen = new Set<string>();
  for (const resource of loaded.state.resources.values()) {
    const step = plan.steps.find((s) => s.key === `${resource.kind}/${resource.metadata.name}`);
    const input = step?.calls.at(-1)?.input ?? {};
    const written = ((input.tags ?? input.Tags ?? []) as { key?: string; Key?: string }[]).map((tag) => tag.key ?? tag.Key ?? '');
    const userTags = Object.keys(((resource.spec as { tags?: Record<string, string> }).tags ?? {}));
    const module = KIND_MODULES[resource.kind] as { controllerTags(r: typeof resource): readonly string[] };
    t.same(written.filter((k) => !userTags.includes(k)).sort(), [...module.controllerTags(resource)].sort(), `${resource.kind}/${resource.metadata.name}`);
    seen.add(resource.kind);
  }
  t.same([...seen].sort(), [...KINDS].sort(), 'every kind is in the examples');
});

t.test("each CRD's tag maximum leaves room under AWS's 50 for the most tags the controller adds to that kind", async (t) => {
  const { loadConfig } = await import('../../src/load/index.js');
  const loaded = await loadConfig('examples');
  if (!loaded.ok) throw new Error('examples are invalid');
  const most = new Map<string, number>();
  for (const resource of loaded.state.resources.values()) {
    const module = KIND_MODULES[resource.kind] as { controllerTags(r: typeof resource): readonly string[] };
    most.set(resource.kind, Math.max(most.get(resource.kind) ?? 0, module.controllerTags(resource).length));
  }
  for (const kind of KINDS.filter((k) => k !== 'CloudMapInstance')) {
    t.equal((specField(kind, 'tags') as { maxProperties?: number }).maxProperties, 50 - (most.get(kind) ?? 0), `${kind}: 50 - ${most.get(kind)} controller tags`);
  }
});

t.test('every Service field changes through UpdateService or is create-only, as the SDK\'s UpdateService reference has it', async (t) => {
  const typings = ['models_0', 'models_1'].map((f) => readFileSync(join('node_modules/@aws-sdk/client-ecs/dist-types/models', `${f}.d.ts`), 'utf8')).join('\n');
  const body = /export interface UpdateServiceRequest \{([\s\S]*?)\n\}/.exec(typings)?.[1] ?? '';
  const updatable = new Set([...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]));
  t.ok(updatable.has('taskDefinition') && updatable.has('capacityProviderStrategy'), 'UpdateServiceRequest is read from the typings');
  t.notOk(updatable.has('launchType'), 'UpdateService takes no launch type');
  const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, 'service.json'), 'utf8')) as { properties: { spec: { properties: Record<string, unknown> } } };
  // Identity, references the engine resolves, and tags (TagResource) are not UpdateService fields.
  const notUpdateFields = new Set(['serviceName', 'cluster', 'tags']);
  const createOnly = new Set(KIND_MODULES.Service.createOnly);
  for (const field of Object.keys(schema.properties.spec.properties)) {
    if (notUpdateFields.has(field)) continue;
    t.ok(updatable.has(field) !== createOnly.has(field), `spec.${field}: ${createOnly.has(field) ? 'create-only' : 'UpdateService'}`);
  }
});
