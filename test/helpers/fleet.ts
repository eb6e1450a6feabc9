// Generated config repositories of many services, for the fault suite and the
// benchmarks: each service is one file with its task definition, its Cloud Map service
// (when it has a namespace) and its ECS service.

export interface ServiceDocumentOptions {
  name: string;
  image: string;
  cluster: string;
  /** The CloudMapNamespace document to register the service in; none when absent. */
  namespace?: string;
}

/** The documents of one service, as one file's text. */
export function serviceDocuments({ name, image, cluster, namespace }: ServiceDocumentOptions): string {
  const taskDefinition = `apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata: {name: ${name}}
spec:
  networkMode: awsvpc
  requiresCompatibilities: [FARGATE]
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - name: app
      image: ${image}
      portMappings: [{containerPort: 8080}]
      environment:
        - {name: SERVICE, value: ${name}}
`;
  const cloudMapService = `apiVersion: ecs-gitops.io/v1alpha1
kind: CloudMapService
metadata: {name: ${name}}
spec:
  namespace: ${namespace}
  dnsConfig: {routingPolicy: MULTIVALUE, dnsRecords: [{type: A, ttl: 10}]}
  healthCheckCustomConfig: {failureThreshold: 1}
`;
  const service = `apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata: {name: ${name}}
spec:
  cluster: ${cluster}
  taskDefinition: ${name}
  desiredCount: 1
  launchType: FARGATE
${namespace ? `  serviceRegistries: [{cloudMapService: ${name}}]\n` : ''}  networkConfiguration:
    awsvpcConfiguration: {subnets: [subnet-0aa1b2c3d4e5f6071], securityGroups: [sg-0a1b2c3d4e5f60001]}
`;
  return [taskDefinition, ...(namespace ? [cloudMapService] : []), service].join('---\n');
}
