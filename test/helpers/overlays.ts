// A repository with one base and a staging and a production overlay of it, for the
// daemon tests on the simulator and on moto: each environment its own cluster (by name
// prefix), image tag and task count.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const BASE_IMAGE = 'public.ecr.aws/nginx/nginx';

/** Writes `files` (path → text) below `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const base = ({ subnet, securityGroup }: Network, env: string) => `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata:
  name: shop
spec: {}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata:
  name: web
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - name: web
      image: ${BASE_IMAGE}:1.27
      essential: true
      portMappings:
        - containerPort: 80
      environment:
        - name: GREETING
          value: ${env}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: web
spec:
  cluster: shop
  taskDefinition: web
  desiredCount: 1
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [${subnet}]
      securityGroups: [${securityGroup}]
      assignPublicIp: DISABLED
`;

export const overlay = (env: string, tag: string, count: number) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
namePrefix: ${env}-
images:
  - name: ${BASE_IMAGE}
    newTag: "${tag}"
replicas:
  - name: web
    count: ${count}
`;

/** base/ and envs/{staging,production}/: point the daemon at `envs`. */
export interface Network {
  subnet: string;
  securityGroup: string;
}

export function overlayRepo(dir: string, network: Network = { subnet: 'subnet-0aa1b2c3d4e5f6071', securityGroup: 'sg-0a1b2c3d4e5f60001' }): { setGreeting(text: string): void; setCount(env: 'staging' | 'production', tag: string, count: number): void } {
  writeTree(dir, {
    'base/kustomization.yaml': 'resources: [web.yaml]\n',
    'base/web.yaml': base(network, 'hello'),
    'envs/staging/kustomization.yaml': overlay('staging', '1.28', 1),
    'envs/production/kustomization.yaml': overlay('production', '1.27.3', 2),
  });
  return {
    setGreeting: (text) => writeTree(dir, { 'base/web.yaml': base(network, text) }),
    setCount: (env, tag, count) => writeTree(dir, { [`envs/${env}/kustomization.yaml`]: overlay(env, tag, count) }),
  };
}
