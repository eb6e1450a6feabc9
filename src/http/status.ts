/** The read-only status API: the controller, the resources, one resource, the last plan. */
import type { FastifyInstance } from 'fastify';
import type { Kind } from '../api/kinds.js';
import { resourceKey } from '../api/kinds.js';
import type { HealthStatus } from '../core/health.js';
import type { SyncStatus } from '../core/plan.js';
import type { CloudMapRegistration, ServerDeps } from './deps.js';
import { ApiError } from './errors.js';
import { ClientReads } from './reads.js';
import { ROUTE_SCHEMAS } from './schemas.js';
import { byKindThenName, planView, resourceDetailView, resourceSummaryView, statusView } from './views.js';

export interface StatusOptions {
  deps: ServerDeps;
  closing: () => boolean;
}

export async function statusRoutes(app: FastifyInstance, { deps, closing }: StatusOptions): Promise<void> {
  const { status } = deps;
  const liveReads = new ClientReads<CloudMapRegistration[] | undefined>({ now: () => (deps.clock ?? Date).now() });

  app.get('/api/v1/status', { schema: ROUTE_SCHEMAS.status }, async () => {
    const controller = status.controllerStatus();
    return statusView(controller, status.counts(), deps.version, controller.shuttingDown || closing());
  });

  app.get<{ Querystring: { kind?: Kind; sync?: SyncStatus; health?: HealthStatus } }>('/api/v1/resources', { schema: ROUTE_SCHEMAS.resources }, async (request) => {
    const { kind, sync, health } = request.query;
    return { items: status.list({ kind, sync, health }).sort(byKindThenName).map(resourceSummaryView) };
  });

  app.get<{ Params: { kind: Kind; name: string } }>('/api/v1/resources/:kind/:name', { schema: ROUTE_SCHEMAS.resource }, async (request) => {
    const { kind, name } = request.params;
    const resource = status.get(resourceKey(kind, name));
    if (!resource) throw new ApiError('NOT_FOUND', `no resource ${kind}/${name}`);
    const view = resourceDetailView(resource);
    if (kind !== 'Service' || !deps.controller.cloudMapInstances) return view;
    let registrations: unknown;
    try {
      const controller = deps.controller;
      registrations = (await liveReads.read(resource.key, () => controller.cloudMapInstances!(resource.key))) ?? [];
    } catch (err) {
      registrations = { error: (err as Error).message };
    }
    return { ...view, liveSummary: { ...(view.liveSummary ?? {}), cloudMapInstances: registrations } };
  });

  app.get('/api/v1/plan', { schema: ROUTE_SCHEMAS.plan }, async () => {
    const plan = status.plan();
    if (!plan) throw new ApiError('NOT_FOUND', 'no plan yet: the first sync has not finished');
    return planView(plan);
  });
}
