/**
 * The PromQL of every dashboard panel, as data. The dashboards are built from this list and the
 * Prometheus test runs every entry against a live pipeline, so a query that returns nothing fails
 * a test instead of showing "No data" in Grafana. Metric names come only from metric-names.ts.
 *
 * Windows: Grafana's `$__rate_interval` is not PromQL, so the windows are fixed. 30 s holds 6
 * samples at the compose scrape interval (5 s) and still works after a few seconds of a 1 s scrape
 * (rate needs two samples in the window, not a full one). Rare events use `increase` over 1 m.
 */
import { DefaultMetricNames as D, MetricNames as M } from '../src/metrics/metric-names.ts';

export interface PanelQuery {
  /** Dashboard key: also the JSON file name (`<dashboard>.json`). */
  dashboard: string;
  /** Panel title; a panel with several queries has several entries. */
  panel: string;
  expr: string;
  legend?: string;
  /**
   * Only has data when the pipeline runs that way, so a check against a file-source pipeline
   * skips it: `kafka` — consumer lag; `checkpoint` — checkpoints are written by the Kafka source;
   * `http` — the snapshot histogram gets a series only once /reports has been served.
   */
  requires?: 'kafka' | 'checkpoint' | 'http';
}

export const DASHBOARDS = {
  pipeline: 'pipeline',
  naiveVsCached: 'naive-vs-cached',
  revenue: 'revenue',
} as const;

/** Grafana's provisioned Prometheus datasource (dashboards/grafana/provisioning/datasources). */
export const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

const W = '30s';
const RARE = '1m';

/** `sum(inner)` or `sum by (labels) (inner)`. */
const sum = (inner: string, by = ''): string => (by === '' ? `sum(${inner})` : `sum by (${by}) (${inner})`);
const rate = (metric: string, window = W): string => `rate(${metric}[${window}])`;
const sumRate = (metric: string, by = ''): string => sum(rate(metric), by);
/** Mean of a histogram over the window: rate of its sum over rate of its count. */
const histAvg = (metric: string, by = '', window = W): string => `${sum(rate(`${metric}_sum`, window), by)} / ${sum(rate(`${metric}_count`, window), by)}`;
const quantile = (q: number, metric: string, by = '', window = W): string =>
  `histogram_quantile(${q}, ${sum(rate(`${metric}_bucket`, window), by === '' ? 'le' : `le, ${by}`)})`;
/** Increase per minute by label: counters that move rarely (the metrics start every label at 0). */
const rareByLabel = (metric: string, by: string): string => sum(`increase(${metric}[${RARE}])`, by);
/** Enrichment seconds per event of one strategy over the window. */
const perEvent = (strategy: string): string =>
  `(${sumRate(`${M.enrichSeconds}{strategy="${strategy}"}`)} / ${sumRate(`${M.eventsEnriched}{strategy="${strategy}"}`)})`;
const perEventRun = (strategy: string): string => `(${sum(`${M.enrichSeconds}{strategy="${strategy}"}`)} / ${sum(`${M.eventsEnriched}{strategy="${strategy}"}`)})`;

const P = DASHBOARDS.pipeline;
const N = DASHBOARDS.naiveVsCached;
const R = DASHBOARDS.revenue;

/** A revenue bar gauge pair (ad revenue, streams) over one label of the live reports. */
const byCategory = (label: string, revenue: string, streams: string): PanelQuery[] => [
  { dashboard: R, panel: `Ad revenue by ${label}`, expr: sum(revenue, label), legend: `{{${label}}}` },
  { dashboard: R, panel: `Streams by ${label}`, expr: sum(streams, label), legend: `{{${label}}}` },
];

export const PANEL_QUERIES: readonly PanelQuery[] = [
  // --- pipeline: throughput and data quality
  { dashboard: P, panel: 'Events read/s', expr: sumRate(M.eventsRead), legend: 'read' },
  { dashboard: P, panel: 'Events counted/s by strategy', expr: sumRate(M.eventsCounted, 'strategy'), legend: '{{strategy}}' },
  { dashboard: P, panel: 'Rejected per minute by reason', expr: rareByLabel(M.eventsRejected, 'reason'), legend: '{{reason}}' },
  { dashboard: P, panel: 'Unmatched per minute by strategy and reason', expr: rareByLabel(M.eventsUnmatched, 'strategy, reason'), legend: '{{strategy}} {{reason}}' },
  { dashboard: P, panel: 'Batch size', expr: histAvg(M.batchEvents), legend: 'mean' },
  { dashboard: P, panel: 'Batch size', expr: quantile(0.99, M.batchEvents), legend: 'p99' },
  { dashboard: P, panel: 'Dimension rows by table', expr: sum(M.dimensionRows, 'table'), legend: '{{table}}' },
  // --- pipeline: Kafka, checkpoints, HTTP
  { dashboard: P, panel: 'Consumer lag by partition', expr: sum(M.consumerLag, 'partition'), legend: 'partition {{partition}}', requires: 'kafka' },
  { dashboard: P, panel: 'Checkpoint age', expr: `max(${M.checkpointAge})`, legend: 'since last checkpoint', requires: 'checkpoint' },
  { dashboard: P, panel: 'Checkpoint duration', expr: histAvg(M.checkpointSeconds, '', RARE), legend: 'mean', requires: 'checkpoint' },
  { dashboard: P, panel: 'Checkpoint duration', expr: quantile(0.99, M.checkpointSeconds, '', RARE), legend: 'p99', requires: 'checkpoint' },
  { dashboard: P, panel: 'Checkpoints per minute', expr: sum(`increase(${M.checkpoints}[${RARE}])`), legend: 'written', requires: 'checkpoint' },
  // summed by instance: several instances of one group share the partitions between them
  { dashboard: P, panel: 'Partitions owned by instance', expr: sum(M.partitionsOwned, 'instance'), legend: '{{instance}}', requires: 'kafka' },
  // restores happen once per assignment: the mean over each instance's life, not a rate that a quiet window empties
  { dashboard: P, panel: 'State restore time', expr: `max(${M.stateRestoreSeconds}_sum / ${M.stateRestoreSeconds}_count)`, legend: 'mean per restore', requires: 'kafka' },
  { dashboard: P, panel: 'State restored per minute', expr: sum(`increase(${M.stateRestoreBytes}[${RARE}])`), legend: 'bytes', requires: 'kafka' },
  { dashboard: P, panel: 'Dead letters not written', expr: sum(M.deadLettersUnwritten), legend: 'given up on' },
  { dashboard: P, panel: 'Snapshot time by report', expr: histAvg(M.snapshotSeconds, 'report', RARE), legend: '{{report}} mean', requires: 'http' },
  { dashboard: P, panel: 'Snapshot time by report', expr: quantile(0.99, M.snapshotSeconds, 'report', RARE), legend: '{{report}} p99', requires: 'http' },
  // --- pipeline: Node.js runtime (prom-client default metrics)
  { dashboard: P, panel: 'Event-loop lag p99', expr: `max(${D.eventLoopLag})`, legend: 'p99' },
  { dashboard: P, panel: 'Memory', expr: sum(D.heapUsed), legend: 'heap used' },
  { dashboard: P, panel: 'Memory', expr: sum(D.residentMemory), legend: 'RSS' },
  { dashboard: P, panel: 'GC time per second by kind', expr: sumRate(`${D.gcSeconds}_sum`, 'kind'), legend: '{{kind}}' },
  { dashboard: P, panel: 'CPU', expr: sumRate(D.cpuSeconds), legend: 'cores used' },

  // --- naive vs cached
  { dashboard: N, panel: 'Events enriched/s by strategy', expr: sumRate(M.eventsEnriched, 'strategy'), legend: '{{strategy}}' },
  { dashboard: N, panel: 'Seconds per event by strategy', expr: `${sumRate(M.enrichSeconds, 'strategy')} / ${sumRate(M.eventsEnriched, 'strategy')}`, legend: '{{strategy}} mean' },
  { dashboard: N, panel: 'Seconds per event by strategy', expr: quantile(0.5, M.enrichEventSeconds, 'strategy'), legend: '{{strategy}} p50 of batches' },
  { dashboard: N, panel: 'Seconds per event by strategy', expr: quantile(0.99, M.enrichEventSeconds, 'strategy'), legend: '{{strategy}} p99 of batches' },
  { dashboard: N, panel: 'Seconds per event, whole run', expr: `${sum(M.enrichSeconds, 'strategy')} / ${sum(M.eventsEnriched, 'strategy')}`, legend: '{{strategy}}' },
  { dashboard: N, panel: 'Naive ÷ cached time per event', expr: `${perEvent('naive')} / ${perEvent('cached')}`, legend: 'live' },
  { dashboard: N, panel: 'Naive ÷ cached time per event', expr: `${perEventRun('naive')} / ${perEventRun('cached')}`, legend: 'whole run' },
  {
    dashboard: N,
    panel: 'Lookups per event by strategy and table',
    expr: `${sumRate(M.dimensionLookups, 'strategy, table')} / on (strategy) group_left () ${sumRate(M.eventsEnriched, 'strategy')}`,
    legend: '{{strategy}} {{table}}',
  },
  {
    dashboard: N,
    panel: 'Subscription cache hit ratio',
    expr: `${sumRate(M.cacheHits)} / (${sumRate(M.cacheHits)} + ${sumRate(M.cacheMisses)})`,
    legend: 'live',
  },
  { dashboard: N, panel: 'Subscription cache hit ratio', expr: `${sum(M.cacheHits)} / (${sum(M.cacheHits)} + ${sum(M.cacheMisses)})`, legend: 'whole run' },
  { dashboard: N, panel: 'Subscription cache entries', expr: sum(M.cacheEntries), legend: 'entries' },
  { dashboard: N, panel: 'Subscription cache misses and evictions/s', expr: sumRate(M.cacheMisses), legend: 'misses' },
  { dashboard: N, panel: 'Subscription cache misses and evictions/s', expr: sumRate(M.cacheEvictions), legend: 'evictions' },

  // --- revenue (gauges computed from the live reports of the primary strategy)
  { dashboard: R, panel: 'Total ad revenue', expr: sum(M.genreAdRevenue), legend: 'ad revenue' },
  { dashboard: R, panel: 'Streams counted', expr: sum(M.genreStreams), legend: 'streams' },
  { dashboard: R, panel: 'Ad revenue over time by genre', expr: sum(M.genreAdRevenue, 'genre'), legend: '{{genre}}' },
  ...byCategory('genre', M.genreAdRevenue, M.genreStreams),
  ...byCategory('region', M.regionAdRevenue, M.regionStreams),
  ...byCategory('plan', M.planAdRevenue, M.planStreams),
  ...byCategory('device', M.deviceAdRevenue, M.deviceStreams),
  { dashboard: R, panel: 'Daily streams and unique users', expr: sum(M.dailyStreams, 'date'), legend: 'streams' },
  { dashboard: R, panel: 'Daily streams and unique users', expr: sum(M.dailyUniqueUsers, 'date'), legend: 'unique users' },
];

/** The queries of one panel, in order; throws on an unknown panel so a typo fails generation. */
export function queriesFor(dashboard: string, panel: string): PanelQuery[] {
  const found = PANEL_QUERIES.filter((q) => q.dashboard === dashboard && q.panel === panel);
  if (found.length === 0) throw new Error(`no query for panel "${panel}" of dashboard ${dashboard}`);
  return found;
}
