// The simulator's whole state: plain JSON-serialisable data, so it can be dumped,
// persisted and reloaded. Every pending transition is a `dueAt` time on the SimClock.

export interface EcsTag { key: string; value: string }
export interface CloudMapTag { Key: string; Value: string }

export interface ClusterState {
  seq: number;
  arn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  settings: unknown[];
  configuration?: unknown;
  serviceConnectDefaults?: unknown;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: unknown[];
  tags: EcsTag[];
}

export interface TaskDefinitionState {
  seq: number;
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  /** The task definition as DescribeTaskDefinition returns it (timestamps in epoch seconds). */
  body: Record<string, unknown>;
  tags: EcsTag[];
  /** When DELETE_IN_PROGRESS ends and the revision is gone. */
  dueAt?: number;
}

export type TaskStatus = 'PENDING' | 'RUNNING' | 'STOPPING' | 'STOPPED';

export interface TaskState {
  id: string;
  arn: string;
  deploymentId: string;
  taskDefinition: string;
  lastStatus: TaskStatus;
  /** The image of this task is marked to fail: it stops instead of running. */
  fails: boolean;
  ip: string;
  /** Cloud Map services this task is registered in (service ids). */
  registeredIn: string[];
  dueAt?: number;
}

export interface DeploymentState {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType?: string;
  platformVersion?: string;
  capacityProviderStrategy?: unknown[];
  networkConfiguration?: unknown;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
}

export interface ServiceEvent { id: string; createdAt: number; message: string }

export interface ServiceRegistry { registryArn?: string; port?: number; containerName?: string; containerPort?: number }

export interface ServiceState {
  seq: number;
  arn: string;
  name: string;
  clusterName: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  /** Configuration fields returned as stored (loadBalancers, networkConfiguration, ...). */
  config: Record<string, unknown>;
  serviceRegistries: ServiceRegistry[];
  deploymentConfiguration: {
    maximumPercent: number;
    minimumHealthyPercent: number;
    deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
    [k: string]: unknown;
  };
  deployments: DeploymentState[];
  tasks: TaskState[];
  events: ServiceEvent[];
  tags: EcsTag[];
  clientToken?: string;
  createdAt: number;
  /** DRAINING → INACTIVE, or INACTIVE → forgotten. */
  dueAt?: number;
  /** A steady-state event has been written for the current state. */
  steady: boolean;
}

export interface NamespaceState {
  seq: number;
  id: string;
  arn: string;
  name: string;
  type: 'HTTP' | 'DNS_PRIVATE' | 'DNS_PUBLIC';
  description?: string;
  creatorRequestId?: string;
  properties: Record<string, unknown>;
  createDate: number;
  tags: CloudMapTag[];
}

export interface InstanceState { id: string; attributes: Record<string, string>; creatorRequestId?: string; seq: number }

export interface CloudMapServiceState {
  seq: number;
  id: string;
  arn: string;
  name: string;
  namespaceId: string;
  description?: string;
  dnsConfig?: Record<string, unknown>;
  healthCheckConfig?: unknown;
  healthCheckCustomConfig?: unknown;
  type?: string;
  creatorRequestId?: string;
  createDate: number;
  tags: CloudMapTag[];
  instances: InstanceState[];
  revision: number;
}

export type OperationEffect =
  | { kind: 'createNamespace'; namespace: NamespaceState }
  | { kind: 'deleteNamespace'; namespaceId: string }
  | { kind: 'updateNamespace'; namespaceId: string; description?: string; soaTtl?: number }
  | { kind: 'updateService'; serviceId: string; changes: Record<string, unknown> }
  | { kind: 'registerInstance'; serviceId: string; instance: InstanceState }
  | { kind: 'deregisterInstance'; serviceId: string; instanceId: string };

export interface OperationState {
  seq: number;
  id: string;
  type: 'CREATE_NAMESPACE' | 'DELETE_NAMESPACE' | 'UPDATE_NAMESPACE' | 'UPDATE_SERVICE' | 'REGISTER_INSTANCE' | 'DEREGISTER_INSTANCE';
  status: 'SUBMITTED' | 'PENDING' | 'SUCCESS' | 'FAIL';
  createDate: number;
  updateDate: number;
  targets: Record<string, string>;
  creatorRequestId?: string;
  errorCode?: string;
  errorMessage?: string;
  effect: OperationEffect;
  dueAt?: number;
}

export interface SimState {
  version: 1;
  seq: number;
  ipSeq: number;
  clusters: ClusterState[];
  taskDefinitions: TaskDefinitionState[];
  /** Highest revision ever registered per family; revisions are never reused. */
  familyRevisions: Record<string, number>;
  services: ServiceState[];
  namespaces: NamespaceState[];
  cloudMapServices: CloudMapServiceState[];
  operations: OperationState[];
}

export function emptyState(): SimState {
  return {
    version: 1,
    seq: 0,
    ipSeq: 10,
    clusters: [],
    taskDefinitions: [],
    familyRevisions: {},
    services: [],
    namespaces: [],
    cloudMapServices: [],
    operations: [],
  };
}

/** Epoch milliseconds → the epoch seconds JSON 1.1 puts on the wire. */
export const wireTime = (ms: number): number => ms / 1000;

export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
