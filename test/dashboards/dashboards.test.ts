import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTPUT_DIR, renderDashboards } from '../../dashboards/generate.ts';
import { DASHBOARDS, PANEL_QUERIES, type PanelQuery } from '../../dashboards/queries.ts';
import { DefaultMetricNames, METRIC_PREFIX, MetricNames } from '../../src/metrics/metric-names.ts';

const DASHBOARD_SRC = resolve(import.meta.dirname, '../../dashboards');

/** The slice of Grafana's dashboard JSON these checks read. */
interface Target {
  readonly expr?: string;
  readonly refId?: string;
  readonly legendFormat?: string;
  readonly datasource?: { readonly uid?: string };
}
interface Panel {
  readonly id?: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly Target[];
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly panels: readonly Panel[];
}

const rendered = renderDashboards();
const dashboards = new Map(Object.entries(rendered).map(([file, json]) => [file.replace(/\.json$/, ''), JSON.parse(json) as Dashboard]));
const panelsOf = (d: Dashboard): Panel[] => d.panels.filter((p) => p.type !== 'row');
const label = (q: PanelQuery): string => `${q.dashboard} / ${q.panel}: ${q.expr}`;

const metricValues = new Set<string>(Object.values(MetricNames));
const defaultValues = new Set<string>(Object.values(DefaultMetricNames));
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;
/** PromQL words that look like identifiers but are not metrics. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * Metric names in a PromQL expression: identifiers left once strings, label matchers, ranges,
 * grouping clauses and function calls are out. A histogram's `_bucket`/`_sum`/`_count` series
 * map back to the histogram's name.
 */
function metricsIn(expr: string, known: ReadonlySet<string>): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const match of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    const name = match[1];
    if (KEYWORDS.has(name.toLowerCase())) continue;
    const base = name.replace(HISTOGRAM_SERIES, '');
    names.push(known.has(name) || !known.has(base) ? name : base);
  }
  return names;
}

describe('generated dashboards', () => {
  it('are committed exactly as the code renders them', () => {
    const committed = readdirSync(OUTPUT_DIR).filter((f) => f.endsWith('.json')).sort();
    const stale = 'dashboards/grafana/dashboards/ is out of date: run `npm run dashboards` and commit the JSON';
    expect(committed, stale).toEqual(Object.keys(rendered).sort());
    for (const [file, json] of Object.entries(rendered)) expect(readFileSync(join(OUTPUT_DIR, file), 'utf8'), `${file}: ${stale}`).toBe(json);
  });

  it('are the three StreamPulse dashboards with stable uids, 5 s refresh and the last 15 minutes', () => {
    const summary = [...dashboards.values()].map((d) => ({ uid: d.uid, title: d.title, refresh: d.refresh, time: d.time }));
    expect(summary).toEqual([
      { uid: 'streampulse-pipeline', title: 'StreamPulse — Pipeline', refresh: '5s', time: { from: 'now-15m', to: 'now' } },
      { uid: 'streampulse-naive-vs-cached', title: 'StreamPulse — Naive vs cached', refresh: '5s', time: { from: 'now-15m', to: 'now' } },
      { uid: 'streampulse-revenue', title: 'StreamPulse — Revenue', refresh: '5s', time: { from: 'now-15m', to: 'now' } },
    ]);
    expect([...dashboards.keys()].sort()).toEqual(Object.values(DASHBOARDS).sort());
  });

  it('query the provisioned Prometheus datasource, with unique panel ids and refIds', () => {
    for (const [name, d] of dashboards) {
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, `${name}: panel ids ${ids.join(', ')}`).toBe(ids.length);
      for (const p of panelsOf(d)) {
        expect(p.datasource?.uid, `${name} / ${p.title}`).toBe('prometheus');
        const targets = p.targets ?? [];
        for (const t of targets) expect(t.datasource?.uid, `${name} / ${p.title} / ${t.refId}`).toBe('prometheus');
        expect(new Set(targets.map((t) => t.refId)).size, `${name} / ${p.title}: refIds`).toBe(targets.length);
      }
    }
  });
});

describe('panels and PANEL_QUERIES', () => {
  it('every panel queries only PANEL_QUERIES of that panel, at least one', () => {
    for (const [name, d] of dashboards) {
      for (const p of panelsOf(d)) {
        const own = PANEL_QUERIES.filter((q) => q.dashboard === name && q.panel === p.title);
        const targets = p.targets ?? [];
        expect(targets.length, `${name} / ${p.title} has no target`).toBeGreaterThan(0);
        for (const t of targets) {
          const query = own.find((q) => q.expr === t.expr);
          expect(query, `${name} / ${p.title}: ${t.expr ?? '(no expr)'} is not in PANEL_QUERIES`).toBeDefined();
          expect(t.legendFormat, `${name} / ${p.title}: legend of ${t.expr ?? ''}`).toBe(query?.legend);
        }
      }
    }
  });

  it('every PANEL_QUERIES entry is on its dashboard, in a panel of its title', () => {
    const missing = PANEL_QUERIES.filter((q) => {
      const d = dashboards.get(q.dashboard);
      return d === undefined || !panelsOf(d).some((p) => p.title === q.panel && (p.targets ?? []).some((t) => t.expr === q.expr));
    });
    expect(missing.map(label)).toEqual([]);
  });

  it('marks the panels that need Kafka, checkpoints or served snapshots', () => {
    const marked = (metric: string): (string | undefined)[] => PANEL_QUERIES.filter((q) => q.expr.includes(metric)).map((q) => q.requires);
    expect(new Set(marked(MetricNames.consumerLag))).toEqual(new Set(['kafka']));
    for (const metric of [MetricNames.checkpointAge, MetricNames.checkpointSeconds, MetricNames.checkpoints]) expect(new Set(marked(metric))).toEqual(new Set(['checkpoint']));
    expect(new Set(marked(MetricNames.snapshotSeconds))).toEqual(new Set(['http']));
    // the Prometheus test runs the rest against a file-source pipeline: enough of them to matter
    expect(PANEL_QUERIES.filter((q) => q.requires === undefined).length).toBeGreaterThan(15);
  });

  it('uses no Grafana-only macros, so every expr is PromQL as is', () => {
    expect(PANEL_QUERIES.filter((q) => q.expr.includes('$')).map(label)).toEqual([]);
  });
});

describe('metric names', () => {
  const known = new Set([...metricValues, ...defaultValues]);
  const used = PANEL_QUERIES.flatMap((q) => metricsIn(q.expr, known).map((name) => ({ name, query: label(q) })));

  it('finds metric names in PromQL (the parser the other checks rely on)', () => {
    const expr = `sum by (le, strategy) (rate(${MetricNames.enrichEventSeconds}_bucket{strategy="naive"}[30s])) / on () group_left () ${DefaultMetricNames.heapUsed} or on () vector(0)`;
    expect(metricsIn(expr, known)).toEqual([MetricNames.enrichEventSeconds, DefaultMetricNames.heapUsed]);
  });

  it('every streampulse_ metric in a query is a value of MetricNames', () => {
    const prefixed = PANEL_QUERIES.flatMap((q) => [...q.expr.matchAll(new RegExp(`\\b${METRIC_PREFIX}\\w+`, 'g'))].map((m) => ({ raw: m[0], query: label(q) })));
    expect(prefixed.length).toBeGreaterThan(0);
    const unknown = prefixed.filter(({ raw }) => !metricValues.has(raw) && !metricValues.has(raw.replace(HISTOGRAM_SERIES, '')));
    expect(unknown.map((u) => `${u.raw} in ${u.query}`)).toEqual([]);
    expect(used.filter((u) => u.name.startsWith(METRIC_PREFIX) && !metricValues.has(u.name)).map((u) => `${u.name} in ${u.query}`)).toEqual([]);
  });

  it('every other metric in a query is one of DefaultMetricNames', () => {
    expect(used.filter((u) => !u.name.startsWith(METRIC_PREFIX) && !defaultValues.has(u.name)).map((u) => `${u.name} in ${u.query}`)).toEqual([]);
  });

  it('every metric StreamPulse names has a panel', () => {
    const seen = new Set(used.map((u) => u.name));
    expect([...known].filter((name) => !seen.has(name))).toEqual([]);
  });

  it('dashboard code takes metric names from metric-names.ts, never as literals', () => {
    const files = readdirSync(DASHBOARD_SRC).filter((f) => f.endsWith('.ts') && f !== 'queries.ts');
    expect(files.length).toBeGreaterThan(0);
    const literals = [METRIC_PREFIX, ...defaultValues];
    const offenders = files.flatMap((f) => {
      const text = readFileSync(join(DASHBOARD_SRC, f), 'utf8');
      return literals.filter((l) => text.includes(l)).map((l) => `${f}: ${l}`);
    });
    expect(offenders).toEqual([]);
  });
});
