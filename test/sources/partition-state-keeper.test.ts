import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/errors.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { pipelineHost, type PartitionHost } from '../../src/sources/partition-host.ts';
import { PartitionStateKeeper, type PartitionStart } from '../../src/sources/partition-state-keeper.ts';
import type { PartitionStateRecord, PartitionStateStore, RestoredPartitionState } from '../../src/state/index.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { generateItems, type Items } from '../checkpoint/checkpoint-fixture.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let items: Items;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-keeper-');
  items = await generateItems(join(dir, 'data'));
});
afterAll(async () => {
  await removeTempDir(dir);
});

/** The state topic as the store shows it: the latest record per partition, steps checked as the store checks them. */
class FakeStore {
  readonly topic = 'events.g.state';
  readonly records = new Map<number, RestoredPartitionState>();
  readonly writes: { partition: number; record: PartitionStateRecord }[] = [];

  put(partition: number, record: PartitionStateRecord): void {
    this.records.set(partition, { ...record, state: JSON.parse(JSON.stringify(record.state)) as unknown, bytes: 1, chunks: 1, writtenAt: '' });
  }

  async write(partition: number, record: PartitionStateRecord): Promise<void> {
    const before = this.records.get(partition)?.step;
    if (before !== undefined && record.step <= before) throw new Error(`step ${record.step} is not above ${before}`);
    this.writes.push({ partition, record });
    this.put(partition, record);
  }

  async read(partitions: readonly number[]): Promise<Map<number, RestoredPartitionState>> {
    return new Map([...this.records].filter(([p]) => partitions.includes(p)));
  }

  async readAll(): Promise<Map<number, RestoredPartitionState>> {
    return new Map(this.records);
  }
}

/** A pipeline, a keeper over a fake store, and a source whose positions advance as batches are folded. */
function harness(store = new FakeStore(), discard = false, hostOf: (pipeline: Pipeline) => PartitionHost = pipelineHost) {
  let current = 0;
  const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 256, partitionOf: () => String(current) });
  const positions = new Map<number, PartitionStart>();
  const source = { idle: true, position: (p: number) => positions.get(p) ?? { offset: 0, folded: 0 }, whenIdle: () => Promise.resolve() };
  const keeper = new PartitionStateKeeper({
    store: async () => store as unknown as PartitionStateStore,
    host: hostOf(pipeline),
    source,
    topic: 'events',
    deadLetters: { unwrittenOf: () => 0, flush: () => Promise.resolve() },
    intervalMs: 0,
    discard,
    log: () => {},
  });
  const restore = async (partitions: number[]): Promise<Map<number, PartitionStart>> => {
    const starts = await keeper.restore(partitions);
    for (const [p, start] of starts) positions.set(p, start);
    return starts;
  };
  /** Folds `batch` into partition `p`, advancing its position as the source would. */
  const fold = async (p: number, batch: SourceItem): Promise<void> => {
    current = p;
    await pipeline.run([batch]);
    const at = positions.get(p) ?? { offset: 0, folded: 0 };
    positions.set(p, { offset: at.offset + batch.batch.count, folded: at.folded + batch.batch.count });
  };
  const written = async (): Promise<void> => {
    keeper.maybeWrite();
    await keeper.close();
  };
  /** The dimensions applied, then `partitions` restored, each folded one batch (its own), and given up: their records are in the store. */
  const stored = async (partitions: number[]): Promise<void> => {
    await pipeline.run(items.dims);
    await restore(partitions);
    for (const p of partitions) await fold(p, items.events[p]);
    await keeper.release();
  };
  return { store, pipeline, keeper, restore, fold, written, positions, stored };
}

describe('partition state keeper', () => {
  it('writes only the partitions that changed, each record with its offset, count and state taken together', async () => {
    const h = harness();
    await h.pipeline.run(items.dims);
    expect(await h.restore([0, 1])).toEqual(new Map([[0, { offset: 0, folded: 0 }], [1, { offset: 0, folded: 0 }]]));
    await h.fold(0, items.events[0]);
    await h.written();
    expect(h.store.writes.map((w) => [w.partition, w.record.step, w.record.offset])).toEqual([[0, 1, 500]]);
    const state = h.store.writes[0].record.state as { progress: { eventsRead: number }; deadLettersUnwritten: number };
    expect(state.progress.eventsRead).toBe(500);
    expect(state.deadLettersUnwritten).toBe(0);
    await h.written();
    expect(h.store.writes).toHaveLength(1);
  });

  it('keeps its own copy when the store holds the record it last wrote, takes the store\'s when another instance wrote on, and drops it when the store has none', async () => {
    const h = harness();
    await h.pipeline.run(items.dims);
    await h.restore([0]);
    await h.fold(0, items.events[0]);
    await h.keeper.release();
    const mine = JSON.stringify(h.pipeline.snapshot().reports);
    await h.restore([0]);
    expect(JSON.stringify(h.pipeline.snapshot().reports)).toBe(mine);

    // another instance restored that record, folded two more batches and wrote step 2
    const other = harness(h.store);
    await other.pipeline.run(items.dims);
    await other.restore([0]);
    expect(other.pipeline.snapshot().reports).toEqual(JSON.parse(mine));
    await other.fold(0, items.events[1]);
    await other.fold(0, items.events[2]);
    await other.keeper.release();
    expect(h.store.records.get(0)?.step).toBe(2);
    expect(await h.restore([0])).toEqual(new Map([[0, { offset: 1_500, folded: 1_500 }]]));
    expect(h.pipeline.snapshot().reports).toEqual(other.pipeline.snapshot().reports);
    expect(h.pipeline.snapshot().progress.events_read).toBe(1_500);

    h.store.records.clear();
    expect(await h.restore([0])).toEqual(new Map([[0, { offset: 0, folded: 0 }]]));
    expect(h.pipeline.snapshot().progress.events_read).toBe(0);
  });

  it('shows only the partitions it owns, and forgets copies of partitions assigned elsewhere', async () => {
    const h = harness();
    await h.pipeline.run(items.dims);
    await h.restore([0, 1]);
    await h.fold(0, items.events[0]);
    await h.fold(1, items.events[1]);
    expect(h.pipeline.snapshot().progress.events_read).toBe(1_000);
    await h.keeper.release();
    await h.restore([1]);
    expect(h.pipeline.snapshot().progress.events_read).toBe(500);
    expect(h.pipeline.reports.partitions()).toEqual(['1']);
  });

  it('refuses an invalid record naming the partition, and a record whose counters disagree with its count', async () => {
    const h = harness();
    await h.stored([0]);
    const good = h.store.records.get(0) as RestoredPartitionState;
    const fresh = harness(h.store);
    h.store.put(0, { ...good, step: 2, state: { ...(good.state as object), reports: { cached: {} } } });
    await expect(fresh.restore([0])).rejects.toThrow(CheckpointError);
    await expect(fresh.restore([0])).rejects.toThrow(/^saved state of partition 0 is invalid: partition 0\.reports\.cached\.\w+ must be present, got nothing$/);
    h.store.put(0, { ...good, step: 3, folded: good.folded + 1 });
    await expect(fresh.restore([0])).rejects.toThrow('saved state of partition 0 is invalid: partition 0.progress.eventsRead is 500, but its record says 501 events were folded: the state and the offset disagree');
  });

  it('on a host that refuses a restore after taking it (the shards), keeps nothing of that partition and never writes it', async () => {
    const h = harness();
    await h.stored([0, 1]);
    const written = h.store.writes.length;
    // the shards answer later: the refusal comes after the keeper took the partition
    const refusing = (pipeline: Pipeline): PartitionHost => {
      const inner = pipelineHost(pipeline);
      return { ...inner, restore: (p, saved, start) => (p === 1 ? Promise.reject(new CheckpointError('saved state of partition 1 is invalid: refused')) : Promise.resolve(inner.restore(p, saved, start))) };
    };
    const other = harness(h.store, false, refusing);
    await other.pipeline.run(items.dims);
    await expect(other.restore([0, 1])).rejects.toThrow('saved state of partition 1 is invalid: refused');
    expect(other.keeper.ownedPartitions()).toEqual([0]);
    // a close after the failed restore (the source failed on its own) writes nothing over partition 1's record
    other.positions.set(1, { offset: 0, folded: 0 });
    expect(await other.keeper.close()).toBe(true);
    expect(h.store.writes.slice(written).map((w) => w.partition)).not.toContain(1);
  });

  it('a save the host fails is a failed write, logged, never an unhandled rejection', async () => {
    const failing = (pipeline: Pipeline): PartitionHost => ({ ...pipelineHost(pipeline), save: () => Promise.reject(new Error('shard 0 failed')) });
    const h = harness(new FakeStore(), false, failing);
    await h.pipeline.run(items.dims);
    await h.restore([0]);
    await h.fold(0, items.events[0]);
    h.keeper.maybeWrite();
    expect(await h.keeper.close()).toBe(false);
    expect(h.store.writes).toEqual([]);
  });

  it('--discard-checkpoint: starts each stored partition over and writes a step above the discarded one, even unchanged', async () => {
    const h = harness();
    await h.pipeline.run(items.dims);
    await h.restore([0]);
    await h.fold(0, items.events[0]);
    await h.keeper.release();
    const d = harness(h.store, true);
    await d.pipeline.run(items.dims);
    expect(await d.restore([0])).toEqual(new Map([[0, { offset: 0, folded: 0 }]]));
    expect(d.pipeline.snapshot().progress.events_read).toBe(0);
    await d.keeper.release();
    expect(h.store.records.get(0)).toMatchObject({ step: 2, offset: 0, folded: 0 });
    // what it wrote after starting is not discarded again
    expect(await d.restore([0])).toEqual(new Map([[0, { offset: 0, folded: 0 }]]));
    await d.fold(0, items.events[4]);
    await d.keeper.release();
    expect(h.store.records.get(0)).toMatchObject({ step: 3, offset: 500, folded: 500 });
    expect(await harness(h.store, false).restore([0])).toEqual(new Map([[0, { offset: 500, folded: 500 }]]));
  });
});
