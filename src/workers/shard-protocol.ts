import type { ReportSetPartial } from '../domain/aggregates/index.ts';
import type { Dictionaries } from '../domain/dictionary.ts';
import type { SubscriptionImage } from '../domain/dimensions/subscription-store.ts';
import type { SmallTableImage } from '../domain/dimensions/small-table-image.ts';
import type { SourcePosition } from '../domain/records/raw-batch.ts';
import type { DeadLetter } from '../domain/records/rejection.ts';
import type { DimensionName } from '../domain/records/schema.ts';
import type { PartitionProgressState, RunProgressView, Strategy, StrategyCost } from '../domain/run-progress.ts';
import type { MessagePort } from 'node:worker_threads';
import type { SavedPartition } from '../pipeline.ts';
import type { ErrorData } from '../errors.ts';
import type { ByteRange } from '../sources/ndjson-reader.ts';
import type { StrategyResult } from '../../topology/operators/index.ts';
import type { PackedBatch } from './packed-batch.ts';
import type { RecordedMetric } from './recording-metrics.ts';
import type { LoadedSubscriptions, SubscriptionFileRequest } from './subscription-load.ts';
import type { UserNumbering } from './user-numbering.ts';

/** What a shard is started with: its workerData, or for a thread started ahead (shard-pool.ts) its first message, a ShardStart. */
export interface ShardInit {
  readonly shard: number;
  readonly strategies: readonly Strategy[];
  readonly cacheSize: number;
  /** Least time between two publishes of the shard's partials. */
  readonly publishMs: number;
  /** The subscriptions file the replay will hand on, loaded from the thread's start (see subscription-preload.ts); the loading shard's only. */
  readonly preload?: SubscriptionFileRequest;
}

/** The workerData of a thread started ahead of its run (shard-pool.ts): its ShardInit comes as its first message. */
export const AWAITS_INIT = 'awaits-init';

/** The first message to a thread started ahead: what it would have been started with. */
export interface ShardStart {
  readonly type: 'init';
  readonly init: ShardInit;
}

/**
 * The answer id of the subscriptions the loading shard loads ahead (ShardInit.preload), posted
 * unasked: no request has it, a shard's requests being numbered from 1.
 */
export const PRELOAD_ID = 0;

/** Main thread → shard, in order: a shard applies them one at a time, as the topology would. */
export type ToShard =
  /** Where the shard's publishes go (first, before any item). */
  | { readonly type: 'merger'; readonly port: MessagePort }
  | { readonly type: 'dimension'; readonly id: number; readonly table: DimensionName; readonly batch: PackedBatch }
  | { readonly type: 'events'; readonly id: number; readonly partition: string; readonly batch: PackedBatch }
  /** Read a range of an NDJSON events file and fold it, answering each batch with a ReadBatch. */
  | { readonly type: 'read'; readonly id: number; readonly path: string; readonly range: ByteRange; readonly batchSize: number; readonly maxRecordBytes: number }
  /**
   * Read a whole NDJSON dimension table file and apply it, answering once at its end (`image`:
   * with the table's image, for the other shards to adopt, and the rows it applied and rejected).
   */
  | { readonly type: 'read-dimension'; readonly id: number; readonly table: DimensionName; readonly path: string; readonly batchSize: number; readonly maxRecordBytes: number; readonly image?: true }
  /** Take a small table shard 0 applied from its file (its rows `applied` and `rejected`, read to `position`), answering once. */
  | { readonly type: 'adopt-table'; readonly id: number; readonly image: SmallTableImage; readonly applied: number; readonly rejected: number; readonly position: SourcePosition }
  /**
   * Load a subscriptions file into the table of this shard's SubscriptionLoad, apart from its own
   * (every file so far, in the order sent), answered as 'subscriptions-read' for all to adopt.
   */
  | ({ readonly type: 'read-subscriptions'; readonly id: number; readonly fresh?: true } & SubscriptionFileRequest)
  /**
   * Take the subscription table one shard loaded (the file's rows `applied` and `rejected`,
   * read to `position`): every shard the same table, users numbered alike, answering once.
   */
  | { readonly type: 'adopt-subscriptions'; readonly id: number; readonly image: SubscriptionImage; readonly applied: number; readonly rejected: number; readonly position: SourcePosition }
  /**
   * Give users ids, as a partition's saved state restored on some shard will: every shard is sent
   * these, in the same place among the dimension batches, so all go on numbering users alike.
   */
  | { readonly type: 'users'; readonly id: number; readonly users: readonly string[] }
  /** Replace a partition's state with a saved one (validated here), or start it over (`saved` null); `position`: where it then stands. */
  | { readonly type: 'restore'; readonly id: number; readonly partition: string; readonly saved: unknown; readonly position: SourcePosition }
  /** Forget a partition's copy (it went elsewhere). */
  | { readonly type: 'drop'; readonly id: number; readonly partition: string }
  /** Show only these partitions in publishes (a copy not held is kept, in case its partition comes back). */
  | { readonly type: 'hold'; readonly id: number; readonly partitions: readonly string[] }
  /** The partitions' states, as of every item before this one: answered with Saved. */
  | { readonly type: 'save'; readonly id: number; readonly partitions: readonly string[] }
  /** End the read in progress after its current batch, and skip the reads queued. */
  | { readonly type: 'stop-reading' }
  /** Publish now, whatever the interval (the end of a run). */
  | { readonly type: 'publish'; readonly id: number }
  | { readonly type: 'close' };

export type DictionaryName = keyof Dictionaries;

/** One partition's published point: its reports and counters, folded from exactly the same events. */
export interface PublishedPartition {
  readonly partition: string;
  readonly reports: Readonly<Partial<Record<Strategy, ReportSetPartial>>>;
  readonly progress: PartitionProgressState;
  /** The source position of the last batch folded into this partition. */
  readonly position: SourcePosition | null;
  /**
   * The partition's partials start over here, every member in them: it was restored, dropped and
   * refolded, or held again since the shard's previous publish. The reader replaces what it had.
   */
  readonly whole?: true;
}

/** A shard's partials as of its last batch boundary: what queries are answered from. */
export interface Published {
  readonly type: 'published';
  readonly shard: number;
  /** Counts up from 1 with every publish of this shard. */
  readonly seq: number;
  /** Set when the publish answers a 'publish' request. */
  readonly request?: number;
  /** Values each dictionary but the users' gained since the shard's previous publish, in id order. */
  readonly dictionaries: Readonly<Partial<Record<DictionaryName, readonly string[]>>>;
  /** Every partition the shard holds, each as of this publish: one the previous listed and this one does not was dropped. */
  readonly partitions: readonly PublishedPartition[];
  readonly cost: Readonly<Partial<Record<Strategy, StrategyCost>>>;
  readonly at: number;
}

/** One item done: what the main thread needs for the progress bar, the dead letters and the metrics. */
export interface ItemDone {
  readonly type: 'done';
  readonly id: number;
  readonly events: number;
  readonly results: readonly StrategyResult[];
  readonly deadLetters: readonly DeadLetter[];
  readonly metrics: readonly RecordedMetric[];
  /** After a dimension batch: the shard's dimension counters (every shard's are the same). */
  readonly dimensions?: RunProgressView['dimensions'];
  /** An event batch's buffer, given back to carry another batch. */
  readonly buffer?: SharedArrayBuffer;
  /** After a dimension batch: how the shard numbers users (every shard must alike). */
  readonly users?: UserNumbering;
  /** After a dimension file read for the others to adopt: the table, and the rows this file added to it and rejected. */
  readonly table?: { readonly image: SmallTableImage; readonly applied: number; readonly rejected: number };
  /** After a dimension file: its lines; after a range read to its end: the range's lines (blank ones included). */
  readonly lines?: number;
}

/**
 * One batch of a read folded. Dead letters' line numbers count from the range's first line (the
 * shard has not read what comes before it).
 */
export interface ReadBatch extends Omit<ItemDone, 'type' | 'buffer' | 'users' | 'dimensions'> {
  readonly type: 'read-batch';
  /** Of the range so far: its lines read, and its bytes (those from its start up to its end). */
  readonly lines: number;
  readonly bytes: number;
}

/** A 'publish' request answered: the publish it made, sent to the merger. */
export interface PublishSent {
  readonly type: 'publish-sent';
  readonly request: number;
  readonly seq: number;
}

/** A 'save' answered: each partition's state, in the order asked. */
export interface Saved {
  readonly type: 'saved';
  readonly id: number;
  readonly states: readonly SavedPartition[];
}

/** A request the shard could not carry out (a saved state that does not validate); the shard goes on. */
export interface Refused {
  readonly type: 'refused';
  readonly id: number;
  readonly error: ErrorData;
}

/** A 'read-subscriptions' answered: the table loaded so far, and what the file added to it. */
export interface SubscriptionsRead extends LoadedSubscriptions {
  readonly type: 'subscriptions-read';
  readonly id: number;
}

export type FromShard = ItemDone | ReadBatch | PublishSent | Saved | Refused | SubscriptionsRead | { readonly type: 'failed'; readonly error: ErrorData };

/** What the merger is started with. */
export interface MergerInit {
  readonly shards: number;
  readonly strategies: readonly Strategy[];
  /** Least time between two renders while queries come. */
  readonly renderMs: number;
  /** Partitions are restored, dropped and given up during the run (Kafka): see PublishedReports. */
  readonly partitionsMove: boolean;
}

/** Main thread → merger. */
export type ToMerger =
  /** The port a shard publishes on. */
  | { readonly type: 'shard'; readonly shard: number; readonly port: MessagePort }
  /** A query came: render the shards' publishes as they come, for a while. */
  | { readonly type: 'wanted' }
  /** The queries so far were no client's (the server's answer to itself): back to the idle pace. */
  | { readonly type: 'unwanted' }
  /** Render once every shard's publish `seqs[shard]` is in, and say so (the end of a run). */
  | { readonly type: 'final'; readonly seqs: readonly number[] }
  | { readonly type: 'close' };

/**
 * The shards' latest publishes, merged and written: every partition's point (its counters and
 * position; its reports are in `json`), the reports of each strategy as UTF-8 JSON, and what the
 * gauges need beyond the reports. One consistent point per partition, as one answer needs.
 */
export interface Rendered {
  readonly type: 'rendered';
  /** Counts the publishes merged so far. */
  readonly generation: number;
  /** Set when this answers a 'final' request: every publish asked for is in. */
  readonly final: boolean;
  /** When it was rendered (ms since the epoch): the answers' last update. */
  readonly at: number;
  readonly partitions: readonly Omit<PublishedPartition, 'reports'>[];
  readonly cost: Readonly<Partial<Record<Strategy, StrategyCost>>>;
  readonly json: Readonly<Partial<Record<Strategy, Uint8Array>>>;
  /** Ad revenue per plan, per strategy (the per-plan gauge). */
  readonly planAdRevenue: Readonly<Partial<Record<Strategy, readonly (readonly [string, number])[]>>>;
}

export type FromMerger = Rendered | { readonly type: 'failed'; readonly error: ErrorData };
