/** Liveness, readiness and the Prometheus scrape endpoint. */
import type { FastifyInstance } from 'fastify';
import { applicationsOf, type ServerDeps } from './deps.js';
import { ApiError } from './errors.js';
import { ROUTE_SCHEMAS } from './schemas.js';

export interface HealthOptions {
  deps: ServerDeps;
  /** True once the server itself is closing, whatever the store says. */
  closing: () => boolean;
}

export async function healthRoutes(app: FastifyInstance, { deps, closing }: HealthOptions): Promise<void> {
  app.get('/livez', { schema: ROUTE_SCHEMAS.livez }, async () => ({ status: 'ok' }));

  // Ready when every application has finished its first full pass; nothing else waits on all of them.
  const entries = applicationsOf(deps);
  app.get('/readyz', { schema: ROUTE_SCHEMAS.readyz }, async () => {
    const controllers = entries.map((e) => ({ name: e.name, ...e.status.controllerStatus() }));
    if (closing() || controllers.some((c) => c.shuttingDown)) throw new ApiError('NOT_READY', 'shutting down');
    const waiting = controllers.filter((c) => !c.ready).map((c) => c.name);
    if (waiting.length > 0) throw new ApiError('NOT_READY', `the first full sync has not finished${entries.length > 1 ? ` for ${waiting.join(', ')}` : ''}`);
    return { status: 'ok' };
  });

  app.get('/metrics', { schema: ROUTE_SCHEMAS.metrics }, async (_request, reply) => {
    const registry = deps.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
