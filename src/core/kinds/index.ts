/**
 * The kinds table: one module per kind, in apply order. The planner and the reader are
 * loops over it; adding a kind is adding its module here, its reads in src/aws/kinds/
 * and its CRD.
 */
import { KINDS, type Kind } from '../../api/kinds.js';
import { CloudMapInstanceKind } from './cloudmap-instance.js';
import { CloudMapNamespaceKind } from './cloudmap-namespace.js';
import { CloudMapServiceKind } from './cloudmap-service.js';
import { ClusterKind } from './cluster.js';
import { ServiceKind } from './service.js';
import { TaskDefinitionKind } from './task-definition.js';
import type { KindModule } from './types.js';

export const KIND_MODULES: { readonly [K in Kind]: KindModule<K> } = {
  CloudMapNamespace: CloudMapNamespaceKind,
  CloudMapService: CloudMapServiceKind,
  Cluster: ClusterKind,
  TaskDefinition: TaskDefinitionKind,
  Service: ServiceKind,
  CloudMapInstance: CloudMapInstanceKind,
};

export function kindModule<K extends Kind>(kind: K): KindModule<K> {
  return KIND_MODULES[kind] as KindModule<K>;
}

/** Prune order: children before parents, the reverse of apply order. */
export const PRUNE_ORDER: readonly Kind[] = [...KINDS].reverse();

/** Which kind an AWS not-found error is about; undefined when it could be any. */
export function kindNotFound(code: string): Kind | undefined {
  return KINDS.find((kind) => KIND_MODULES[kind].notFoundErrors.includes(code));
}
