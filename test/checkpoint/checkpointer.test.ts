import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, type Checkpoint } from '../../src/checkpoint/checkpoint-file.ts';
import { Checkpointer } from '../../src/checkpoint/checkpointer.ts';
import type { Strategy } from '../../src/domain/run-progress.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { generateItems, newPipeline, PartitionedFeed, writeRealCheckpoint, type Items } from './checkpoint-fixture.ts';

const BOTH: readonly Strategy[] = ['cached', 'naive'];
const expectation = { group: 'g', topic: 't', strategies: BOTH };
let dir: string;
let items: Items;
let file = 0;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-checkpointer-');
  items = await generateItems(join(dir, 'data'));
});
afterAll(async () => {
  await removeTempDir(dir);
});

const fresh = (): string => join(dir, `checkpoint-${++file}.json`);
const onDisk = (path: string): Checkpoint => JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;

describe('Checkpointer', () => {
  it('round-trips a real checkpoint: restored, resumed and finished, the reports equal an uninterrupted run', async () => {
    const whole = newPipeline(BOTH);
    await whole.run([...items.dims, ...items.events]);

    const path = fresh();
    const first = newPipeline(BOTH);
    await first.run(items.dims);
    const feed = new PartitionedFeed(first);
    const logs: string[] = [];
    const checkpointer = new Checkpointer(first, { path, group: 'g', topic: 't', intervalMs: 60_000, offsets: () => ({ ...feed.offsets }), log: (l) => logs.push(l) });
    const steps: number[] = [];
    for (const slice of [items.events.slice(0, 2), items.events.slice(2, 5)]) {
      await feed.feed(slice);
      await checkpointer.checkpointNow();
      steps.push(onDisk(path).step);
    }
    expect(steps).toEqual([1, 2]);
    expect(logs).toEqual([]);

    // a fresh process: the file is validated on the way in and restores the same reports
    const restored = readCheckpoint(path, expectation) as Checkpoint;
    const eventsFolded = items.events.slice(0, 5).reduce((n, item) => n + item.batch.count, 0);
    expect(Object.values(restored.folded).reduce((a, b) => a + b, 0)).toBe(eventsFolded);
    expect(restored.offsets).toEqual(feed.offsets);
    const resumed = newPipeline(BOTH);
    resumed.importState(restored.state);
    for (const s of BOTH) expect(resumed.snapshot(s).reports).toEqual(first.snapshot(s).reports);

    await resumed.run(items.dims);
    const resumedFeed = new PartitionedFeed(resumed, restored.offsets);
    const next = new Checkpointer(resumed, { path, group: 'g', topic: 't', intervalMs: 60_000, previous: restored, offsets: () => ({ ...resumedFeed.offsets }), log: (l) => logs.push(l) });
    await resumedFeed.feed(items.events.slice(5));
    await next.checkpointNow();
    expect(logs).toEqual([]);
    const last = readCheckpoint(path, expectation) as Checkpoint;
    expect(last.step).toBe(3);
    expect(Object.values(last.folded).reduce((a, b) => a + b, 0)).toBe(6_000);
    for (const s of BOTH) {
      expect(resumed.snapshot(s).reports).toEqual(whole.snapshot(s).reports);
      expect(resumed.snapshot(s).progress.strategies).toEqual(whole.snapshot(s).progress.strategies);
    }
  });

  it('refuses to write offsets that go back from the checkpoint it resumed from', async () => {
    const { checkpoint } = await writeRealCheckpoint(fresh(), items, { strategies: BOTH, eventBatches: 4 });
    const path = fresh();
    const logs: string[] = [];
    const lower = { ...checkpoint.offsets, '1': checkpoint.offsets['1'] - 1 };
    const checkpointer = new Checkpointer(newPipeline(BOTH), { path, group: 'g', topic: 't', intervalMs: 0, previous: checkpoint, offsets: () => lower, log: (l) => logs.push(l) });
    await checkpointer.checkpointNow();
    expect(logs).toEqual([`checkpoint to ${path} refused, not written: the offset of partition 1 would go back from ${checkpoint.offsets['1']} to ${lower['1']} [SP_INTERNAL]`]);
    expect(existsSync(path)).toBe(false);
    expect(checkpointer.stats.written).toBe(0);
  });

  it('refuses offsets going back from the last one it wrote, and keeps the file it wrote', async () => {
    const path = fresh();
    const pipeline = newPipeline(BOTH);
    await pipeline.run(items.dims);
    const feed = new PartitionedFeed(pipeline);
    await feed.feed(items.events.slice(0, 3));
    let offsets: Record<string, number> = { ...feed.offsets };
    const logs: string[] = [];
    const checkpointer = new Checkpointer(pipeline, { path, group: 'g', topic: 't', intervalMs: 0, offsets: () => offsets, log: (l) => logs.push(l) });
    await checkpointer.checkpointNow();
    const written = readFileSync(path, 'utf8');
    offsets = { ...offsets };
    delete offsets['2'];
    await checkpointer.checkpointNow();
    expect(logs).toEqual([`checkpoint to ${path} refused, not written: the offset of partition 2 would go back from ${feed.offsets['2']} to nothing [SP_INTERNAL]`]);
    expect(readFileSync(path, 'utf8')).toBe(written);
    // the next good one carries on with the next step
    offsets = { ...feed.offsets };
    await checkpointer.checkpointNow();
    expect(onDisk(path).step).toBe(2);
  });

  it('never writes a checkpoint whose offsets disagree with the events the state folded', async () => {
    const path = fresh();
    const pipeline = newPipeline(BOTH);
    await pipeline.run(items.dims);
    const feed = new PartitionedFeed(pipeline);
    await feed.feed(items.events.slice(0, 2));
    const logs: string[] = [];
    const checkpointer = new Checkpointer(pipeline, { path, group: 'g', topic: 't', intervalMs: 0, offsets: () => ({ ...feed.offsets, '0': feed.offsets['0'] + 10 }), log: (l) => logs.push(l) });
    await checkpointer.checkpointNow();
    expect(logs).toEqual([
      `checkpoint to ${path} refused, not written: the checkpoint would be invalid: state.progress.eventsRead must equal the events folded per partition (1010), got 1000: the state and the offsets disagree [SP_INTERNAL]`,
    ]);
    expect(existsSync(path)).toBe(false);
  });
});
