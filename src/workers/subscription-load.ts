import { applyDimensionBatch, createDimensions, type Dimensions } from '../domain/dimensions/index.ts';
import type { SubscriptionImage } from '../domain/dimensions/subscription-store.ts';
import { ownedLetter, type DeadLetter } from '../domain/records/rejection.ts';
import { readNdjsonRecords } from '../sources/ndjson-reader.ts';

/** One subscriptions file loaded: the whole table since the load began, and what this file added to it. */
export interface LoadedSubscriptions {
  readonly image: SubscriptionImage;
  readonly applied: number;
  readonly rejected: readonly DeadLetter[];
  /** Lines the file held. */
  readonly lines: number;
  /** The file's size as its reader found it at open (0 for a file with no record). */
  readonly bytes: number;
}

/** A subscriptions file to load, as a 'dimension-file' item names it. */
export interface SubscriptionFileRequest {
  readonly path: string;
  readonly batchSize: number;
  readonly maxRecordBytes: number;
}

/**
 * Subscription files loaded once, on one shard, into a table apart from its own, for every shard
 * to adopt as an image: each shard loading the file itself cost every shard the same load, all at
 * once, and before its first event (100,000 rows: 0.36–0.44 s with two shards side by side,
 * against one load while the other starts). Not on the main thread: there the load's batches
 * held queries up to 350 ms. The rows are validated and dead-lettered as a shard would
 * (applyDimensionBatch); files are applied in the order given, a later row winning.
 */
export class SubscriptionLoad {
  /** Only the subscription table and its dictionaries are used; its cache is never read here. */
  private readonly dims: Dimensions = createDimensions({ cacheSize: 1 });
  private queue: Promise<unknown> = Promise.resolve();

  /** Reads a file into the table after every file given before it. */
  read(path: string, batchSize: number, maxRecordBytes: number): Promise<LoadedSubscriptions> {
    const loaded = this.queue.then(() => this.readNow(path, batchSize, maxRecordBytes));
    // holding nothing once settled: each load's table is its caller's
    this.queue = loaded.then(
      () => {},
      () => {},
    );
    return loaded;
  }

  private async readNow(path: string, batchSize: number, maxRecordBytes: number): Promise<LoadedSubscriptions> {
    const rejected: DeadLetter[] = [];
    let applied = 0;
    let lines = 0;
    let bytes = 0;
    for await (const batch of readNdjsonRecords(path, { batchSize, maxRecordBytes, reuseChunks: true })) {
      const result = applyDimensionBatch(this.dims, 'subscriptions', batch);
      applied += result.applied;
      for (const letter of result.rejected) rejected.push(ownedLetter(letter));
      lines = batch.position.seq;
      bytes = batch.position.totalBytes ?? bytes;
    }
    return { image: this.dims.subscriptions.image(), applied, rejected, lines, bytes };
  }
}
