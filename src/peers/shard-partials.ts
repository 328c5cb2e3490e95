import { statePoint } from '../sources/partition-host.ts';
import type { PartitionStart } from '../sources/partition-state-keeper.ts';
import type { ShardPartitions } from '../workers/shard-partitions.ts';
import type { HeldPosition } from './pipeline-partials.ts';
import type { PartialsProvider, PartitionPartial, PeerAnswer } from './peer-answer.ts';

/**
 * What an instance whose partitions live on its shards answers its peers: each partition held
 * (as `held` says when the request comes), saved by its shard after the batches dealt it before
 * the request, with the offset those batches reach: one consistent point per partition.
 *
 * The offset is the state keeper's (statePoint): the source's own when it has dealt nothing since
 * the saved point, so it passes the transaction markers after the last batch, which the batches'
 * offsets stop short of (a transactional topic would otherwise show a lag of one forever).
 */
export function shardPartials(partitions: Pick<ShardPartitions, 'save'>, held: () => ReadonlyMap<number, HeldPosition>, source: (partition: number) => PartitionStart): PartialsProvider {
  return {
    async partials(asked: readonly number[]): Promise<PeerAnswer> {
      const now = held();
      const mine = asked.filter((p) => now.has(p));
      // read in the same step as the save is posted: no batch is dealt in between
      const dealt = mine.map(source);
      const saved = await partitions.save(mine.map(String));
      const given: Record<string, PartitionPartial> = {};
      mine.forEach((partition, i) => {
        const { end } = now.get(partition) as HeldPosition;
        const { offset } = statePoint(dealt[i], saved[i].point);
        given[String(partition)] = { state: saved[i].saved.reports, offset, end, lag: Math.max(0, end - offset) };
      });
      return { partitions: given, missing: asked.filter((p) => !now.has(p)) };
    },
  };
}
