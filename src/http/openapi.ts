/**
 * `/openapi.json`, assembled from the routes as fastify registers them: every route's
 * method, path and schema are collected by an `onRoute` hook, so a route cannot exist
 * without being documented, and its documented parameters and responses are the schemas
 * that validate and serialise it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERROR_CODES } from './errors.js';
import type { RouteSchema } from './schemas.js';
import { ROUTE_SCHEMAS } from './schemas.js';

export interface CollectedRoute {
  method: string;
  url: string;
  schema: RouteSchema;
}

/** Starts collecting the routes registered on `app` and its plugins from now on. */
export function collectRoutes(app: FastifyInstance): CollectedRoute[] {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // HEAD routes are fastify's automatic twins of the GET routes.
    for (const method of methods.filter((m) => m !== 'HEAD')) {
      if (route.schema) routes.push({ method, url: route.url, schema: route.schema as RouteSchema });
    }
  });
  return routes;
}

type Obj = Record<string, unknown>;

/** `/api/v1/resources/:kind/:name` → `/api/v1/resources/{kind}/{name}` */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(schema: Obj | undefined, where: 'path' | 'query' | 'header'): Obj[] {
  if (!schema) return [];
  const properties = (schema.properties ?? {}) as Record<string, Obj>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

function responses(response: RouteSchema['response']): Obj {
  return Object.fromEntries(
    Object.entries(response).map(([status, schema]) => {
      const { description, content, ...body } = schema as Obj;
      return [status, { description: description ?? '', content: content ?? { 'application/json': { schema: body } } }];
    }),
  );
}

export function openApiDocument(routes: readonly CollectedRoute[], version: string): Obj {
  const paths: Record<string, Record<string, Obj>> = {};
  for (const { method, url, schema } of routes) {
    const operation: Obj = {
      operationId: `${method.toLowerCase()}${openApiPath(url).replace(/[{}]/g, '').replace(/(^|[/.-])([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase())}`,
      summary: schema.summary,
      ...(schema.description ? { description: schema.description } : {}),
      tags: schema.tags,
      parameters: [...parameters(schema.params, 'path'), ...parameters(schema.querystring, 'query'), ...parameters(schema.headers, 'header')],
      ...(schema.requestBody ? { requestBody: schema.requestBody } : {}),
      ...(schema.security ? { security: schema.security } : {}),
      responses: responses(schema.response),
    };
    (paths[openApiPath(url)] ??= {})[method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ecs-gitops status API',
      version,
      description: `Read endpoints are open; mutating ones need credentials. Errors are \`{ "error": { "code", "message" } }\` with a stable code: ${Object.entries(ERROR_CODES)
        .map(([code, { status }]) => `${code} (${status})`)
        .join(', ')}.`,
    },
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'the token set by ECS_GITOPS_API_TOKEN' },
        webhookSignature: { type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256', description: '`sha256=` and the hex HMAC-SHA256 of the raw body under ECS_GITOPS_WEBHOOK_SECRET' },
      },
    },
  };
}

export async function openApiRoutes(app: FastifyInstance, { routes, version }: { routes: readonly CollectedRoute[]; version: string }): Promise<void> {
  let document: Obj | undefined;
  // Built on first request, when every route is registered.
  app.get('/openapi.json', { schema: ROUTE_SCHEMAS.openapi }, async () => (document ??= openApiDocument(routes, version)));
}
