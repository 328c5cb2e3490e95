import { from, lastValueFrom, map, tap, type ObservableInput } from 'rxjs';
import type { ReportSet } from './domain/aggregates/index.ts';
import { PartitionedReports, SINGLE_PARTITION, type PartitionedReportsState, type PartitionOf } from './domain/partitioned-reports.ts';
import { AD_REVENUE_SCALE, unitsToNumber } from './domain/records/fixed-point.ts';
import { adoptSmallTable, createDimensions, tableRows, type Dimensions, type SmallTableImage } from './domain/dimensions/index.ts';
import type { SubscriptionImage } from './domain/dimensions/subscription-store.ts';
import type { SourcePosition } from './domain/records/raw-batch.ts';
import type { DimensionName } from './domain/records/schema.ts';
import type { Reports } from './domain/reports/report-rows.ts';
import { RunProgress, type PartitionProgressState, type Strategy, type RunProgressView } from './domain/run-progress.ts';
import { createEventScanner } from '../topology/event-scanner.ts';
import { topology, type BatchProgress } from '../topology/graph.ts';
import type { TopologyContext } from '../topology/context.ts';
import { noMetrics, systemClock, type Clock, type DeadLetterSink, type MetricsSink, type SourceItem } from '../topology/ports.ts';
import { CheckpointError, InternalError } from './errors.ts';
import type { RunItem } from './live-pipeline.ts';
import { STATE_VERSION, validatePartitionState, validatePipelineState, validateSavedPartition } from './checkpoint/state-schema.ts';

export interface PipelineOptions {
  readonly strategies: readonly Strategy[];
  readonly cacheSize: number;
  readonly clock?: Clock;
  readonly metrics?: MetricsSink;
  readonly deadLetters?: DeadLetterSink;
  /** Which partition a batch's events belong to (Kafka: the topic partition); one partition when absent. */
  readonly partitionOf?: PartitionOf;
  /** Source-specific position for the progress (Kafka: offsets and lag per partition). */
  readonly describeSource?: () => unknown;
}

/** One consistent view: every report and the progress reflect the same events. */
export interface ReportSnapshot {
  readonly strategy: Strategy;
  readonly progress: RunProgressView;
  readonly reports: Reports;
}

/** The pipeline's checkpointable state (see Pipeline.exportState). */
export interface PipelineState {
  readonly version: number;
  /** Per partition, per strategy, each report's state by its name: self-contained (keys as values, not ids). */
  readonly partitions: PartitionedReportsState;
  readonly progress: ReturnType<RunProgress['exportState']>;
}

/** One partition's reports and progress counters: what moves with the partition (see Pipeline.savePartition). */
export interface SavedPartition {
  readonly reports: PartitionedReportsState[string];
  readonly progress: PartitionProgressState;
}

const discardDeadLetters: DeadLetterSink = { write: () => {} };

/** The assembled pipeline: dimensions, per-strategy reports and the progress, fed by a source. */
/** A source hands whole files only to a pipeline that reads them (readsEventFiles), which this one does not. */
function sourceItem(item: RunItem): SourceItem {
  if (item.kind === 'event-file' || item.kind === 'dimension-file') throw new InternalError(`a file (${item.path}) was handed to a pipeline that does not read files`);
  return item;
}

export class Pipeline {
  readonly dims: Dimensions;
  readonly progress: RunProgress;
  readonly strategies: readonly Strategy[];
  /** Every partition's partial reports, per strategy. */
  readonly reports: PartitionedReports;
  private readonly ctx: TopologyContext;
  private readonly describeSource: (() => unknown) | undefined;
  /** The partitions snapshots show (those this instance holds); null: every partition. */
  private held: readonly string[] | null = null;

  constructor(options: PipelineOptions) {
    if (options.strategies.length === 0) throw new InternalError('a pipeline needs at least one strategy');
    const clock = options.clock ?? systemClock;
    this.strategies = options.strategies;
    this.describeSource = options.describeSource;
    this.dims = createDimensions({ cacheSize: options.cacheSize });
    this.progress = new RunProgress(options.strategies, clock.now());
    this.reports = new PartitionedReports(options.strategies);
    this.ctx = {
      dims: this.dims,
      scanner: createEventScanner(this.dims.dicts),
      strategies: options.strategies,
      reports: this.reports,
      partitionOf: options.partitionOf ?? SINGLE_PARTITION,
      progress: this.progress,
      deadLetters: options.deadLetters ?? discardDeadLetters,
      metrics: options.metrics ?? noMetrics,
      clock,
    };
  }

  /** The strategy snapshots default to: cached when it runs. */
  get primary(): Strategy {
    return this.strategies.includes('cached') ? 'cached' : this.strategies[0];
  }

  /**
   * Feeds the source (async iterable, iterable, Observable) through the topology; resolves when it
   * is exhausted. May be called again with more input: the state carries on.
   */
  async run(source: ObservableInput<RunItem>, onBatch?: (progress: BatchProgress) => void): Promise<void> {
    await lastValueFrom(from(source).pipe(map(sourceItem), topology(this.ctx), tap((p) => onBatch?.(p))), { defaultValue: undefined });
    this.progress.finish(this.ctx.clock.now());
  }

  /** One strategy's reports merged over every partition held. */
  reportSet(strategy: Strategy): ReportSet {
    if (!this.strategies.includes(strategy)) throw new InternalError(`strategy ${strategy} is not running`);
    return this.reports.merged(strategy, this.held ?? undefined);
  }

  /** The partitions snapshots show; null: every partition. */
  get heldPartitions(): readonly string[] | null {
    return this.held;
  }

  /**
   * Snapshots and the progress show only `partitions` from now on (null: every partition). The
   * state of the others is kept, so a partition given up and assigned back unchanged need not be
   * restored again.
   */
  hold(partitions: readonly string[] | null): void {
    this.held = partitions === null ? null : [...partitions];
    this.progress.hold(partitions);
  }

  /**
   * Everything the reports depend on, as JSON-able data: every partition's reports for every
   * strategy, each named and versioned, with its keys as values (so no dictionary ids need to
   * survive a restart), and the progress counters. Taken synchronously between batches, so it
   * reflects exactly the batches folded so far.
   */
  exportState(): PipelineState {
    return { version: STATE_VERSION, partitions: this.reports.exportState(this.dims.dicts), progress: this.progress.exportState() };
  }

  /**
   * Restores exportState()'s output; only into a fresh pipeline, before any input. The state is
   * validated first, so nothing read from a file reaches the aggregates unchecked.
   */
  importState(value: unknown): void {
    if (this.progress.eventsReadTotal > 0) throw new InternalError('state can only be restored before any input');
    let state: PipelineState;
    try {
      state = validatePipelineState(value, this.strategies);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      throw new CheckpointError(`checkpoint state is invalid: ${error.message}`, { cause: error });
    }
    this.reports.importState(state.partitions, this.dims.dicts);
    this.progress.importState(state.progress);
  }

  /**
   * Takes a subscription table loaded elsewhere (SubscriptionLoad, on one shard for all) as if its
   * file had been applied here: `applied` rows and `rejected` ones (dead-lettered by the loader),
   * read to `position`. Before any event only, so no event was joined without the table.
   */
  adoptSubscriptions(image: SubscriptionImage, applied: number, rejected: number, position: SourcePosition): void {
    this.adopt('subscriptions', () => this.dims.subscriptions.adopt(image), applied, rejected, position);
  }

  /**
   * Takes a small table applied elsewhere (by shard 0, from its file) as if its file had been
   * applied here: `applied` rows and `rejected` ones (dead-lettered there), read to `position`.
   * Before any event only, as adoptSubscriptions.
   */
  adoptSmallTable(image: SmallTableImage, applied: number, rejected: number, position: SourcePosition): void {
    this.adopt(image.table, () => adoptSmallTable(this.dims, image), applied, rejected, position);
  }

  /** A table taken whole from elsewhere, counted as its file applied here would be. */
  private adopt(table: DimensionName, take: () => void, applied: number, rejected: number, position: SourcePosition): void {
    if (this.progress.eventsReadTotal > 0) throw new InternalError(`a ${table} table can only be adopted before any event`);
    take();
    this.progress.dimensionBatch(table, applied, rejected, position, this.ctx.clock.now());
    this.ctx.metrics.dimensionRows(table, tableRows(this.dims, table));
  }

  /** One partition's reports, every strategy, as saved state: what moves with the partition. */
  exportPartition(partition: string): PartitionedReportsState[string] {
    return this.reports.exportPartition(partition, this.dims.dicts);
  }

  /**
   * Replaces one partition's reports with saved state (validated first: it may come from another
   * instance, through Kafka). Between batches only, like every change to the state.
   */
  importPartition(partition: string, value: unknown): void {
    let saved: PartitionedReportsState[string];
    try {
      saved = validatePartitionState(value, this.strategies, `partition ${partition}`);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      throw new CheckpointError(`saved state of partition ${partition} is invalid: ${error.message}`, { cause: error });
    }
    this.reports.importPartition(partition, saved, this.dims.dicts);
  }

  /** One partition's reports and progress counters, as saved state. Between batches only. */
  savePartition(partition: string): SavedPartition {
    return { reports: this.exportPartition(partition), progress: this.progress.exportPartition(partition) };
  }

  /** Replaces one partition's reports and counters with savePartition()'s output, validated first. Between batches only. */
  restorePartition(partition: string, value: unknown): void {
    let saved: SavedPartition;
    try {
      saved = validateSavedPartition(value, this.strategies, `partition ${partition}`);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      throw new CheckpointError(`saved state of partition ${partition} is invalid: ${error.message}`, { cause: error });
    }
    this.reports.importPartition(partition, saved.reports, this.dims.dicts);
    this.progress.importPartition(partition, saved.progress);
  }

  /** Forgets a partition's reports and counters (it starts over, or it moved away). */
  dropPartition(partition: string): void {
    this.reports.drop(partition);
    this.progress.drop(partition);
  }

  /** Ad revenue per plan (not a report column): for the per-plan revenue gauge. */
  planAdRevenue(strategy: Strategy = this.primary): Map<string, number> {
    const groups = this.reportSet(strategy).aggregate('subscription_analysis').groups(this.dims.dicts);
    return new Map(groups.map((g) => [g.key[0], unitsToNumber(g.values.adUnits, AD_REVENUE_SCALE)]));
  }

  snapshot(strategy: Strategy = this.primary): ReportSnapshot {
    const source = this.describeSource?.();
    return {
      strategy,
      progress: source === undefined ? this.progress.view() : { ...this.progress.view(), source },
      reports: this.reportSet(strategy).snapshot(this.dims.dicts),
    };
  }
}
