/**
 * A Service's health, judged from the live service the way Argo CD judges Kubernetes
 * objects: Healthy only when the PRIMARY deployment runs the revision git asked for, its
 * rollout is COMPLETED and every desired task runs; a circuit-breaker rollback is
 * Degraded, never Healthy. A rollback is known while it runs from the deployments, and
 * for good from the service deployment history (the reader's `rolledBack`): AWS removes
 * the failed deployment and its events roll over.
 */
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { MISSING, type Health } from '../health.js';
import { revisionOf, type ShiftProgress } from '../live.js';

const ROLLBACK = /circuit breaker.*roll(ing|ed)? ?back|rolling back|rolled back/i;

/**
 * `wantedRevision` is the `family:revision` the document asks for, when known (it is not
 * before the revision has been registered).
 */
export function serviceHealth(service: EcsService | undefined, wantedRevision?: string, rolledBack: ReadonlySet<string> = new Set(), shift?: ShiftProgress): Health {
  if (!service || service.status === 'INACTIVE') return MISSING;
  if (service.status === 'DRAINING') return { status: 'Progressing', message: 'service is draining after deletion' };
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (!primary) return { status: 'Unknown', message: 'no PRIMARY deployment' };
  const running = revisionOf(primary.taskDefinition);

  const rollbackNote = [primary.rolloutStateReason, ...deployments.map((d) => d.rolloutStateReason)].find((r) => r && ROLLBACK.test(r));
  if (primary.rolloutState === 'FAILED') {
    return { status: 'Degraded', reason: 'DeploymentFailed', message: `deployment of ${running} failed: ${primary.rolloutStateReason ?? 'no reason given'}` };
  }
  if (wantedRevision && running !== wantedRevision) {
    if (rollbackNote || rolledBack.has(wantedRevision) || deployments.some((d) => d.rolloutState === 'FAILED' && revisionOf(d.taskDefinition) === wantedRevision)) {
      // A rolling deployment is rolled back by its circuit breaker; a traffic-shifting one also by a failed lifecycle hook.
      const by = strategyOf(service) === 'ROLLING' ? 'the deployment circuit breaker' : `ECS (${strategyOf(service)})`;
      return { status: 'Degraded', reason: 'RolledBack', message: `${by} rolled back from ${wantedRevision} to ${running}${rollbackNote ? `: ${rollbackNote}` : ''}` };
    }
    return { status: 'Progressing', message: `running ${running}; ${wantedRevision} not deployed yet` };
  }
  const desired = primary.desiredCount ?? service.desiredCount ?? 0;
  const runningCount = primary.runningCount ?? 0;
  const counts = `${runningCount}/${desired} tasks running${primary.pendingCount ? `, ${primary.pendingCount} pending` : ''}`;
  if (deployments.length > 1 || primary.rolloutState === 'IN_PROGRESS') {
    return { status: 'Progressing', message: shift ? shiftMessage(strategyOf(service), running, shift, counts) : `rolling out ${running}: ${counts}` };
  }
  if (primary.rolloutState !== undefined && primary.rolloutState !== 'COMPLETED') {
    return { status: 'Progressing', message: `rollout ${primary.rolloutState}: ${counts}` };
  }
  if (runningCount !== desired || (service.runningCount ?? 0) !== (service.desiredCount ?? 0)) {
    return { status: 'Progressing', message: counts };
  }
  return { status: 'Healthy', message: `${running}: ${counts}` };
}

const strategyOf = (service: EcsService): string => service.deploymentConfiguration?.strategy ?? 'ROLLING';

/**
 * Where a BLUE_GREEN, LINEAR or CANARY deployment is: its lifecycle stage, how much
 * production traffic the new revision has, and the lifecycle hooks it waits on. It is
 * Progressing until the old revision is cleaned up after the bake time.
 */
function shiftMessage(strategy: string, revision: string | undefined, shift: ShiftProgress, counts: string): string {
  const traffic = shift.traffic === undefined ? '' : `, ${shift.traffic}% of production traffic on ${revision}`;
  const waiting = shift.waitingOn.length ? `; waiting on lifecycle hook ${shift.waitingOn.join(', ')}` : '';
  const baking = shift.stage === 'BAKE_TIME' ? '; the previous revision is kept until the bake time ends' : '';
  return `${strategy} deployment of ${revision} at ${shift.stage}${traffic} (${counts})${waiting}${baking}`;
}
