import type { Pipeline, SavedPartition } from '../pipeline.ts';
import type { ShardPartitions } from '../workers/shard-partitions.ts';
import type { PartitionStart } from './partition-state-keeper.ts';

/**
 * Where a Kafka run's partition states live while it owns them: this thread's pipeline, or the
 * shards. A change or a save applies after every batch handed over before it and before any
 * after it, whether it is done at once (this thread) or posted in order with those batches (a
 * shard); the promises say when it is done, or why it was refused.
 */
export interface PartitionHost {
  /** Replaces the partition's state with a saved one (validated by the host), or starts it over (`saved` null). */
  restore(partition: number, saved: unknown, start: PartitionStart): void | Promise<void>;
  /** Forgets the partition's copy (it went elsewhere). */
  drop(partition: number): void | Promise<void>;
  /** Snapshots show only these partitions from now on. */
  hold(partitions: readonly number[]): void | Promise<void>;
  /** The partitions' states as of this call. */
  save(partitions: readonly number[]): Promise<readonly SavedPartition[]>;
  /** Where the partition's state stands as of this call, when the host knows (the shards: what was dealt them). */
  position(partition: number): PartitionStart | undefined;
}

/** The partitions in this thread's pipeline: every change is made at once, between batches. */
export function pipelineHost(pipeline: Pipeline): PartitionHost {
  return {
    restore: (partition, saved) => (saved === null ? pipeline.dropPartition(String(partition)) : pipeline.restorePartition(String(partition), saved)),
    drop: (partition) => pipeline.dropPartition(String(partition)),
    hold: (partitions) => pipeline.hold(partitions.map(String)),
    // taken now, synchronously: the promise only carries it
    save: (partitions) => Promise.resolve(partitions.map((p) => pipeline.savePartition(String(p)))),
    position: () => undefined,
  };
}

/** The partitions on the shards: each change is posted to the partition's shard, in order with its batches. */
export function shardHost(partitions: ShardPartitions, topic: string): PartitionHost {
  return {
    restore: (partition, saved, start) => partitions.restore(String(partition), saved, start, `${topic}/${partition}`),
    drop: (partition) => partitions.drop(String(partition)),
    hold: (held) => partitions.hold(held.map(String)),
    save: async (held) => (await partitions.save(held.map(String))).map((s) => s.saved),
    position: (partition) => partitions.point(String(partition)),
  };
}

/**
 * Where a partition's state stands, from the source's position and the host's point (what was
 * dealt it; undefined: the host keeps none, its state is the source's as of each call). When every
 * batch the source handed out is in the state, the source's offset is the state's: it also passes
 * the transaction markers after the last batch, which hand out no batch.
 */
export function statePoint(source: PartitionStart, host: PartitionStart | undefined): PartitionStart {
  return host === undefined || host.folded === source.folded ? source : host;
}
