/**
 * The HTTP server: health, metrics, the status API, the two mutating endpoints and the
 * OpenAPI document. `buildServer` returns a fastify instance that is not listening; the
 * daemon calls `listen`, tests call `inject`.
 */
import { createServer } from 'node:http';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyListenOptions, FastifyReply, FastifyRequest } from 'fastify';
import { syncRoutes, webhookRoutes } from './actions.js';
import type { ServerDeps } from './deps.js';
import { ApiError, answerClientError, installErrorHandlers, sendError } from './errors.js';
import { capConnections, httpLimits } from './limits.js';
import { healthRoutes } from './health.js';
import { prioritise } from './shedding.js';
import { collectRoutes, openApiRoutes } from './openapi.js';
import { statusRoutes } from './status.js';
import { streamRoutes } from './stream.js';
import { uiRoutes } from './ui.js';

export type { ControllerFacade, ServerDeps } from './deps.js';

/** One debug line per request, when it completes; fastify's own request lines are info. */
class RequestLog extends LogController {
  override incomingRequest(): void {}
  override routeNotFound(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) request.log.warn({ ...line, err: error }, 'request failed while sending');
    else request.log.debug(line, 'request');
  }
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const limits = httpLimits(deps.limits);
  const app: FastifyInstance = Fastify({
    // fastify's server is built here: health checks go ahead of the reads, and the reads
    // held at once are bounded (shedding.ts). Nothing an unauthenticated client sends may
    // hold memory or a descriptor for long.
    serverFactory: (handler) => {
      const http = { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) };
      const server = createServer(http, prioritise(handler, limits.maxReads, (held) => app.log.warn({ held }, 'refusing reads with 503: as many held as the server answers at once')));
      server.keepAliveTimeout = limits.keepAliveTimeoutMs;
      server.setTimeout(limits.requestTimeoutMs * 3);
      return server;
    },
    bodyLimit: 64 * 1024,
    clientErrorHandler: answerClientError,
    // The project's pino is newer than the one fastify's types name; the logger interface is the same.
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new RequestLog(),
    // A URL that is not valid percent-encoding gets the same error shape as everything else.
    frameworkErrors: (error, _request, reply) => sendError(reply, new ApiError('BAD_REQUEST', error.message)),
    // Reject unknown query parameters instead of silently dropping them: `?knd=Service` is a typo, not "all".
    ajv: { customOptions: { removeAdditional: false } },
  });

  capConnections(app.server, limits.maxConnections);
  // Whoever calls listen gets the backlog unless they name one.
  const listen = app.listen.bind(app) as (options: FastifyListenOptions) => Promise<string>;
  app.listen = ((options: FastifyListenOptions = {}) => listen({ backlog: limits.backlog, ...options })) as FastifyInstance['listen'];

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  installErrorHandlers(app);

  const routes = collectRoutes(app);
  const isClosing = () => closing;
  app.register(healthRoutes, { deps, closing: isClosing });
  app.register(statusRoutes, { deps, closing: isClosing });
  app.register(streamRoutes, { deps });
  app.register(uiRoutes);
  app.register(syncRoutes, { deps });
  app.register(webhookRoutes, { deps, maxBodies: limits.maxWebhookBodies });
  app.register(openApiRoutes, { routes, version: deps.version });
  return app;
}
