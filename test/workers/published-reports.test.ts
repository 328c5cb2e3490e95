import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/generator/index.ts';
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
