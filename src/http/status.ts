/** The read-only status API: the controller, the resources, one resource, the last plan. */
import type { FastifyInstance, FastifyReply } from 'fastify';
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

/** Serialised answers are kept at most this long, even if the store says nothing changed. */
export const ANSWER_TTL_MS = 1000;

/**
 * The serialised answers of the list endpoints, kept until the status store changes (or
 * for a second at most): a burst of thousands of identical GETs builds and serialises
 * the list once, instead of holding the event loop — and `/livez` — for seconds.
 */
class Answers {
  private readonly kept = new Map<string, { plan: unknown; at: number; body: string }>();

  constructor(
    private readonly status: ServerDeps['status'],
    private readonly now: () => number,
  ) {}

  /** Forgets every answer when the store changes; returns the unsubscribe function. */
  watch(): () => void {
    return this.status.onChange(() => this.kept.clear());
  }

  get(key: string, build: () => string): string {
    const plan = this.status.plan();
    const now = this.now();
    const hit = this.kept.get(key);
    if (hit && hit.plan === plan && now - hit.at < ANSWER_TTL_MS) return hit.body;
    const body = build();
    if (this.kept.size >= 100) this.kept.clear();
    this.kept.set(key, { plan, at: now, body });
    return body;
  }
}

export async function statusRoutes(app: FastifyInstance, { deps, closing }: StatusOptions): Promise<void> {
  const { status } = deps;
  const now = () => (deps.clock ?? Date).now();
  const liveReads = new ClientReads<CloudMapRegistration[] | undefined>({ now });
  const answers = new Answers(status, now);
  const unwatch = answers.watch();
  app.addHook('onClose', async () => unwatch());
  const json = (reply: FastifyReply, body: string) => reply.type('application/json; charset=utf-8').send(body);

  app.get('/api/v1/status', { schema: ROUTE_SCHEMAS.status }, async (_request, reply) => {
    const controller = status.controllerStatus();
    const shuttingDown = controller.shuttingDown || closing();
    return json(reply, answers.get(`status ${shuttingDown}`, () => reply.serialize(statusView(controller, status.counts(), deps.version, shuttingDown)) as string));
  });

  app.get<{ Querystring: { kind?: Kind; sync?: SyncStatus; health?: HealthStatus } }>('/api/v1/resources', { schema: ROUTE_SCHEMAS.resources }, async (request, reply) => {
    const { kind, sync, health } = request.query;
    return json(
      reply,
      answers.get(`resources ${kind} ${sync} ${health}`, () => reply.serialize({ items: status.list({ kind, sync, health }).sort(byKindThenName).map(resourceSummaryView) }) as string),
    );
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

  app.get('/api/v1/plan', { schema: ROUTE_SCHEMAS.plan }, async (_request, reply) => {
    const plan = status.plan();
    if (!plan) throw new ApiError('NOT_FOUND', 'no plan yet: the first sync has not finished');
    return json(reply, answers.get('plan', () => reply.serialize(planView(plan)) as string));
  });
}
