/**
 * Which task-definition revision carries which content. A revision is identified by its
 * family and content hash (`family\0hash`); the reader decides what to describe from this
 * index and the planner decides what to register from it, so both must build it the same
 * way, or a revision is registered twice.
 */
import { revisionOf, type LiveState } from './live.js';
import { TASK_DEFINITION_HASH_TAG, TASK_DEFINITION_TAG } from './tags.js';

/** The index key of a family's revision with this content hash. */
export function revisionKey(family: string, hash: string): string {
  return `${family}\0${hash}`;
}

export interface RevisionIndex {
  /** Revision ARN by key, as recorded in the tags of a service that runs it. */
  recordedOnServices: Map<string, string>;
  /** The revision ARNs this family's services run, in the order the services were read. */
  runningByFamily: Map<string, Set<string>>;
}

/** Indexes what the live state knows; the reader calls it before describing revisions, the planner after. */
export function revisionIndex(live: Pick<LiveState, 'services'>): RevisionIndex {
  const recordedOnServices = new Map<string, string>();
  const runningByFamily = new Map<string, Set<string>>();
  for (const s of live.services.values()) {
    const arn = s.raw.taskDefinition;
    const running = revisionOf(arn);
    if (!arn || !running) continue;
    const family = running.slice(0, running.lastIndexOf(':'));
    runningByFamily.set(family, (runningByFamily.get(family) ?? new Set()).add(arn));
    const hash = s.tags[TASK_DEFINITION_HASH_TAG];
    if (hash && s.tags[TASK_DEFINITION_TAG] === running) recordedOnServices.set(revisionKey(family, hash), arn);
  }
  return { recordedOnServices, runningByFamily };
}
