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
}

function zeroRejects(): Record<RejectReason, number> {
  return Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
}

function zeroUnmatched(): UnmatchedCounts {
  return Object.fromEntries(UNMATCHED_REASONS.map((r) => [r, 0])) as unknown as UnmatchedCounts;
}

/** Counters behind the progress; updated once per batch, copied out for every snapshot. */
export class RunProgress {
  private eventsRead = 0;
  private eventsValid = 0;
  private readonly rejected = zeroRejects();
  private readonly strategies: Partial<Record<Strategy, StrategyProgress>> = {};
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
    strategies: readonly Strategy[],
    private readonly startedAt: number,
  ) {
    for (const s of strategies) {
      this.strategies[s] = { counted: 0, unmatched: zeroUnmatched() };
      this.cost[s] = { events: 0, seconds: 0, lookups: 0 };
    }
  }

  get eventsReadTotal(): number {
    return this.eventsRead;
  }

  get currentPosition(): SourcePosition | null {
    return this.position;
  }

  dimensionBatch(table: DimensionName, applied: number, rejected: number, position: SourcePosition, now: number): void {
    this.dimensions[table].rows_applied += applied;
    this.dimensions[table].rejected += rejected;
    this.position = position;
    this.updatedAt = now;
  }

  eventBatch(read: number, rejected: readonly DeadLetter[], position: SourcePosition, now: number): void {
    this.eventsRead += read;
    this.eventsValid += read - rejected.length;
    for (const letter of rejected) this.rejected[letter.reason]++;
    this.position = position;
    this.updatedAt = now;
  }

  strategyBatch(strategy: Strategy, counted: number, unmatched: UnmatchedCounts, cost?: StrategyCost): void {
    const progress = this.strategies[strategy];
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

  /** The counters a checkpoint keeps (the position is kept by the source). */
  exportState(): { eventsRead: number; eventsValid: number; rejected: Record<RejectReason, number>; strategies: Partial<Record<Strategy, StrategyProgress>> } {
    const view = this.view();
    return { eventsRead: this.eventsRead, eventsValid: this.eventsValid, rejected: { ...this.rejected }, strategies: view.strategies };
  }

  importState(state: ReturnType<RunProgress['exportState']>): void {
    this.eventsRead = state.eventsRead;
    this.eventsValid = state.eventsValid;
    Object.assign(this.rejected, state.rejected);
    for (const [name, progress] of Object.entries(state.strategies) as [Strategy, StrategyProgress][]) {
      const mine = this.strategies[name];
      if (mine === undefined || progress === undefined) continue;
      mine.counted = progress.counted;
      Object.assign(mine.unmatched, progress.unmatched);
    }
  }

  finish(now: number): void {
    this.done = true;
    this.updatedAt = now;
  }

  view(): RunProgressView {
    const strategies: Partial<Record<Strategy, StrategyProgress>> = {};
    for (const [name, p] of Object.entries(this.strategies) as [Strategy, StrategyProgress][]) {
      strategies[name] = { counted: p.counted, unmatched: { ...p.unmatched } };
    }
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    return {
      events_read: this.eventsRead,
      events_valid: this.eventsValid,
      rejected_total: this.eventsRead - this.eventsValid,
      rejected: { ...this.rejected },
      strategies,
      cost: Object.fromEntries(Object.entries(this.cost).map(([name, c]) => [name, { ...c }])),
      dimensions: {
        subscriptions: { ...this.dimensions.subscriptions },
        ad_rates: { ...this.dimensions.ad_rates },
        payouts: { ...this.dimensions.payouts },
      },
      position: this.position === null ? null : { ...this.position },
      started_at: iso(this.startedAt) as string,
      updated_at: iso(this.updatedAt),
      done: this.done,
    };
  }
}
