/** The readers by kind, for the generic loop in ../reader.ts. */
import type { Kind } from '../../api/kinds.js';
import { CloudMapInstanceReader } from './cloudmap-instance.js';
import { CloudMapNamespaceReader } from './cloudmap-namespace.js';
import { CloudMapServiceReader } from './cloudmap-service.js';
import { ClusterReader } from './cluster.js';
import { ServiceReader } from './service.js';
import { TaskDefinitionReader } from './task-definition.js';
import type { KindReader } from './types.js';

export const KIND_READERS: { readonly [K in Kind]: KindReader<K> } = {
  CloudMapNamespace: CloudMapNamespaceReader,
  CloudMapService: CloudMapServiceReader,
  Cluster: ClusterReader,
  TaskDefinition: TaskDefinitionReader,
  Service: ServiceReader,
  CloudMapInstance: CloudMapInstanceReader,
};
