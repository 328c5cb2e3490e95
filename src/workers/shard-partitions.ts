import type { PartitionOf } from '../domain/partitioned-reports.ts';
import type { RawBatch } from '../domain/records/raw-batch.ts';
import { InternalError } from '../errors.ts';
import type { SavedPartition } from '../pipeline.ts';
import type { Shard } from './shard.ts';
import { firstDisagreeing } from './user-numbering.ts';

/** Where a partition's state stands: its next offset and the events folded into it. */
export interface PartitionPoint {
  readonly offset: number;
  readonly folded: number;
}

/**
 * A Kafka run's partitions on the shards. Each partition lives on one shard, its number modulo
 * the shards, so its batches are folded in order by one thread, and its state is changed, saved
 * or exported by requests posted to that shard, which takes them in order with the batches. A
 * request therefore sees exactly the batches posted before it: the point recorded here when it
 * is posted (the last batch's next offset, and the events dealt) is the point of the state it
 * answers with, however many batches are still queued ahead of it.
 */
export class ShardPartitions {
  private readonly points = new Map<string, PartitionPoint>();

  constructor(
    private readonly shards: readonly Shard[],
    readonly partitionOf: PartitionOf,
  ) {}

  /** The shard a partition lives on. */
  shardOf(partition: string): number {
    const n = Number(partition);
    if (!Number.isInteger(n) || n < 0) throw new InternalError(`partition ${JSON.stringify(partition)} is not a partition number`);
    return n % this.shards.length;
  }

  /** A batch of `partition` is being posted to its shard: its state will stand after it. */
  dealt(partition: string, batch: RawBatch): void {
    const before = this.points.get(partition);
    this.points.set(partition, { offset: batch.position.seq + 1, folded: (before?.folded ?? 0) + batch.count });
  }

  /** Where the partition's state stands once every batch posted so far is folded; undefined before its restore. */
  point(partition: string): PartitionPoint | undefined {
    return this.points.get(partition);
  }

  /**
   * Replaces the partition's state with a saved one (validated by its shard), or starts it over
   * (`saved` null), at `start` (of `origin`, its topic-partition). The users the saved state names are numbered first, on every
   * shard alike, as dimension rows are: distinct sets are united word by word across shards.
   */
  async restore(partition: string, saved: unknown, start: PartitionPoint, origin: string): Promise<void> {
    const users = saved === null ? [] : usersOf(saved);
    const numbered = users.length === 0 ? [] : this.shards.map((shard) => shard.numberUsers(users));
    const before = this.points.get(partition);
    // the position a batch ending just before `start` would leave, as the shard's publishes show it
    const restored = this.shards[this.shardOf(partition)].restorePartition(partition, saved, { origin, seq: start.offset - 1 }).catch((error: unknown) => {
      // refused: the shard changed nothing, and neither does this
      if (before === undefined) this.points.delete(partition);
      else this.points.set(partition, before);
      throw error;
    });
    this.points.set(partition, start);
    const [numberings] = await settleAll([Promise.all(numbered), restored]);
    const disagreeing = firstDisagreeing(numberings.map((d) => d.users));
    if (disagreeing !== -1) throw new InternalError(`shards 0 and ${disagreeing} number users differently after restoring partition ${partition}`);
  }

  /** Forgets the partition's copy (it went elsewhere). */
  async drop(partition: string): Promise<void> {
    this.points.delete(partition);
    await this.shards[this.shardOf(partition)].dropPartition(partition);
  }

  /** Every shard shows only these partitions from now on. */
  async hold(partitions: readonly string[]): Promise<void> {
    await Promise.all(this.shards.map((shard) => shard.hold(partitions)));
  }

  /** The partitions' states, each with the point it stands at (both as of this call). */
  async save(partitions: readonly string[]): Promise<{ readonly saved: SavedPartition; readonly point: PartitionPoint }[]> {
    const points = partitions.map((p) => this.points.get(p) ?? { offset: 0, folded: 0 });
    const byShard = new Map<number, string[]>();
    for (const p of partitions) {
      const shard = this.shardOf(p);
      const mine = byShard.get(shard);
      if (mine === undefined) byShard.set(shard, [p]);
      else mine.push(p);
    }
    const answers = new Map<string, SavedPartition>();
    await Promise.all(
      [...byShard].map(async ([shard, mine]) => {
        const states = await this.shards[shard].savePartitions(mine);
        mine.forEach((p, i) => answers.set(p, states[i]));
      }),
    );
    return partitions.map((p, i) => ({ saved: answers.get(p) as SavedPartition, point: points[i] }));
  }
}

/** Waits for every promise, then rejects with the first failure (none is left unhandled), or resolves with all. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * The users a saved partition state names (its distinct sets' `users` lists), as its restore
 * will number them. Read before the state is validated (its shard validates it): anything that is
 * not a list of strings is left for that validation to refuse.
 */
export function usersOf(saved: unknown): string[] {
  const users = new Set<string>();
  const reports = (saved as { reports?: unknown } | null)?.reports;
  if (typeof reports !== 'object' || reports === null) return [];
  for (const set of Object.values(reports)) {
    if (typeof set !== 'object' || set === null) continue;
    for (const aggregate of Object.values(set)) {
      const list = (aggregate as { users?: unknown } | null)?.users;
      if (!Array.isArray(list)) continue;
      for (const user of list) if (typeof user === 'string') users.add(user);
    }
  }
  return [...users];
}
