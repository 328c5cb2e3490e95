import type { Worker } from 'node:worker_threads';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/domain/records/rejection.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { generateDataset } from '../../src/generator/index.ts';
import type { RunItem } from '../../src/live-pipeline.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, readInputLayoutHandingOn, resolveInputDir } from '../../src/sources/input-dir.ts';
import { ShardedPipeline } from '../../src/workers/index.ts';
import { splitRanges } from '../../src/workers/split-read.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let clean: string;
let dirty: string;
let oracle: Reports;
/** Bad lines written (blank ones are skipped, not rejected). */
let rejectable = 0;
const EVENTS = 40_000;
const MAX_RECORD_BYTES = 2_000;
/** Bad lines put among the events, spread so that most ranges of the split hold some. */
const BAD = ['not json', '[1,2]', '{"event_id":"x1","user_id":"USR-000001"}', JSON.stringify({ pad: 'z'.repeat(3_000) }), ''];

beforeAll(async () => {
  clean = await makeTempDir('streampulse-split-');
  await generateDataset({ outDir: clean, seed: 23, events: EVENTS, users: 4_000, artists: 400 });
  oracle = await computeReportsWithDuckDB(clean);
  dirty = await makeTempDir('streampulse-split-dirty-');
  await writeFile(join(dirty, 'ad_rates.ndjson'), await readFile(join(clean, 'ad_rates.ndjson')));
  // bad dimension rows too: every shard reads the table (or adopts one load of it), but its dead
  // letters are written once, and before the events' even when the shards start reading them first
  const payouts = (await readFile(join(clean, 'payouts.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
  payouts.splice(10, 0, '{"artist_id":"ART-bad"}');
  await writeFile(join(dirty, 'payouts.ndjson'), payouts.join('\n') + '\n');
  const subscriptions = (await readFile(join(clean, 'subscriptions.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
  subscriptions.splice(1_000, 0, 'not a row');
  subscriptions.splice(3_000, 0, '{"user_id":"USR-999999"}');
  await writeFile(join(dirty, 'subscriptions.ndjson'), subscriptions.join('\n') + '\n');
  const lines = (await readFile(join(clean, 'events.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
  const mixed: string[] = [];
  lines.forEach((line, i) => {
    if (i % 997 === 500) {
      const bad = BAD[Math.floor(i / 997) % BAD.length];
      if (bad !== '') rejectable++;
      mixed.push(bad);
    }
    mixed.push(line);
  });
  await writeFile(join(dirty, 'events.ndjson'), mixed.join('\n') + '\n');
}, 120_000);
afterAll(async () => {
  await removeTempDir(clean);
  await removeTempDir(dirty);
});

const key = (l: DeadLetter): string => `${l.origin}:${l.seq}:${l.reason}`;
/** The lines the run says it read of the events file, blank ones included. */
const progressLines = (pipeline: ShardedPipeline): number | undefined => pipeline.snapshot().progress.position?.seq;

async function eventFile(input: string, signal: AbortSignal): Promise<AsyncIterable<RunItem>> {
  return readInputLayoutHandingOn(await resolveInputDir(input), 1_000, MAX_RECORD_BYTES, (path, bytes) => ({ kind: 'event-file', path, bytes, batchSize: 1_000, maxRecordBytes: MAX_RECORD_BYTES, signal }));
}

describe('splitRanges', () => {
  it('covers a file exactly, in file order, in ranges of 64 KiB to 16 MiB', () => {
    for (const [bytes, shards] of [[1, 2], [5_000_000, 2], [116_000_000, 2], [116_000_000, 3], [2_000_000_000, 4]] as const) {
      const ranges = splitRanges(bytes, shards);
      expect(ranges[0].start).toBe(0);
      expect(ranges.at(-1)?.end).toBe(bytes);
      for (let r = 1; r < ranges.length; r++) expect(ranges[r].start).toBe(ranges[r - 1].end);
      for (const range of ranges.slice(0, -1)) expect(range.end - range.start).toBeGreaterThanOrEqual(Math.min(bytes, 1 << 16));
      for (const range of ranges) expect(range.end - range.start).toBeLessThanOrEqual(16 << 20);
    }
    // enough ranges that shards end within a range's time of each other
    expect(splitRanges(116_000_000, 2).length).toBeGreaterThanOrEqual(16);
  });
});

describe('ShardedPipeline reading an events file itself', () => {
  it('gives the reports of the DuckDB oracle, and the dead letters of one thread reading the files (with their line numbers, a dimension row\'s once)', async () => {
    const fromShards: DeadLetter[] = [];
    const pipeline = new ShardedPipeline({ strategies: ['cached'], cacheSize: 2_000, workers: 2, publishMs: 5, deadLetters: { write: (letters) => void fromShards.push(...letters) } });
    const positions: number[] = [];
    await pipeline.run(await eventFile(dirty, new AbortController().signal), (p) => void positions.push(p.position.bytes ?? -1));
    const fromOne: DeadLetter[] = [];
    const one = new Pipeline({ strategies: ['cached'], cacheSize: 2_000, deadLetters: { write: (letters) => void fromOne.push(...letters) } });
    await one.run(readInputLayout(await resolveInputDir(dirty), 1_000, MAX_RECORD_BYTES));

    expect(pipeline.snapshot().reports).toEqual(oracle);
    expect(rejectable).toBeGreaterThan(20);
    expect(fromOne.filter((l) => l.table === 'events')).toHaveLength(rejectable);
    expect(fromOne.filter((l) => l.table === 'subscriptions').map((l) => l.seq)).toEqual([1_001, 3_001]);
    expect(fromOne.filter((l) => l.table === 'payouts').map((l) => l.seq)).toEqual([11]);
    // the same letters in the same order: a range's go out once every range before it is read
    expect(fromShards.map(key)).toEqual(fromOne.map(key));
    expect(progressLines(pipeline)).toBe((await readFile(join(dirty, 'events.ndjson'), 'utf8')).split('\n').length - 1);
    const { progress } = pipeline.snapshot();
    expect(progress.events_read).toBe(one.snapshot().progress.events_read);
    expect(progress.dimensions).toEqual(one.snapshot().progress.dimensions);
    expect(progress.done).toBe(true);
    // both shards read ranges; between them they read the whole file, and the progress never went back
    for (const shard of progress.shards ?? []) expect(shard.events_read).toBeGreaterThan(0);
    const size = (await stat(join(dirty, 'events.ndjson'))).size;
    expect(progress.position?.bytes).toBe(size);
    expect(positions.at(-1)).toBe(size);
    expect(positions.every((p, i) => i === 0 || p >= positions[i - 1])).toBe(true);
  }, 120_000);

  it('stops reading when the item is aborted, ending with a consistent part of the file', async () => {
    const stop = new AbortController();
    const pipeline = new ShardedPipeline({ strategies: ['cached'], cacheSize: 2_000, workers: 2, publishMs: 5 });
    let batches = 0;
    await pipeline.run(await eventFile(clean, stop.signal), () => {
      if (++batches === 3) stop.abort();
    });
    const { progress, reports } = pipeline.snapshot();
    expect(progress.events_read).toBeGreaterThan(0);
    expect(progress.events_read).toBeLessThan(EVENTS);
    const streams = reports.daily_summary.reduce((sum, row) => sum + row.streams, 0);
    expect(streams).toBe(progress.strategies.cached?.counted);
    await pipeline.dispose();
  }, 60_000);

  it('numbers every dead letter of a stopped read by its line in the file, those behind a range stopped partway too', async () => {
    const stop = new AbortController();
    const letters: DeadLetter[] = [];
    const pipeline = new ShardedPipeline({ strategies: ['cached'], cacheSize: 2_000, workers: 2, publishMs: 5, deadLetters: { write: (l) => void letters.push(...l) } });
    let batches = 0;
    await pipeline.run(await eventFile(dirty, stop.signal), () => {
      if (++batches === 12) stop.abort();
    });
    const lines = (await readFile(join(dirty, 'events.ndjson'), 'utf8')).split('\n');
    const events = letters.filter((l) => l.table === 'events');
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(rejectable);
    for (const letter of events) {
      // an over-long line's raw is cut; every other letter's raw is its whole line
      if (letter.reason === 'too_long') expect(lines[letter.seq - 1].length, `line ${letter.seq}`).toBeGreaterThan(MAX_RECORD_BYTES);
      else expect(lines[letter.seq - 1], `line ${letter.seq}`).toBe(letter.raw);
    }
    expect(new Set(events.map((l) => l.seq)).size).toBe(events.length);
    await pipeline.dispose();
  }, 60_000);

  it('stops reading the file at once when the merger thread dies, and fails the run with why', async () => {
    const pipeline = new ShardedPipeline({ strategies: ['cached'], cacheSize: 2_000, workers: 2, publishMs: 5 });
    // the merger's thread itself, as a crash would end it (its handle's terminate() is a clean end);
    // started with the events, so there by the second batch
    const thread = (): Worker => (pipeline as unknown as { merger: { worker: Worker } }).merger.worker;
    let batches = 0;
    const run = pipeline.run(await eventFile(clean, new AbortController().signal), () => {
      if (++batches === 2) void thread().terminate();
    });
    await expect(run).rejects.toThrow(/the merger exited \(code 1\) before the run ended/);
    // the shards stopped after their batches in hand: far from the 40 batches of the file
    expect(batches).toBeLessThan(20);
    await pipeline.dispose();
  }, 60_000);

  it('fails the run, not a success, when a dead letter cannot be written', async () => {
    let writes = 0;
    const pipeline = new ShardedPipeline({
      strategies: ['cached'],
      cacheSize: 2_000,
      workers: 2,
      publishMs: 5,
      deadLetters: {
        write: () => {
          if (++writes === 3) throw new Error('the dead-letter disk is full');
        },
      },
    });
    await expect(pipeline.run(await eventFile(dirty, new AbortController().signal))).rejects.toThrow('the dead-letter disk is full');
    await pipeline.dispose();
  }, 60_000);

  it('fails the run when a file of the layout is gone by the time it is read', async () => {
    const layout = await resolveInputDir(dirty);
    const gone = { ...layout, events: { ...layout.events, files: [...layout.events.files, join(dirty, 'events-part-2.ndjson')] } };
    const items = readInputLayoutHandingOn(gone, 1_000, MAX_RECORD_BYTES, (path, bytes) => ({ kind: 'event-file', path, bytes, batchSize: 1_000, maxRecordBytes: MAX_RECORD_BYTES, signal: new AbortController().signal }));
    const pipeline = new ShardedPipeline({ strategies: ['cached'], cacheSize: 2_000, workers: 2, publishMs: 5 });
    await expect(pipeline.run(items)).rejects.toThrow(/events-part-2\.ndjson: it is gone/);
    await pipeline.dispose();
  }, 60_000);
});
