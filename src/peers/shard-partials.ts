import type { ShardPartitions } from '../workers/shard-partitions.ts';
import type { HeldPosition } from './pipeline-partials.ts';
import type { PartialsProvider, PartitionPartial, PeerAnswer } from './peer-answer.ts';

/**
 * What an instance whose partitions live on its shards answers its peers: each partition held
 * (as `held` says when the request comes), saved by its shard after the batches dealt it before
 * the request, with the offset those batches reach: one consistent point per partition.
 */
export function shardPartials(partitions: ShardPartitions, held: () => ReadonlyMap<number, HeldPosition>): PartialsProvider {
  return {
    async partials(asked: readonly number[]): Promise<PeerAnswer> {
      const now = held();
      const mine = asked.filter((p) => now.has(p));
      const saved = await partitions.save(mine.map(String));
      const given: Record<string, PartitionPartial> = {};
      mine.forEach((partition, i) => {
        const { end } = now.get(partition) as HeldPosition;
        const { offset } = saved[i].point;
        given[String(partition)] = { state: saved[i].saved.reports, offset, end, lag: Math.max(0, end - offset) };
      });
      return { partitions: given, missing: asked.filter((p) => !now.has(p)) };
    },
  };
}
