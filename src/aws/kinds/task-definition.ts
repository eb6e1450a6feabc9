/**
 * Reads task-definition revisions, and only when needed: a service the controller
 * deployed records the revision and its content hash in its tags; when they match the
 * document, nothing is described. Otherwise the revisions the family's services run (for
 * the diff) and the family's newest revisions (to find one that already carries the
 * desired content, e.g. registered just before a crash) are described. Revisions are
 * immutable, so ACTIVE ones are cached for the life of the process.
 */
import { DescribeTaskDefinitionCommand, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import type { Resource } from '../../api/kinds.js';
import { awsName } from '../../core/desired.js';
import { revisionWithContent, taskDefinitionHash } from '../../core/kinds/task-definition.js';
import type { LiveTaskDefinition } from '../../core/live.js';
import { revisionIndex, revisionKey } from '../../core/revisions.js';
import { fromTagList } from '../../core/tags.js';
import { listAll } from '../paging.js';
import type { KindReader, ReadContext } from './types.js';

/** How many of a family's newest revisions to look through for the desired content hash. */
export const REVISIONS_SEARCHED = 5;
/** Above this many families to look up, list the account's families once instead of each family's revisions. */
export const FAMILY_LIST_THRESHOLD = 10;
/** Task-definition families looked up at once. */
export const LOOKUP_CONCURRENCY = 8;

/**
 * A revision AWS has just listed (or a service runs) that DescribeTaskDefinition does not
 * show yet is eventual consistency, not a bad request: the read fails as retryable (an
 * error the classifier does not know), so the loop backs off and reads again soon instead
 * of stalling until the next resync — and never plans without the revision, which would
 * register its content a second time.
 */
function notVisibleYet(arn: string, err: unknown): unknown {
  const e = err as { name?: string; message?: string };
  if (e?.name !== 'ClientException' || !/unable to describe task definition/i.test(e.message ?? '')) return err;
  return Object.assign(new Error(`task definition ${arn} is listed but cannot be described yet: ${e.message}`), { name: 'TaskDefinitionNotVisible' });
}

async function describeTaskDefinition(ctx: ReadContext, arn: string): Promise<LiveTaskDefinition | undefined> {
  const cached = ctx.cache.taskDefinitions.get(arn);
  if (cached) {
    ctx.live.taskDefinitions.set(arn, cached);
    return cached;
  }
  const answer = await ctx.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] })).catch((err: unknown) => {
    throw notVisibleYet(arn, err);
  });
  const raw = answer.taskDefinition;
  if (!raw?.taskDefinitionArn) return undefined;
  const td: LiveTaskDefinition = { arn: raw.taskDefinitionArn, family: raw.family ?? '', revision: raw.revision ?? 0, tags: fromTagList(answer.tags), raw };
  // Only the content is immutable; status (ACTIVE → INACTIVE) is not, so cache ACTIVE ones and re-read others.
  if (raw.status === 'ACTIVE') ctx.cache.taskDefinitions.set(td.arn, td);
  ctx.live.taskDefinitions.set(td.arn, td);
  return td;
}

async function activeFamilies(ctx: ReadContext): Promise<Set<string>> {
  return new Set(await listAll((nextToken) => ctx.clients.ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE', nextToken, maxResults: 100 })), (page) => page.families));
}

/**
 * One document's family: what its services run, then its newest revisions until one
 * holds the document's content (registered for it before a crash, or by anyone: healing
 * a hand-made change back, adopting), so that content is never registered twice.
 */
async function lookUp(ctx: ReadContext, doc: Resource<'TaskDefinition'>, running: ReadonlySet<string>): Promise<void> {
  const family = awsName(doc);
  const describe = async (arn: string) => {
    const td = await describeTaskDefinition(ctx, arn);
    return td && revisionWithContent(doc, [td]);
  };
  for (const arn of running) if (await describe(arn)) return;
  const page = await ctx.clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, sort: 'DESC', status: 'ACTIVE', maxResults: REVISIONS_SEARCHED }));
  const newest = (page.taskDefinitionArns ?? []).slice(0, REVISIONS_SEARCHED);
  if (newest[0]) ctx.live.latestRevision.set(family, newest[0]);
  for (const arn of newest) if (await describe(arn)) return;
}

async function read(ctx: ReadContext): Promise<void> {
  const { recordedOnServices, runningByFamily } = revisionIndex(ctx.live);
  const unrecorded = ctx.ofKind('TaskDefinition')
    .map((doc) => ({ doc, family: awsName(doc), hash: taskDefinitionHash(doc) }))
    .filter(({ family, hash }) => !recordedOnServices.has(revisionKey(family, hash)));
  // Many families to look up (a cold start): one paged list says which exist at all.
  const existing = unrecorded.length > FAMILY_LIST_THRESHOLD ? await activeFamilies(ctx) : undefined;
  // Families are independent: look them up a few at a time (the rate limiter paces them).
  const lookups = unrecorded.filter(({ family }) => !existing || existing.has(family));
  for (let i = 0; i < lookups.length; i += LOOKUP_CONCURRENCY) {
    await Promise.all(lookups.slice(i, i + LOOKUP_CONCURRENCY).map(({ doc, family }) => lookUp(ctx, doc, runningByFamily.get(family) ?? new Set())));
  }
}

export const TaskDefinitionReader: KindReader<'TaskDefinition'> = { kind: 'TaskDefinition', after: 'Service', read };
