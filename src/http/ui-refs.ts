/**
 * What the web UI's resource tree needs of every resource and cannot get from a summary
 * without fetching each resource: the documents it refers to (a Service's cluster, task
 * definition and Cloud Map services; a Cloud Map service's namespace; an instance's
 * service) and, for a Service, the task-definition revision it runs. Pure functions of
 * the status store's data.
 */
import type { Resource } from '../api/kinds.js';
import { revisionOf } from '../core/live.js';
import { referencesOf } from '../core/scope.js';
import type { ResourceStatus } from '../runtime/status.js';

/** `Kind/name` of every document the resource's spec refers to, in the order the spec names them. */
export function resourceRefs(r: Pick<ResourceStatus, 'kind' | 'desired'>): string[] {
  return r.desired ? [...new Set(referencesOf({ kind: r.kind, spec: r.desired } as Pick<Resource, 'kind' | 'spec'>))] : [];
}

/** `family:revision` of the task definition a live Service runs (its `taskDefinition`), or null. */
export function runningRevision(r: Pick<ResourceStatus, 'kind' | 'liveSummary'>): string | null {
  const arn = r.kind === 'Service' ? r.liveSummary?.taskDefinition : undefined;
  return typeof arn === 'string' ? (revisionOf(arn) ?? null) : null;
}
