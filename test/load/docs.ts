/** Small valid documents for loader tests, as YAML text. */
export const cluster = (name = 'store') => `apiVersion: ecs-gitops.io/v1alpha1
kind: Cluster
metadata:
  name: ${name}
spec:
  settings:
    - name: containerInsights
      value: enabled
`;

export const taskDefinition = (name = 'web') => `apiVersion: ecs-gitops.io/v1alpha1
kind: TaskDefinition
metadata:
  name: ${name}
spec:
  networkMode: awsvpc
  requiresCompatibilities: [FARGATE]
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - name: web
      image: public.ecr.aws/nginx/nginx:1.27.3
      portMappings:
        - containerPort: 80
`;

export const service = (name = 'web', { cluster = 'store', taskDefinition = 'web', desiredCount = '2' } = {}) => `apiVersion: ecs-gitops.io/v1alpha1
kind: Service
metadata:
  name: ${name}
spec:
  cluster: ${cluster}
  taskDefinition: ${taskDefinition}
  desiredCount: ${desiredCount}
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [subnet-0123456789abcdef0]
      securityGroups: [sg-0123456789abcdef0]
`;
