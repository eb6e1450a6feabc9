// The simulator's whole state: plain JSON-serialisable data, so it can be dumped,
// persisted and reloaded. Every pending transition is a `dueAt` time on the SimClock.
import type { Shift } from './strategies.js';

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

/**
 * A group of tasks launched together, in the same state. A service of a million tasks is
 * a handful of groups, so no work is ever done per task. Task `i` of the group has the id
 * `taskIdAt(group, i)`: the group's 24 hex characters followed by 8 of `first + i`.
 */
export interface TaskState {
  id: string;
  /** Index of the group's first task (groups split when some of their tasks stop). */
  first: number;
  count: number;
  deploymentId: string;
  taskDefinition: string;
  lastStatus: TaskStatus;
  /** The image of this task is marked to fail: it stops instead of running. */
  fails: boolean;
  /** IPv4 sequence number of the first task; task i has ipBase + i. */
  ipBase: number;
  /** Cloud Map services the group's first `registered` tasks are registered in (service ids). */
  registeredIn: string[];
  registered: number;
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
  platformFamily?: string;
  capacityProviderStrategy?: unknown[];
  /** This deployment rolls a failed one back (its failure is final: ROLLBACK_FAILED). */
  rollback?: boolean;
  networkConfiguration?: unknown;
  volumeConfigurations?: unknown[];
  serviceConnectConfiguration?: Record<string, unknown>;
  /** A BLUE_GREEN, LINEAR or CANARY deployment's place in its lifecycle (strategies.ts). */
  shift?: Shift;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  /** The durable service deployment and service revision this deployment belongs to. */
  serviceDeploymentArn?: string;
  serviceRevisionArn?: string;
}

export type ServiceDeploymentStatus =
  | 'PENDING' | 'IN_PROGRESS' | 'SUCCESSFUL' | 'STOPPED' | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED' | 'ROLLBACK_IN_PROGRESS' | 'ROLLBACK_SUCCESSFUL' | 'ROLLBACK_FAILED';

/** ECS's durable deployment history (ListServiceDeployments / DescribeServiceDeployments). */
export interface ServiceDeploymentState {
  seq: number;
  arn: string;
  serviceArn: string;
  clusterArn: string;
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  sourceRevisionArns: string[];
  targetRevisionArn: string;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  deploymentConfiguration: unknown;
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  failureCount: number;
  threshold: number;
  breakerEnabled: boolean;
}

/** A service revision: the configuration one deployment rolls out (DescribeServiceRevisions). */
export interface ServiceRevisionState {
  seq: number;
  arn: string;
  serviceArn: string;
  clusterArn: string;
  createdAt: number;
  /** The ServiceRevision fields other than the ARNs and createdAt, as returned. */
  body: Record<string, unknown>;
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
  /** When the next periodic "has reached a steady state" event is due. */
  steadyDueAt?: number;
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
  serviceDeployments: ServiceDeploymentState[];
  serviceRevisions: ServiceRevisionState[];
  /** Account setting containerInsights (PutAccountSetting); clusters created without one follow it. */
  accountSettings: Record<string, string>;
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
    serviceDeployments: [],
    serviceRevisions: [],
    accountSettings: {},
  };
}

/** Epoch milliseconds → the epoch seconds JSON 1.1 puts on the wire. */
export const wireTime = (ms: number): number => ms / 1000;

export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
