import type { SourcePosition } from '../domain/records/raw-batch.ts';
import type { DeadLetter } from '../domain/records/rejection.ts';
import { isSmallTable, type SmallTableName } from '../domain/dimensions/small-table-image.ts';
import { InternalError } from '../errors.ts';
import type { RunItem } from '../live-pipeline.ts';
import { packBatch } from './packed-batch.ts';
import type { Shard } from './shard.ts';
import type { ItemDone } from './shard-protocol.ts';

type DimensionItem = Extract<RunItem, { kind: 'dimension' | 'dimension-file' }>;
type DimensionFile = Extract<DimensionItem, { kind: 'dimension-file' }>;

/** Where a dimension file is read to once a shard answers it: its lines, and all its bytes. */
const readTo =
  (item: DimensionFile) =>
  (first: ItemDone): SourcePosition => ({ origin: item.path, seq: first.lines ?? 0, bytes: item.bytes, totalBytes: item.bytes });

/** Dimension rows posted: each shard's answer to come, where the rows were read to, and the dead letters when one load stands for all. */
export interface PostedDimension {
  readonly dones: Promise<ItemDone>[];
  readonly position: SourcePosition | ((first: ItemDone) => SourcePosition);
  readonly letters?: readonly DeadLetter[];
}

/**
 * How dimension rows reach the shards of a ShardedPipeline: batches and files each shard applies,
 * and the tables one shard loads or applies for all to adopt (the subscriptions on the loading
 * shard, the small tables on shard 0), each shard taking the items in their order.
 */
export class DimensionPosting {
  /**
   * Subscription files are loaded once, on one shard, for every shard to adopt, while no event and
   * no subscription batch has reached them; false after that (a table adopted after events would
   * rejoin them).
   */
  private subscriptionsAdoptable = true;
  /** Subscription files loading: an event batch dealt waits for them, as it waits behind dimension rows in each shard's order. */
  private loading: Promise<unknown> = Promise.resolve();
  /** Settled once every small table's image is posted to the shards (see adoptSmallTable). */
  private smallTables: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly shards: readonly Shard[],
    /** A Kafka run's partitions move between shards: a partition restored there numbers users an image does not. */
    private readonly partitionsMove: boolean,
  ) {}

  /** What an event batch dealt waits for: the subscription files loading, if any. */
  get subscriptionsLoaded(): Promise<unknown> {
    return this.loading;
  }

  /** The events have begun: no subscriptions file is adopted any more. */
  eventsBegin(): void {
    this.subscriptionsAdoptable = false;
  }

  /**
   * The rows posted to every shard: each shard's answer to come, where the rows were read to, and
   * the dead letters when one load stands for all. Every shard takes the items in their order: an
   * item after a small table being adopted is posted once that table's image is (adoptSmallTable).
   */
  post(item: DimensionItem): Promise<PostedDimension> {
    const before = this.smallTables;
    if (item.kind === 'dimension-file' && isSmallTable(item.table) && this.shards.length > 1 && !this.partitionsMove) {
      const adoption = this.adoptSmallTable(item, item.table, before);
      this.smallTables = adoption.catch(() => {});
      return adoption;
    }
    return this.postAfter(item, before);
  }

  /** The item posted once `before`, every small table adoption before it, is. */
  private async postAfter(item: DimensionItem, before: Promise<unknown>): Promise<PostedDimension> {
    await before;
    if (item.kind === 'dimension') {
      if (item.table === 'subscriptions') await this.afterSubscriptionsLoading();
      // one shared buffer read by every shard (never pooled: a shard's store may keep views of it)
      const batch = packBatch(item.batch);
      return { dones: this.shards.map((shard) => shard.send({ type: 'dimension', table: item.table, batch })), position: item.batch.position };
    }
    const { table, path, batchSize, maxRecordBytes } = item;
    // not on a Kafka run's shards: a partition restored there numbers users the image does not
    if (table === 'subscriptions' && this.subscriptionsAdoptable && !this.partitionsMove) return this.adoptSubscriptions(item);
    if (table === 'subscriptions') await this.afterSubscriptionsLoading();
    const dones = this.shards.map((shard) => shard.readDimension({ table, path, batchSize, maxRecordBytes }));
    return { dones, position: readTo(item) };
  }

  /**
   * A small table's file (ad rates, payouts) applied by shard 0 and adopted by every other shard
   * as its image. Each shard applying the file ran the table's code cold on each: the loading
   * shard, which gets to its small tables only once the subscriptions are loaded, took 55-80 ms
   * for 5,000 payout rows, all of it before its first event, where adopting takes 1-20 ms. Resolves
   * once the images are posted, so nothing posted after reaches a shard before its table.
   */
  private async adoptSmallTable(item: DimensionFile, table: SmallTableName, before: Promise<unknown>): Promise<PostedDimension> {
    await before;
    const { path, batchSize, maxRecordBytes } = item;
    const position = readTo(item);
    const first = this.shards[0].readDimension({ table, path, batchSize, maxRecordBytes, image: true });
    const adopted = first.then((done) => {
      if (done.table === undefined) throw new InternalError(`shard 0 answered the ${table} file without its table`);
      const { image, applied, rejected } = done.table;
      return this.shards.slice(1).map((shard) => shard.adoptTable({ image, applied, rejected, position: position(done) }));
    });
    return { dones: [first, ...(await adopted)], position };
  }

  /**
   * Subscription rows (a batch, or a file not adopted) after a file still loading: sent once its
   * table is posted, or the table would overwrite them; none is adopted after them.
   */
  private async afterSubscriptionsLoading(): Promise<void> {
    this.subscriptionsAdoptable = false;
    await this.loading;
  }

  /**
   * A subscriptions file loaded once, on the last shard (into a table apart from its own: see
   * SubscriptionLoad), and adopted by every shard as one image: the table is loaded once, not once
   * per shard, and not on this thread, which answers queries meanwhile.
   */
  private async adoptSubscriptions(item: DimensionFile): Promise<PostedDimension> {
    // the last shard: shard 0 takes the first range of the events
    const loader = this.shards[this.shards.length - 1];
    const posted = loader.readSubscriptions({ path: item.path, batchSize: item.batchSize, maxRecordBytes: item.maxRecordBytes, bytes: item.bytes }).then(async (loaded) => {
      // posted to every shard at once, after every small table read on shard 0 by now (and so
      // before this message) is posted to the others: each shard takes the tables in one order
      for (let posted = this.smallTables; ; posted = this.smallTables) {
        await posted;
        if (posted === this.smallTables) break;
      }
      const position: SourcePosition = { origin: item.path, seq: loaded.lines, bytes: item.bytes, totalBytes: item.bytes };
      const adopt = { image: loaded.image, applied: loaded.applied, rejected: loaded.rejected.length, position };
      return { loaded, position, dones: this.shards.map((shard) => shard.adoptSubscriptions(adopt)) };
    });
    // settled once every shard has the table in its order: what a batch dealt later waits for (and
    // fails on, with the load's error, rather than fold events without the table); holding
    // nothing once settled, since the image is the shards' to keep, not this thread's
    const settled = posted.then(() => {});
    settled.catch(() => {});
    this.loading = settled;
    const { loaded, position, dones } = await posted;
    return { dones, position, letters: loaded.rejected };
  }
}
