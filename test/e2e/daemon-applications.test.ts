// One daemon, three applications, on the simulator: each converges on its own; an
// invalid commit in one leaves the other two reconciling (they converge a change made
// after it) while the bad one reports its load error with file and line; and a service
// whose image fails to start is named, Degraded, by the per-resource info gauge.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, ECS_TARGET_PREFIX } from '../../src/sim/index.js';
import { applicationRepo, controllerConfig, imageOf } from '../helpers/applications.js';
import { startDaemon } from '../helpers/daemon.js';

const FAST = { taskStartMs: 100, taskStopMs: 50, serviceDrainMs: 100, cloudMapStepMs: 20 };
const APPS = ['shop', 'billing', 'search'];

const sim = await startSimulator({ rolloutTimings: FAST });
t.teardown(() => sim.close());

interface ServiceView {
  taskDefinition: string;
  runningCount: number;
  deployments: { status: string; taskDefinition: string; rolloutState?: string }[];
}
function service(app: string): ServiceView | undefined {
  const answer = sim.invoke(`${ECS_TARGET_PREFIX}.DescribeServices`, JSON.stringify({ cluster: app, services: [`${app}-web`] }));
  return (answer.body as { services?: ServiceView[] }).services?.[0];
}
function image(taskDefinition: string): string | undefined {
  const answer = sim.invoke(`${ECS_TARGET_PREFIX}.DescribeTaskDefinition`, JSON.stringify({ taskDefinition }));
  return (answer.body as { taskDefinition?: { containerDefinitions: { image: string }[] } }).taskDefinition?.containerDefinitions[0].image;
}
/** The service runs `tag`, rolled out. */
const runs = (app: string, tag: string) => {
  const s = service(app);
  const primary = s?.deployments.find((d) => d.status === 'PRIMARY');
  return s !== undefined && s.deployments.length === 1 && primary?.rolloutState === 'COMPLETED' && image(primary.taskDefinition) === imageOf(app, tag) && s.runningCount === 1;
};

const dir = t.testdir();
const repos = Object.fromEntries(APPS.map((app) => [app, applicationRepo(dir, app)]));
// search's config directory is an overlay of its one file.
writeFileSync(join(repos.search.dir, 'config', 'kustomization.yaml'), 'resources: [app.yaml]\n');
repos.search.commit('search: an overlay');
const config = controllerConfig(dir, APPS.map((app) => ({ name: app, dir: repos[app].dir })));
const daemon = await startDaemon(t, { config, endpoint: sim.endpoint });
t.teardown(() => daemon.stop('SIGKILL'));

t.test('each application converges, is listed with its own status, and /readyz waits for all three', async (t) => {
  await daemon.until(async () => (await daemon.get('/readyz')).status === 200, 'ready');
  for (const app of APPS) {
    await daemon.until(async () => {
      const a = await daemon.application(app);
      return a.resources.total === 3 && a.resources.health.Healthy === 3;
    }, `${app}: three resources Healthy`);
    t.ok(runs(app, '1.0.0'), `${app} runs its image`);
  }
  const list = (await daemon.get('/api/v1/applications')).body as { items: { name: string; application: string; appliedRevision: string; source: { repo: string; path: string } }[] };
  t.same(list.items.map((a) => a.name), ['billing', 'search', 'shop']);
  for (const a of list.items) {
    t.equal(a.application, `acme-${a.name}`, 'the tag value set in the file');
    t.equal(a.appliedRevision, repos[a.name].head());
    t.same(a.source, { repo: repos[a.name].dir, path: 'config', gitUrl: null, branch: null, overlay: a.name === 'search' ? 'config' : null });
  }
  const m = await daemon.metrics();
  for (const app of APPS) t.equal(m.value('ecs_gitops_resources', { application: app, kind: 'Service', sync_status: 'Synced', health_status: 'Healthy' }), 1, `${app}'s series`);
  t.same(daemon.logged('ecs-gitops started').map((l) => `${l.application} ${l.applicationTag}`).sort(), ['billing acme-billing', 'search acme-search', 'shop acme-shop'], 'each application logs its start, with its tag');
  t.ok(daemon.logged('reconcile finished').every((l) => APPS.includes(l.application as string)), 'every line of a pass names its application');
});

t.test('an invalid commit in one application leaves the other two reconciling', async (t) => {
  const applied = repos.billing.head();
  const bad = repos.billing.write('2.0.0', 'two');
  await daemon.until(async () => (await daemon.application('billing')).attemptedRevision === bad, 'billing sees the invalid commit');
  // Changes made after the bad commit, in the other two.
  repos.shop.write('1.1.0');
  repos.search.write('1.1.0');
  await daemon.until(() => runs('shop', '1.1.0') && runs('search', '1.1.0'), 'shop and search roll out 1.1.0', 30_000);
  await daemon.until(async () => (await daemon.application('shop')).appliedRevision === repos.shop.head() && (await daemon.application('search')).appliedRevision === repos.search.head(), 'both show their new revision applied');

  const billing = await daemon.application('billing');
  t.equal(billing.appliedRevision, applied, 'billing keeps its last valid revision');
  const line = findLine(repos.billing.dir, 'desiredCount: two');
  t.match(billing.loadErrors, [{ file: /config\/app\.yaml$/, line, field: 'spec.desiredCount' }]);
  t.match(billing.loadErrors[0].formatted, new RegExp(`app\\.yaml:${line}:\\d+ spec\\.desiredCount`));
  t.ok(runs('billing', '1.0.0'), 'nothing of the invalid commit reached AWS');
  const m = await daemon.metrics();
  t.ok((m.value('ecs_gitops_snapshot_load_errors', { application: 'billing' }) ?? 0) >= 1, 'billing counts its load error');
  t.equal(m.value('ecs_gitops_snapshot_load_errors', { application: 'shop' }), 0, 'shop has none');
  t.equal(m.value('ecs_gitops_git_revision_info', { application: 'billing', revision: applied }), 1);
  t.equal(m.value('ecs_gitops_git_revision_info', { application: 'shop', revision: repos.shop.head() }), 1);
  const status = await daemon.status();
  t.equal(status.loadErrors.length, billing.loadErrors.length, 'the daemon-wide status shows the load error too');
});

t.test('the per-resource info gauge names the Degraded service, and only it', async (t) => {
  sim.faults.failImage(imageOf('search', '6.6.6'));
  repos.search.write('6.6.6');
  const degraded = { application: 'search', kind: 'Service', name: 'search-web', health_status: 'Degraded' };
  // The new revision of search-web's task definition is Progressing until a pass confirms it (every few seconds): wait for that too.
  const settled = (m: Awaited<ReturnType<typeof daemon.metrics>>) => m.series('ecs_gitops_resource_info', degraded).length === 1 && m.series('ecs_gitops_resource_info', { kind: 'TaskDefinition', name: 'search-web', health_status: 'Healthy' }).length === 1;
  await daemon.until(async () => settled(await daemon.metrics()), 'search-web Degraded, its task definition confirmed, in ecs_gitops_resource_info', 60_000);
  const m = await daemon.metrics();
  const notHealthy = m.series('ecs_gitops_resource_info').filter((s) => s.labels.health_status !== 'Healthy');
  t.same(notHealthy.map((s) => `${s.labels.application}/${s.labels.name} ${s.labels.health_status}`), ['search/search-web Degraded'], 'the one service that is not Healthy');
  t.equal(m.series('ecs_gitops_resource_info', { application: 'search', kind: 'Service', name: 'search-web' }).length, 1, 'one series per resource: its Healthy series is gone');
  t.equal(m.series('ecs_gitops_resource_info').length, 9, 'nine resources, nine series');
  const view = await daemon.get('/api/v1/applications/search/resources/Service/search-web');
  t.match(view.body, { health: { status: 'Degraded', message: /circuit breaker|failed/ } });
});

/** The 1-based line of the first line of `<dir>/config/app.yaml` containing `text`. */
function findLine(dir: string, text: string): number {
  const lines = readFileSync(join(dir, 'config', 'app.yaml'), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(text)) + 1;
}

t.test('SIGTERM stops every application and exits 0', async (t) => {
  const end = await daemon.stop('SIGTERM');
  t.same({ code: end.code, signal: end.signal }, { code: 0, signal: null });
  t.equal(daemon.logged('shutting down').length, 1, 'one shutdown for the daemon');
});
