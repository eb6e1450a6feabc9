/** Liveness, readiness and the Prometheus scrape endpoint. */
import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from './deps.js';
import { ApiError } from './errors.js';
import { ROUTE_SCHEMAS } from './schemas.js';

export interface HealthOptions {
  deps: ServerDeps;
  /** True once the server itself is closing, whatever the store says. */
  closing: () => boolean;
}

export async function healthRoutes(app: FastifyInstance, { deps, closing }: HealthOptions): Promise<void> {
  app.get('/livez', { schema: ROUTE_SCHEMAS.livez }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: ROUTE_SCHEMAS.readyz }, async () => {
    const controller = deps.status.controllerStatus();
    if (controller.shuttingDown || closing()) throw new ApiError('NOT_READY', 'shutting down');
    if (!controller.ready) throw new ApiError('NOT_READY', 'the first full sync has not finished');
    return { status: 'ok' };
  });

  app.get('/metrics', { schema: ROUTE_SCHEMAS.metrics }, async (_request, reply) => {
    const registry = deps.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
