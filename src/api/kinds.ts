/**
 * The resource kinds of ecs-gitops.io/v1alpha1: their names, the order in which they
 * are applied, and which spec fields refer to other documents. The field-level shapes
 * live in crds/ (the one source of truth) and reach code as the types generated from
 * them in ./specs.ts; this file holds what code needs to know about the kinds as a set.
 */
import type { Specs } from './specs.js';

export const API_GROUP = 'ecs-gitops.io';
export const API_VERSION = `${API_GROUP}/v1alpha1`;

/** Apply order: a kind may only refer to kinds before it. Deletion runs in reverse. */
export const KINDS = [
  'CloudMapNamespace',
  'CloudMapService',
  'Cluster',
  'TaskDefinition',
  'Service',
  'CloudMapInstance',
] as const;

export type Kind = (typeof KINDS)[number];

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

/**
 * A reference from one document to another, by `metadata.name`. `path` is the field's
 * location inside `spec`; `*` stands for every element of an array.
 */
export interface ReferenceField {
  readonly from: Kind;
  readonly path: readonly string[];
  readonly to: Kind;
}

export const REFERENCES: readonly ReferenceField[] = [
  { from: 'Service', path: ['cluster'], to: 'Cluster' },
  { from: 'Service', path: ['taskDefinition'], to: 'TaskDefinition' },
  { from: 'Service', path: ['serviceRegistries', '*', 'cloudMapService'], to: 'CloudMapService' },
  { from: 'CloudMapService', path: ['namespace'], to: 'CloudMapNamespace' },
  { from: 'CloudMapInstance', path: ['service'], to: 'CloudMapService' },
];

/** Every reference a document's spec makes: where, to which kind, and the name given. */
export function referencesIn(kind: Kind, spec: unknown): { path: (string | number)[]; to: Kind; target: unknown }[] {
  const found: { path: (string | number)[]; to: Kind; target: unknown }[] = [];
  for (const ref of REFERENCES) {
    if (ref.from !== kind) continue;
    const walk = (node: unknown, rest: readonly string[], at: (string | number)[]): void => {
      if (rest.length === 0) {
        if (node !== undefined) found.push({ path: at, to: ref.to, target: node });
        return;
      }
      const [head, ...tail] = rest;
      if (head === '*') {
        if (Array.isArray(node)) node.forEach((item, i) => walk(item, tail, [...at, i]));
      } else if (typeof node === 'object' && node !== null) {
        walk((node as Record<string, unknown>)[head], tail, [...at, head]);
      }
    };
    walk(spec, ref.path, []);
  }
  return found;
}

export interface Metadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Where a document came from, so every later message can point back at it. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A validated document. `spec` has the shape of the kind's CRD schema. */
export interface Resource<K extends Kind = Kind> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: Metadata;
  spec: Record<string, unknown>;
  source: SourceLocation;
}

/**
 * A document's spec with its kind's type. The one place the loose `spec` is trusted: the
 * loader admitted it against the CRD schema the type is generated from.
 */
export function specOf<K extends Kind>(resource: Resource<K>): Specs[K] {
  return resource.spec as Specs[K];
}

/** `Kind/name`, the identity of a document. */
export type ResourceKey = `${Kind}/${string}`;

export function resourceKey(kind: Kind, name: string): ResourceKey {
  return `${kind}/${name}`;
}

/** A complete, validated and resolved revision of the desired state. */
export interface DesiredState {
  /** Every document by identity, in apply order of kinds, then by name. */
  readonly resources: ReadonlyMap<ResourceKey, Resource>;
}
