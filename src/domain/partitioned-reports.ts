import { ReportSet, type ReportSetState } from './aggregates/index.ts';
import type { Dictionaries } from './dictionary.ts';
import type { RawBatch } from './records/raw-batch.ts';
import type { Strategy } from './run-progress.ts';

/** Which partition a batch belongs to; a source with one partition answers '0' for every batch. */
export type PartitionOf = (batch: RawBatch) => string;

export const SINGLE_PARTITION: PartitionOf = () => '0';

/** Saved reports per partition: each partition's strategies, each strategy's six reports by name. */
export type PartitionedReportsState = Readonly<Record<string, Readonly<Partial<Record<Strategy, ReportSetState>>>>>;

/**
 * The unit of state is the partition: every partition of the source has its own partial reports
 * for each strategy, folded only from that partition's events, so a partition's state can be
 * saved, restored and moved on its own. A query merges the partials exactly: counts and sums add,
 * distinct sets unite (so distinct counts stay exact whatever the producer's keying), and the top
 * 100 artists come from the merged per-artist totals.
 */
export class PartitionedReports {
  private readonly byPartition = new Map<string, Partial<Record<Strategy, ReportSet>>>();

  constructor(readonly strategies: readonly Strategy[]) {}

  /** The partition's reports for `strategy`, created empty on its first batch. */
  reportSet(strategy: Strategy, partition: string): ReportSet {
    let sets = this.byPartition.get(partition);
    if (sets === undefined) {
      sets = {};
      for (const s of this.strategies) sets[s] = new ReportSet();
      this.byPartition.set(partition, sets);
    }
    return sets[strategy] as ReportSet;
  }

  partitions(): string[] {
    return [...this.byPartition.keys()].sort((a, b) => Number(a) - Number(b));
  }

  /**
   * One strategy's reports over every partition, or over `only` those (the ones this instance
   * owns); the partition's own set when there is one.
   */
  merged(strategy: Strategy, only?: readonly string[]): ReportSet {
    const parts = only === undefined ? this.partitions() : this.partitions().filter((p) => only.includes(p));
    if (parts.length === 1) return this.reportSet(strategy, parts[0]);
    const merged = new ReportSet();
    for (const partition of parts) merged.merge(this.reportSet(strategy, partition));
    return merged;
  }

  exportState(dicts: Dictionaries): PartitionedReportsState {
    const out: Record<string, Partial<Record<Strategy, ReportSetState>>> = {};
    for (const partition of this.partitions()) out[partition] = this.exportPartition(partition, dicts);
    return out;
  }

  /** One partition's reports, every strategy: what moves with the partition. */
  exportPartition(partition: string, dicts: Dictionaries): Partial<Record<Strategy, ReportSetState>> {
    const saved: Partial<Record<Strategy, ReportSetState>> = {};
    for (const strategy of this.strategies) saved[strategy] = this.reportSet(strategy, partition).exportState(dicts);
    return saved;
  }

  /** Restores a validated state (see state-schema.ts). */
  importState(state: PartitionedReportsState, dicts: Dictionaries): void {
    for (const [partition, saved] of Object.entries(state)) this.importPartition(partition, saved, dicts);
  }

  /** Replaces one partition's reports with a validated saved state (the partition moved here). */
  importPartition(partition: string, saved: Readonly<Partial<Record<Strategy, ReportSetState>>>, dicts: Dictionaries): void {
    this.drop(partition);
    for (const strategy of this.strategies) {
      const set = saved[strategy];
      if (set !== undefined) this.reportSet(strategy, partition).importState(set, dicts);
    }
  }

  /** Forgets a partition's reports (it moved away). */
  drop(partition: string): void {
    this.byPartition.delete(partition);
  }

  stateBytes(strategy: Strategy): number {
    return this.partitions().reduce((sum, partition) => sum + this.reportSet(strategy, partition).stateBytes(), 0);
  }
}
