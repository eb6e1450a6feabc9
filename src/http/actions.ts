/**
 * The mutating endpoints: the sync — `POST /api/v1/sync` for every application and
 * `POST /api/v1/applications/:name/sync` for one (bearer token) — and the git webhook
 * (HMAC signature over the raw body), which refreshes and syncs every application. Each
 * refuses with 403 when its credential is not configured, before reading the body. The
 * sync and the webhook live in their own encapsulated scopes because each reads its body
 * its own way: the sync ignores it, the webhook keeps the raw bytes the signature covers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SIGNATURE_FORMAT, SIGNATURE_HEADER, bearerToken, signatureMatches, tokenMatches } from './auth.js';
import { applicationsOf, type ApplicationEntry, type ServerDeps } from './deps.js';
import { ApiError } from './errors.js';
import { ROUTE_SCHEMAS } from './schemas.js';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** The sync takes no body; whatever a client sends along is read and ignored, up to this. */
const SYNC_BODY_LIMIT = 64 * 1024;

/** Reads any content type as the raw Buffer, in the scope it is called on only. */
function rawBodies(scope: FastifyInstance, bodyLimit: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
}

function accepted(reply: FastifyReply, result: { accepted: boolean; message: string }, status: 200 | 202 = 202) {
  if (!result.accepted) throw new ApiError('SYNC_NOT_ACCEPTED', result.message);
  return reply.code(status).send(result);
}

/** Asks every application's controller; accepted when one accepts (each says what it did), refused only when all refuse. */
function requestSyncOfAll(entries: readonly ApplicationEntry[], trigger: 'api' | 'webhook', detail?: string): { accepted: boolean; message: string } {
  const answers = entries.map((e) => ({ name: e.name, ...e.facade.requestSync(trigger, detail) }));
  if (answers.length === 1) return { accepted: answers[0].accepted, message: answers[0].message };
  return { accepted: answers.some((a) => a.accepted), message: answers.map((a) => `${a.name}: ${a.message}`).join('; ') };
}

export async function syncRoutes(app: FastifyInstance, { deps }: { deps: ServerDeps }): Promise<void> {
  rawBodies(app, SYNC_BODY_LIMIT);
  const entries = applicationsOf(deps);
  const authenticate = async (request: FastifyRequest) => {
    if (!deps.apiToken) {
      throw new ApiError('FORBIDDEN', `POST ${request.routeOptions.url ?? '/api/v1/sync'} is disabled: set ECS_GITOPS_API_TOKEN to a secret token to enable it`);
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      throw new ApiError('UNAUTHORIZED', 'send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer realm="ecs-gitops"' });
    }
    if (!tokenMatches(token, deps.apiToken)) {
      throw new ApiError('UNAUTHORIZED', 'the token is not valid', { 'www-authenticate': 'Bearer realm="ecs-gitops", error="invalid_token"' });
    }
  };
  app.post('/api/v1/sync', { schema: ROUTE_SCHEMAS.sync, bodyLimit: SYNC_BODY_LIMIT, onRequest: authenticate }, async (_request, reply) =>
    accepted(reply, requestSyncOfAll(entries, 'api')),
  );
  app.post<{ Params: { name: string } }>('/api/v1/applications/:name/sync', { schema: ROUTE_SCHEMAS.applicationSync, bodyLimit: SYNC_BODY_LIMIT, onRequest: authenticate }, async (request, reply) => {
    const entry = entries.find((e) => e.name === request.params.name);
    if (!entry) throw new ApiError('NOT_FOUND', `no application ${request.params.name}`);
    return accepted(reply, entry.facade.requestSync('api'));
  });
}

interface PushEvent {
  ref?: unknown;
  after?: unknown;
}

/** The event payload: JSON, or GitHub's `application/x-www-form-urlencoded` with a `payload` field. */
function parsePayload(request: FastifyRequest, body: Buffer): PushEvent {
  const text = body.toString('utf8');
  const form = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  try {
    const json = form ? new URLSearchParams(text).get('payload') ?? '' : text;
    const payload: unknown = JSON.parse(json);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('not an object');
    return payload as PushEvent;
  } catch {
    throw new ApiError('BAD_REQUEST', form ? 'the payload field is not a JSON object' : 'the body is not a JSON object');
  }
}

/**
 * The webhook buffers its body to check the signature, so before a byte of it is read
 * the request must carry a well-formed signature, and at most `maxBodies` bodies are read
 * at once (the server's request timeout bounds how long each may take): memory held by
 * unauthenticated bodies is at most `maxBodies` × 1 MiB, however many clients try.
 */
export async function webhookRoutes(app: FastifyInstance, { deps, maxBodies }: { deps: ServerDeps; maxBodies: number }): Promise<void> {
  rawBodies(app, WEBHOOK_BODY_LIMIT);
  const entries = applicationsOf(deps);
  let reading = 0;
  // Refusals close the connection: the unread body is not drained.
  const close = { connection: 'close' };
  const admit = async (request: FastifyRequest) => {
    if (!deps.webhookSecret) {
      throw new ApiError('FORBIDDEN', 'POST /api/v1/webhooks/git is disabled: set ECS_GITOPS_WEBHOOK_SECRET to the secret of the repository webhook to enable it', close);
    }
    if (!SIGNATURE_FORMAT.test(String(request.headers[SIGNATURE_HEADER] ?? '').trim())) {
      throw new ApiError('UNAUTHORIZED', 'send X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>', close);
    }
    if (reading >= maxBodies) throw new ApiError('TOO_MANY_REQUESTS', `${maxBodies} webhook deliveries are being read; retry shortly`, { 'retry-after': '1', ...close });
    reading++;
    let released = false;
    const release = () => {
      if (!released) reading--;
      released = true;
    };
    request.raw.once('close', release);
    request.raw.once('end', release);
  };
  app.post('/api/v1/webhooks/git', { schema: ROUTE_SCHEMAS.webhook, bodyLimit: WEBHOOK_BODY_LIMIT, onRequest: admit }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signature = request.headers[SIGNATURE_HEADER];
    if (!signatureMatches(deps.webhookSecret!, body, typeof signature === 'string' ? signature : undefined)) {
      throw new ApiError('UNAUTHORIZED', signature ? 'the X-Hub-Signature-256 signature does not match the body' : 'send X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>');
    }
    const event = request.headers['x-github-event'];
    const payload = parsePayload(request, body);
    if (event === 'ping') return reply.code(200).send({ accepted: true, message: 'pong' });
    if (event !== undefined && event !== 'push') return reply.code(200).send({ accepted: false, message: `event ${String(event)} ignored; only push triggers a sync` });
    const detail = [payload.ref, payload.after].filter((v): v is string => typeof v === 'string' && v !== '').join('@');
    return accepted(reply, requestSyncOfAll(entries, 'webhook', detail || undefined));
  });
}
