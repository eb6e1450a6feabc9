/** The read-only status API: the controller, the resources, one resource, the last plan; each application's. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kind } from '../api/kinds.js';
import { resourceKey } from '../api/kinds.js';
import type { HealthStatus } from '../core/health.js';
import type { SyncStatus } from '../core/plan.js';
import type { ResourceStatus, StatusStore } from '../runtime/status.js';
import { applicationsOf, type ApplicationEntry, type CloudMapRegistration, type ServerDeps } from './deps.js';
import { ApiError } from './errors.js';
import { ClientReads } from './reads.js';
import { ROUTE_SCHEMAS } from './schemas.js';
import { applicationView, byKindThenName, combinedStatus, planView, resourceDetailView, resourceSummaryView, statusView } from './views.js';

export interface StatusOptions {
  deps: ServerDeps;
  closing: () => boolean;
}

/** Serialised answers are kept at most this long, even if the store says nothing changed. */
export const ANSWER_TTL_MS = 1000;

/**
 * The serialised answers of the list endpoints, kept until a status store changes (or
 * for a second at most): a burst of thousands of identical GETs builds and serialises
 * the list once, instead of holding the event loop — and `/livez` — for seconds.
 */
class Answers {
  private readonly kept = new Map<string, { plans: unknown[]; at: number; body: string }>();

  constructor(
    private readonly stores: readonly StatusStore[],
    private readonly now: () => number,
  ) {}

  /** Forgets every answer when a store changes; returns the unsubscribe function. */
  watch(): () => void {
    const unwatch = this.stores.map((status) => status.onChange(() => this.kept.clear()));
    return () => unwatch.forEach((u) => u());
  }

  get(key: string, build: () => string): string {
    const plans = this.stores.map((s) => s.plan());
    const now = this.now();
    const hit = this.kept.get(key);
    if (hit && hit.plans.every((p, i) => p === plans[i]) && now - hit.at < ANSWER_TTL_MS) return hit.body;
    const body = build();
    if (this.kept.size >= 100) this.kept.clear();
    this.kept.set(key, { plans, at: now, body });
    return body;
  }
}

type Filter = { kind?: Kind; sync?: SyncStatus; health?: HealthStatus };

/**
 * The status API. With one application the daemon's endpoints are that application's;
 * with several they answer for all of them (resources gain `application`), and
 * `/api/v1/applications/:name/…` answers for one.
 */
export async function statusRoutes(app: FastifyInstance, { deps, closing }: StatusOptions): Promise<void> {
  const entries = applicationsOf(deps);
  const several = entries.length > 1;
  const now = () => (deps.clock ?? Date).now();
  const liveReads = new ClientReads<CloudMapRegistration[] | undefined>({ now });
  const answers = new Answers(entries.map((e) => e.status), now);
  const unwatch = answers.watch();
  app.addHook('onClose', async () => unwatch());
  const json = (reply: FastifyReply, body: string) => reply.type('application/json; charset=utf-8').send(body);
  const entryNamed = (name: string) => {
    const entry = entries.find((e) => e.name === name);
    if (!entry) throw new ApiError('NOT_FOUND', `no application ${name}`);
    return entry;
  };

  /** One application's resources, matching the filter, in apply order; `withApplication` names the application in each. */
  const resourceItems = (entry: ApplicationEntry, filter: Filter, withApplication: boolean) =>
    entry.status
      .list(filter)
      .sort(byKindThenName)
      .map((r) => (withApplication ? { ...resourceSummaryView(r), application: entry.name } : resourceSummaryView(r)));

  /** A resource's detail, with the Cloud Map instances registered for a Service's tasks (read when asked, within the client budget). */
  const resourceDetail = async (entry: ApplicationEntry, resource: ResourceStatus, withApplication: boolean) => {
    const view = withApplication ? { ...resourceDetailView(resource), application: entry.name } : resourceDetailView(resource);
    const read = entry.facade.cloudMapInstances?.bind(entry.facade);
    if (resource.kind !== 'Service' || !read) return view;
    let registrations: unknown;
    try {
      registrations = (await liveReads.read(`${entry.name}\0${resource.key}`, () => read(resource.key))) ?? [];
    } catch (err) {
      registrations = { error: (err as Error).message };
    }
    return { ...view, liveSummary: { ...(view.liveSummary ?? {}), cloudMapInstances: registrations } };
  };

  app.get('/api/v1/status', { schema: ROUTE_SCHEMAS.status }, async (_request, reply) => {
    const { controller, counts } = combinedStatus(entries);
    const shuttingDown = controller.shuttingDown || closing();
    return json(reply, answers.get(`status ${shuttingDown}`, () => reply.serialize(statusView(controller, counts, deps.version, shuttingDown)) as string));
  });

  app.get<{ Querystring: Filter }>('/api/v1/resources', { schema: ROUTE_SCHEMAS.resources }, async (request, reply) => {
    const { kind, sync, health } = request.query;
    return json(
      reply,
      answers.get(`resources ${kind} ${sync} ${health}`, () => reply.serialize({ items: entries.flatMap((e) => resourceItems(e, { kind, sync, health }, several)) }) as string),
    );
  });

  app.get<{ Params: { kind: Kind; name: string } }>('/api/v1/resources/:kind/:name', { schema: ROUTE_SCHEMAS.resource }, async (request) => {
    const { kind, name } = request.params;
    // With several applications, the first by name that has one (each application's own route tells them apart).
    for (const entry of entries) {
      const resource = entry.status.get(resourceKey(kind, name));
      if (resource) return resourceDetail(entry, resource, several);
    }
    throw new ApiError('NOT_FOUND', `no resource ${kind}/${name}`);
  });

  app.get('/api/v1/plan', { schema: ROUTE_SCHEMAS.plan }, async (_request, reply) => {
    const plans = entries.flatMap((entry) => {
      const plan = entry.status.plan();
      return plan ? [{ entry, plan }] : [];
    });
    if (plans.length === 0) throw new ApiError('NOT_FOUND', 'no plan yet: the first sync has not finished');
    if (!several) return json(reply, answers.get('plan', () => reply.serialize(planView(plans[0].plan)) as string));
    return json(
      reply,
      answers.get('plan', () => {
        const views = plans.map(({ entry, plan }) => {
          const view = planView(plan);
          return { resources: view.resources.map((r) => ({ ...r, application: entry.name })), steps: view.steps };
        });
        return reply.serialize({ resources: views.flatMap((v) => v.resources), steps: views.flatMap((v) => v.steps) }) as string;
      }),
    );
  });

  app.get('/api/v1/applications', { schema: ROUTE_SCHEMAS.applications }, async (_request, reply) =>
    json(reply, answers.get('applications', () => reply.serialize({ items: entries.map(applicationView) }) as string)),
  );

  app.get<{ Params: { name: string } }>('/api/v1/applications/:name', { schema: ROUTE_SCHEMAS.application }, async (request) => applicationView(entryNamed(request.params.name)));

  app.get<{ Params: { name: string }; Querystring: Filter }>('/api/v1/applications/:name/resources', { schema: ROUTE_SCHEMAS.applicationResources }, async (request, reply) => {
    const entry = entryNamed(request.params.name);
    const { kind, sync, health } = request.query;
    return json(reply, answers.get(`resources of ${entry.name} ${kind} ${sync} ${health}`, () => reply.serialize({ items: resourceItems(entry, { kind, sync, health }, false) }) as string));
  });

  app.get<{ Params: { name: string; kind: Kind; rname: string } }>('/api/v1/applications/:name/resources/:kind/:rname', { schema: ROUTE_SCHEMAS.applicationResource }, async (request) => {
    const { name, kind, rname } = request.params;
    const entry = entryNamed(name);
    const resource = entry.status.get(resourceKey(kind, rname));
    if (!resource) throw new ApiError('NOT_FOUND', `no resource ${kind}/${rname} in application ${name}`);
    return resourceDetail(entry, resource, false);
  });

  app.get<{ Params: { name: string } }>('/api/v1/applications/:name/plan', { schema: ROUTE_SCHEMAS.applicationPlan }, async (request, reply) => {
    const entry = entryNamed(request.params.name);
    const plan = entry.status.plan();
    if (!plan) throw new ApiError('NOT_FOUND', `no plan yet: the first sync of application ${entry.name} has not finished`);
    return json(reply, answers.get(`plan of ${entry.name}`, () => reply.serialize(planView(plan)) as string));
  });
}
