/**
 * `/openapi.json`, assembled from the routes as fastify registers them: every route's
 * method, path and schema are collected by an `onRoute` hook, so a route cannot exist
 * without being documented, and its documented parameters and responses are the schemas
 * that validate and serialise it.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERROR_CODES, type ErrorCode } from './errors.js';
import type { RouteSchema } from './schemas.js';
import { HEALTH_PATHS, RETRY_AFTER_S } from './shedding.js';
import { ROUTE_SCHEMAS, errorResponse } from './schemas.js';

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

/**
 * What the server itself may answer on any route before the route runs: Node's parser
 * (malformed request, headers too large, too slow), fastify's body handling on routes
 * that read a body, and the bound on reads held at once on the GETs that are not health
 * checks (`shedding.ts`). A route's own description of a status wins.
 */
function frameworkResponses(method: string, url: string): Record<number, Obj> {
  const out: Record<number, Obj> = {};
  const add = (code: ErrorCode, why: string) => (out[ERROR_CODES[code].status] = errorResponse(`${why} (${code})`));
  add('BAD_REQUEST', 'the request is not valid HTTP or its URL is not valid percent-encoding');
  add('REQUEST_TIMEOUT', 'the headers or the body did not arrive in time');
  add('HEADERS_TOO_LARGE', 'the request headers are larger than the server reads');
  if (method !== 'GET') {
    add('PAYLOAD_TOO_LARGE', 'the body is larger than the endpoint accepts');
    add('UNSUPPORTED_MEDIA_TYPE', 'the Content-Type header cannot be parsed');
  }
  if (method === 'GET' && !HEALTH_PATHS.has(url)) {
    add('OVERLOADED', 'the server holds as many reads as it answers at once; the health checks are never refused this way');
    out[ERROR_CODES.OVERLOADED.status]!.headers = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', const: RETRY_AFTER_S } } };
  }
  add('INTERNAL', 'an unexpected error; details are in the controller log');
  return out;
}

function responses(method: string, url: string, response: RouteSchema['response']): Obj {
  return Object.fromEntries(
    Object.entries({ ...frameworkResponses(method, url), ...response }).map(([status, schema]) => {
      const { description, content, headers, ...body } = schema as Obj;
      return [status, { description: description ?? '', ...(headers ? { headers } : {}), content: content ?? { 'application/json': { schema: body } } }];
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
      responses: responses(method, url, schema.response),
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
