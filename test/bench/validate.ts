/**
 * Benchmark: `ecs-gitops validate` on a generated repository of N documents, the way a
 * pre-commit hook runs it (a new process each time, built CLI).
 *
 *   npm run build && npx tsx test/bench/validate.ts [documents=1000] [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const documents = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const root = mkdtempSync(join(tmpdir(), 'ecs-gitops-bench-'));

// One cluster and namespace; then services of three documents each (task definition,
// Cloud Map service, ECS service), one file per service, as a real repository lays out.
writeFileSync(join(root, 'base.yaml'), `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata: {name: bench}
spec: {}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata: {name: bench.local}
spec: {type: DNS_PRIVATE, vpc: vpc-0a1b2c3d4e5f67890}
`);
const services = Math.max(1, Math.floor((documents - 2) / 3));
mkdirSync(join(root, 'services'));
for (let i = 0; i < services; i++) {
  const name = `svc-${String(i).padStart(4, '0')}`;
  writeFileSync(join(root, 'services', `${name}.yaml`), `apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata: {name: ${name}}
spec:
  networkMode: awsvpc
  requiresCompatibilities: [FARGATE]
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - name: app
      image: public.ecr.aws/example/${name}:1.0.${i}
      portMappings: [{containerPort: 8080}]
      environment:
        - {name: LOG_LEVEL, value: info}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapService
metadata: {name: ${name}}
spec:
  namespace: bench.local
  dnsConfig: {routingPolicy: MULTIVALUE, dnsRecords: [{type: A, ttl: 10}]}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata: {name: ${name}}
spec:
  cluster: bench
  taskDefinition: ${name}
  desiredCount: 2
  launchType: FARGATE
  serviceRegistries: [{cloudMapService: ${name}}]
  networkConfiguration:
    awsvpcConfiguration: {subnets: [subnet-0123456789abcdef0], securityGroups: [sg-0123456789abcdef0]}
`);
}

const times: number[] = [];
let output = '';
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  output = execFileSync(process.execPath, ['dist/cli.js', 'validate', root], { encoding: 'utf8' });
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(output.trim().replace(root, '<repo>'));
console.log(`validate, ${services * 3 + 2} documents in ${services + 1} files, ${runs} runs (new process each):`);
console.log(`  min ${times[0].toFixed(0)} ms, median ${times[Math.floor(runs / 2)].toFixed(0)} ms, max ${times[runs - 1].toFixed(0)} ms`);
if (process.env.KEEP) console.log(`kept ${root}`);
else rmSync(root, { recursive: true, force: true });
