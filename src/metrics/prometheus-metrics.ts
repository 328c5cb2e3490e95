import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REJECT_REASONS, UNMATCHED_REASONS, type RejectReason, type UnmatchedReason } from '../errors.ts';
import { DIMENSION_NAMES, type DimensionName } from '../domain/records/schema.ts';
import { STRATEGIES, type Strategy } from '../domain/run-progress.ts';
import type { MetricsSink, StrategyWork } from '../../topology/ports.ts';
import { MetricNames } from './metric-names.ts';

/** Per-event seconds: the cached path sits around a microsecond, the naive one tens of them. */
const PER_EVENT_BUCKETS = [2.5e-7, 5e-7, 1e-6, 2e-6, 4e-6, 8e-6, 1.6e-5, 3.2e-5, 6.4e-5, 1.28e-4, 2.56e-4];
const BATCH_BUCKETS = [1, 10, 100, 500, 1_000, 2_000, 4_096, 8_192, 16_384, 65_536];

interface StrategyChildren {
  readonly enriched: Counter.Internal;
  readonly counted: Counter.Internal;
  readonly seconds: Counter.Internal;
  readonly perEvent: Histogram.Internal<string>;
  readonly unmatched: ReadonlyMap<UnmatchedReason, Counter.Internal>;
  readonly lookups: ReadonlyMap<DimensionName, Counter.Internal>;
}

/**
 * prom-client behind the topology's MetricsSink. Every label child is bound once here: the
 * topology calls in once per batch and no call hashes label values. Its own registry, so tests
 * and several pipelines in one process never collide.
 */
export class PrometheusMetrics implements MetricsSink {
  readonly registry = new Registry();
  private readonly read: Counter;
  private readonly rejected: Map<RejectReason, Counter.Internal>;
  private readonly byStrategy = new Map<Strategy, StrategyChildren>();
  private readonly batchEvents: Histogram;
  private readonly hits: Counter;
  private readonly misses: Counter;
  private readonly evictions: Counter;
  private readonly entries: Gauge;
  private readonly dimensionRowsGauge: Gauge;
  readonly snapshotSeconds: Histogram;
  readonly checkpointSeconds: Histogram;
  readonly checkpoints: Counter;
  readonly deadLettersUnwritten: Counter;
  readonly stateRestoreSeconds: Histogram;
  readonly stateRestoreBytes: Counter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges `_total`, which Prometheus reserves for counters (promtool
    // check metrics fails on them); the handle and request counts are not worth the exception
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    this.read = new Counter({ name: MetricNames.eventsRead, help: 'Event records read from the source.', registers });
    const rejected = new Counter({ name: MetricNames.eventsRejected, help: 'Event records rejected at decode, by reason.', labelNames: ['reason'], registers });
    // every reason exists from the start at 0, so "none rejected" is a series, not a gap
    this.rejected = new Map(REJECT_REASONS.map((reason) => [reason, rejected.labels(reason)]));
    for (const child of this.rejected.values()) child.inc(0);
    const unmatched = new Counter({ name: MetricNames.eventsUnmatched, help: 'Valid events an inner join dropped, by strategy and reason.', labelNames: ['strategy', 'reason'], registers });
    const enriched = new Counter({ name: MetricNames.eventsEnriched, help: 'Valid events joined, by strategy.', labelNames: ['strategy'], registers });
    const counted = new Counter({ name: MetricNames.eventsCounted, help: 'Events folded into the reports, by strategy.', labelNames: ['strategy'], registers });
    const seconds = new Counter({ name: MetricNames.enrichSeconds, help: 'Seconds spent enriching and aggregating, by strategy.', labelNames: ['strategy'], registers });
    const lookups = new Counter({ name: MetricNames.dimensionLookups, help: 'Dimension lookups, by table and strategy.', labelNames: ['table', 'strategy'], registers });
    const perEvent = new Histogram({
      name: MetricNames.enrichEventSeconds,
      help: 'Enrichment and aggregation seconds per event, observed once per batch, by strategy.',
      labelNames: ['strategy'],
      buckets: PER_EVENT_BUCKETS,
      registers,
    });
    for (const strategy of STRATEGIES) {
      this.byStrategy.set(strategy, {
        enriched: enriched.labels(strategy),
        counted: counted.labels(strategy),
        seconds: seconds.labels(strategy),
        perEvent: perEvent.labels(strategy),
        unmatched: new Map(UNMATCHED_REASONS.map((reason) => [reason, unmatched.labels(strategy, reason)])),
        lookups: new Map(DIMENSION_NAMES.map((table) => [table, lookups.labels(table, strategy)])),
      });
    }
    for (const m of this.byStrategy.values()) for (const child of m.unmatched.values()) child.inc(0);
    this.batchEvents = new Histogram({ name: MetricNames.batchEvents, help: 'Records per event batch.', buckets: BATCH_BUCKETS, registers });
    this.hits = new Counter({ name: MetricNames.cacheHits, help: 'Subscription LRU cache hits.', registers });
    this.misses = new Counter({ name: MetricNames.cacheMisses, help: 'Subscription LRU cache misses.', registers });
    this.evictions = new Counter({ name: MetricNames.cacheEvictions, help: 'Subscription LRU cache evictions.', registers });
    this.entries = new Gauge({ name: MetricNames.cacheEntries, help: 'Decoded subscriptions held in the LRU cache.', registers });
    this.dimensionRowsGauge = new Gauge({ name: MetricNames.dimensionRows, help: 'Rows held per dimension table.', labelNames: ['table'], registers });
    this.snapshotSeconds = new Histogram({ name: MetricNames.snapshotSeconds, help: 'Seconds to build a report snapshot for HTTP, by report (all: /reports).', labelNames: ['report'], registers });
    this.checkpointSeconds = new Histogram({ name: MetricNames.checkpointSeconds, help: 'Seconds to capture and write a checkpoint.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
    this.checkpoints = new Counter({ name: MetricNames.checkpoints, help: 'Checkpoints written.', registers });
    this.stateRestoreSeconds = new Histogram({ name: MetricNames.stateRestoreSeconds, help: 'Seconds to read partition states from the state topic, per restore.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.stateRestoreBytes = new Counter({ name: MetricNames.stateRestoreBytes, help: 'Bytes of partition state read from the state topic.', registers });
    this.deadLettersUnwritten = new Counter({ name: MetricNames.deadLettersUnwritten, help: 'Dead letters that could not be written (given up on and recorded).', registers });
  }

  eventsDecoded(read: number, rejectedByReason: ReadonlyMap<RejectReason, number>): void {
    this.read.inc(read);
    this.batchEvents.observe(read);
    for (const [reason, n] of rejectedByReason) this.rejected.get(reason)?.inc(n);
  }

  strategyBatch(strategy: Strategy, work: StrategyWork): void {
    const m = this.byStrategy.get(strategy);
    if (m === undefined) return;
    m.enriched.inc(work.events);
    m.counted.inc(work.counted);
    m.seconds.inc(work.seconds);
    if (work.events > 0) m.perEvent.observe(work.seconds / work.events);
    for (const [reason, counter] of m.unmatched) if (work.unmatched[reason] > 0) counter.inc(work.unmatched[reason]);
    for (const [table, counter] of m.lookups) if (work.lookups[table] > 0) counter.inc(work.lookups[table]);
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

  /** Kafka: lag per partition, read from the source at scrape time. */
  observeConsumerLag(describe: () => { partitions: readonly { partition: number; lag: number }[] }): void {
    new Gauge({
      name: MetricNames.consumerLag,
      help: 'Events behind the end offset, per events partition.',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        for (const p of describe().partitions) this.labels(String(p.partition)).set(p.lag);
      },
    });
  }

  /** Events partitions held by this instance, read at scrape time. */
  observePartitionsOwned(owned: () => number): void {
    new Gauge({
      name: MetricNames.partitionsOwned,
      help: 'Events partitions this instance holds (assigned and restored).',
      registers: [this.registry],
      collect() {
        this.set(owned());
      },
    });
  }

  /** Checkpoints: seconds since the last one, read at scrape time. */
  observeCheckpointAge(lastWriteAt: () => number | null): void {
    new Gauge({
      name: MetricNames.checkpointAge,
      help: 'Seconds since the last checkpoint was written.',
      registers: [this.registry],
      collect() {
        const at = lastWriteAt();
        if (at !== null) this.set((Date.now() - at) / 1000);
      },
    });
  }
}
