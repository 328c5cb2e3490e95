/**
 * Every metric StreamPulse exports, named once: Prometheus conventions (`streampulse_` prefix,
 * base units, `_total` for counters). Dashboards import these constants, so a panel's query
 * cannot drift from the code that produces it. Label values are bounded sets only (strategies,
 * reasons, tables, partitions, categories of the data) — never a user or artist id.
 */
export const METRIC_PREFIX = 'streampulse_';

export const MetricNames = {
  /** counter: event records read from the source. */
  eventsRead: 'streampulse_events_read_total',
  /** counter{reason}: event records rejected at decode. */
  eventsRejected: 'streampulse_events_rejected_total',
  /** counter{strategy,reason}: valid events an inner join dropped. */
  eventsUnmatched: 'streampulse_events_unmatched_total',
  /** counter{strategy}: valid events joined by a strategy. */
  eventsEnriched: 'streampulse_events_enriched_total',
  /** counter{strategy}: events folded into the reports. */
  eventsCounted: 'streampulse_events_counted_total',
  /** histogram{strategy}: enrichment + aggregation seconds per event, observed per batch. */
  enrichEventSeconds: 'streampulse_enrich_event_seconds',
  /** counter{strategy}: seconds spent enriching and aggregating. */
  enrichSeconds: 'streampulse_enrich_seconds_total',
  /** counter{table,strategy}: dimension lookups. */
  dimensionLookups: 'streampulse_dimension_lookups_total',
  /** counter: subscription LRU cache hits / misses / evictions; gauge: entries held. */
  cacheHits: 'streampulse_subscription_cache_hits_total',
  cacheMisses: 'streampulse_subscription_cache_misses_total',
  cacheEvictions: 'streampulse_subscription_cache_evictions_total',
  cacheEntries: 'streampulse_subscription_cache_entries',
  /** gauge{table}: rows held per dimension table. */
  dimensionRows: 'streampulse_dimension_rows',
  /** histogram: records per event batch. */
  batchEvents: 'streampulse_batch_events',
  /** gauge{partition}: events behind the end offset, per events partition (Kafka). */
  consumerLag: 'streampulse_consumer_lag_events',
  /** histogram{report}: time to build a snapshot for HTTP (`all` for /reports). */
  snapshotSeconds: 'streampulse_snapshot_seconds',
  /** histogram: checkpoint write time; gauge: seconds since the last one; counter: written. */
  checkpointSeconds: 'streampulse_checkpoint_seconds',
  checkpointAge: 'streampulse_checkpoint_age_seconds',
  checkpoints: 'streampulse_checkpoints_total',
  /** gauge: events partitions this instance holds (assigned and restored); sum across instances = the topic's. */
  partitionsOwned: 'streampulse_partitions_owned',
  /** histogram: seconds to read partition states from the state topic; counter: bytes read. */
  stateRestoreSeconds: 'streampulse_state_restore_seconds',
  stateRestoreBytes: 'streampulse_state_restore_bytes_total',
  /** counter: dead letters that could not be written anywhere durable (given up on, recorded in the checkpoint). */
  deadLettersUnwritten: 'streampulse_dead_letters_unwritten_total',
  /** gauges from the live reports (primary strategy), read at scrape time. */
  genreAdRevenue: 'streampulse_genre_ad_revenue_dollars',
  genreStreams: 'streampulse_genre_streams',
  regionAdRevenue: 'streampulse_region_ad_revenue_dollars',
  regionStreams: 'streampulse_region_streams',
  planAdRevenue: 'streampulse_plan_ad_revenue_dollars',
  planStreams: 'streampulse_plan_streams',
  deviceAdRevenue: 'streampulse_device_ad_revenue_dollars',
  deviceStreams: 'streampulse_device_streams',
  dailyStreams: 'streampulse_daily_streams',
  dailyUniqueUsers: 'streampulse_daily_unique_users',
} as const;

export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];

/** Node's default metrics (prom-client) the dashboards use. */
export const DefaultMetricNames = {
  eventLoopLag: 'nodejs_eventloop_lag_p99_seconds',
  heapUsed: 'nodejs_heap_size_used_bytes',
  residentMemory: 'process_resident_memory_bytes',
  gcSeconds: 'nodejs_gc_duration_seconds',
  cpuSeconds: 'process_cpu_seconds_total',
} as const;
