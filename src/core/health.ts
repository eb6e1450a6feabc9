/**
 * Health per resource, judged from the live object the way Argo CD judges Kubernetes
 * objects. Each kind's module judges its own (a Service's in ./kinds/service-health.ts).
 */

export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Missing' | 'Unknown';

export interface Health {
  status: HealthStatus;
  message?: string;
  /** Why a Service is Degraded: its deployment failed, or the circuit breaker rolled it back. */
  reason?: 'DeploymentFailed' | 'RolledBack';
}

export const HEALTHY: Health = { status: 'Healthy' };
export const MISSING: Health = { status: 'Missing', message: 'does not exist in AWS' };
