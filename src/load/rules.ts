/**
 * Rules that span several fields or documents, which a JSON Schema cannot express.
 */
import type { Resource, ResourceKey } from '../api/kinds.js';
import { fieldPath, type Finding } from './findings.js';
import type { LocatedResource } from './resolve.js';

type Spec = Record<string, unknown>;

interface Violation {
  path: (string | number)[];
  message: string;
}

type Rule = (spec: Spec, resources: ReadonlyMap<ResourceKey, Resource>) => Violation[];

const RULES: Partial<Record<Resource['kind'], Rule[]>> = {};

export function checkRules({ resource, position }: LocatedResource, resources: ReadonlyMap<ResourceKey, Resource>): Finding[] {
  const rules = RULES[resource.kind] ?? [];
  return rules.flatMap((rule) => rule(resource.spec, resources)).map(({ path, message }) => {
    const full = ['spec', ...path];
    return {
      code: 'INVALID_COMBINATION' as const,
      severity: 'error' as const,
      file: resource.source.file,
      ...position(full),
      field: fieldPath(full),
      message,
    };
  });
}
