// Metric names a PromQL expression reads, and whether the controller exposes each, for
// the tests of the alert rules and the Grafana dashboard.
import { METRICS } from '../../src/telemetry.js';

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' '); // dashboard variables
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    if (KEYWORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names];
}

/** Prometheus's own series for every target. */
const SCRAPE_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** `undefined` when the controller exposes `name`; otherwise why not. */
export function unknownMetric(name: string): string | undefined {
  if (SCRAPE_SERIES.has(name)) return undefined;
  if (/^(process|nodejs)_/.test(name)) return undefined; // prom-client's default metrics
  for (const m of Object.values(METRICS)) {
    if (name === m.name) return m.type === 'histogram' ? `${name} is a histogram; query ${name}_bucket, _sum or _count` : undefined;
    if (m.type === 'histogram' && [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`].includes(name)) return undefined;
  }
  return `${name} is not a metric the controller exposes`;
}
