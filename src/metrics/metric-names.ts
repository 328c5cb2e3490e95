/**
 * Every metric StreamPulse exports, named once. Dashboards import these constants, so a panel's
 * query cannot drift from the code that produces it.
 */
export const METRIC_PREFIX = 'streampulse_';

export const MetricNames = {
  eventsRead: 'streampulse_events_read_total',
  eventsRejected: 'streampulse_events_rejected_total',
  eventsEnriched: 'streampulse_events_enriched_total',
  eventsCounted: 'streampulse_events_counted_total',
  enrichSeconds: 'streampulse_enrich_seconds_per_event',
  dimensionLookups: 'streampulse_dimension_lookups_total',
  cacheHits: 'streampulse_subscription_cache_hits_total',
  cacheMisses: 'streampulse_subscription_cache_misses_total',
  cacheEvictions: 'streampulse_subscription_cache_evictions_total',
  cacheEntries: 'streampulse_subscription_cache_entries',
  dimensionRows: 'streampulse_dimension_rows',
  snapshotSeconds: 'streampulse_snapshot_seconds',
} as const;

export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];
