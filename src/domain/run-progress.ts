import { REJECT_REASONS, UNMATCHED_REASONS, type RejectReason } from '../errors.ts';
import type { UnmatchedCounts } from './records/event-batch.ts';
import type { SourcePosition } from './records/raw-batch.ts';
import type { DeadLetter } from './records/rejection.ts';
import type { DimensionName } from './records/schema.ts';

export type Strategy = 'cached' | 'naive';
export const STRATEGIES: readonly Strategy[] = ['cached', 'naive'];

export interface StrategyProgress {
  counted: number;
  unmatched: UnmatchedCounts;
}

/** What a strategy's work cost: the naive vs cached comparison, independent of the figures. */
export interface StrategyCost {
  /** Valid events the strategy joined (counted + unmatched). */
  events: number;
  /** Seconds spent enriching and aggregating, summed over batches. */
  seconds: number;
  /** Dimension lookups performed. */
  lookups: number;
}

/** What the reports reflect: how far the stream has been read and what happened to each record. */
export interface RunProgressView {
  readonly events_read: number;
  readonly events_valid: number;
  readonly rejected_total: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
  readonly strategies: Readonly<Partial<Record<Strategy, StrategyProgress>>>;
  readonly cost: Readonly<Partial<Record<Strategy, StrategyCost>>>;
  readonly dimensions: Readonly<Record<DimensionName, { rows_applied: number; rejected: number }>>;
  readonly position: SourcePosition | null;
  readonly started_at: string;
  readonly updated_at: string | null;
  readonly done: boolean;
  /** The source's own position detail, when it has one (Kafka: offsets and lag per partition). */
  readonly source?: unknown;
  /** On worker threads: each shard's partition and the point its reports are at (its last batch folded). */
  readonly shards?: readonly { readonly partition: string; readonly events_read: number; readonly position: SourcePosition | null }[];
}

function zeroRejects(): Record<RejectReason, number> {
  return Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
}

function zeroUnmatched(): UnmatchedCounts {
  return Object.fromEntries(UNMATCHED_REASONS.map((r) => [r, 0])) as unknown as UnmatchedCounts;
}

/** One partition's counters: what moves with the partition, beside its reports. */
export interface PartitionProgressState {
  eventsRead: number;
  eventsValid: number;
  rejected: Record<RejectReason, number>;
  strategies: Partial<Record<Strategy, StrategyProgress>>;
}

/**
 * Counters behind the progress; updated once per batch, copied out for every snapshot. Event
 * counts are kept per partition, like the reports, so that they move with a partition's state and
 * always count exactly the events folded into the reports served; dimension counters and costs
 * belong to the process.
 */
export class RunProgress {
  private readonly partitions = new Map<string, PartitionProgressState>();
  /** The partitions the view sums (those this instance holds); null: every partition. */
  private held: ReadonlySet<string> | null = null;
  private readonly cost: Partial<Record<Strategy, StrategyCost>> = {};
  private readonly dimensions: Record<DimensionName, { rows_applied: number; rejected: number }> = {
    subscriptions: { rows_applied: 0, rejected: 0 },
    ad_rates: { rows_applied: 0, rejected: 0 },
    payouts: { rows_applied: 0, rejected: 0 },
  };
  private position: SourcePosition | null = null;
  private updatedAt: number | null = null;
  private done = false;

  constructor(
    private readonly strategies: readonly Strategy[],
    private readonly startedAt: number,
  ) {
    for (const s of strategies) this.cost[s] = { events: 0, seconds: 0, lookups: 0 };
  }

  /** Events read over the partitions held. */
  get eventsReadTotal(): number {
    let n = 0;
    for (const [partition, counters] of this.partitions) if (this.isHeld(partition)) n += counters.eventsRead;
    return n;
  }

  get currentPosition(): SourcePosition | null {
    return this.position;
  }

  /** Only `partitions` are summed from now on (null: all): the others are kept, not shown. */
  hold(partitions: readonly string[] | null): void {
    this.held = partitions === null ? null : new Set(partitions);
  }

  private isHeld(partition: string): boolean {
    return this.held === null || this.held.has(partition);
  }

  private counters(partition: string): PartitionProgressState {
    let counters = this.partitions.get(partition);
    if (counters === undefined) {
      counters = { eventsRead: 0, eventsValid: 0, rejected: zeroRejects(), strategies: {} };
      for (const s of this.strategies) counters.strategies[s] = { counted: 0, unmatched: zeroUnmatched() };
      this.partitions.set(partition, counters);
    }
    return counters;
  }

  dimensionBatch(table: DimensionName, applied: number, rejected: number, position: SourcePosition, now: number): void {
    this.dimensions[table].rows_applied += applied;
    this.dimensions[table].rejected += rejected;
    this.position = position;
    this.updatedAt = now;
  }

  eventBatch(partition: string, read: number, rejected: readonly DeadLetter[], position: SourcePosition, now: number): void {
    const counters = this.counters(partition);
    counters.eventsRead += read;
    counters.eventsValid += read - rejected.length;
    for (const letter of rejected) counters.rejected[letter.reason]++;
    this.position = position;
    this.updatedAt = now;
  }

  strategyBatch(strategy: Strategy, partition: string, counted: number, unmatched: UnmatchedCounts, cost?: StrategyCost): void {
    const progress = this.counters(partition).strategies[strategy];
    if (progress === undefined) return;
    const total = this.cost[strategy];
    if (cost !== undefined && total !== undefined) {
      total.events += cost.events;
      total.seconds += cost.seconds;
      total.lookups += cost.lookups;
    }
    progress.counted += counted;
    for (const reason of UNMATCHED_REASONS) progress.unmatched[reason] += unmatched[reason];
  }

  /** Every partition's counters (the position is kept by the source). */
  exportState(): Record<string, PartitionProgressState> {
    return Object.fromEntries([...this.partitions.keys()].map((p) => [p, this.exportPartition(p)]));
  }

  importState(state: Readonly<Record<string, PartitionProgressState>>): void {
    for (const [partition, saved] of Object.entries(state)) this.importPartition(partition, saved);
  }

  /** One partition's counters, a copy: what moves with the partition. */
  exportPartition(partition: string): PartitionProgressState {
    const c = this.counters(partition);
    const strategies: Partial<Record<Strategy, StrategyProgress>> = {};
    for (const [name, p] of Object.entries(c.strategies) as [Strategy, StrategyProgress][]) strategies[name] = { counted: p.counted, unmatched: { ...p.unmatched } };
    return { eventsRead: c.eventsRead, eventsValid: c.eventsValid, rejected: { ...c.rejected }, strategies };
  }

  /** Replaces one partition's counters with validated saved ones. */
  importPartition(partition: string, state: PartitionProgressState): void {
    this.drop(partition);
    const mine = this.counters(partition);
    mine.eventsRead = state.eventsRead;
    mine.eventsValid = state.eventsValid;
    Object.assign(mine.rejected, state.rejected);
    for (const [name, progress] of Object.entries(state.strategies) as [Strategy, StrategyProgress][]) {
      const target = mine.strategies[name];
      if (target === undefined || progress === undefined) continue;
      target.counted = progress.counted;
      Object.assign(target.unmatched, progress.unmatched);
    }
  }

  drop(partition: string): void {
    this.partitions.delete(partition);
  }

  finish(now: number): void {
    this.done = true;
    this.updatedAt = now;
  }

  view(): RunProgressView {
    const held = [...this.partitions].filter(([partition]) => this.isHeld(partition)).map(([, counters]) => counters);
    return combineProgress(this.strategies, held, {
      cost: this.cost,
      dimensions: this.dimensions,
      position: this.position,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
      done: this.done,
    });
  }
}

/** What a progress view holds besides the partitions' counters: the process's own figures. */
export interface ProcessProgress {
  readonly cost: Readonly<Partial<Record<Strategy, StrategyCost>>>;
  readonly dimensions: RunProgressView['dimensions'];
  readonly position: SourcePosition | null;
  readonly startedAt: number;
  readonly updatedAt: number | null;
  readonly done: boolean;
}

/** The view of some partitions' counters (summed) and the process's figures, every value a copy. */
export function combineProgress(strategies: readonly Strategy[], partitions: Iterable<PartitionProgressState>, process: ProcessProgress): RunProgressView {
  let eventsRead = 0;
  let eventsValid = 0;
  const rejected = zeroRejects();
  const sums: Partial<Record<Strategy, StrategyProgress>> = {};
  for (const s of strategies) sums[s] = { counted: 0, unmatched: zeroUnmatched() };
  for (const c of partitions) {
    eventsRead += c.eventsRead;
    eventsValid += c.eventsValid;
    for (const reason of REJECT_REASONS) rejected[reason] += c.rejected[reason];
    for (const [name, p] of Object.entries(c.strategies) as [Strategy, StrategyProgress][]) {
      const sum = sums[name];
      if (sum === undefined) continue;
      sum.counted += p.counted;
      for (const reason of UNMATCHED_REASONS) sum.unmatched[reason] += p.unmatched[reason];
    }
  }
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const { dimensions } = process;
  return {
    events_read: eventsRead,
    events_valid: eventsValid,
    rejected_total: eventsRead - eventsValid,
    rejected,
    strategies: sums,
    cost: Object.fromEntries(Object.entries(process.cost).map(([name, c]) => [name, { ...c }])),
    dimensions: {
      subscriptions: { ...dimensions.subscriptions },
      ad_rates: { ...dimensions.ad_rates },
      payouts: { ...dimensions.payouts },
    },
    position: process.position === null ? null : { ...process.position },
    started_at: iso(process.startedAt) as string,
    updated_at: iso(process.updatedAt),
    done: process.done,
  };
}
