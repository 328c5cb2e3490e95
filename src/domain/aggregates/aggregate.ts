import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import type { ReportName, Reports } from '../reports/report-rows.ts';

/**
 * One incremental report: folds enriched batches into exact state and renders its rows on demand.
 * Pure: no clock, no I/O.
 */
export interface Aggregate<Name extends ReportName = ReportName> {
  readonly name: Name;
  add(batch: EnrichedBatch): void;
  rows(dicts: Dictionaries): Reports[Name];
  /** Approximate bytes of state, for the benchmark's memory figures. */
  stateBytes(): number;
  /** A JSON-able copy of the state, for checkpoints. */
  exportState(): unknown;
  /** Replaces the state with one exported earlier (by the same aggregate type). */
  importState(state: unknown): void;
}
