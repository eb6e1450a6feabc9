/**
 * Benchmark: `ecs-gitops validate` on a generated repository of N documents, the way a
 * pre-commit hook runs it (a new process each time, built CLI) — once as plain files,
 * once with the same files rendered through two levels of overlays (a base kustomization,
 * an overlay with a prefix, labels, an image and a JSON patch on every Service, and one
 * on that with a suffix, annotations and a strategic-merge patch on every TaskDefinition).
 *
 *   npm run build && npx tsx test/bench/validate.ts [documents=1000] [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateRepo, serviceName } from './lib.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const documents = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const services = Math.max(1, Math.floor((documents - 2) / 3));
const top = mkdtempSync(join(tmpdir(), 'ecs-gitops-bench-'));
const shape = { services, clusters: 1, cloudMap: true };
const plainRoot = generateRepo(join(top, 'plain'), shape);
const root = generateRepo(join(top, 'base'), shape);

// The overlays: base/ becomes a kustomization of its files, mid/ and prod/ stack on it.
mkdirSync(join(top, '.git'));
writeFileSync(join(root, 'kustomization.yaml'), 'resources: [base.yaml, services]\n');
mkdirSync(join(top, 'mid'));
writeFileSync(join(top, 'mid', 'kustomization.yaml'), `resources: [../base]
namePrefix: eu-
commonLabels: {region: eu}
images:
  - {name: public.ecr.aws/example/${serviceName(0)}, newTag: "2.0.0"}
patches:
  - target: {kind: Service}
    patch: |
      - {op: replace, path: /spec/desiredCount, value: 2}
`);
mkdirSync(join(top, 'prod'));
writeFileSync(join(top, 'prod', 'kustomization.yaml'), `resources: [../mid]
nameSuffix: -prod
commonAnnotations: {owner: platform}
patches:
  - target: {kind: TaskDefinition}
    patch: |
      apiVersion: ecs-gitops.io/v1alpha1
      kind: TaskDefinition
      metadata: {name: any}
      spec:
        containerDefinitions:
          - name: app
            environment:
              - {name: REGION, value: eu-west-1}
`);

function once(dir: string): { output: string; ms: number } {
  const start = process.hrtime.bigint();
  const output = execFileSync(process.execPath, ['dist/cli.js', 'validate', dir], { encoding: 'utf8' });
  return { output, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

// Alternate the two, so a machine that gets busier halfway hurts both alike.
const plain: number[] = [];
const overlaid: number[] = [];
const outputs = { plain: '', overlaid: '' };
for (let i = 0; i < runs; i++) {
  const a = once(plainRoot);
  const b = once(join(top, 'prod'));
  plain.push(a.ms);
  overlaid.push(b.ms);
  outputs.plain = a.output;
  outputs.overlaid = b.output;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (label: string, xs: number[]) => `  ${label}: min ${Math.min(...xs).toFixed(0)} ms, median ${median(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
console.log(outputs.plain.trim().replace(plainRoot, '<repo>/plain'));
console.log(outputs.overlaid.trim().replace(join(top, 'prod'), '<repo>/prod'));
console.log(`validate, ${services * 3 + 2} documents in ${services + 1} files, ${plain.length} runs each (new process each, alternating):`);
console.log(line('plain files               ', plain));
console.log(line('two levels of overlays    ', overlaid));
console.log(`  overlays add ${((median(overlaid) / median(plain) - 1) * 100).toFixed(1)} % (median to median)`);
if (process.env.KEEP) console.log(`kept ${top}`);
else rmSync(top, { recursive: true, force: true });
