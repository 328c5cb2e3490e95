import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDictionaries } from '../../src/domain/dictionary.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { mergeGathered } from '../../src/peers/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { PublishedReports } from '../../src/workers/index.ts';
import { Publisher } from '../../src/workers/publisher.ts';
import type { Published } from '../../src/workers/shard-protocol.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let items: SourceItem[];

beforeAll(async () => {
  dir = await makeTempDir('streampulse-published-');
  await generateDataset({ outDir: dir, seed: 3, events: 12_000, users: 1_500, artists: 200 });
  items = [];
  for await (const item of readInputLayout(await resolveInputDir(dir), 400)) items.push(item);
}, 60_000);
afterAll(async () => {
  await removeTempDir(dir);
});

/** A shard's publish made in this thread, as shard-thread.ts posts it: through a structured clone. */
function publisher(shard: number, pipeline: Pipeline): () => Published {
  const p = new Publisher(shard, pipeline, ['cached']);
  return () => structuredClone(p.publish(new Map()));
}

async function shardedRun(): Promise<{ published: PublishedReports; single: Pipeline }> {
  const single = new Pipeline({ strategies: ['cached'], cacheSize: 500 });
  await single.run(items);
  const shards = [0, 1].map((s) => new Pipeline({ strategies: ['cached'], cacheSize: 500, partitionOf: () => String(s) }));
  const publish = shards.map((pipeline, s) => publisher(s, pipeline));
  const published = new PublishedReports(2, ['cached']);
  let dealt = 0;
  for (const item of items) {
    if (item.kind === 'dimension') {
      await shards[0].run([item]);
      await shards[1].run([item]);
      continue;
    }
    const s = dealt++ % 2;
    await shards[s].run([item]);
    // publish every few batches: later publishes carry only what changed since
    if (dealt % 3 === s) published.accept(publish[s]());
  }
  for (const s of [0, 1]) published.accept(publish[s]());
  return { published, single };
}

describe('PublishedReports: the shards\' publishes merged as they arrive', () => {
  it('equals one thread\'s reports when the shards number users alike, publish after publish', async () => {
    const { published, single } = await shardedRun();
    expect(published.reports('cached')).toEqual(single.snapshot().reports);
    expect(published.partitions().map((p) => p.progress.eventsRead).reduce((a, b) => a + b, 0)).toBe(12_000);
  });

  it('renders once per publish: queries between two publishes share one answer', async () => {
    const { published } = await shardedRun();
    const first = published.reports('cached');
    expect(published.reports('cached')).toBe(first);
  });
});

describe('PublishedReports where partitions move (a Kafka run on shards)', () => {
  /** The truth: every shard's held partitions, exported with their keys and merged afresh. */
  function truth(shards: readonly Pipeline[]): unknown {
    const states = new Map<number, unknown>();
    for (const shard of shards) {
      const held = shard.heldPartitions;
      for (const p of shard.reports.partitions()) if (held === null || held.includes(p)) states.set(Number(p), shard.exportPartition(p));
    }
    return mergeGathered(states, ['cached'], createDictionaries()).cached;
  }

  it('follows partitions restored, rewound, given up, held again and started over, exactly', async () => {
    let current = '0';
    const shards = [0, 1].map(() => new Pipeline({ strategies: ['cached'], cacheSize: 500, partitionOf: () => current }));
    const publish = shards.map((pipeline, s) => publisher(s, pipeline));
    const published = new PublishedReports(2, ['cached'], true);
    const events = items.filter((item) => item.kind === 'events');
    for (const item of items) if (item.kind === 'dimension') for (const shard of shards) await shard.run([item]);
    // partition k lives on shard k % 2, as ShardPartitions places them
    let dealt = 0;
    const fold = async (count: number, only?: string): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const k = only ?? String(dealt % 4);
        current = k;
        await shards[Number(k) % 2].run([events[dealt++ % events.length]]);
      }
    };
    const check = (): void => {
      for (const s of [0, 1]) published.accept(publish[s]());
      expect(published.reports('cached')).toEqual(truth(shards));
    };
    for (const shard of shards) shard.hold(['0', '1', '2', '3']);
    await fold(8);
    check();
    const saved = shards[0].savePartition('0');
    await fold(8);
    check();
    // rewound to an older point (a restore from the state topic): members it had since must go
    shards[0].restorePartition('0', structuredClone(saved));
    check();
    // given up: the merge goes on without partition 3's members
    shards[1].hold(['1']);
    await fold(4, '1');
    check();
    // held again, unchanged: its whole partial comes back
    shards[1].hold(['1', '3']);
    check();
    // started over, then folded anew
    shards[0].dropPartition('2');
    await fold(3, '2');
    check();
    await fold(10);
    check();
    expect(published.partitions().map((p) => p.partition)).toEqual(['0', '1', '2', '3']);
  });

  it('refuses a partition that leaves where partitions never move (a replay\'s shards)', () => {
    const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 500, partitionOf: () => '0' });
    const publish = publisher(0, pipeline);
    const published = new PublishedReports(1, ['cached']);
    pipeline.reports.reportSet('cached', '0');
    published.accept(publish());
    pipeline.dropPartition('0');
    published.accept(publish());
    expect(() => published.reports('cached')).toThrow(/never move/);
  });
});
