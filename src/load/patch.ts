/**
 * The two patch languages of a kustomization, over the documents of this controller's
 * kinds: strategic merge (a partial document laid over the target, lists of named things
 * merged item by item by their natural keys) and JSON Patch (RFC 6902). Both work on a
 * copy and report problems instead of throwing, so a bad patch applies nothing.
 */
import type { Kind } from '../api/kinds.js';
import { annotate, cloneTracked, originAt, originOf, setKeyOrigin, type Origin } from './origin.js';

/**
 * How a list's items are matched: the first alternative whose fields the patch item sets
 * all of; `defaults` are what AWS assumes for a field left out.
 */
export interface MergeKey {
  fields: readonly (readonly string[])[];
  defaults?: Readonly<Record<string, unknown>>;
}

const by = (...fields: string[][]): MergeKey => ({ fields });

/**
 * The natural key of every list of objects in the kinds, by kind and path (`*` for each
 * item). Lists not named here (subnets, commands, placement constraints) are replaced
 * whole by a patch. Documented in the resource reference (crds/REFERENCE.md).
 */
export const MERGE_KEYS: Readonly<Partial<Record<Kind, Readonly<Record<string, MergeKey>>>>> = {
  TaskDefinition: {
    'spec.containerDefinitions': by(['name']),
    'spec.containerDefinitions.*.portMappings': { fields: [['name'], ['containerPort', 'protocol']], defaults: { protocol: 'tcp' } },
    'spec.containerDefinitions.*.environment': by(['name']),
    'spec.containerDefinitions.*.environmentFiles': by(['value']),
    'spec.containerDefinitions.*.secrets': by(['name']),
    'spec.containerDefinitions.*.mountPoints': by(['containerPath']),
    'spec.containerDefinitions.*.volumesFrom': by(['sourceContainer']),
    'spec.containerDefinitions.*.dependsOn': by(['containerName']),
    'spec.containerDefinitions.*.extraHosts': by(['hostname']),
    'spec.containerDefinitions.*.ulimits': by(['name']),
    'spec.containerDefinitions.*.systemControls': by(['namespace']),
    'spec.containerDefinitions.*.resourceRequirements': by(['type']),
    'spec.containerDefinitions.*.logConfiguration.secretOptions': by(['name']),
    'spec.containerDefinitions.*.linuxParameters.devices': by(['hostPath']),
    'spec.containerDefinitions.*.linuxParameters.tmpfs': by(['containerPath']),
    'spec.volumes': by(['name']),
    'spec.proxyConfiguration.properties': by(['name']),
    'spec.inferenceAccelerators': by(['deviceName']),
  },
  Service: {
    'spec.loadBalancers': by(['containerName', 'containerPort']),
    'spec.serviceRegistries': by(['cloudMapService']),
    'spec.capacityProviderStrategy': by(['capacityProvider']),
    'spec.placementStrategy': by(['type', 'field']),
    'spec.serviceConnectConfiguration.services': by(['portName']),
    'spec.serviceConnectConfiguration.services.*.clientAliases': by(['port']),
    'spec.serviceConnectConfiguration.logConfiguration.secretOptions': by(['name']),
    'spec.volumeConfigurations': by(['name']),
    'spec.volumeConfigurations.*.managedEBSVolume.tagSpecifications': by(['resourceType']),
    'spec.volumeConfigurations.*.managedEBSVolume.tagSpecifications.*.tags': by(['key']),
  },
  Cluster: {
    'spec.settings': by(['name']),
    'spec.defaultCapacityProviderStrategy': by(['capacityProvider']),
  },
  CloudMapService: {
    'spec.dnsConfig.dnsRecords': by(['type']),
  },
};

/** A problem with a patch, at a path inside the patch document. */
export interface PatchProblem {
  path: (string | number)[];
  message: string;
  origin?: Origin | undefined;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const DIRECTIVE = '$patch';

/** Marks a mapping the patch removes. */
const DELETE = Symbol('delete');

/**
 * Lays the strategic-merge `patch` over `target` (a copy is changed and returned, with
 * origins; `inPlace` changes `target` itself, for a caller that drops it on a problem).
 * `delete` when the patch is `$patch: delete` at its root: the document goes.
 */
export function strategicMerge(kind: Kind, target: Json, patch: Json, { inPlace = false } = {}): { value?: Json; delete?: true; problems: PatchProblem[] } {
  const problems: PatchProblem[] = [];
  const merger = new Merger(kind, problems);
  const result = merger.mergeMap(inPlace ? target : cloneTracked(target), patch, []);
  if (problems.length > 0) return { problems };
  return result === DELETE ? { delete: true, problems } : { value: result, problems };
}

class Merger {
  constructor(
    private readonly kind: Kind,
    private readonly problems: PatchProblem[],
  ) {}

  private problem(patch: object, path: (string | number)[], message: string, key?: string | number): void {
    const origin = key === undefined ? originOf(patch) : originAt(patch, key);
    this.problems.push({ path, message, origin });
  }

  /** `at`: the schema path of the mapping (list items as `*`), to find merge keys below it. */
  mergeMap(target: Json, patch: Json, at: string[]): Json | typeof DELETE {
    const directive = patch[DIRECTIVE];
    if (directive === 'delete') return DELETE;
    if (directive === 'replace') return this.materialize(withoutDirective(patch), at) as Json;
    if (directive !== undefined) this.problem(patch, at, `${DIRECTIVE} must be delete or replace, not ${JSON.stringify(directive)}`, DIRECTIVE);
    for (const [key, value] of Object.entries(patch)) {
      if (key === DIRECTIVE) continue;
      if (key.startsWith('$')) {
        this.problem(patch, [...at, key], `the strategic-merge directive ${key} is not supported; use ${DIRECTIVE}: delete or ${DIRECTIVE}: replace`, key);
        continue;
      }
      const path = [...at, key];
      const current = target[key];
      if (value === null) {
        delete target[key];
      } else if (isMap(value) && isMap(current)) {
        const merged = this.mergeMap(current, value, path);
        if (merged === DELETE) delete target[key];
        else target[key] = merged;
      } else if (Array.isArray(value) && Array.isArray(current) && this.keyOf(path)) {
        this.mergeList(current, value, path, this.keyOf(path)!);
      } else {
        target[key] = this.materialize(value, path);
        if (typeof target[key] !== 'object' || target[key] === null) setKeyOrigin(target, key, originAt(patch, key));
      }
    }
    return target;
  }

  private keyOf(path: string[]): MergeKey | undefined {
    return MERGE_KEYS[this.kind]?.[path.join('.')];
  }

  /** A patch value where the target has none: directives still apply (against nothing). */
  private materialize(value: unknown, at: string[]): unknown {
    if (isMap(value)) {
      const fresh: Json = {};
      const origin = originOf(value);
      if (origin) annotate(fresh, origin);
      const merged = this.mergeMap(fresh, value, at);
      if (merged === DELETE) {
        this.problem(value, at, `${DIRECTIVE}: delete, but there is nothing here to delete`, DIRECTIVE);
        return fresh;
      }
      return merged;
    }
    if (Array.isArray(value)) {
      const key = this.keyOf(at);
      const fresh: unknown[] = [];
      const origin = originOf(value);
      if (origin) annotate(fresh, origin);
      if (key) this.mergeList(fresh, value, at, key);
      else value.forEach((item) => fresh.push(this.materialize(item, [...at, '*'])));
      return fresh;
    }
    return value;
  }

  /** Items merge into the item with the same key, or are appended; `$patch: delete` removes one, `{$patch: replace}` replaces the list. */
  private mergeList(target: unknown[], patch: unknown[], at: string[], key: MergeKey): void {
    const itemAt = [...at, '*'];
    if (patch.some((item) => isMap(item) && item[DIRECTIVE] === 'replace' && Object.keys(item).length === 1)) {
      target.length = 0;
      for (const item of patch) if (!(isMap(item) && Object.keys(item).length === 1 && item[DIRECTIVE] === 'replace')) target.push(this.materialize(item, itemAt));
      return;
    }
    const names = key.fields.map((f) => f.join(' and ')).join(', or ');
    patch.forEach((item, index) => {
      if (!isMap(item)) {
        this.problem(patch, [...at, index], `items of ${at.join('.')} are mappings merged by ${names}; found ${JSON.stringify(item)}`, index);
        return;
      }
      const fields = key.fields.find((alternative) => alternative.every((f) => item[f] !== undefined || key.defaults?.[f] !== undefined) && alternative.some((f) => item[f] !== undefined));
      if (!fields) {
        this.problem(patch, [...at, index], `an item of ${at.join('.')} needs ${names} to say which item it patches`, index);
        return;
      }
      const value = (m: Json, f: string) => m[f] ?? key.defaults?.[f];
      const match = target.findIndex((t) => isMap(t) && fields.every((f) => value(t, f) === value(item, f)));
      const described = fields.map((f) => `${f} ${JSON.stringify(value(item, f))}`).join(', ');
      if (item[DIRECTIVE] === 'delete') {
        if (match < 0) this.problem(item, [...at, index], `${DIRECTIVE}: delete, but ${at.join('.')} has no item with ${described}`, DIRECTIVE);
        else target.splice(match, 1);
        return;
      }
      if (match < 0) {
        target.push(this.materialize(item, itemAt));
        return;
      }
      const merged = item[DIRECTIVE] === 'replace' ? this.materialize(withoutDirective(item), itemAt) : this.mergeMap(target[match] as Json, item, itemAt);
      if (merged !== DELETE) target[match] = merged;
    });
  }
}

function withoutDirective(map: Json): Json {
  const copy = { ...map };
  delete copy[DIRECTIVE];
  const origin = originOf(map);
  if (origin) annotate(copy, origin);
  return copy;
}

// ------------------------------------------------------------------ JSON Patch (RFC 6902)

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** Applies RFC 6902 operations to a copy of `target`; the first failing operation stops it and nothing is applied. */
export function jsonPatch(target: Json, operations: unknown, { inPlace = false } = {}): { value?: Json; problems: PatchProblem[] } {
  const fail = (path: (string | number)[], message: string, origin?: Origin) => ({ problems: [{ path, message, origin }] });
  if (!Array.isArray(operations)) return fail([], 'a JSON patch is a list of operations (op, path, value)');
  const doc = inPlace ? target : cloneTracked(target);
  for (const [index, operation] of operations.entries()) {
    const origin = originAt(operations, index);
    if (!isMap(operation)) return fail([index], 'each operation is a mapping with op and path', origin);
    const { op, path, from } = operation;
    if (!OPS.includes(op as (typeof OPS)[number])) return fail([index, 'op'], `op must be one of ${OPS.join(', ')}; found ${JSON.stringify(op)}`, originAt(operation, 'op'));
    const pointer = parsePointer(path);
    if (!pointer) return fail([index, 'path'], `path must be a JSON pointer such as /spec/desiredCount; found ${JSON.stringify(path)}`, originAt(operation, 'path'));
    if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in operation)) return fail([index, 'value'], `${String(op)} needs a value`, origin);
    const fromPointer = op === 'move' || op === 'copy' ? parsePointer(from) : [];
    if (!fromPointer) return fail([index, 'from'], `from must be a JSON pointer; found ${JSON.stringify(from)}`, originAt(operation, 'from'));
    const error = applyOperation(doc, op as (typeof OPS)[number], pointer, fromPointer, operation);
    if (error) return fail([index, 'path'], error, originAt(operation, 'path'));
  }
  return { value: doc, problems: [] };
}

function parsePointer(path: unknown): string[] | undefined {
  if (path === '') return [];
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container of the pointer's last part, and that part; an error message when the way there is missing. */
function parentOf(doc: Json, pointer: string[]): { parent: Json | unknown[]; last: string } | string {
  let node: unknown = doc;
  for (const [i, part] of pointer.slice(0, -1).entries()) {
    const next = Array.isArray(node) ? (/^\d+$/.test(part) ? node[Number(part)] : undefined) : isMap(node) ? node[part] : undefined;
    if (typeof next !== 'object' || next === null) return `/${pointer.slice(0, i + 1).join('/')} does not exist in the target`;
    node = next;
  }
  return { parent: node as Json | unknown[], last: pointer[pointer.length - 1] };
}

function applyOperation(doc: Json, op: (typeof OPS)[number], pointer: string[], from: string[], operation: Json): string | undefined {
  if (pointer.length === 0) return 'operations on the whole document are not supported; name a field';
  const pointerText = `/${pointer.join('/')}`;
  if (op === 'move' || op === 'copy') {
    const source = parentOf(doc, from);
    if (typeof source === 'string') return source;
    const value = read(source.parent, source.last);
    if (value === undefined) return `from /${from.join('/')} does not exist in the target`;
    if (op === 'move') remove(source.parent, source.last);
    return write(doc, pointer, 'add', cloneTracked(value), undefined);
  }
  const at = parentOf(doc, pointer);
  if (typeof at === 'string') return at;
  if (op === 'test') return JSON.stringify(read(at.parent, at.last)) === JSON.stringify(operation.value) ? undefined : `test failed: ${pointerText} is not ${JSON.stringify(operation.value)}`;
  if (op === 'remove') {
    if (read(at.parent, at.last) === undefined) return `${pointerText} does not exist in the target; nothing to remove`;
    remove(at.parent, at.last);
    return undefined;
  }
  const value = cloneTracked(operation.value);
  return write(doc, pointer, op, value, originAt(operation, 'value'));
}

function read(parent: Json | unknown[], last: string): unknown {
  if (Array.isArray(parent)) return /^\d+$/.test(last) ? parent[Number(last)] : undefined;
  return Object.hasOwn(parent, last) ? parent[last] : undefined;
}

function remove(parent: Json | unknown[], last: string): void {
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
}

function write(doc: Json, pointer: string[], op: 'add' | 'replace', value: unknown, origin: Origin | undefined): string | undefined {
  const at = parentOf(doc, pointer) as { parent: Json | unknown[]; last: string };
  const { parent, last } = at;
  const pointerText = `/${pointer.join('/')}`;
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : /^\d+$/.test(last) ? Number(last) : -1;
    if (index < 0 || index > parent.length || (op === 'replace' && index >= parent.length)) return `${pointerText}: no such list index`;
    if (op === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
    setKeyOrigin(parent, index, origin);
    return undefined;
  }
  if (op === 'replace' && !Object.hasOwn(parent, last)) return `${pointerText} does not exist in the target; use add`;
  parent[last] = value;
  setKeyOrigin(parent, last, origin);
  return undefined;
}
