/**
 * Reads ECS services of the clusters read: ListServices, then DescribeServices 10 a call
 * with tags. A partial read describes the named services directly. Also how the executor
 * sees a deleted service drain (DescribeServices until INACTIVE).
 */
import {
  DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, DescribeServicesCommand, ListServiceDeploymentsCommand, ListServicesCommand,
  type ECSClient, type Service as EcsService,
} from '@aws-sdk/client-ecs';
import { lastSegment, revisionOf } from '../../core/live.js';
import { OWNER_TAG, TASK_DEFINITION_TAG, fromTagList } from '../../core/tags.js';
import { batches, listAll } from '../paging.js';
import { primaryDeployment } from '../../core/kinds/service-connect.js';
import { resolveNamespace } from './namespace-names.js';
import type { KindReader, ReadContext } from './types.js';

export const DESCRIBE_SERVICES_BATCH = 10;
/** DescribeServiceRevisions takes at most 20 ARNs. */
const DESCRIBE_REVISIONS_BATCH = 20;
/** Service deployments whose target revision ECS rolled back from (or is rolling back from). */
const ROLLED_BACK: ('ROLLBACK_IN_PROGRESS' | 'ROLLBACK_SUCCESSFUL' | 'ROLLBACK_FAILED')[] = ['ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'];

async function describe(ctx: ReadContext, cluster: string, names: string[]): Promise<void> {
  for (const batch of batches(names, DESCRIBE_SERVICES_BATCH)) {
    const answer = await ctx.clients.ecs.send(new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }));
    for (const service of answer.services ?? []) {
      addService(ctx, cluster, service);
      if (service.status === 'ACTIVE') await resolveNamespace(ctx, primaryDeployment(service)?.serviceConnectConfiguration?.namespace);
    }
  }
}

/**
 * Events kept of a described service. ECS answers with its last 100; status shows the
 * newest five and nothing else reads them, and at 5,000 services the rest would be the
 * largest part of the live state held through a pass.
 */
export const SERVICE_EVENTS_KEPT = 5;

function addService(ctx: ReadContext, cluster: string, service: EcsService): void {
  if (service.status === 'INACTIVE') return;
  if (service.events && service.events.length > SERVICE_EVENTS_KEPT) service.events = service.events.slice(0, SERVICE_EVENTS_KEPT);
  const name = service.serviceName ?? lastSegment(service.serviceArn) ?? '';
  // The tags are read once, into `tags`; the SDK's list of them is not kept twice.
  const { tags, ...raw } = service;
  ctx.live.services.set(`${cluster}/${name}`, { cluster, name, arn: service.serviceArn ?? '', tags: fromTagList(tags), raw });
}

/**
 * Services of the controller's that do not run the revision it last deployed (recorded in
 * their tags): ECS may have rolled it back. Events roll over and AWS drops the failed
 * deployment, so the durable answer is the service deployment history. A service that
 * runs what the controller deployed costs nothing more than its DescribeServices.
 */
async function readRollbacks(ctx: ReadContext, cluster: string): Promise<void> {
  for (const s of ctx.live.services.values()) {
    if (s.cluster !== cluster || s.raw.status !== 'ACTIVE' || s.tags[OWNER_TAG] !== ctx.controllerId) continue;
    const deployed = s.tags[TASK_DEFINITION_TAG];
    if (!deployed || revisionOf(s.raw.taskDefinition) === deployed) continue;
    try {
      ctx.live.rolledBack.set(s.arn, await rolledBackRevisions(ctx, cluster, s.arn));
    } catch (err) {
      const unreadable = historyUnreadable(err);
      if (!unreadable) throw err;
      ctx.live.historyUnreadable.set(s.arn, unreadable);
    }
  }
}

/**
 * A history that cannot be read at all (the IAM policy predates it, or an emulator such as
 * moto does not implement it) must not stop the whole read: the service is planned with
 * what its deployments show, and its health says the history is missing. Throttling and
 * other transient errors still fail the read, to be retried.
 */
function historyUnreadable(err: unknown): string | undefined {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const denied = e.name === 'AccessDeniedException' || e.name === 'UnknownOperationException';
  const notImplemented = e.$metadata?.httpStatusCode === 500 || e.$metadata?.httpStatusCode === 501;
  if (!denied && !notImplemented) return undefined;
  return `${e.name ?? 'Error'}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}`;
}

/** The task definitions (ARNs) of a service's rolled-back deployments; a revision's task definition never changes, so it is cached. */
async function rolledBackRevisions(ctx: ReadContext, cluster: string, service: string): Promise<Set<string>> {
  const listed = await listAll(
    (nextToken) => ctx.clients.ecs.send(new ListServiceDeploymentsCommand({ cluster, service, status: ROLLED_BACK, nextToken, maxResults: 100 })),
    (page) => page.serviceDeployments,
  );
  const revisions = [...new Set(listed.map((d) => d.targetServiceRevisionArn).filter((arn): arn is string => !!arn))];
  const unknown = revisions.filter((arn) => !ctx.cache.serviceRevisions.has(arn));
  for (const batch of batches(unknown, DESCRIBE_REVISIONS_BATCH)) {
    const answer = await ctx.clients.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch }));
    for (const r of answer.serviceRevisions ?? []) if (r.serviceRevisionArn && r.taskDefinition) ctx.cache.serviceRevisions.set(r.serviceRevisionArn, r.taskDefinition);
  }
  return new Set(revisions.map((arn) => ctx.cache.serviceRevisions.get(arn)).filter((td): td is string => !!td));
}

async function read(ctx: ReadContext): Promise<void> {
  const wanted = ctx.wantedIn('Service', 'cluster', 'Cluster');
  for (const cluster of ctx.live.clusters.values()) {
    const wantedHere = [...(wanted.get(cluster.name) ?? [])];
    if (ctx.scope) {
      await describe(ctx, cluster.name, wantedHere);
    } else {
      const arns = await listAll((nextToken) => ctx.clients.ecs.send(new ListServicesCommand({ cluster: cluster.name, nextToken, maxResults: 100 })), (page) => page.serviceArns);
      // A desired service that ListServices does not show may be DRAINING: describe it too.
      const listed = new Set(arns.map((a) => lastSegment(a)));
      await describe(ctx, cluster.name, [...arns, ...wantedHere.filter((n) => !listed.has(n))]);
    }
    await readRollbacks(ctx, cluster.name);
  }
  await readShifting(ctx);
}

const SHIFTING: ReadonlySet<string> = new Set(['BLUE_GREEN', 'LINEAR', 'CANARY']);
/** DescribeServiceDeployments takes at most 20 ARNs. */
const DESCRIBE_DEPLOYMENTS_BATCH = 20;

/**
 * Where each BLUE_GREEN, LINEAR or CANARY deployment in flight is (its lifecycle stage,
 * traffic and hooks), from its service deployment, 20 a call: health says where a
 * deployment is. Nothing is read for a service that is not shifting traffic; a history
 * that cannot be read leaves the health to the deployments alone.
 */
async function readShifting(ctx: ReadContext): Promise<void> {
  const inFlight = [...ctx.live.services.values()].filter((s) =>
    s.raw.status === 'ACTIVE' && SHIFTING.has(s.raw.deploymentConfiguration?.strategy ?? 'ROLLING') && s.raw.currentServiceDeployment
    && primaryDeployment(s.raw)?.rolloutState === 'IN_PROGRESS');
  for (const batch of batches(inFlight, DESCRIBE_DEPLOYMENTS_BATCH)) {
    let answer;
    try {
      answer = await ctx.clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: batch.map((s) => s.raw.currentServiceDeployment as string) }));
    } catch (err) {
      if (historyUnreadable(err)) return;
      throw err;
    }
    for (const d of answer.serviceDeployments ?? []) {
      if (!d.serviceArn || !d.lifecycleStage) continue;
      ctx.live.shifting.set(d.serviceArn, {
        stage: d.lifecycleStage,
        traffic: d.targetServiceRevision?.requestedProductionTrafficWeight,
        waitingOn: (d.lifecycleHookDetails ?? []).filter((h) => h.status === 'IN_PROGRESS' || h.status === 'AWAITING_ACTION').map((h) => h.targetArn ?? `${h.targetType ?? 'PAUSE'} hook ${h.hookId ?? ''}`.trim()),
      });
    }
  }
}

export const ServiceReader: KindReader<'Service'> = { kind: 'Service', after: 'Cluster', read };

/** A service's status as DescribeServices shows it; undefined when ECS no longer knows it. */
export async function serviceStatus(ecs: ECSClient, cluster: string, service: string, abortSignal?: AbortSignal): Promise<string | undefined> {
  const answer = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }), abortSignal ? { abortSignal } : {});
  return answer.services?.[0]?.status;
}
