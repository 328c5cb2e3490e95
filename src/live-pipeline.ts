import type { Strategy, RunProgressView } from './domain/run-progress.ts';
import type { ReportSnapshot } from './pipeline.ts';
import type { BatchProgress } from '../topology/graph.ts';
import type { SourcePosition } from './domain/records/raw-batch.ts';
import type { DimensionName } from './domain/records/schema.ts';
import type { SourceItem } from '../topology/ports.ts';

/**
 * A whole NDJSON events file, for a pipeline that reads files itself (readsEventFiles): the
 * shards each read ranges of it, so the file is not read, split into lines and copied by one
 * thread for all. Its batches are events like any other.
 */
export interface EventFileItem {
  readonly kind: 'event-file';
  readonly path: string;
  readonly bytes: number;
  readonly batchSize: number;
  readonly maxRecordBytes: number;
  /** Aborted when the read is to stop after the batches in progress. */
  readonly signal: AbortSignal;
  /** Told how much of the file is read: seq counts the lines read, bytes the bytes. */
  readonly onRead?: (read: SourcePosition) => void;
}

/**
 * A whole NDJSON dimension table file, for a pipeline that reads files itself: every shard reads
 * all of it (each needs every row), so no thread reads, copies and sends it to the others.
 */
export interface DimensionFileItem {
  readonly kind: 'dimension-file';
  readonly table: DimensionName;
  readonly path: string;
  readonly bytes: number;
  readonly batchSize: number;
  readonly maxRecordBytes: number;
}

/** What a run feeds a pipeline: the source's items, or (readsEventFiles) files to read. */
export type RunItem = SourceItem | EventFileItem | DimensionFileItem;

/**
 * What a run, its HTTP server and its metrics need of a pipeline, whether it folds on this thread
 * (Pipeline) or on worker threads (ShardedPipeline): feed it, and read consistent snapshots.
 */
export interface LivePipeline {
  readonly strategies: readonly Strategy[];
  /** The strategy snapshots default to. */
  readonly primary: Strategy;
  readonly progress: { view(): RunProgressView };
  /** Feeds the source through the topology; resolves once every item is folded. */
  run(source: AsyncIterable<RunItem> | Iterable<RunItem>, onBatch?: (progress: BatchProgress) => void): Promise<void>;
  /** Whether it takes EventFileItems (and reads them faster than the source would). */
  readonly readsEventFiles?: boolean;
  snapshot(strategy?: Strategy): ReportSnapshot;
  /**
   * snapshot(strategy) as JSON, in parts to be written one after the other, where the pipeline
   * can write it cheaper than JSON.stringify of a snapshot.
   */
  snapshotJson?(strategy: Strategy): readonly (string | Uint8Array)[];
  /**
   * Resolves once every item handed over so far is applied (absent: each is applied before run()
   * takes the next): where a check between items needs to see them, as the empty-table check does.
   */
  settle?(): Promise<void>;
  /** Ends what the pipeline runs beside this thread (its worker threads), once nothing more is asked of it: after run(), or instead of it. */
  dispose?(): Promise<void>;
  /**
   * The queries answered so far were no client's (the server's answer to itself at start):
   * what queries set going for clients (the merger's render pace) stops until the next one.
   */
  forgetQueries?(): void;
  /** Ad revenue per plan (not a report column), for the per-plan revenue gauge. */
  planAdRevenue(strategy?: Strategy): Map<string, number>;
}
