import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetDir, type DatasetConfig } from '../../src/config.ts';
import { FILE_NAMES } from '../../src/generator/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { FileSource, type FileSourceOptions } from '../../src/sources/file-source.ts';
import type { SourceItem } from '../../topology/ports.ts';
import type { RunItem } from '../../src/live-pipeline.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const DATASET: DatasetConfig = { seed: 11, events: 5_000, users: 800, artists: 120 };
let root: string;
let dataDir: string;

const options = (overrides: Partial<FileSourceOptions> = {}): FileSourceOptions => ({
  input: null,
  generate: DATASET,
  dataDir,
  format: 'auto',
  batchSize: 700,
  maxRecordBytes: 1 << 20,
  allowEmpty: false,
  showProgress: false,
  deadLetters: { write: () => {} },
  log: () => {},
  ...overrides,
});

/** The lines of a generated NDJSON file, counted from the file itself. */
async function lineCount(path: string): Promise<number> {
  return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '').length;
}

beforeAll(async () => {
  root = await makeTempDir('streampulse-file-source-');
  dataDir = join(root, 'home');
});
afterAll(async () => {
  await removeTempDir(root);
});

describe('FileSource', () => {
  it('generates the dataset, replays the dimension tables then every event, and ends finished with a clean outcome', async () => {
    const source = await FileSource.open(options());
    const dir = datasetDir(dataDir, DATASET);
    const eventsFile = join(dir, FILE_NAMES.events);
    expect(source.describe()).toEqual({ input: dir, file: null, line: 0 });

    const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 500, deadLetters: source.deadLetters, describeSource: () => source.describe() });
    source.attach(pipeline);
    const kinds: string[] = [];
    const counted = new Map<string, number>();
    const seen = async function* (items: AsyncIterable<RunItem>): AsyncGenerator<SourceItem> {
      for await (const item of items) {
        if (item.kind === 'event-file' || item.kind === 'dimension-file') throw new Error('a main-thread pipeline is handed batches, not files');
        const name = item.kind === 'events' ? 'events' : item.table;
        kinds.push(item.kind);
        counted.set(name, (counted.get(name) ?? 0) + item.batch.count);
        yield item;
      }
    };
    const totals: number[] = [];
    const values: number[] = [];
    await pipeline.run(seen(source.items()), (p) => {
      totals.push(source.progress.total(p));
      values.push(source.progress.value(p));
    });

    // every dimension batch before the first event batch, and every line of every file read once
    expect(kinds.indexOf('events')).toBe(kinds.lastIndexOf('dimension') + 1);
    for (const table of ['subscriptions', 'ad_rates', 'payouts', 'events'] as const) {
      expect(counted.get(table), table).toBe(await lineCount(join(dir, FILE_NAMES[table])));
    }
    expect(pipeline.snapshot().progress.events_read).toBe(DATASET.events);

    // text input is measured in bytes: the events file's size, reached at the last batch
    const size = (await stat(eventsFile)).size;
    expect(source.progress.unit).toBe('bytes');
    expect(new Set(totals)).toEqual(new Set([size]));
    expect(values.at(-1)).toBe(size);
    expect(values).toEqual([...values].sort((a, b) => a - b));

    expect(source.describe()).toEqual({ input: dir, file: eventsFile, line: DATASET.events, bytes: size });
    expect(pipeline.snapshot().progress.source).toEqual(source.describe());
    expect(source.finished).toBe(true);
    expect(source.health()).toEqual({ state: 'done' });
    expect(await source.close()).toEqual({ checkpointed: true, neverStarted: false, deadLettersUnwritten: null, emptyRun: null });
  });

  it('ends its items at once when stopped, not finished, and claims no verdict', async () => {
    const source = await FileSource.open(options({ batchSize: 100 }));
    const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 500 });
    source.attach(pipeline);
    let eventBatches = 0;
    await pipeline.run(source.items(), (p) => {
      if (p.batchEvents > 0 && ++eventBatches === 3) source.stop();
    });
    // the stop lands between batches: not one more is read
    expect(eventBatches).toBe(3);
    expect(pipeline.snapshot().progress.events_read).toBe(300);
    expect(source.finished).toBe(false);
    expect(source.health()).toMatchObject({ state: 'stopped' });
    expect((await source.close()).emptyRun).toBeNull();
  });

  it('abandons a read in progress when stopped: the pending item is the end', async () => {
    const source = await FileSource.open(options());
    source.attach(new Pipeline({ strategies: ['cached'], cacheSize: 500 }));
    const items = source.items()[Symbol.asyncIterator]();
    // the first read needs the disk; the stop lands while it is pending
    const first = items.next();
    source.stop();
    expect(await first).toEqual({ done: true, value: undefined });
    expect(source.describe().file).toBeNull();
    expect(source.finished).toBe(false);
  });

  it('says at close when a dimension table has no valid row, unless allowEmpty', async () => {
    const input = join(root, 'no-payouts');
    await mkdir(input);
    const dir = datasetDir(dataDir, DATASET);
    for (const table of ['subscriptions', 'ad_rates'] as const) await copyFile(join(dir, FILE_NAMES[table]), join(input, FILE_NAMES[table]));
    await writeFile(join(input, FILE_NAMES.payouts), '');
    await writeFile(join(input, FILE_NAMES.events), '');
    for (const allowEmpty of [false, true]) {
      const source = await FileSource.open(options({ input, allowEmpty }));
      const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 500 });
      source.attach(pipeline);
      await pipeline.run(source.items());
      const { emptyRun } = await source.close();
      if (allowEmpty) expect(emptyRun).toBeNull();
      else expect(emptyRun).toMatchObject({ code: 'SP_DIMENSION', message: expect.stringContaining('the payouts table has no valid row') });
    }
  });
});
