/**
 * The plan: from a desired state and the live state, what each resource needs (its diff,
 * sync status and health) and the ordered AWS calls that converge it. Pure data: the CLI
 * prints it, the status API shows it, the executor runs it, and tests compare it. The
 * planner is a loop over the kinds table (./kinds/): each kind plans its documents
 * through the comparison every kind shares, then owned objects no document matched are
 * pruned, users before what they use — and never what a kept object uses.
 */
import type { DesiredState, Kind, Resource, ResourceKey } from '../api/kinds.js';
import { KINDS, resourceKey } from '../api/kinds.js';
import { annotation, annotationIsTrue, awsName } from './desired.js';
import { diffObjects, withoutPointers, type FieldChange } from './diff.js';
import { HEALTHY, MISSING, type Health } from './health.js';
import { tagChanges, tagDiff } from './kinds/calls.js';
import { KIND_MODULES, PRUNE_ORDER, kindModule } from './kinds/index.js';
import type { Comparison, Decision, LiveIdentity, LiveUse, OwnedObject, PlanContext } from './kinds/types.js';
import type { LiveObjects, LiveState } from './live.js';
import { withFields, type Canonical } from './normalize.js';
import { ADOPT_ANNOTATION, ALLOW_REPLACE_ANNOTATION, APPLICATION_TAG, IGNORE_DIFFERENCES_ANNOTATION, PRUNE_TAG, userTags, type Owner } from './tags.js';

// ---------------------------------------------------------------- plan data

/** A value known only once an earlier step has run: the ARN or id it created. */
export interface Ref {
  $ref: string;
  attr: 'arn' | 'id';
  /** `revision` turns a task-definition ARN into `family:revision`. */
  format?: 'revision';
}

export type AwsService = 'ecs' | 'servicediscovery';

export interface ApiCall {
  service: AwsService;
  operation: string;
  input: Record<string, unknown>;
  /** Where in the answer (dot path) this call reports the object's ARN or id. */
  outputs?: Partial<Record<Ref['attr'], string>>;
}

export type StepAction = 'create' | 'update' | 'replace' | 'delete' | 'tag';

export interface Step {
  id: string;
  key: ResourceKey;
  action: StepAction;
  description: string;
  calls: ApiCall[];
  /** Ids of steps that must succeed first. */
  dependsOn: string[];
  /** After a replacement's delete: wait until the old ECS service is INACTIVE before creating. */
  waitForInactive?: { cluster: string; service: string };
}

export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

export type ResourceAction = 'none' | 'create' | 'update' | 'replace' | 'delete' | 'conflict' | 'stalled' | 'prune-skipped';

export interface ResourcePlan {
  key: ResourceKey;
  kind: Kind;
  name: string;
  awsName: string;
  action: ResourceAction;
  sync: SyncStatus;
  health: Health;
  changes: FieldChange[];
  /** Normalised desired and live bodies, for the YAML diff; absent on the missing side. */
  desired?: Canonical;
  live?: Canonical;
  message?: string;
  /** The live object's ARN or id, when it exists. */
  liveId?: string;
}

export interface Plan {
  resources: ResourcePlan[];
  steps: Step[];
}

export interface PruneOptions {
  enabled: boolean;
  /** Allow a plan that deletes every object the controller owns. */
  allowEmpty: boolean;
  maxDeletesPerSync: number;
}

export interface PlanOptions {
  controllerId: string;
  /**
   * The application (config source) being planned: its objects carry its tag, and
   * pruning, adoption and conflicts are scoped to it within the controller's objects.
   */
  application: string;
  prune: PruneOptions;
  /**
   * Plan only these documents (a partial reconcile; see core/scope.ts). Pruning needs
   * the whole picture, so a scoped plan never deletes anything.
   */
  scope?: ReadonlySet<string>;
}

// ---------------------------------------------------------------- the common comparison

/** How a resource being adopted reads in a diff. */
export const ADOPT_TAGS_ONLY = 'adopt — tags only: adds the ownership tags below, writes nothing else';
export const ADOPT_THEN_CHANGE = 'adopt — adds the ownership tags below first, then makes the changes';
/** How an object this controller owned before applications existed reads when its application claims it. */
export const CLAIM_TAGS_ONLY = 'claim — owned by this controller before applications existed: adds the application tag below, writes nothing else';
export const CLAIM_THEN_CHANGE = 'claim — owned by this controller before applications existed: adds the application tag below first, then makes the changes';
/** What an owned object of no known application that no document names is: kept, for it may be another repository's. */
export const APPLICATION_UNKNOWN = 'owned, application unknown; not pruned (made before applications existed, it may belong to another repository)';

/** `claiming`: owned by this controller but of no application yet (made before applications existed). */
type Ownership = { owned: true; adopting: boolean; claiming: boolean } | { owned: false; message: string };

function ownership(resource: Resource, live: LiveIdentity, owner: Owner): Ownership {
  const application = live.application ?? live.tags[APPLICATION_TAG];
  if (live.owner === owner.controllerId) {
    if (application === owner.application || application === undefined) return { owned: true, adopting: false, claiming: application === undefined };
    return { owned: false, message: `exists and is owned by application "${application}" of this controller, not "${owner.application}"; refusing to change it` };
  }
  if (live.owner !== undefined) {
    return { owned: false, message: `exists and is owned by controller "${live.owner}"; refusing to change it` };
  }
  if (annotationIsTrue(resource, ADOPT_ANNOTATION)) return { owned: true, adopting: true, claiming: false };
  return {
    owned: false,
    message: `exists in AWS but was not created by this controller; add the annotation ${ADOPT_ANNOTATION}: "true" to adopt it`,
  };
}

function ignoredPointers(resource: Resource): string[] {
  const raw = annotation(resource, IGNORE_DIFFERENCES_ANNOTATION);
  if (!raw) return [];
  return raw.split(/[\s,]+/).filter((p) => p.startsWith('/'));
}

function immutableChange(kind: Kind, changes: FieldChange[]): string | undefined {
  for (const field of KIND_MODULES[kind].createOnly) {
    const prefix = `spec.${field}`;
    const hit = changes.find((c) => c.path === prefix || c.path.startsWith(prefix + '.') || c.path.startsWith(prefix + '['));
    if (hit) return hit.path;
  }
  return undefined;
}

function base(resource: Resource): Pick<ResourcePlan, 'key' | 'kind' | 'name' | 'awsName'> {
  return { key: resourceKey(resource.kind, resource.metadata.name), kind: resource.kind, name: resource.metadata.name, awsName: awsName(resource) };
}

// ---------------------------------------------------------------- the planner

export function planSync(desired: DesiredState, live: LiveState, options: PlanOptions): Plan {
  const planner = new Planner(desired, live, options);
  return planner.run();
}

class Planner implements PlanContext, Owner {
  private readonly resources: ResourcePlan[] = [];
  private readonly steps: Step[] = [];
  /** ARN or id of the live object each desired resource matched; unmatched owned objects are prune candidates. */
  private readonly matched = new Set<string>();
  /** Per resource key, the step that creates or replaces it (for dependencies). */
  private readonly producer = new Map<string, string>();
  /** Per resource key, the step that adopts it: tags it as the controller's, before any other write. */
  private readonly adoptions = new Map<string, string>();
  private readonly memos = new Map<string, unknown>();
  readonly controllerId: string;
  readonly application: string;

  constructor(
    private readonly desired: DesiredState,
    readonly live: LiveState,
    private readonly options: PlanOptions,
  ) {
    this.controllerId = options.controllerId;
    this.application = options.application;
  }

  run(): Plan {
    for (const kind of KINDS) {
      const module = kindModule(kind);
      for (const resource of this.docs(kind)) {
        if (this.options.scope && !this.options.scope.has(resourceKey(resource.kind, resource.metadata.name))) continue;
        module.plan(resource, this);
      }
    }
    if (!this.options.scope) this.prune();
    // Adoptions first: tagging what the controller takes over is the plan's first write.
    const adopting = new Set(this.adoptions.values());
    return { resources: this.resources, steps: [...this.steps.filter((s) => adopting.has(s.id)), ...this.steps.filter((s) => !adopting.has(s.id))] };
  }

  // ------------------------------------------------------------ what kinds use

  doc<K extends Kind>(kind: K, name: unknown): Resource<K> | undefined {
    return typeof name === 'string' ? (this.desired.resources.get(resourceKey(kind, name)) as Resource<K> | undefined) : undefined;
  }

  resolve<K extends Kind>(kind: K, name: unknown): Resource<K> {
    const doc = this.doc(kind, name);
    if (!doc) throw new Error(`no ${kind} "${String(name)}" in the desired state; the loader resolves every reference`);
    return doc;
  }

  docs<K extends Kind>(kind: K): Resource<K>[] {
    return [...this.desired.resources.values()].filter((r): r is Resource<K> => r.kind === kind);
  }

  find<K extends Kind>(doc: Resource<K>): LiveObjects[K] | undefined {
    return kindModule(doc.kind).find(doc, this);
  }

  memo<T>(key: string, build: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, build());
    return this.memos.get(key) as T;
  }

  record(plan: ResourcePlan): void {
    this.resources.push(plan);
  }

  match(id: string): void {
    this.matched.add(id);
  }

  addStep(step: Omit<Step, 'id' | 'dependsOn'> & { dependsOn?: string[] }): string {
    const id = `${step.action} ${step.key}`;
    // Every other write to an adopted object waits for the write that tags it.
    const adopted = this.adoptions.get(step.key);
    this.steps.push({ ...step, id, dependsOn: [...new Set([...(adopted ? [adopted] : []), ...(step.dependsOn ?? [])])] });
    if (step.action === 'create' || step.action === 'replace') this.producer.set(step.key, id);
    return id;
  }

  after(...keys: string[]): string[] {
    return keys.flatMap((k) => [this.adoptions.get(k), this.producer.get(k)]).filter((id): id is string => !!id);
  }

  compare(resource: Resource, { live, desired, liveBody, health, tags: tagsWanted, held, createOnlyChange, neverReplace, tagCalls, adoptionTags }: Comparison): Decision | undefined {
    const ignore = ignoredPointers(resource);
    const want = withoutPointers(desired, ignore);
    if (!live || liveBody === undefined) {
      const tagsToSet = tagsWanted ? tagChanges(userTags(tagsWanted), {}) : [];
      this.record({ ...base(resource), action: 'create', sync: 'OutOfSync', health: MISSING, changes: [...diffObjects(want, undefined), ...tagsToSet], desired: want });
      return { action: 'create', changes: [], tagSet: {}, tagRemove: [], adopting: false };
    }
    this.match(live.id);
    const have = withoutPointers(liveBody, ignore);
    const differences = diffObjects(want, have);
    const owner = ownership(resource, live, this);
    // A live body no different from the desired one is shown as that one: status holds one copy, not two, for every resource in sync.
    const shared = Object.assign(base(resource), { desired: want, live: differences.length === 0 ? want : have, health, liveId: live.id });
    const verdict = (v: Pick<ResourcePlan, 'action' | 'sync' | 'changes' | 'message'>) => this.record(withFields(shared, v));
    if (!owner.owned) {
      verdict({ action: 'conflict', sync: 'OutOfSync', changes: differences, message: owner.message });
      return undefined;
    }
    const tags = tagsWanted ? tagDiff(tagsWanted, live.tags) : { set: {}, remove: [] };
    const all = [...differences, ...(tagsWanted ? tagChanges(userTags(tagsWanted), userTags(live.tags)) : [])];
    const isHeld = (c: FieldChange) => !!held?.fields.some((f) => c.path === `spec.${f}` || c.path.startsWith(`spec.${f}.`) || c.path.startsWith(`spec.${f}[`));
    const changes = all.filter((c) => !isHeld(c));
    const fieldChanges = changes.filter((c) => !c.path.startsWith('spec.tags.'));
    const immutable = createOnlyChange ? createOnlyChange(fieldChanges) : immutableChange(resource.kind, fieldChanges);
    if (immutable && (neverReplace || !annotationIsTrue(resource, ALLOW_REPLACE_ANNOTATION))) {
      const message = neverReplace
        ? `${immutable} cannot be changed in place, and the object is never replaced: ${neverReplace}`
        : `${immutable} cannot be changed in place; add the annotation ${ALLOW_REPLACE_ANNOTATION}: "true" to replace the object`;
      verdict({ action: 'stalled', sync: 'OutOfSync', changes, message });
      return undefined;
    }
    const action = immutable ? 'replace' : changes.length > 0 || Object.keys(tags.set).length > 0 || tags.remove.length > 0 || owner.claiming ? 'update' : 'none';
    // Adopting (or claiming): the first write to the object is the one that makes it the
    // controller's (the IAM policy allows changes only to objects carrying the owner tag).
    const taking = owner.adopting || owner.claiming;
    const adoption = taking && action !== 'none' && tagCalls ? { set: { ...tags.set, ...tagDiff(adoptionTags ?? {}, live.tags).set }, remove: tags.remove } : undefined;
    const tagsOnly = fieldChanges.length === 0 && action === 'update';
    if (held && changes.length < all.length) {
      verdict({ action: action === 'none' ? 'stalled' : action, sync: 'OutOfSync', changes: all, message: held.message });
    } else if (adoption) {
      const shown = new Set(changes.map((c) => c.path));
      const ownTags = Object.entries(adoption.set).map(([k, v]) => ({ path: `spec.tags.${k}`, to: v })).filter((c) => !shown.has(c.path));
      const message = owner.claiming ? (tagsOnly ? CLAIM_TAGS_ONLY : CLAIM_THEN_CHANGE) : tagsOnly ? ADOPT_TAGS_ONLY : ADOPT_THEN_CHANGE;
      verdict({ action, sync: 'OutOfSync', changes: [...changes, ...ownTags], message });
    } else {
      // Adopting (or claiming) what carries no tags (a Cloud Map instance): its one write marks it as the controller's.
      const message = owner.claiming ? 'claiming an object owned before applications existed' : 'adopting an existing object';
      verdict({ action, sync: action === 'none' ? 'Synced' : 'OutOfSync', changes, ...(taking && action !== 'none' ? { message } : {}) });
    }
    if (action === 'none') return undefined;
    if (!adoption || !tagCalls) return { action, changes, tagSet: tags.set, tagRemove: tags.remove, adopting: taking };
    const key = resourceKey(resource.kind, resource.metadata.name);
    this.adoptions.set(key, this.addStep({ key, action: 'tag', description: `adopt ${resource.kind} ${awsName(resource)}: add the ownership tags`, calls: tagCalls(adoption.set, adoption.remove) }));
    // The tags are written; what is left (if anything) is the kind's to change.
    return tagsOnly ? undefined : { action, changes, tagSet: {}, tagRemove: [], adopting: true };
  }

  // ------------------------------------------------------------ pruning

  private prune(): void {
    const all = PRUNE_ORDER.flatMap((kind) => KIND_MODULES[kind].owned(this.live, this.controllerId));
    // Another application's objects are none of this plan's business; objects of no known
    // application that no document claimed may be another repository's: shown, never pruned.
    for (const o of all.filter((o) => o.application === undefined && !this.matched.has(o.id))) this.recordUnknown(o);
    const owned = all.filter((o) => o.application === this.application);
    const candidates = owned.filter((o) => !this.matched.has(o.id));
    if (candidates.length === 0) return;
    const everything = candidates.length === owned.length;
    let budget = this.options.prune.maxDeletesPerSync;
    // Who uses each live object. Prune order puts users first, so by the time an object is
    // decided on, each of its users is either deleted by this plan or kept (protected,
    // unowned, still in git, deferred) — and a kept user keeps what it uses.
    const usedBy = new Map<string, LiveUse[]>();
    for (const kind of KINDS) {
      for (const user of KIND_MODULES[kind].uses(this.live)) for (const id of user.uses) {
        const users = usedBy.get(id);
        if (users) users.push(user);
        else usedBy.set(id, [user]);
      }
    }
    /** The delete step of each candidate this plan deletes. */
    const deletes = new Map<string, string>();
    for (const c of candidates) {
      const view = c.view?.();
      const planned = { key: c.key, kind: c.kind, name: c.key.slice(c.key.indexOf('/') + 1), awsName: c.awsName, sync: 'OutOfSync' as const, health: view?.health ?? HEALTHY, changes: [], liveId: c.id, ...(view ? { live: view.live } : {}) };
      const users = usedBy.get(c.id) ?? [];
      const skip = this.pruneSkipReason(c, users.find((u) => !deletes.has(u.id)), everything, budget);
      if (skip) {
        this.record({ ...planned, action: 'prune-skipped', message: skip });
        continue;
      }
      budget--;
      this.record({ ...planned, action: 'delete', message: 'no longer in git; pruning' });
      // A delete waits for the deletes of what uses the object (what lives in it, what points at it).
      const after = users.map((u) => deletes.get(u.id)).filter((id): id is string => id !== undefined);
      deletes.set(c.id, this.addStep({ key: c.key, action: 'delete', description: `delete ${c.kind} ${c.awsName}`, calls: c.calls, dependsOn: after }));
    }
  }

  private recordUnknown(o: OwnedObject): void {
    const view = o.view?.();
    const name = o.key.slice(o.key.indexOf('/') + 1);
    this.record({ key: o.key, kind: o.kind, name, awsName: o.awsName, action: 'prune-skipped', sync: 'OutOfSync', health: view?.health ?? HEALTHY, changes: [], liveId: o.id, message: APPLICATION_UNKNOWN, ...(view ? { live: view.live } : {}) });
  }

  private pruneSkipReason(c: OwnedObject, keptUser: LiveUse | undefined, everything: boolean, budget: number): string | undefined {
    const { prune } = this.options;
    if (!prune.enabled) return 'no longer in git; pruning is off (enable it with --prune)';
    if (c.protectedByTag) return `no longer in git; kept because its tag ${PRUNE_TAG}=disabled protects it`;
    if (everything && !prune.allowEmpty) return 'no longer in git; kept because this sync would delete every object the controller owns (allow it with allowEmpty)';
    if (keptUser) return `no longer in git; kept because ${keptUser.name}, which is kept, uses it`;
    if (budget <= 0) return `no longer in git; deferred: at most ${prune.maxDeletesPerSync} deletions per sync`;
    return undefined;
  }
}
