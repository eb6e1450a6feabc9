// What an API module needs from the engine: state, clock, ARNs, timings, faults, and the
// hooks through which writes become visible (eventual consistency) and ECS tasks reach
// Cloud Map. Kept as an interface so ecs.ts and cloudmap.ts never import the engine.
import type { SimClock } from './clock.js';
import type { Arns } from './ids.js';
import type { InstanceState, SimState } from './state.js';

export interface RolloutTimings {
  /** A task goes PENDING → RUNNING (or fails) after this long. */
  taskStartMs: number;
  /** A task goes STOPPING → STOPPED after this long. */
  taskStopMs: number;
  /** A deleted service stays DRAINING this long after its last task stopped. */
  serviceDrainMs: number;
  /** An INACTIVE service stays describable this long. */
  inactiveRetentionMs: number;
  /** A task definition stays DELETE_IN_PROGRESS this long. */
  taskDefinitionDeleteMs: number;
  /** While a service stays steady, "has reached a steady state" is logged again this often. */
  steadyStateEventMs: number;
  /** Each Cloud Map operation step (SUBMITTED → PENDING → SUCCESS) takes this long. */
  cloudMapStepMs: number;
  /** A deployment lifecycle hook's Lambda function answers after this long. */
  hookMs: number;
}

export const DEFAULT_TIMINGS: RolloutTimings = {
  taskStartMs: 1500,
  taskStopMs: 1000,
  serviceDrainMs: 1000,
  inactiveRetentionMs: 3_600_000,
  taskDefinitionDeleteMs: 1000,
  cloudMapStepMs: 500,
  hookMs: 1000,
  steadyStateEventMs: 6 * 3600 * 1000,
};

export interface FaultSettings {
  /** Fraction 0–1 of API calls answered with a 5xx. */
  errorRate: number;
  /** If non-empty, errorRate applies only to these operation names. */
  errorOperations: string[];
  /** Wall-clock delay added before every API answer. */
  latencyMs: number;
  /** AWS token-bucket throttling on/off. */
  throttle: boolean;
  /** Images whose tasks fail to start. */
  failingImages: string[];
  /** Lambda functions (ARNs) whose deployment lifecycle hooks answer FAILED. */
  failingHooks: string[];
  /** For this long after a write, reads see the object's previous version. */
  consistencyLagMs: number;
  /** Fraction 0–1 of successful writes whose answer is lost: the call takes effect, the connection is reset. */
  dropRate: number;
  /** If non-empty, dropRate applies only to these operation names. */
  dropOperations: string[];
  /** Seed of the PRNG deciding errorRate and dropRate. */
  seed: number;
  /** Operations answered with AccessDeniedException, as an IAM policy without them would: by name (`GetResources`) or as IAM actions (`tag:GetResources`, `servicediscovery:ListNamespaces`). */
  deniedOperations: string[];
}

export const DEFAULT_FAULTS: FaultSettings = {
  errorRate: 0,
  errorOperations: [],
  latencyMs: 0,
  throttle: false,
  failingImages: [],
  failingHooks: [],
  consistencyLagMs: 0,
  dropRate: 0,
  dropOperations: [],
  seed: 1,
  deniedOperations: [],
};

export interface SimContext {
  readonly state: SimState;
  readonly clock: SimClock;
  readonly arns: Arns;
  readonly region: string;
  readonly accountId: string;
  readonly timings: RolloutTimings;
  readonly faults: FaultSettings;
  nextSeq(): number;
  /** Records that `key` is about to change, so lagged reads still see `before`. */
  written(key: string, before: unknown): void;
  /** The version of `key` a read sees now: `current`, or the pre-write version while lagging. */
  visible<T>(key: string, current: T | undefined): T | undefined;
  /** Cloud Map hooks used by ECS service registries (no operation is created). */
  cloudMap: {
    serviceExists(registryArn: string): boolean;
    /** The ARN of the namespace with this name or ARN; a new name creates an HTTP namespace (Service Connect defaults). */
    namespaceArn(nameOrArn: string): string | undefined;
    /** The ARN of the namespace with this name or ARN, if it exists (Service Connect on a service). */
    existingNamespaceArn(nameOrArn: string): string | undefined;
    /** The Cloud Map service a Service Connect endpoint is discovered through (see src/sim/README.md). */
    discoveryArn(namespaceArn: string, discoveryName: string): string;
    /** How many more instances the Cloud Map service takes before its quota. */
    room(registryArn: string): number;
    /** Registers the instances; returns the Cloud Map service id. */
    register(registryArn: string, instances: Omit<InstanceState, 'seq'>[]): string | undefined;
    deregister(serviceId: string, instanceIds: string[]): void;
  };
}
