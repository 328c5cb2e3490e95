import type { DimensionError, NothingCountedError } from '../errors.ts';
import type { PartitionOf } from '../domain/partitioned-reports.ts';
import type { GroupQuery } from '../http/group-reports.ts';
import type { LivePipeline } from '../live-pipeline.ts';
import type { BatchProgress } from '../../topology/graph.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';
import type { RunItem } from '../live-pipeline.ts';
import type { SourceHealth } from './source-health.ts';

/** How the run's progress bar measures a source: what it counts, how much there is, how far it got. */
export interface ProgressScale {
  readonly unit: 'events' | 'bytes';
  /** The whole, as known at the first batch (0: unknown, the bar shows a count and a rate). */
  total(first: BatchProgress): number;
  value(progress: BatchProgress): number;
}

/** What a source leaves behind when it closes: what `run` turns into its exit code. */
export interface SourceOutcome {
  /** False when the final checkpoint was due and could not be written. */
  readonly checkpointed: boolean;
  /** True when the source never reached its events (nothing was read: no checkpoint written). */
  readonly neverStarted: boolean;
  /** Dead letters the source's own destination could not take, and that destination's name. */
  readonly deadLettersUnwritten: { readonly count: number; readonly to: string } | null;
  /** An input that is not what it claims (an empty dimension table, events read but none counted). */
  readonly emptyRun: DimensionError | NothingCountedError | null;
}

/**
 * Everything `run` needs from where its records come from, so a file replay and a Kafka run are
 * driven by the same code: open, attach the pipeline, read the items, stop on a signal, close.
 */
export interface Source {
  /** Where the pipeline writes rejected records. */
  readonly deadLetters: DeadLetterSink;
  /** In a consumer group (after attach): how /reports answers for the whole group. */
  readonly group?: GroupQuery;
  /** Told the URL this instance serves, before items(): what a group member advertises to its peers. */
  advertise?(url: string): void;
  /** Which partition a batch's events belong to; absent: the source is one partition. */
  readonly partitionOf?: PartitionOf;
  readonly progress: ProgressScale;
  /** Restores saved state into the fresh pipeline and starts watching it; before any item is read. */
  attach(pipeline: LivePipeline): void;
  /** The input, read once, after attach(). */
  items(): AsyncIterable<RunItem>;
  /** Between batches: where a checkpoint is taken when one is due. */
  afterBatch(): void;
  /** The position shown in the run progress (file: file, line and bytes; Kafka: partitions and lag). */
  describe(): unknown;
  health(): SourceHealth;
  /** A signal: a file replay ends at once, a Kafka run drains the batch in hand. */
  stop(): void;
  /** True when the input was read to its end (a file, or a `--once` Kafka run caught up). */
  readonly finished: boolean;
  /**
   * True when a stopped run's reports are still a result: a Kafka run is followed until a signal
   * and its state is checkpointed at the stop; a stopped file replay is a fragment, not printed.
   */
  readonly reportsWhenStopped: boolean;
  /** Stops for good and says what could not be kept; `failure` is the run's error, if it failed. */
  close(failure: unknown): Promise<SourceOutcome>;
}
