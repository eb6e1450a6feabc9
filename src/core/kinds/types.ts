/**
 * What a kind is, as one module (the way AWS Controllers for Kubernetes gives each
 * resource a manager): its AWS defaults and create-only fields, how a document and the
 * live object are brought into one canonical shape, how it is planned, judged healthy,
 * found live, and pruned. The planner is a loop over these modules (./index.ts); the
 * reads sit beside them by kind in src/aws/kinds/.
 */
import type { Kind, Resource, ResourceKey } from '../../api/kinds.js';
import type { FieldChange } from '../diff.js';
import type { Health } from '../health.js';
import type { LiveObjects, LiveState } from '../live.js';
import type { Canonical } from '../normalize.js';
import type { ApiCall, ResourcePlan, Step } from '../plan.js';
import type { Tags } from '../tags.js';

/** What the common comparison decided for a document that needs AWS calls. */
export interface Decision {
  action: 'create' | 'update' | 'replace';
  changes: FieldChange[];
  /** Tags to set and to remove (user tags and the controller's own). */
  tagSet: Tags;
  tagRemove: string[];
  adopting: boolean;
}

/** The live object a document was matched with, as the common comparison needs it. */
export interface LiveIdentity {
  /** ARN or id; marks the object as wanted, so it is never a prune candidate. */
  id: string;
  owner: string | undefined;
  /** The application that owns it, for kinds whose mark is not the application tag (an instance's attribute). */
  application?: string;
  tags: Tags;
}

export interface Comparison {
  live: LiveIdentity | undefined;
  desired: Canonical;
  /** The live object in canonical shape; undefined when there is none. */
  liveBody: Canonical | undefined;
  health: Health;
  /** Tags the object should carry; undefined for kinds AWS does not tag. */
  tags: Tags | undefined;
  /**
   * Top-level spec fields the kind holds back, and why: their changes are reported, never
   * applied; with nothing else to do the resource is stalled.
   */
  held?: { fields: readonly string[]; message: string };
  /**
   * For kinds whose create-only fields depend on the live object (a Cloud Map service in
   * an HTTP namespace can't be updated at all): the first change that needs a
   * replacement. Defaults to the module's `createOnly`.
   */
  createOnlyChange?: (changes: FieldChange[]) => string | undefined;
  /** Why this object is never replaced (e.g. it has registered instances); a create-only change stalls it. */
  neverReplace?: string;
  /**
   * The calls that set and remove tags on the live object, in its API's spelling. With
   * them, adopting an object is a step of its own that tags it before anything else is
   * written to it; the decision then carries no tag changes.
   */
  tagCalls?: (set: Tags, remove: string[]) => ApiCall[];
  /** Tags only the adopting write adds (a service: the revision it runs, so no later write is needed). */
  adoptionTags?: Tags;
}

/** What the planner offers a kind while it plans one document. */
export interface PlanContext {
  readonly live: LiveState;
  readonly controllerId: string;
  /** The application being planned: what every object it creates or adopts is tagged with. */
  readonly application: string;
  /** The document of `kind` named `name`, if the desired state has one. */
  doc<K extends Kind>(kind: K, name: unknown): Resource<K> | undefined;
  /** The document a reference names; the loader resolved every reference, so it is there. */
  resolve<K extends Kind>(kind: K, name: unknown): Resource<K>;
  /** Every document of a kind. */
  docs<K extends Kind>(kind: K): Resource<K>[];
  /** The live object a document stands for, as its kind finds it. */
  find<K extends Kind>(doc: Resource<K>): LiveObjects[K] | undefined;
  /**
   * The common path of every kind: compare, check ownership and immutability, record the
   * resource's plan, and decide. Undefined when the resource is settled (in sync,
   * conflict or stalled).
   */
  compare(resource: Resource, comparison: Comparison): Decision | undefined;
  /** Records a resource's plan that the kind decided itself. */
  record(plan: ResourcePlan): void;
  /** Marks a live object (ARN or id) as matched by a document: never pruned. */
  match(id: string): void;
  addStep(step: Omit<Step, 'id' | 'dependsOn'> & { dependsOn?: string[] }): string;
  /** The steps of this plan that create or adopt these resources: dependencies of whoever refers to them. */
  after(...keys: string[]): string[];
  /** A value computed once per plan. */
  memo<T>(key: string, build: () => T): T;
}

/** An owned live object, a candidate for pruning when no document matched it. */
export interface OwnedObject {
  key: ResourceKey;
  kind: Kind;
  awsName: string;
  /** ARN or id, as `PlanContext.match` was given it. */
  id: string;
  /** The live tag `ecs-gitops.io/prune=disabled` keeps it. */
  protectedByTag: boolean;
  /** The application it belongs to; undefined for objects owned before applications existed. */
  application: string | undefined;
  /** The calls that delete it. */
  calls: ApiCall[];
  /**
   * Its normalised live body, as a delete shows it, and its health judged from the live
   * object alone (Healthy when absent); asked only of objects no document names.
   */
  view?: () => { live: Canonical; health?: Health };
}

/**
 * A live object (owned or not) and the live objects it uses, by the ids `OwnedObject.id`
 * and `PlanContext.match` take: pruning keeps what a kept object uses, and deletes a
 * user before what it uses.
 */
export interface LiveUse {
  id: string;
  /** How a message names it: `Service store/web`. */
  name: string;
  uses: string[];
}

export interface KindModule<K extends Kind = Kind> {
  readonly kind: K;
  /** Create-only spec fields (dot paths): a change needs a replacement, which needs the allow-replace annotation. */
  readonly createOnly: readonly string[];
  /**
   * The controller's own tags on this document's AWS object (none for kinds AWS does not
   * tag). They count against AWS's 50 tags per resource with the document's.
   */
  controllerTags(resource: Resource<K>): readonly string[];
  /** AWS error codes that mean "no such object of this kind" (perhaps not yet, after a create). */
  readonly notFoundErrors: readonly string[];
  /** The live object a document stands for, found in the live state. */
  find(doc: Resource<K>, ctx: PlanContext): LiveObjects[K] | undefined;
  /** Plans one document: records its resource plan and adds the steps that converge it. */
  plan(resource: Resource<K>, ctx: PlanContext): void;
  /**
   * The live objects of this kind the controller owns. The planner prunes those no
   * document matched, kinds in reverse apply order (children before parents).
   */
  owned(live: LiveState, controllerId: string): OwnedObject[];
  /** Every live object of this kind that uses others (a service its cluster and registries, …). */
  uses(live: LiveState): LiveUse[];
}
