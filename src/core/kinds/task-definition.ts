/**
 * TaskDefinition: a family of ECS task-definition revisions, content-addressed. A
 * revision is immutable, so a change registers a new one; the revision that carries a
 * document's content is found by its hash (tag `ecs-gitops.io/spec-hash`), recorded on
 * the services that run it or on the revision itself; a revision registered by anyone
 * else that holds the content is reused, and adopted (tagged) when the document says so.
 * Revisions are never pruned.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { resourceKey, specOf, type Resource } from '../../api/kinds.js';
import type { TaskDefinitionSpec } from '../../api/specs.js';
import { annotationIsTrue, awsName, desiredTags, specBody } from '../desired.js';
import { diffObjects } from '../diff.js';
import { contentHash } from '../hash.js';
import { HEALTHY, MISSING } from '../health.js';
import { revisionOf, type LiveRevision, type LiveTaskDefinition } from '../live.js';
import { canonical, json, pick, sortBy, sorted, withFields, withoutDefaults, type Canonical } from '../normalize.js';
import { revisionIndex, revisionKey, type RevisionIndex } from '../revisions.js';
import type { ApiCall, ResourcePlan } from '../plan.js';
import { ADOPT_ANNOTATION, OWNER_TAG, OWNERSHIP_TAGS, SPEC_HASH_TAG, toTagList } from '../tags.js';
import { ecsTagCalls } from './calls.js';
import type { KindModule, PlanContext } from './types.js';

/** RegisterTaskDefinition's input without family and tags (identity and ownership). */
export type TaskDefinitionBody = Omit<TaskDefinitionSpec, 'family' | 'tags'>;
type Container = TaskDefinitionBody['containerDefinitions'][number];

const TASK_DEFINITION_FIELDS = [
  'taskRoleArn', 'executionRoleArn', 'networkMode', 'containerDefinitions', 'volumes', 'placementConstraints',
  'requiresCompatibilities', 'cpu', 'memory', 'pidMode', 'ipcMode', 'proxyConfiguration', 'inferenceAccelerators',
  'ephemeralStorage', 'runtimePlatform', 'enableFaultInjection',
] as const;

/** What ECS fills in on a registered container and its health check. */
const CONTAINER_DEFAULTS = { essential: true, cpu: 0, interactive: false, pseudoTerminal: false, disableNetworking: false, privileged: false, readonlyRootFilesystem: false };
const HEALTH_CHECK_DEFAULTS = { interval: 30, timeout: 5, retries: 3, startPeriod: 0 };
const DEFAULT_NETWORK_MODE = 'bridge';

// ---------------------------------------------------------------- units

/** Task-level CPU in CPU units, as ECS returns it: `"1 vCPU"` → `"1024"`, `256` → `"256"`. */
export function cpuUnits(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  const vcpu = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(text);
  if (vcpu) return String(Math.round(Number(vcpu[1]) * 1024));
  return /^\d+$/.test(text) ? String(Number(text)) : text;
}

/** Task-level memory in MiB, as ECS returns it: `"2 GB"` → `"2048"`, `512` → `"512"`. */
export function memoryMiB(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  const gb = /^(\d+(?:\.\d+)?)\s*gb$/i.exec(text);
  if (gb) return String(Math.round(Number(gb[1]) * 1024));
  const mb = /^(\d+)\s*mi?b$/i.exec(text);
  if (mb) return String(Number(mb[1]));
  return /^\d+$/.test(text) ? String(Number(text)) : text;
}

// ---------------------------------------------------------------- normalisation

function canonicalPortMappings(container: Container, networkMode: string) {
  const mappings = (container.portMappings ?? []).map((p) => {
    const mapping: typeof p = withFields(p, { protocol: p.protocol ?? 'tcp' });
    // Under awsvpc and host the host port is the container port; under bridge, absent means dynamic (0).
    if (mapping.hostPort === undefined && mapping.containerPort !== undefined) {
      mapping.hostPort = networkMode === 'awsvpc' || networkMode === 'host' ? mapping.containerPort : 0;
    }
    return mapping;
  });
  return sortBy(mappings, (p) => `${String(p.containerPort).padStart(5, '0')}/${p.protocol}/${p.name ?? ''}`);
}

function canonicalContainer(container: Container, networkMode: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.assign(withoutDefaults(container, CONTAINER_DEFAULTS), {
    portMappings: canonicalPortMappings(container, networkMode),
    environment: sortBy(container.environment, (e) => e.name),
    secrets: sortBy(container.secrets, (e) => e.name),
    environmentFiles: sortBy(container.environmentFiles, json),
    mountPoints: sortBy(container.mountPoints, (m) => `${m.sourceVolume}:${m.containerPath}`),
    volumesFrom: sortBy(container.volumesFrom, (v) => String(v.sourceContainer)),
    ulimits: sortBy(container.ulimits, (u) => u.name),
    systemControls: sortBy(container.systemControls, (s) => String(s.namespace)),
    dependsOn: sortBy(container.dependsOn, (d) => d.containerName),
    healthCheck: withoutDefaults(container.healthCheck, HEALTH_CHECK_DEFAULTS),
  });
  if (out.memoryReservation === 0) delete out.memoryReservation;
  return out;
}

export function canonicalTaskDefinition(spec: TaskDefinitionBody): Canonical {
  const networkMode = spec.networkMode ?? DEFAULT_NETWORK_MODE;
  return canonical(Object.assign(pick(spec, TASK_DEFINITION_FIELDS), {
    networkMode,
    cpu: cpuUnits(spec.cpu),
    memory: memoryMiB(spec.memory),
    containerDefinitions: (spec.containerDefinitions ?? []).map((c) => canonicalContainer(c, networkMode)),
    volumes: sortBy(spec.volumes, (v) => v.name),
    placementConstraints: sortBy(spec.placementConstraints, json),
    requiresCompatibilities: sorted(spec.requiresCompatibilities),
  }));
}

/** A described revision in the spec's vocabulary (the SDK's shape, with every field optional). */
export function liveTaskDefinitionSpec(td: TaskDefinition): TaskDefinitionBody {
  return pick(td, TASK_DEFINITION_FIELDS) as TaskDefinitionBody;
}

// ---------------------------------------------------------------- content hash

// A document's spec is immutable once loaded, and the loader hands the same spec object
// to every snapshot in which its file is unchanged, so what is derived from it is
// computed once per spec, not once per resync or snapshot.
const canonicalBodies = new WeakMap<object, Canonical>();
const hashes = new WeakMap<object, { family: string; hash: string }>();

/** The normalised content of a TaskDefinition document (without family and tags). */
export function desiredTaskDefinition(resource: Resource<'TaskDefinition'>): Canonical {
  let body = canonicalBodies.get(resource.spec);
  if (!body) canonicalBodies.set(resource.spec, (body = canonicalTaskDefinition(specBody(resource))));
  return body;
}

/** Identifies a task-definition revision by content; tags are left out (they change in place). */
export function taskDefinitionHash(resource: Resource<'TaskDefinition'>): string {
  const family = awsName(resource);
  const known = hashes.get(resource.spec);
  if (known?.family === family) return known.hash;
  const hash = contentHash(family, desiredTaskDefinition(resource));
  hashes.set(resource.spec, { family, hash });
  return hash;
}

// ---------------------------------------------------------------- content → revision

const liveBodies = new WeakMap<TaskDefinition, string>();

/** A described revision's normalised content, as JSON; a revision never changes, so computed once. */
function liveContent(td: LiveTaskDefinition): string {
  let body = liveBodies.get(td.raw);
  if (body === undefined) liveBodies.set(td.raw, (body = json(canonicalTaskDefinition(liveTaskDefinitionSpec(td.raw)))));
  return body;
}

/**
 * The revision of the document's family that already holds its content, registered by
 * anyone: registering that content again would only add a copy. Of several, the one a
 * service runs (ARNs in `running`, so adopting or healing deploys nothing; it may be
 * INACTIVE, which ECS lets a service keep running), else the ACTIVE one the controller
 * registered for it (tagged with its content hash), else the newest ACTIVE one whose
 * normalised content equals the document's. Used by the reader (to stop looking), the
 * planner (to reuse it) and import (to name what a service runs).
 */
export function revisionWithContent(resource: Resource<'TaskDefinition'>, candidates: Iterable<LiveTaskDefinition>, running: ReadonlySet<string> = new Set()): LiveTaskDefinition | undefined {
  const family = awsName(resource);
  const hash = taskDefinitionHash(resource);
  const content = json(desiredTaskDefinition(resource));
  const ofFamily = [...candidates].filter((td) => td.family === family);
  const runs = ofFamily.find((td) => running.has(td.arn) && RUNNABLE.has(td.raw.status ?? '') && (td.tags[SPEC_HASH_TAG] === hash || liveContent(td) === content));
  if (runs) return runs;
  const active = ofFamily.filter((td) => td.raw.status === 'ACTIVE');
  return active.find((td) => td.tags[SPEC_HASH_TAG] === hash) ?? active.sort((a, b) => b.revision - a.revision).find((td) => liveContent(td) === content);
}

/** Revisions a service can go on running: ECS lets a service keep a deregistered (INACTIVE) one, never move to one. */
const RUNNABLE = new Set(['ACTIVE', 'INACTIVE']);

// ---------------------------------------------------------------- planning

const revisions = (ctx: PlanContext): RevisionIndex => ctx.memo('revisions', () => revisionIndex(ctx.live));

/**
 * The revision carrying the desired content, found without describing anything when a
 * service the controller deployed records it in its tags; otherwise among the revisions
 * the reader described (see revisionWithContent).
 */
function find(resource: Resource<'TaskDefinition'>, ctx: PlanContext): LiveRevision | undefined {
  const hash = taskDefinitionHash(resource);
  const family = awsName(resource);
  const { recordedOnServices, runningByFamily } = revisions(ctx);
  let arn = recordedOnServices.get(revisionKey(family, hash));
  if (!arn) {
    const candidates = [...ctx.live.taskDefinitions.values()];
    const found = revisionWithContent(resource, candidates, runningByFamily.get(family));
    // A deregistered revision serves only if no service of this document is to be created on it or moved to it.
    const usable = found?.raw.status === 'ACTIVE' || (found && allServicesRun(resource, found.arn, ctx)) ? found : revisionWithContent(resource, candidates);
    arn = usable?.arn;
  }
  return arn ? { arn, hash } : undefined;
}

/** Whether every Service document that uses this task definition is live and runs `arn`. */
function allServicesRun(resource: Resource<'TaskDefinition'>, arn: string, ctx: PlanContext): boolean {
  return ctx.docs('Service').filter((s) => specOf(s).taskDefinition === resource.metadata.name).every((s) => {
    const live = ctx.find(s);
    return live?.raw.status === 'ACTIVE' && live.raw.taskDefinition === arn;
  });
}

/** The revision to compare with: what this family's services run now, else the newest. */
function currentRevision(family: string, ctx: PlanContext): LiveTaskDefinition | undefined {
  const running = [...(revisions(ctx).runningByFamily.get(family) ?? [])].find((arn) => ctx.live.taskDefinitions.has(arn));
  const arn = running ?? ctx.live.latestRevision.get(family);
  return arn ? ctx.live.taskDefinitions.get(arn) : undefined;
}

function plan(resource: Resource<'TaskDefinition'>, ctx: PlanContext): void {
  const family = awsName(resource);
  const base = { key: resourceKey('TaskDefinition', resource.metadata.name), kind: resource.kind, name: resource.metadata.name, awsName: family };
  const desiredBody = desiredTaskDefinition(resource);
  const found = find(resource, ctx);
  const revision = found && ctx.live.taskDefinitions.get(found.arn);
  if (revision && revision.tags[OWNER_TAG] === undefined && annotationIsTrue(resource, ADOPT_ANNOTATION)) {
    // Adopting a revision that holds the content (whoever registered it): tag it, register nothing.
    ctx.compare(resource, {
      live: { id: revision.arn, owner: undefined, tags: revision.tags },
      desired: desiredBody,
      liveBody: desiredBody,
      health: HEALTHY,
      tags: { ...desiredTags(resource, ctx), [SPEC_HASH_TAG]: found.hash },
      tagCalls: (set, remove) => ecsTagCalls(revision.arn, set, remove),
    });
    return;
  }
  if (found) {
    ctx.match(found.arn);
    ctx.record(withFields(base, { action: 'none', sync: 'Synced', health: HEALTHY, changes: [], desired: desiredBody, live: desiredBody, liveId: found.arn, message: `revision ${revisionOf(found.arn)}` } satisfies Partial<ResourcePlan>));
    return;
  }
  const hash = taskDefinitionHash(resource);
  const current = currentRevision(family, ctx);
  const liveBody = current && canonicalTaskDefinition(liveTaskDefinitionSpec(current.raw));
  const changes = diffObjects(desiredBody, liveBody);
  ctx.record({
    ...base,
    action: current ? 'update' : 'create',
    sync: 'OutOfSync',
    health: current ? HEALTHY : MISSING,
    changes: changes.length ? changes : [{ path: `metadata.annotations.${SPEC_HASH_TAG}`, to: hash }],
    desired: desiredBody,
    live: liveBody,
    liveId: current?.arn,
    message: current ? `registers a new revision after ${revisionOf(current.arn)}` : 'registers the first revision',
  });
  const spec = specBody(resource);
  const input: Record<string, unknown> = { ...spec, family, tags: toTagList({ ...desiredTags(resource, ctx), [SPEC_HASH_TAG]: hash }) };
  // ECS takes task-level cpu and memory as strings only.
  if (spec.cpu !== undefined) input.cpu = String(spec.cpu);
  if (spec.memory !== undefined) input.memory = String(spec.memory);
  const register: ApiCall = { service: 'ecs', operation: 'RegisterTaskDefinition', input, outputs: { arn: 'taskDefinition.taskDefinitionArn' } };
  ctx.addStep({ key: base.key, action: 'create', description: `register task definition ${family}`, calls: [register] });
}

export const TaskDefinitionKind: KindModule<'TaskDefinition'> = {
  kind: 'TaskDefinition',
  createOnly: [],
  controllerTags: () => [...OWNERSHIP_TAGS, SPEC_HASH_TAG],
  notFoundErrors: [],
  find,
  plan,
  // Revisions are immutable history; the controller never deregisters them.
  owned: () => [],
  // What uses a revision (a service) names it in its own document; revisions are never pruned.
  uses: () => [],
};
