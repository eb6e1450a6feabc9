// deploy/grafana-dashboard.json: every metric a panel, variable or annotation queries is
// one the controller exposes (METRIC_NAMES, histogram series, default process metrics),
// counters are read through rate()/increase(), and the panels the issue asks for exist.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRICS } from '../../src/telemetry.js';
import { ROOT } from './cfn.js';
import { metricNames, unknownMetric } from './promql.js';

interface Target {
  expr: string;
  refId: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  __inputs: { name: string; type: string; pluginId: string }[];
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: { query: string } | string; datasource: { uid: string } }[] };
  annotations: { list: { name: string; expr?: string; datasource: { uid: string } }[] };
}

const dashboard = JSON.parse(await readFile(join(ROOT, 'deploy/grafana-dashboard.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = panels.flatMap((p) => (p.targets ?? []).map((target) => ({ where: `panel "${p.title}" ${target.refId}`, expr: target.expr, panel: p })));
const allExprs = [
  ...queries,
  ...dashboard.templating.list.map((v) => ({ where: `variable $${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query })),
  ...dashboard.annotations.list.filter((a) => a.expr).map((a) => ({ where: `annotation ${a.name}`, expr: a.expr! })),
];

/** label_values(metric{…}, label) → the metric. */
const exprOf = (e: string) => e.replace(/^label_values\((.*),\s*\w+\)$/, '$1');

t.test('every metric the dashboard queries is one the controller exposes', async (t) => {
  t.ok(queries.length >= 20, `${queries.length} queries`);
  const seen = new Set<string>();
  for (const q of allExprs) {
    const names = metricNames(exprOf(q.expr));
    t.ok(names.length > 0, `${q.where} reads a metric`);
    for (const name of names) {
      seen.add(name);
      t.equal(unknownMetric(name), undefined, `${q.where}: ${name}`);
    }
  }
  // Not a requirement of the issue, but an unused metric is usually a missing panel.
  for (const m of Object.values(METRICS)) {
    const read = m.type === 'histogram' ? seen.has(`${m.name}_bucket`) : seen.has(m.name);
    t.ok(read, `${m.name} is on the dashboard`);
  }
});

t.test('counters and histograms are read as rates, never as raw totals', async (t) => {
  const cumulative = Object.values(METRICS).flatMap((m) => (m.type === 'counter' ? [m.name] : m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : []));
  const processCounters = ['process_cpu_seconds_total'];
  for (const q of queries) {
    for (const name of metricNames(q.expr)) {
      if (!cumulative.includes(name) && !processCounters.includes(name)) continue;
      t.match(q.expr, new RegExp(`\\b(rate|increase|irate)\\(\\s*${name}\\b`), `${q.where}: ${name} inside rate() or increase()`);
    }
  }
});

t.test('the panels the issue asks for', async (t) => {
  const find = (pattern: RegExp) => queries.filter((q) => pattern.test(q.expr));
  t.ok(find(/sum by \(kind, sync_status\) \(ecs_gitops_resources/).length, 'sync status by kind');
  t.ok(find(/sum by \(kind, health_status\) \(ecs_gitops_resources/).length, 'health by kind');
  t.ok(find(/ecs_gitops_drift_detected_total/).some((q) => q.panel.type === 'timeseries'), 'drift over time');
  for (const quantile of ['0.5', '0.95', '0.99']) {
    t.ok(find(new RegExp(`histogram_quantile\\(${quantile.replace('.', '\\.')}, sum by \\(le\\) \\(rate\\(ecs_gitops_reconcile_duration_seconds_bucket`)).length, `reconcile duration p${Number(quantile) * 100}`);
  }
  t.ok(find(/sum by \(service, operation\) \(rate\(ecs_gitops_aws_api_calls_total/).length, 'AWS API calls by operation');
  t.ok(find(/sum by \(service, operation\) \(rate\(ecs_gitops_aws_api_throttles_total/).length, 'throttles by operation');
  t.ok(find(/ecs_gitops_workqueue_depth/).length, 'queue depth');
  t.ok(find(/^time\(\) - max\(ecs_gitops_last_successful_sync_timestamp_seconds/).some((q) => q.panel.type === 'stat'), 'last successful sync age');
  t.ok(find(/ecs_gitops_snapshot_load_errors/).length, 'load errors');
});

t.test('importable: one Prometheus datasource input used everywhere, unique ids, a layout', async (t) => {
  t.same(dashboard.__inputs.map((i) => [i.name, i.type, i.pluginId]), [['DS_PROMETHEUS', 'datasource', 'prometheus']]);
  t.equal(dashboard.uid, 'ecs-gitops');
  const ids = panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of panels) {
    t.ok(p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24, `panel "${p.title}" fits the 24-column grid`);
    if (p.type === 'row') continue;
    t.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `panel "${p.title}" uses the datasource input`);
    t.ok(p.description, `panel "${p.title}" says what it shows`);
    for (const target of p.targets ?? []) t.equal(target.datasource.uid, '${DS_PROMETHEUS}');
    for (const target of p.targets ?? []) t.match(target.expr, /job="\$job"/, `panel "${p.title}" ${target.refId} is scoped to the selected job`);
  }
  for (const v of dashboard.templating.list) t.equal(v.datasource.uid, '${DS_PROMETHEUS}');
});

t.test('a table names the services that are not Healthy, by application, from the per-resource info gauge', async (t) => {
  const tables = queries.filter((q) => q.panel.type === 'table' && metricNames(q.expr).includes('ecs_gitops_resource_info'));
  t.equal(tables.length, 1, 'one table reads ecs_gitops_resource_info');
  const [table] = tables;
  t.match(table.expr, /^max by \(application, name, sync_status, health_status\) \(ecs_gitops_resource_info\{/, 'one row per service, with its statuses');
  t.match(table.expr, /kind="Service"/);
  t.match(table.expr, /health_status!="Healthy"/, 'only the services that are not Healthy');
  const target = table.panel.targets![0] as Target & { instant?: boolean; format?: string };
  t.equal(target.instant, true, 'the state now, not a time series');
  t.equal(target.format, 'table');
});

t.test('an application variable scopes every panel about the controller’s work', async (t) => {
  const variable = dashboard.templating.list.find((v) => v.name === 'application');
  t.ok(variable, 'an $application variable');
  t.match(typeof variable?.query === 'string' ? variable.query : variable?.query.query, /label_values\(ecs_gitops_resources\{job="\$job"\}, application\)/);
  const perApplication = Object.values(METRICS).filter((m) => (m.labels as readonly string[]).includes('application')).map((m) => m.name);
  for (const q of allExprs) {
    if (!metricNames(exprOf(q.expr)).some((n) => perApplication.some((m) => n === m || n.startsWith(`${m}_`))) || q.where.startsWith('variable')) continue;
    t.match(q.expr, /application=~"\$application"/, `${q.where} is scoped to the selected applications`);
  }
});
