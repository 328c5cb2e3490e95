import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../src/generator/index.ts';
import { Pipeline } from '../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../src/sources/input-dir.ts';
import type { SourceItem } from '../topology/ports.ts';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.ts';

let dir: string;
let items: SourceItem[];

beforeAll(async () => {
  dir = await makeTempDir('streampulse-state-');
  await generateDataset({ outDir: dir, seed: 21, events: 20_000, users: 4_000, artists: 500 });
  items = [];
  for await (const item of readInputLayout(await resolveInputDir(dir), 1_000)) items.push(item);
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('pipeline state export and import', () => {
  it('resumes from an exported state to the same final reports as an uninterrupted run', async () => {
    const whole = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 100 });
    await whole.run(items);

    const dims = items.filter((i) => i.kind === 'dimension');
    const events = items.filter((i) => i.kind === 'events');
    const first = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 100 });
    await first.run([...dims, ...events.slice(0, 9)]);
    const saved = JSON.parse(JSON.stringify(first.exportState()));

    // a fresh process: restore the state, re-read the dimensions, continue with the rest
    const resumed = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 100 });
    resumed.importState(saved);
    await resumed.run([...dims].reverse());
    await resumed.run(events.slice(9));

    for (const s of ['cached', 'naive'] as const) {
      expect(resumed.snapshot(s).reports).toEqual(whole.snapshot(s).reports);
      expect(resumed.snapshot(s).progress.strategies).toEqual(whole.snapshot(s).progress.strategies);
    }
    expect(resumed.progress.view().events_read).toBe(20_000);
  });

  it('refuses to restore into a pipeline that already has input', async () => {
    const p = new Pipeline({ strategies: ['cached'], cacheSize: 100 });
    await p.run(items.slice(0, 5));
    const state = p.exportState();
    const used = new Pipeline({ strategies: ['cached'], cacheSize: 100 });
    await used.run(items);
    expect(() => used.importState(state)).toThrow(/before any input/);
  });
  it('takes a subscription table loaded elsewhere before any event, and refuses one after', async () => {
    const dims = items.filter((i) => i.kind === 'dimension');
    const events = items.filter((i) => i.kind === 'events');
    const whole = new Pipeline({ strategies: ['cached'], cacheSize: 100 });
    await whole.run(items);
    const loader = new Pipeline({ strategies: ['cached'], cacheSize: 100 });
    await loader.run(dims.filter((i) => i.table === 'subscriptions'));
    const image = loader.dims.subscriptions.image();
    const position = { origin: 'subscriptions.ndjson', seq: 4_000 };
    const adopter = new Pipeline({ strategies: ['cached'], cacheSize: 100 });
    adopter.adoptSubscriptions(image, 4_000, 0, position);
    await adopter.run([...dims.filter((i) => i.table !== 'subscriptions'), ...events]);
    expect(adopter.snapshot('cached').reports).toEqual(whole.snapshot('cached').reports);
    expect(adopter.snapshot('cached').progress.dimensions).toEqual(whole.snapshot('cached').progress.dimensions);
    expect(() => adopter.adoptSubscriptions(image, 4_000, 0, position)).toThrow(/before any event/);
  });
});
