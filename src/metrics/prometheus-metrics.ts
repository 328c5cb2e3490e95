import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REJECT_REASONS, type RejectReason } from '../errors.ts';
import type { DimensionName } from '../domain/records/schema.ts';
import { STRATEGIES, type Strategy } from '../domain/watermark.ts';
import type { MetricsSink } from '../../topology/ports.ts';
import { MetricNames } from './metric-names.ts';

/** Per-event seconds: the cached path sits around a microsecond, the naive one tens of them. */
const PER_EVENT_BUCKETS = [2.5e-7, 5e-7, 1e-6, 2e-6, 4e-6, 8e-6, 1.6e-5, 3.2e-5, 6.4e-5, 1.28e-4];

/**
 * prom-client behind the topology's MetricsSink. Label children are bound once up front: the
 * topology calls in once per batch, and no call hashes label values.
 */
export class PrometheusMetrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly read: Counter;
  private readonly rejected: Map<RejectReason, Counter.Internal>;
  private readonly enriched = new Map<Strategy, Counter.Internal>();
  private readonly counted = new Map<Strategy, Counter.Internal>();
  private readonly lookups = new Map<Strategy, Counter.Internal>();
  private readonly enrichSeconds = new Map<Strategy, Histogram.Internal<string>>();
  private readonly hits: Counter;
  private readonly misses: Counter;
  private readonly evictions: Counter;
  private readonly entries: Gauge;
  private readonly dimensionRowsGauge: Gauge;
  readonly snapshotSeconds: Histogram;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.read = new Counter({ name: MetricNames.eventsRead, help: 'Event records read from the source.', registers });
    const rejected = new Counter({ name: MetricNames.eventsRejected, help: 'Event records rejected at decode, by reason.', labelNames: ['reason'], registers });
    this.rejected = new Map(REJECT_REASONS.map((reason) => [reason, rejected.labels(reason)]));
    const enriched = new Counter({ name: MetricNames.eventsEnriched, help: 'Valid events joined, by strategy.', labelNames: ['strategy'], registers });
    const counted = new Counter({ name: MetricNames.eventsCounted, help: 'Events that passed all joins into the reports, by strategy.', labelNames: ['strategy'], registers });
    const lookups = new Counter({ name: MetricNames.dimensionLookups, help: 'Dimension lookups performed, by strategy.', labelNames: ['strategy'], registers });
    const seconds = new Histogram({
      name: MetricNames.enrichSeconds,
      help: 'Enrichment and aggregation time per event, observed once per batch, by strategy.',
      labelNames: ['strategy'],
      buckets: PER_EVENT_BUCKETS,
      registers,
    });
    for (const strategy of STRATEGIES) {
      this.enriched.set(strategy, enriched.labels(strategy));
      this.counted.set(strategy, counted.labels(strategy));
      this.lookups.set(strategy, lookups.labels(strategy));
      this.enrichSeconds.set(strategy, seconds.labels(strategy));
    }
    this.hits = new Counter({ name: MetricNames.cacheHits, help: 'Subscription LRU cache hits.', registers });
    this.misses = new Counter({ name: MetricNames.cacheMisses, help: 'Subscription LRU cache misses.', registers });
    this.evictions = new Counter({ name: MetricNames.cacheEvictions, help: 'Subscription LRU cache evictions.', registers });
    this.entries = new Gauge({ name: MetricNames.cacheEntries, help: 'Decoded subscriptions held in the LRU cache.', registers });
    this.dimensionRowsGauge = new Gauge({ name: MetricNames.dimensionRows, help: 'Rows held per dimension table.', labelNames: ['table'], registers });
    this.snapshotSeconds = new Histogram({ name: MetricNames.snapshotSeconds, help: 'Time to build a report snapshot for HTTP.', registers });
  }

  eventsDecoded(read: number, rejectedByReason: ReadonlyMap<RejectReason, number>): void {
    this.read.inc(read);
    for (const [reason, n] of rejectedByReason) this.rejected.get(reason)?.inc(n);
  }

  strategyBatch(strategy: Strategy, events: number, counted: number, seconds: number, lookups: number): void {
    this.enriched.get(strategy)?.inc(events);
    this.counted.get(strategy)?.inc(counted);
    this.lookups.get(strategy)?.inc(lookups);
    if (events > 0) this.enrichSeconds.get(strategy)?.observe(seconds / events);
  }

  subscriptionCache(hits: number, misses: number, evictions: number, entries: number): void {
    this.hits.inc(hits);
    this.misses.inc(misses);
    this.evictions.inc(evictions);
    this.entries.set(entries);
  }

  dimensionRows(table: DimensionName, rows: number): void {
    this.dimensionRowsGauge.labels(table).set(rows);
  }
}
