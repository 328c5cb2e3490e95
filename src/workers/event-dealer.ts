import type { RawBatch } from '../domain/records/raw-batch.ts';
import { packBatch } from './packed-batch.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { ItemDone } from './shard-protocol.ts';
import type { ShardPartitions } from './shard-partitions.ts';
import type { Shard } from './shard.ts';

/** Where a batch goes: its shard, and the partition it is folded into there. */
export interface Placement {
  readonly shard: Shard;
  readonly partition: string;
}

/**
 * Deals event batches to the shards, at most `maxInFlight` waiting on each. With the source's
 * partitions (a Kafka run's), a batch goes to its partition's shard, in order, and waits for room
 * there; otherwise to the least busy shard, taking turns among equals, each shard its own
 * partition.
 */
export class EventDealer {
  private turn = 0;

  constructor(
    private readonly shards: readonly Shard[],
    private readonly partitions: ShardPartitions | null,
    private readonly maxInFlight: number,
    private readonly pool: BufferPool,
  ) {}

  /** Waits until the batch's shard has room; `check` after each wait (a thread may have failed). */
  async place(batch: RawBatch, check: () => void): Promise<Placement> {
    if (this.partitions !== null) {
      const partition = this.partitions.partitionOf(batch);
      const shard = this.shards[this.partitions.shardOf(partition)];
      // its requests count too: the partitions' restores and saves, which no dealing awaits
      while (shard.inFlight >= this.maxInFlight) {
        await shard.nextAnswer();
        check();
      }
      return { shard, partition };
    }
    while (this.shards.every((s) => s.inFlight >= this.maxInFlight)) {
      await Promise.race(this.shards.map((s) => s.nextAnswer()));
      check();
    }
    let pick = -1;
    for (let k = 0; k < this.shards.length; k++) {
      const candidate = (this.turn + k) % this.shards.length;
      if (pick === -1 || this.shards[candidate].inFlight < this.shards[pick].inFlight) pick = candidate;
    }
    this.turn = (pick + 1) % this.shards.length;
    return { shard: this.shards[pick], partition: String(pick) };
  }

  /**
   * Posts the batch where `place` put it, recording its partition's new point in the same step:
   * nothing (a save, a restore) can be posted between the two.
   */
  deal(batch: RawBatch, { shard, partition }: Placement): Promise<ItemDone> {
    this.partitions?.dealt(partition, batch);
    return shard.send({ type: 'events', partition, batch: packBatch(batch, this.pool) });
  }
}
