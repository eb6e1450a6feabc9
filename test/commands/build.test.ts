// `ecs-gitops build DIR`: the rendered documents of an overlay as one YAML stream, which
// read back as plain files are the same documents.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../src/cli.js';
import { loadConfig } from '../../src/load/index.js';
import { cluster, service, taskDefinition } from '../load/docs.js';

const run = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), color: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

const fixture = {
  '.git': {},
  base: { 'kustomization.yaml': 'resources: [c.yaml, web.yaml]\n', 'c.yaml': cluster(), 'web.yaml': `${taskDefinition()}---\n${service()}` },
  staging: { 'kustomization.yaml': 'resources: [../base]\nnamePrefix: staging-\nimages: [{name: public.ecr.aws/nginx/nginx, newTag: "1.28"}]\nreplicas: [{name: web, count: 1}]\n' },
  broken: { 'kustomization.yaml': 'resources: [../base]\nreplicas: [{name: api, count: 1}]\n' },
};

t.test('build prints the rendered documents; read back as a file they load to the same state', async (t) => {
  const dir = t.testdir(fixture);
  const r = await run('build', join(dir, 'staging'));
  t.equal(r.code, 0);
  const docs = parseAllDocuments(r.out).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
  t.same(docs.map((d) => `${d.kind}/${d.metadata.name}`), ['Cluster/staging-store', 'TaskDefinition/staging-web', 'Service/staging-web']);
  t.match(r.out, /# Source: .*base\/web\.yaml:16/, 'each document names the file it came from');
  t.same(docs[2].spec, { cluster: 'staging-store', taskDefinition: 'staging-web', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: docs[2].spec.networkConfiguration });
  const flat = join(dir, 'flat');
  mkdirSync(flat);
  writeFileSync(join(flat, 'all.yaml'), r.out);
  const [rendered, reread] = await Promise.all([loadConfig(join(dir, 'staging')), loadConfig(flat)]);
  t.ok(rendered.ok && reread.ok);
  if (rendered.ok && reread.ok) {
    const bodies = (s: typeof rendered.state) => [...s.resources.values()].map(({ metadata, spec }) => ({ metadata, spec }));
    t.same(bodies(reread.state), bodies(rendered.state));
  }
});

t.test('build of an invalid overlay exits 1 with the errors on stderr and prints nothing', async (t) => {
  const dir = t.testdir(fixture);
  const r = await run('build', join(dir, 'broken'));
  t.equal(r.code, 1);
  t.equal(r.out, '');
  t.match(r.err, /broken\/kustomization\.yaml:2:\d+ replicas\[0\]\.name: replicas\[0\] matches no document/);
  t.equal((await run('build', join(dir, 'missing'))).code, 2);
});
