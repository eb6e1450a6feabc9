/**
 * The JSON Schemas of the status API. Routes validate requests and serialise responses
 * with these very objects, and `/openapi.json` is assembled from the routes' schemas, so
 * the document cannot drift from what the server does.
 *
 * Besides fastify's parts (`params`, `querystring`, `headers`, `response`), a route schema
 * carries OpenAPI-only keys that fastify ignores: `summary`, `description`, `tags`,
 * `security`, `requestBody`.
 */
import { KINDS } from '../api/kinds.js';
import { HEALTH_STATUSES, SYNC_STATUSES } from '../telemetry.js';
import { ERROR_CODES } from './errors.js';

/** A route schema: fastify's parts plus the OpenAPI-only annotations. */
export interface RouteSchema {
  summary: string;
  description?: string;
  tags: readonly string[];
  /** OpenAPI security requirements, e.g. `[{ bearerAuth: [] }]`. */
  security?: readonly Record<string, readonly string[]>[];
  /** OpenAPI request body, for routes that read their body themselves. */
  requestBody?: Record<string, unknown>;
  params?: Record<string, unknown>;
  querystring?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  response: Record<number, Record<string, unknown>>;
}

const RESOURCE_ACTIONS = ['none', 'create', 'update', 'replace', 'delete', 'conflict', 'stalled', 'prune-skipped'];
const STEP_ACTIONS = ['create', 'update', 'replace', 'delete', 'tag'];

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
const time = (description: string) => nullable('string', { format: 'date-time', description });
const anything = { description: 'any JSON value' };
const freeObject = (description: string) => ({ type: 'object', additionalProperties: true, description });
const strings = { type: 'array', items: { type: 'string' } };

// ---------------------------------------------------------------- shared pieces

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'stable; match on this' },
        message: { type: 'string', description: 'for people; may change' },
      },
    },
  },
} as const;

export const errorResponse = (description: string) => ({ ...errorSchema, description });

export const healthSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: HEALTH_STATUSES },
    message: { type: 'string', description: 'why, e.g. "rolling out web:7: 1/2 tasks running"' },
  },
} as const;

const lastErrorSchema = nullable('object', {
  description: 'the last error reconciling the resource, until it next succeeds',
  required: ['at', 'code', 'reaction', 'message'],
  properties: {
    at: { type: 'string', format: 'date-time' },
    code: { type: 'string', description: 'the AWS error name or one of the controller’s' },
    reaction: { type: 'string', enum: ['retry', 'wait', 'stall'] },
    message: { type: 'string' },
  },
});

const summaryProperties = {
  key: { type: 'string', description: '`Kind/name`' },
  kind: { type: 'string', enum: KINDS },
  name: { type: 'string' },
  awsName: { type: 'string', description: 'the name of the object in AWS' },
  sync: { type: 'string', enum: SYNC_STATUSES },
  health: healthSchema,
  action: { type: 'string', enum: RESOURCE_ACTIONS, description: 'what the last plan wanted to do' },
  message: nullable('string'),
  lastReconciledAt: time('when the resource was last compared'),
  lastError: lastErrorSchema,
  refs: { ...strings, description: '`Kind/name` of the documents the spec refers to (a Service’s cluster, task definition and Cloud Map services; a Cloud Map service’s namespace; an instance’s service)' },
  revision: nullable('string', { description: 'for a Service, the task-definition revision it runs (`family:revision`)' }),
};

const applicationName = { type: 'string', description: 'with several applications: the application it belongs to' };

export const resourceSummarySchema = {
  type: 'object',
  required: Object.keys(summaryProperties),
  properties: { ...summaryProperties, application: applicationName },
} as const;

const fieldChangeSchema = {
  type: 'object',
  required: ['path'],
  properties: { path: { type: 'string', description: 'e.g. spec.containerDefinitions[0].image' }, from: anything, to: anything },
};

const eventSchema = {
  type: 'object',
  required: ['at', 'type', 'reason', 'message'],
  properties: {
    at: { type: 'string', format: 'date-time' },
    type: { type: 'string', enum: ['Normal', 'Warning'] },
    reason: { type: 'string' },
    message: { type: 'string' },
  },
};

const detailProperties = {
  ...summaryProperties,
  liveId: nullable('string', { description: 'ARN or id of the live object' }),
  desired: nullable('object', { additionalProperties: true, description: 'the document’s spec as written in git' }),
  normalizedDesired: nullable('object', { additionalProperties: true, description: 'the desired body as compared' }),
  normalizedLive: nullable('object', { additionalProperties: true, description: 'the live body as compared' }),
  liveSummary: nullable('object', { additionalProperties: true, description: 'what AWS shows beyond the spec; for a Service its deployments, task counts and Cloud Map instances' }),
  lastDiff: { type: 'array', items: fieldChangeSchema, description: 'field changes from live to desired at the last comparison' },
  events: { type: 'array', items: eventSchema, description: 'newest first' },
};

export const resourceDetailSchema = {
  type: 'object',
  required: Object.keys(detailProperties),
  properties: { ...detailProperties, application: applicationName },
} as const;

export const findingSchema = {
  type: 'object',
  required: ['code', 'severity', 'file', 'line', 'column', 'field', 'message', 'formatted'],
  properties: {
    code: { type: 'string' },
    severity: { type: 'string', enum: ['error', 'warning'] },
    file: { type: 'string' },
    line: { type: 'integer' },
    column: { type: 'integer' },
    field: nullable('string'),
    message: { type: 'string' },
    formatted: { type: 'string', description: '`file:line:col field: message`' },
  },
} as const;

const countsOf = (values: readonly string[]) => ({
  type: 'object',
  required: [...values],
  properties: Object.fromEntries(values.map((v) => [v, { type: 'integer' }])),
});

/** What the status endpoint and an application's summary share. */
const syncProperties = {
  appliedRevision: nullable('string', { description: 'the git revision whose desired state is in force' }),
  attemptedRevision: nullable('string', { description: 'the newest revision seen, valid or not' }),
  lastSyncAt: time('when the last full sync finished'),
  lastSuccessfulSyncAt: time('when the last full sync without errors finished'),
  resources: {
    type: 'object',
    required: ['total', 'sync', 'health'],
    properties: { total: { type: 'integer' }, sync: countsOf(SYNC_STATUSES), health: countsOf(HEALTH_STATUSES) },
  },
  loadErrors: { type: 'array', items: findingSchema, description: 'why the newest revision was not applied; empty when it is valid' },
  ready: { type: 'boolean', description: 'the first full sync has finished' },
};

const statusProperties = {
  version: { type: 'string', description: 'of the controller' },
  ...syncProperties,
  shuttingDown: { type: 'boolean' },
  cloudMapOwnership: {
    type: ['object', 'null'],
    description: 'how full reads learn which Cloud Map objects the controller owns: `bulk` (tag:GetResources, 100 a call) or `per-object` (one ListTagsForResource each, with the reason); null before the first full read',
    required: ['mode', 'reason', 'since'],
    properties: { mode: { type: 'string', enum: ['bulk', 'per-object'] }, reason: nullable('string'), since: time('since when') },
  },
};

export const statusSchema = { type: 'object', required: Object.keys(statusProperties), properties: statusProperties } as const;

const applicationProperties = {
  name: { type: 'string', description: 'unique in the daemon; the `application` label of the metrics' },
  application: { type: 'string', description: 'the value of the tag ecs-gitops.io/application on its objects' },
  source: {
    type: 'object',
    required: ['repo', 'path', 'gitUrl', 'branch', 'overlay'],
    properties: {
      repo: { type: 'string', description: 'the checkout watched; with gitUrl, where the clone is kept' },
      path: nullable('string', { description: 'the config directory inside the checkout' }),
      gitUrl: nullable('string', { description: 'the repository polled, credentials redacted' }),
      branch: nullable('string'),
      overlay: nullable('string'),
    },
  },
  target: {
    type: 'object',
    required: ['region', 'account', 'roleArn'],
    properties: { region: { type: 'string' }, account: nullable('string', { description: 'when known' }), roleArn: nullable('string', { description: 'the role assumed for its calls' }) },
  },
  ...syncProperties,
};

export const applicationSchema = { type: 'object', required: Object.keys(applicationProperties), properties: applicationProperties } as const;

const planResourceProperties = {
  key: { type: 'string' },
  kind: { type: 'string', enum: KINDS },
  name: { type: 'string' },
  awsName: { type: 'string' },
  action: { type: 'string', enum: RESOURCE_ACTIONS },
  sync: { type: 'string', enum: SYNC_STATUSES },
  health: healthSchema,
  changes: { type: 'array', items: fieldChangeSchema },
  message: nullable('string'),
  liveId: nullable('string'),
};

const stepProperties = {
  id: { type: 'string' },
  key: { type: 'string' },
  action: { type: 'string', enum: STEP_ACTIONS },
  description: { type: 'string' },
  calls: {
    type: 'array',
    items: {
      type: 'object',
      required: ['service', 'operation', 'input'],
      properties: {
        service: { type: 'string', enum: ['ecs', 'servicediscovery'] },
        operation: { type: 'string' },
        input: freeObject('the API input; `{ $ref, attr }` stands for an output of an earlier step'),
        outputs: freeObject('where the answer reports the object’s ARN or id'),
      },
    },
  },
  dependsOn: strings,
  waitForInactive: { type: 'object', properties: { cluster: { type: 'string' }, service: { type: 'string' } } },
};

export const planSchema = {
  type: 'object',
  required: ['resources', 'steps'],
  properties: {
    resources: {
      type: 'array',
      description: 'every resource’s comparison, without the normalised bodies (see /api/v1/resources/{kind}/{name})',
      items: { type: 'object', required: ['key', 'kind', 'name', 'awsName', 'action', 'sync', 'health', 'changes'], properties: { ...planResourceProperties, application: applicationName } },
    },
    steps: { type: 'array', items: { type: 'object', required: ['id', 'key', 'action', 'description', 'calls', 'dependsOn'], properties: stepProperties } },
  },
} as const;

export const triggerResultSchema = {
  type: 'object',
  required: ['accepted', 'message'],
  properties: { accepted: { type: 'boolean' }, message: { type: 'string' } },
} as const;

const resourceFilter = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: KINDS, description: 'only resources of this kind' },
    sync: { type: 'string', enum: SYNC_STATUSES, description: 'only resources with this sync status' },
    health: { type: 'string', enum: HEALTH_STATUSES, description: 'only resources with this health status' },
  },
};

const resourceList = { type: 'object', required: ['items'], properties: { items: { type: 'array', items: resourceSummarySchema } } };

const resourceKindParam = { type: 'string', enum: KINDS };

const applicationParam = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, description: 'the application’s name' } } };

const okSchema = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } as const;

// ---------------------------------------------------------------- the routes

export const ROUTE_SCHEMAS = {
  livez: {
    summary: 'Liveness: 200 while the process runs',
    tags: ['health'],
    response: { 200: { ...okSchema, description: 'the process is alive' } },
  },
  readyz: {
    summary: 'Readiness: 200 once every application finished its first full sync, 503 before it and while shutting down',
    tags: ['health'],
    response: { 200: { ...okSchema, description: 'ready' }, 503: errorResponse('not ready (NOT_READY), with the reason') },
  },
  metrics: {
    summary: 'Prometheus metrics in the text exposition format',
    tags: ['observability'],
    response: { 200: { description: 'the exposition', content: { 'text/plain': { schema: { type: 'string' } } } } },
  },
  status: {
    summary: 'The controller: revisions, sync times, counts by sync status and health, load errors',
    tags: ['status'],
    response: { 200: { ...statusSchema, description: 'the controller status' } },
  },
  resources: {
    summary: 'Every resource, optionally filtered by kind, sync status and health',
    description: 'With several applications, every application’s resources (by application name), each naming its `application`.',
    tags: ['status'],
    querystring: resourceFilter,
    response: {
      200: { ...resourceList, description: 'the matching resources, in apply order of kinds, then by name' },
      400: errorResponse('a filter has a value the API does not know (BAD_REQUEST); the message lists the allowed values'),
    },
  },
  resource: {
    summary: 'One resource: spec, normalised desired and live bodies, live summary, last diff, health, recent events, last error',
    description: 'With several applications, the first application by name that has it; `/api/v1/applications/{name}/resources/{kind}/{rname}` names the application.',
    tags: ['status'],
    params: { type: 'object', required: ['kind', 'name'], properties: { kind: resourceKindParam, name: { type: 'string', minLength: 1 } } },
    response: {
      200: { ...resourceDetailSchema, description: 'the resource' },
      400: errorResponse('unknown kind (BAD_REQUEST)'),
      404: errorResponse('no resource with this kind and name (NOT_FOUND)'),
    },
  },
  plan: {
    summary: 'The last plan: each resource’s comparison and the ordered AWS calls',
    description: 'With several applications, every application’s last plan, one after the other, each resource naming its `application`.',
    tags: ['status'],
    response: { 200: { ...planSchema, description: 'the last plan' }, 404: errorResponse('no plan yet (NOT_FOUND)') },
  },
  applications: {
    summary: 'Every application: its source, target, revisions, sync times, counts, load errors and readiness',
    tags: ['applications'],
    response: {
      200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: applicationSchema } }, description: 'the applications, by name' },
    },
  },
  application: {
    summary: 'One application',
    tags: ['applications'],
    params: applicationParam,
    response: { 200: { ...applicationSchema, description: 'the application' }, 404: errorResponse('no application with this name (NOT_FOUND)') },
  },
  applicationResources: {
    summary: 'One application’s resources, optionally filtered by kind, sync status and health',
    tags: ['applications'],
    params: applicationParam,
    querystring: resourceFilter,
    response: {
      200: { ...resourceList, description: 'the matching resources, in apply order of kinds, then by name' },
      400: errorResponse('a filter has a value the API does not know (BAD_REQUEST)'),
      404: errorResponse('no application with this name (NOT_FOUND)'),
    },
  },
  applicationResource: {
    summary: 'One resource of one application',
    tags: ['applications'],
    params: {
      type: 'object',
      required: ['name', 'kind', 'rname'],
      properties: { ...applicationParam.properties, kind: resourceKindParam, rname: { type: 'string', minLength: 1, description: 'the resource’s name' } },
    },
    response: {
      200: { ...resourceDetailSchema, description: 'the resource' },
      400: errorResponse('unknown kind (BAD_REQUEST)'),
      404: errorResponse('no such application, or no resource with this kind and name in it (NOT_FOUND)'),
    },
  },
  applicationPlan: {
    summary: 'One application’s last plan',
    tags: ['applications'],
    params: applicationParam,
    response: { 200: { ...planSchema, description: 'the last plan' }, 404: errorResponse('no such application, or no plan yet (NOT_FOUND)') },
  },
  sync: {
    summary: 'Request a full sync now',
    description: 'Needs `Authorization: Bearer <token>` with the token set by ECS_GITOPS_API_TOKEN; disabled (403) when no token is configured.',
    tags: ['actions'],
    security: [{ bearerAuth: [] }],
    response: {
      202: { ...triggerResultSchema, description: 'the sync is queued' },
      401: errorResponse('missing or wrong token (UNAUTHORIZED)'),
      403: errorResponse('no token configured (FORBIDDEN)'),
      503: errorResponse('the controller did not accept the request (SYNC_NOT_ACCEPTED)'),
    },
  },
  applicationSync: {
    summary: 'Request a full sync of one application now',
    description: 'Needs `Authorization: Bearer <token>` with the token set by ECS_GITOPS_API_TOKEN; disabled (403) when no token is configured.',
    tags: ['actions'],
    security: [{ bearerAuth: [] }],
    params: applicationParam,
    response: {
      202: { ...triggerResultSchema, description: 'the sync is queued' },
      401: errorResponse('missing or wrong token (UNAUTHORIZED)'),
      403: errorResponse('no token configured (FORBIDDEN)'),
      404: errorResponse('no application with this name (NOT_FOUND)'),
      503: errorResponse('the controller did not accept the request (SYNC_NOT_ACCEPTED)'),
    },
  },
  webhook: {
    summary: 'Git push webhook: refresh the checkout and sync',
    description:
      'GitHub-style: `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the raw body under the secret set by ECS_GITOPS_WEBHOOK_SECRET; `X-GitHub-Event` names the event (`ping` answers 200; `push`, or no event header, requests a sync; others are ignored). Disabled (403) when no secret is configured.',
    tags: ['actions'],
    security: [{ webhookSignature: [] }],
    headers: {
      type: 'object',
      properties: {
        'x-hub-signature-256': { type: 'string', description: '`sha256=` and the hex HMAC-SHA256 of the raw body' },
        'x-github-event': { type: 'string', description: '`push`, `ping`, …' },
      },
    },
    requestBody: {
      required: true,
      description: 'the event payload as sent (JSON, or `payload=` form-encoded JSON); at most 1 MiB',
      content: { 'application/json': { schema: freeObject('the push event') }, 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { payload: { type: 'string' } } } } },
    },
    response: {
      200: { ...triggerResultSchema, description: 'a ping, or an event that triggers nothing' },
      202: { ...triggerResultSchema, description: 'a push: the sync is queued' },
      400: errorResponse('the payload is not JSON (BAD_REQUEST)'),
      401: errorResponse('missing or wrong signature (UNAUTHORIZED); a missing or malformed one is refused before the body is read'),
      403: errorResponse('no secret configured (FORBIDDEN)'),
      413: errorResponse('the body is larger than 1 MiB (PAYLOAD_TOO_LARGE)'),
      429: errorResponse('as many deliveries as the server reads at once are being read (TOO_MANY_REQUESTS); retry after Retry-After seconds'),
      503: errorResponse('the controller did not accept the request (SYNC_NOT_ACCEPTED)'),
    },
  },
  ui: {
    summary: 'The web UI: overview, resource tree, resource pages, the last plan (no outside network needed)',
    tags: ['ui'],
    response: {
      200: { description: 'the page; it loads its script and style from /ui/', content: { 'text/html': { schema: { type: 'string' } } } },
      404: errorResponse('the UI’s files are missing from the build (NOT_FOUND)'),
    },
  },
  uiAsset: {
    summary: 'A script or style sheet of the web UI',
    tags: ['ui'],
    params: { type: 'object', required: ['file'], properties: { file: { type: 'string', description: 'e.g. app.js' } } },
    response: {
      200: { description: 'the file, gzip-compressed when the client accepts it', content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
      404: errorResponse('no such file (NOT_FOUND)'),
    },
  },
  events: {
    summary: 'Server-sent events: a `change` event whenever the status changes',
    description:
      'A `text/event-stream` that stays open. Changes are gathered for half a second and sent as one `change` event whose data is `{"controller": bool, "keys": ["Kind/name", …] | null}` (`null`: too many to list — read everything again). A comment line every 15 s keeps proxies from closing the stream. At most 32 streams are open at once.',
    tags: ['status'],
    response: {
      200: { description: 'the stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
      429: errorResponse('as many streams as the server keeps are open (TOO_MANY_REQUESTS); poll the status endpoints instead, or retry after Retry-After seconds'),
    },
  },
  openapi: {
    summary: 'This document',
    tags: ['meta'],
    response: { 200: freeObject('an OpenAPI 3.1 document') },
  },
} as const satisfies Record<string, RouteSchema>;
