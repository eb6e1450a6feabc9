/**
 * The live side as the reader found it: SDK objects, indexed the way planning looks them
 * up. Only types come from the SDK; nothing here talks to AWS.
 */
import type { Cluster, Service as EcsService, TaskDefinition } from '@aws-sdk/client-ecs';
import type { NamespaceSummary, ServiceSummary } from '@aws-sdk/client-servicediscovery';
import type { Tags } from './tags.js';

export interface LiveCluster {
  name: string;
  arn: string;
  tags: Tags;
  raw: Cluster;
}

export interface LiveTaskDefinition {
  arn: string;
  family: string;
  revision: number;
  tags: Tags;
  raw: TaskDefinition;
}

export interface LiveService {
  cluster: string;
  name: string;
  arn: string;
  tags: Tags;
  raw: EcsService;
}

export interface LiveNamespace {
  id: string;
  arn: string;
  name: string;
  tags: Tags;
  raw: NamespaceSummary;
}

export interface LiveCloudMapService {
  id: string;
  arn: string;
  name: string;
  namespaceId: string;
  tags: Tags;
  raw: ServiceSummary;
}

export interface LiveInstance {
  serviceId: string;
  id: string;
  attributes: Record<string, string>;
}

/** A task-definition revision that carries a document's content (its hash). */
export interface LiveRevision {
  arn: string;
  hash: string;
}

/** The live object a document of each kind stands for, as the kind's module finds it. */
export interface LiveObjects {
  Cluster: LiveCluster;
  TaskDefinition: LiveRevision;
  Service: LiveService;
  CloudMapNamespace: LiveNamespace;
  CloudMapService: LiveCloudMapService;
  CloudMapInstance: LiveInstance;
}

export interface LiveState {
  /** By cluster name; clusters the desired state names or the owner tag marks. */
  clusters: Map<string, LiveCluster>;
  /** By `cluster/service` name; ACTIVE and DRAINING services of the clusters read. */
  services: Map<string, LiveService>;
  /** By ARN; only revisions that had to be described. Immutable, so safe to cache. */
  taskDefinitions: Map<string, LiveTaskDefinition>;
  /** By family: the newest ACTIVE revision's ARN, when it was looked up. */
  latestRevision: Map<string, string>;
  /** By namespace name. */
  namespaces: Map<string, LiveNamespace>;
  /** By `namespaceId/name`. */
  cloudMapServices: Map<string, LiveCloudMapService>;
  /** By `serviceId/instanceId`; instances of the Cloud Map services that have instance documents or owned instances. */
  instances: Map<string, LiveInstance>;
  /** Cloud Map services whose instances were listed (an absent instance there is really absent). */
  instancesRead: Set<string>;
  /** Namespace name by ARN, for the namespaces clusters name as Service Connect defaults. */
  namespaceNames: Map<string, string>;
  /**
   * By service ARN: the task-definition ARNs ECS rolled back from, from the service
   * deployment history; read only for a service whose PRIMARY deployment does not run
   * the revision the controller last deployed.
   */
  rolledBack: Map<string, Set<string>>;
  /** By service ARN: why its deployment history could not be read (not permitted, or not implemented by an emulator). */
  historyUnreadable: Map<string, string>;
  /**
   * By service ARN: where a BLUE_GREEN, LINEAR or CANARY deployment in flight is, from
   * its service deployment; read only while such a deployment is IN_PROGRESS.
   */
  shifting: Map<string, ShiftProgress>;
}

/** A traffic-shifting deployment's lifecycle stage, production traffic on the new revision, and hooks it waits on. */
export interface ShiftProgress {
  stage: string;
  traffic: number | undefined;
  waitingOn: string[];
}

export function emptyLiveState(): LiveState {
  return {
    clusters: new Map(),
    services: new Map(),
    taskDefinitions: new Map(),
    latestRevision: new Map(),
    namespaces: new Map(),
    cloudMapServices: new Map(),
    instances: new Map(),
    instancesRead: new Set(),
    namespaceNames: new Map(),
    rolledBack: new Map(),
    historyUnreadable: new Map(),
    shifting: new Map(),
  };
}

/** `arn:aws:ecs:r:a:task-definition/web:3` → `web:3` */
export function revisionOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const i = arn.indexOf('task-definition/');
  return i >= 0 ? arn.slice(i + 'task-definition/'.length) : arn;
}

/** `arn:aws:ecs:r:a:cluster/store` → `store` */
export function lastSegment(arn: string | undefined): string | undefined {
  return arn?.slice(arn.lastIndexOf('/') + 1);
}
