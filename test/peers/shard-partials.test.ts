import { describe, expect, it } from 'vitest';
import type { SavedPartition } from '../../src/pipeline.ts';
import { shardPartials, type HeldPosition } from '../../src/peers/index.ts';
import type { PartitionStart } from '../../src/sources/partition-state-keeper.ts';
import type { PartitionPoint } from '../../src/workers/shard-partitions.ts';

/** What a shard saves, reduced to what the answer passes on: a state naming its partition. */
const stateOf = (partition: string): SavedPartition => ({ reports: { partition } as unknown as SavedPartition['reports'], progress: {} as SavedPartition['progress'] });

/** Shards whose saves stand at `points`; `asked` records every save requested. */
function shards(points: Record<string, PartitionPoint>, asked: string[][] = []): Parameters<typeof shardPartials>[0] {
  return {
    save: (partitions) => {
      asked.push([...partitions]);
      return Promise.resolve(partitions.map((p) => ({ saved: stateOf(p), point: points[p] })));
    },
  };
}

const held = (positions: Record<number, HeldPosition>) => (): ReadonlyMap<number, HeldPosition> => new Map(Object.entries(positions).map(([p, at]) => [Number(p), at]));

describe('shardPartials', () => {
  it("takes the source's offset past trailing transaction markers when nothing was dealt since the saved point", async () => {
    // partition 0: 40 events dealt, the last at offset 41; offsets 42 and 43 are a commit marker and
    // an aborted batch's marker, which the source has read past (next 44) without dealing anything
    const source: Record<number, PartitionStart> = { 0: { offset: 44, folded: 40 } };
    const provider = shardPartials(shards({ '0': { offset: 42, folded: 40 } }), held({ 0: { offset: 44, end: 44 } }), (p) => source[p]);
    const answer = await provider.partials([0]);
    expect(answer.missing).toEqual([]);
    expect(answer.partitions['0']).toMatchObject({ offset: 44, end: 44, lag: 0 });
    expect(answer.partitions['0'].state).toEqual(stateOf('0').reports);
  });

  it("keeps the saved point's offset when the source has dealt other events than the state holds", async () => {
    // the state holds 40 events up to offset 41; the source counts 45 dealt, next offset 50
    const provider = shardPartials(shards({ '1': { offset: 42, folded: 40 } }), held({ 1: { offset: 50, end: 60 } }), () => ({ offset: 50, folded: 45 }));
    const answer = await provider.partials([1]);
    expect(answer.partitions['1']).toMatchObject({ offset: 42, end: 60, lag: 18 });
  });

  it('asks the shards only for partitions held, and names the others missing', async () => {
    const asked: string[][] = [];
    const points = { '2': { offset: 7, folded: 7 } };
    const provider = shardPartials(shards(points, asked), held({ 2: { offset: 7, end: 9 } }), () => ({ offset: 7, folded: 7 }));
    const answer = await provider.partials([2, 3]);
    expect(asked).toEqual([['2']]);
    expect(Object.keys(answer.partitions)).toEqual(['2']);
    expect(answer.partitions['2']).toMatchObject({ offset: 7, end: 9, lag: 2 });
    expect(answer.missing).toEqual([3]);
  });
});
