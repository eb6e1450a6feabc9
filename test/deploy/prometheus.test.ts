// deploy/prometheus.yml and deploy/alerts.yml: promtool accepts both, the alert unit tests
// in test/deploy/alerts.test.yml pass (each alert fires on the series that should raise
// it and stays quiet on a healthy controller), and every metric a rule reads is one the
// controller exposes, with the labels and label values it gives it.
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cfn.js';
import { metricNames, unknownMetric } from './promql.js';
import { KINDS } from '../../src/api/kinds.js';
import { HEALTH_STATUSES, METRICS, RECONCILE_RESULTS, SYNC_STATUSES } from '../../src/telemetry.js';

function promtool(...args: string[]): Promise<{ code: number; output: string } | undefined> {
  return new Promise((resolve) => {
    execFile('promtool', args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(undefined);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

async function assertPromtool(t: Test, args: string[], what: string) {
  const result = await promtool(...args);
  if (!result) {
    const why = 'promtool is not installed (apt-get install -y prometheus)';
    if (process.env.CI === 'true') t.fail(`${why}; CI must run this check`);
    else t.skip(why, () => {});
    return;
  }
  t.equal(result.code, 0, `${what}:\n${result.output}`);
}

t.test('promtool check rules accepts the alert rules', (t) => assertPromtool(t, ['check', 'rules', 'deploy/alerts.yml'], 'promtool check rules'));
t.test('promtool check config accepts the scrape configuration and its rule file', (t) => assertPromtool(t, ['check', 'config', 'deploy/prometheus.yml'], 'promtool check config'));
t.test('each alert fires when it should and not on a healthy controller (promtool test rules)', (t) => assertPromtool(t, ['test', 'rules', 'test/deploy/alerts.test.yml'], 'promtool test rules'));

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

t.test('the alerts the issue asks for exist, read only metrics the controller exposes, and say what to do', async (t) => {
  const rules = (parse(await readFile(join(ROOT, 'deploy/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  const byName = new Map(rules.map((r) => [r.alert, r]));
  for (const [alert, reads] of [
    ['EcsGitopsSyncFailing', 'ecs_gitops_reconcile_total'],
    ['EcsGitopsConfigInvalid', 'ecs_gitops_snapshot_load_errors'],
    ['EcsGitopsResourceDegraded', 'ecs_gitops_resources'],
    ['EcsGitopsServiceDegraded', 'ecs_gitops_resource_info'],
    ['EcsGitopsResourceUnknown', 'ecs_gitops_resources'],
    ['EcsGitopsNoSuccessfulSync', 'ecs_gitops_last_successful_sync_timestamp_seconds'],
    ['EcsGitopsAwsThrottling', 'ecs_gitops_aws_api_throttles_total'],
  ] as const) {
    const rule = byName.get(alert);
    t.ok(rule, `${alert} exists`);
    t.ok(rule && metricNames(rule.expr).includes(reads), `${alert} reads ${reads}`);
    t.ok(rule?.for, `${alert} waits (for:) before firing, so one bad reconcile does not page`);
  }
  t.match(byName.get('EcsGitopsServiceDegraded')?.annotations?.summary, /^\{\{ \$labels\.application \}\}\/\{\{ \$labels\.name \}\} Degraded/, 'the service alert names the application and the service');
  t.match(byName.get('EcsGitopsServiceDegraded')?.expr, /by \(application, name\)/, 'one alert per service, whatever its sync status');
  for (const rule of rules) {
    t.ok(['warning', 'critical'].includes(rule.labels?.severity ?? ''), `${rule.alert} has a severity`);
    t.ok(rule.annotations?.summary && rule.annotations.description, `${rule.alert} has a summary and a description`);
    for (const name of metricNames(rule.expr)) t.equal(unknownMetric(name), undefined, `${rule.alert}: ${name}`);
  }
});

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

/** The values the controller gives each closed-set label. */
const LABEL_VALUES: Record<string, readonly string[]> = { kind: KINDS, result: RECONCILE_RESULTS, sync_status: SYNC_STATUSES, health_status: HEALTH_STATUSES };

/** `metric{label="v", other=~"a|b"}` → each label matcher, by metric. */
function matchers(text: string): { metric: string; label: string; op: string; value: string }[] {
  const out: { metric: string; label: string; op: string; value: string }[] = [];
  for (const [, metric, inside] of text.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)) {
    for (const [, label, op, value] of inside.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) out.push({ metric, label, op, value });
  }
  return out;
}

/** Why a matcher names a label or value the controller never exports; undefined when it does. */
function unknownLabel({ metric, label, op, value }: { metric: string; label: string; op: string; value: string }): string | undefined {
  if (TARGET_LABELS.includes(label) || metric === 'up') return undefined;
  const exported = Object.values(METRICS).find((m) => metric === m.name || (m.type === 'histogram' && metric.startsWith(`${m.name}_`)));
  if (!exported) return `${metric} is not a metric the controller exposes`;
  if (!(exported.labels as readonly string[]).includes(label)) return `${metric} has no label ${label} (it has ${exported.labels.join(', ') || 'none'})`;
  const known = LABEL_VALUES[label];
  const values = op.endsWith('~') ? value.split('|') : [value];
  const missing = known ? values.filter((v) => !known.includes(v)) : [];
  return missing.length ? `${metric}{${label}} is never ${missing.join(', ')} (it is one of ${known.join(', ')})` : undefined;
}

t.test('the rules and their unit tests use the labels and label values the controller exports', async (t) => {
  const rules = (parse(await readFile(join(ROOT, 'deploy/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  let checked = 0;
  for (const rule of rules) {
    for (const m of matchers(rule.expr)) {
      checked++;
      t.equal(unknownLabel(m), undefined, `${rule.alert}: ${m.metric}{${m.label}${m.op}"${m.value}"}`);
    }
    const metrics = metricNames(rule.expr);
    for (const [, list] of rule.expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
      for (const label of list.split(',').map((l) => l.trim())) {
        const has = TARGET_LABELS.includes(label) || metrics.some((name) => Object.values(METRICS).some((m) => (name === m.name || name.startsWith(`${m.name}_`)) && (m.labels as readonly string[]).includes(label)));
        t.ok(has, `${rule.alert}: sums by ${label}, a label of what it reads`);
      }
    }
  }
  t.ok(checked >= 5, `${checked} label matchers in the rules`);
  const tests = parse(await readFile(join(ROOT, 'test/deploy/alerts.test.yml'), 'utf8')) as { tests: { name: string; input_series: { series: string }[] }[] };
  for (const test of tests.tests) {
    for (const { series } of test.input_series) {
      const name = /^[a-zA-Z_:][\w:]*/.exec(series)![0];
      t.equal(unknownMetric(name), undefined, `${test.name}: ${name}`);
      for (const m of matchers(series)) t.equal(unknownLabel(m), undefined, `${test.name}: ${series}`);
    }
  }
});

t.test('the scrape configuration finds the controller by its Cloud Map DNS name on port 8080', async (t) => {
  const config = parse(await readFile(join(ROOT, 'deploy/prometheus.yml'), 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string; metrics_path: string; dns_sd_configs: { names: string[]; type: string; port: number }[] }[] };
  const job = config.scrape_configs.find((j) => j.job_name === 'ecs-gitops');
  t.ok(job, 'an ecs-gitops job (the alerts select job="ecs-gitops")');
  t.equal(job!.metrics_path, '/metrics');
  t.match(job!.dns_sd_configs, [{ names: ['ecs-gitops.ecs-gitops.internal'], type: 'A', port: 8080 }]);
  t.ok(config.rule_files.includes('alerts.yml'), 'loads the alert rules beside it');
});
