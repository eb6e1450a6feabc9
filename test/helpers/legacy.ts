// Services made outside the controller, the way a team that used the console, Terraform
// or ecspresso has them: created through the AWS CLI (so AWS fills in what it fills in),
// untagged; and the documents a user writes by hand to adopt them.
//
//   const network = { vpc, subnet, securityGroup };
//   const legacy = await createLegacyServices(endpoint, clients, network);
//   writeFileSync(join(dir, 'shop.yaml'), adoptionDocuments(network));
//
// Each AWS CLI call costs a second of CPU (ten on a busy machine), so only the creates go
// through it; waiting for the namespace and later changes use the SDK.
//
// `orders` runs on Fargate in awsvpc mode; `inventory` runs on EC2 in bridge mode and
// registers its tasks (SRV records) in the Cloud Map service `inventory` of the private
// DNS namespace `shop.local`.
import { ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../../src/aws/clients.js';
import { awsCli } from './aws-cli.js';
import { waitFor } from './eventually.js';

export interface LegacyNetwork {
  vpc: string;
  subnet: string;
  securityGroup: string;
}

/** The task-definition revision ARNs the services were created with. */
export interface Legacy {
  ordersRevision: string;
  inventoryRevision: string;
}

export const ORDERS_IMAGE = 'public.ecr.aws/docker/library/nginx:1.27';
export const INVENTORY_IMAGE = 'public.ecr.aws/docker/library/httpd:2.4';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/shop-task-execution';
const DB_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/orders-db-AbCdEf';

/** RegisterTaskDefinition's input for orders, as a Terraform module would send it. */
export function ordersTaskDefinition(image = ORDERS_IMAGE): RegisterTaskDefinitionCommandInput {
  return {
    family: 'orders',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    executionRoleArn: EXECUTION_ROLE,
    containerDefinitions: [
      {
        name: 'orders',
        image,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        environment: [
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'DB_HOST', value: 'db.shop.local' },
        ],
        secrets: [{ name: 'DB_PASSWORD', valueFrom: DB_SECRET }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/shop/orders', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'orders' } },
      },
    ],
  };
}

const inventoryTaskDefinition = {
  family: 'inventory',
  networkMode: 'bridge',
  requiresCompatibilities: ['EC2'],
  containerDefinitions: [
    {
      name: 'inventory',
      image: INVENTORY_IMAGE,
      memory: 256,
      cpu: 128,
      portMappings: [{ containerPort: 80, hostPort: 0 }],
      environment: [{ name: 'ORDERS_URL', value: 'http://orders.shop.local:8080' }],
    },
  ],
};

const ecs = (endpoint: string, command: string, input: object) => awsCli(endpoint, ['ecs', command, '--cli-input-json', JSON.stringify(input)]);

/** Registers orders' task definition again (by hand, outside the controller); its ARN. */
export async function registerOrders(clients: AwsClients, image = ORDERS_IMAGE): Promise<string> {
  const answer = await clients.ecs.send(new RegisterTaskDefinitionCommand(ordersTaskDefinition(image)));
  return answer.taskDefinition!.taskDefinitionArn!;
}

type Registered = { taskDefinition: { taskDefinitionArn: string } };

/**
 * The cluster, namespace, Cloud Map service, two task definitions and two services,
 * through the AWS CLI; what does not depend on another create runs at once.
 */
export async function createLegacyServices(endpoint: string, clients: AwsClients, network: LegacyNetwork): Promise<Legacy> {
  const [, , orders, inventory] = (await Promise.all([
    ecs(endpoint, 'create-cluster', { clusterName: 'shop' }),
    awsCli(endpoint, ['servicediscovery', 'create-private-dns-namespace', '--name', 'shop.local', '--vpc', network.vpc, '--description', 'shop services']),
    ecs(endpoint, 'register-task-definition', ordersTaskDefinition()),
    ecs(endpoint, 'register-task-definition', inventoryTaskDefinition),
  ])) as [unknown, unknown, Registered, Registered];
  const [, registry] = await Promise.all([
    ecs(endpoint, 'create-service', {
      cluster: 'shop', serviceName: 'orders', taskDefinition: 'orders', desiredCount: 2, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: [network.subnet], securityGroups: [network.securityGroup], assignPublicIp: 'DISABLED' } },
    }),
    createRegistry(endpoint, clients),
  ]);
  await ecs(endpoint, 'create-service', {
    cluster: 'shop', serviceName: 'inventory', taskDefinition: 'inventory', desiredCount: 1, launchType: 'EC2',
    serviceRegistries: [{ registryArn: registry, containerName: 'inventory', containerPort: 80 }],
  });
  return { ordersRevision: orders.taskDefinition.taskDefinitionArn, inventoryRevision: inventory.taskDefinition.taskDefinitionArn };
}

/** Once the namespace exists (Cloud Map creates it asynchronously): the Cloud Map service inventory registers in; its ARN. */
async function createRegistry(endpoint: string, clients: AwsClients): Promise<string> {
  let namespace: string | undefined;
  await waitFor(async () => {
    namespace = (await clients.cloudMap.send(new ListNamespacesCommand({}))).Namespaces?.find((n) => n.Name === 'shop.local')?.Id;
    return namespace !== undefined;
  }, 'the namespace shop.local', 30_000);
  const created = (await awsCli(endpoint, [
    'servicediscovery', 'create-service', '--name', 'inventory', '--namespace-id', namespace!, '--description', 'stock levels',
    '--dns-config', JSON.stringify({ RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'SRV', TTL: 60 }] }),
    '--health-check-custom-config', JSON.stringify({ FailureThreshold: 1 }),
  ])) as { Service: { Arn: string } };
  return created.Service.Arn;
}

const ADOPT = `  annotations:
    ecs-gitops.io/adopt: "true"
`;

/**
 * The documents for what createLegacyServices made, written by hand: only what was set,
 * in the user's spelling (numbers for cpu and memory, no `essential`, no `protocol`).
 * `ordersImage` other than the live one makes the content differ.
 */
export function adoptionDocuments(legacy: LegacyNetwork, { ordersImage = ORDERS_IMAGE } = {}): string {
  return `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata:
  name: shop
${ADOPT}spec: {}
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapNamespace
metadata:
  name: shop.local
${ADOPT}spec:
  type: DNS_PRIVATE
  vpc: ${legacy.vpc}
  description: shop services
---
apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapService
metadata:
  name: inventory
${ADOPT}spec:
  namespace: shop.local
  description: stock levels
  dnsConfig:
    dnsRecords:
      - type: SRV
        ttl: 60
  healthCheckCustomConfig:
    failureThreshold: 1
---
apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata:
  name: orders
${ADOPT}spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: 256
  memory: 512
  executionRoleArn: ${EXECUTION_ROLE}
  containerDefinitions:
    - name: orders
      image: ${ordersImage}
      portMappings:
        - containerPort: 8080
      environment:
        - name: DB_HOST
          value: db.shop.local
        - name: LOG_LEVEL
          value: info
      secrets:
        - name: DB_PASSWORD
          valueFrom: ${DB_SECRET}
      logConfiguration:
        logDriver: awslogs
        options:
          awslogs-group: /ecs/shop/orders
          awslogs-region: us-east-1
          awslogs-stream-prefix: orders
---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: orders
${ADOPT}spec:
  cluster: shop
  taskDefinition: orders
  desiredCount: 2
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [${legacy.subnet}]
      securityGroups: [${legacy.securityGroup}]
---
apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata:
  name: inventory
${ADOPT}spec:
  requiresCompatibilities: [EC2]
  containerDefinitions:
    - name: inventory
      image: ${INVENTORY_IMAGE}
      memory: 256
      cpu: 128
      portMappings:
        - containerPort: 80
      environment:
        - name: ORDERS_URL
          value: http://orders.shop.local:8080
---
apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: inventory
${ADOPT}spec:
  cluster: shop
  taskDefinition: inventory
  desiredCount: 1
  launchType: EC2
  serviceRegistries:
    - cloudMapService: inventory
      containerName: inventory
      containerPort: 80
`;
}
