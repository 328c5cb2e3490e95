import type { Strategy } from '../src/domain/run-progress.ts';
import type { RejectReason } from '../src/errors.ts';
import type { DeadLetter } from '../src/domain/records/rejection.ts';
import type { RawBatch } from '../src/domain/records/raw-batch.ts';
import type { DimensionName } from '../src/domain/records/schema.ts';
import type { UnmatchedCounts } from '../src/domain/records/event-batch.ts';

/** What a source emits, in order: dimension rows (upserts) and event batches, interleaved. */
export type SourceItem =
  | { readonly kind: 'dimension'; readonly table: DimensionName; readonly batch: RawBatch }
  | { readonly kind: 'events'; readonly batch: RawBatch };

/** Time, injected so the topology is pure and testable. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch, for progress. */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/** Where rejected records go; called once per batch with that batch's rejects. */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): void;
}

/** One strategy's work on one batch. */
export interface StrategyWork {
  readonly events: number;
  readonly counted: number;
  readonly unmatched: UnmatchedCounts;
  readonly seconds: number;
  readonly lookups: Readonly<Record<DimensionName, number>>;
}

/** Per-batch measurements; a metrics backend implements it, tests may ignore it. */
export interface MetricsSink {
  eventsDecoded(read: number, rejectedByReason: ReadonlyMap<RejectReason, number>): void;
  strategyBatch(strategy: Strategy, work: StrategyWork): void;
  subscriptionCache(hits: number, misses: number, evictions: number, entries: number): void;
  dimensionRows(table: DimensionName, rows: number): void;
}

export const noMetrics: MetricsSink = {
  eventsDecoded: () => {},
  strategyBatch: () => {},
  subscriptionCache: () => {},
  dimensionRows: () => {},
};
