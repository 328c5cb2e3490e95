import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Transferable, Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { datasetDir } from '../../src/config.ts';
import { IoError } from '../../src/errors.ts';
import { generateDataset } from '../../src/generator/index.ts';
import type { RunItem } from '../../src/live-pipeline.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, readInputLayoutHandingOn, resolveInputDir } from '../../src/sources/input-dir.ts';
import { ShardedPipeline, startShards, subscriptionsAhead, type Shard } from '../../src/workers/index.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let oracle: Reports;
const BATCH = 1_000;
const MAX_RECORD_BYTES = 2_000;
const INIT = { strategies: ['cached'] as const, cacheSize: 1_000, publishMs: 5 };

beforeAll(async () => {
  dir = await makeTempDir('streampulse-preload-');
  await generateDataset({ outDir: dir, seed: 31, events: 6_000, users: 1_500, artists: 200 });
  oracle = await computeReportsWithDuckDB(dir);
}, 120_000);
afterAll(async () => {
  await removeTempDir(dir);
});

function items(input: string): Promise<AsyncIterable<RunItem>> {
  const signal = new AbortController().signal;
  return resolveInputDir(input).then((layout) =>
    readInputLayoutHandingOn(layout, BATCH, MAX_RECORD_BYTES, (path, bytes) => ({ kind: 'event-file', path, bytes, batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES, signal })),
  );
}

async function copyOf(source: string, prefix: string): Promise<string> {
  const copy = await makeTempDir(prefix);
  for (const table of ['subscriptions', 'ad_rates', 'payouts', 'events']) await writeFile(join(copy, `${table}.ndjson`), await readFile(join(source, `${table}.ndjson`)));
  return copy;
}

/** The 'read-subscriptions' requests posted to the loading shard (the last one): none when the load ahead is taken. */
function requestsTo(shard: Shard): { fresh?: true }[] {
  const sent: { fresh?: true }[] = [];
  const worker = (shard as unknown as { worker: Worker }).worker;
  const post = worker.postMessage.bind(worker);
  worker.postMessage = (message: { type?: string; fresh?: true }, transfer?: readonly Transferable[]) => {
    if (message.type === 'read-subscriptions') sent.push(message);
    post(message, transfer as Transferable[]);
  };
  return sent;
}

/** Waits for the loading shard's load ahead to end (or fail). */
const loadedAhead = (shard: Shard): Promise<unknown> => ((shard as unknown as { preloaded: Promise<unknown> }).preloaded ?? Promise.resolve()).catch(() => null);

const run = { source: 'file', format: 'auto', batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES, generate: null, dataDir: '/nonexistent' } as const;

describe('the subscriptions the loading shard loads ahead', () => {
  it('are the first file a replay of the folder hands on, and none for another format or Kafka', async () => {
    const ahead = await subscriptionsAhead({ ...run, input: dir });
    expect(ahead).toEqual({ path: join(dir, 'subscriptions.ndjson'), batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES });
    const handed: string[] = [];
    for await (const item of await items(dir)) if (item.kind === 'dimension-file' && item.table === 'subscriptions') handed.push(item.path);
    expect(handed).toEqual([ahead?.path]);
    expect(await subscriptionsAhead({ ...run, input: dir, format: 'csv' })).toBeUndefined();
    expect(await subscriptionsAhead({ ...run, source: 'kafka', input: null })).toBeUndefined();
    expect(await subscriptionsAhead({ ...run, input: join(dir, 'no-such-folder') })).toBeUndefined();
    const parts = await makeTempDir('streampulse-preload-parts-');
    try {
      await mkdir(join(parts, 'subscriptions'));
      for (const part of ['part-1.ndjson', 'part-0.ndjson']) await writeFile(join(parts, 'subscriptions', part), await readFile(join(dir, 'subscriptions.ndjson')));
      expect((await subscriptionsAhead({ ...run, input: parts }))?.path).toBe(join(parts, 'subscriptions', 'part-0.ndjson'));
    } finally {
      await removeTempDir(parts);
    }
  });

  it('are a generated dataset\'s once it is complete, and none before', async () => {
    const dataDir = await makeTempDir('streampulse-preload-generated-');
    try {
      const generate = { seed: 3, events: 100, users: 20, artists: 5 };
      const dataset = datasetDir(dataDir, generate);
      expect(await subscriptionsAhead({ ...run, input: null, generate, dataDir })).toBeUndefined();
      await generateDataset({ outDir: dataset, ...generate });
      // the files are there, the manifest that marks them complete is not yet
      expect(await subscriptionsAhead({ ...run, input: null, generate, dataDir })).toBeUndefined();
      await writeFile(join(dataset, 'manifest.json'), JSON.stringify(generate) + '\n');
      expect((await subscriptionsAhead({ ...run, input: null, generate, dataDir }))?.path).toBe(join(dataset, 'subscriptions.ndjson'));
    } finally {
      await removeTempDir(dataDir);
    }
  });

  it('give the reports of the DuckDB oracle when the run hands that file on', async () => {
    const shards = startShards(2, INIT, await subscriptionsAhead({ ...run, input: dir }));
    const requests = requestsTo(shards[1]);
    const pipeline = new ShardedPipeline({ ...INIT, workers: 2, shards });
    await pipeline.run(await items(dir));
    expect(pipeline.snapshot().reports).toEqual(oracle);
    expect(pipeline.snapshot().progress.dimensions.subscriptions).toEqual({ rows_applied: 1_500, rejected: 0 });
    // the table loaded ahead was the one adopted: the shard was never asked to load the file
    expect(requests).toEqual([]);
  }, 60_000);

  it('are loaded afresh when the file is no longer the size it was loaded at', async () => {
    const changed = await copyOf(dir, 'streampulse-preload-changed-');
    try {
      const shards = startShards(2, INIT, await subscriptionsAhead({ ...run, input: changed }));
      const requests = requestsTo(shards[1]);
      await loadedAhead(shards[1]);
      const rows = (await readFile(join(changed, 'subscriptions.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
      await writeFile(join(changed, 'subscriptions.ndjson'), rows.slice(0, 500).join('\n') + '\n');
      const pipeline = new ShardedPipeline({ ...INIT, workers: 2, shards });
      await pipeline.run(await items(changed));
      expect(pipeline.snapshot().progress.dimensions.subscriptions).toEqual({ rows_applied: 500, rejected: 0 });
      expect(pipeline.snapshot().reports).toEqual(await computeReportsWithDuckDB(changed));
      expect(requests).toEqual([expect.objectContaining({ fresh: true })]);
    } finally {
      await removeTempDir(changed);
    }
  }, 60_000);

  it('keep a table of part files in the order of its parts when the first part changed since', async () => {
    const parts = await copyOf(dir, 'streampulse-preload-parts-run-');
    try {
      const rows = (await readFile(join(parts, 'subscriptions.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
      await rm(join(parts, 'subscriptions.ndjson'));
      await mkdir(join(parts, 'subscriptions'));
      // the later part replaces a user's plan: the parts must be applied in order
      const replaced = JSON.stringify({ ...(JSON.parse(rows[0]) as Record<string, unknown>), plan: 'part-1-plan' });
      await writeFile(join(parts, 'subscriptions', 'part-0.ndjson'), rows.slice(0, 1_000).join('\n') + '\n');
      await writeFile(join(parts, 'subscriptions', 'part-1.ndjson'), [...rows.slice(1_000), replaced].join('\n') + '\n');
      const shards = startShards(2, INIT, await subscriptionsAhead({ ...run, input: parts }));
      await loadedAhead(shards[1]);
      // part 0 grows after its load ahead: it is loaded afresh, and still before part 1
      await writeFile(join(parts, 'subscriptions', 'part-0.ndjson'), rows.slice(0, 1_000).join('\n') + '\n\n');
      const pipeline = new ShardedPipeline({ ...INIT, workers: 2, shards });
      await pipeline.run(await items(parts));
      const one = new Pipeline({ strategies: ['cached'], cacheSize: 1_000 });
      await one.run(readInputLayout(await resolveInputDir(parts), BATCH));
      expect(pipeline.snapshot().reports.subscription_analysis.map((r) => r.plan)).toContain('part-1-plan');
      expect(pipeline.snapshot().reports).toEqual(one.snapshot().reports);
    } finally {
      await removeTempDir(parts);
    }
  }, 60_000);

  it('decide a request before the next is posted, so the shard loads the files in the order asked', async () => {
    const first = join(dir, 'subscriptions.ndjson');
    const shards = startShards(1, INIT, { path: first, batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES });
    const requests = requestsTo(shards[0]) as unknown as { path: string; fresh?: true }[];
    // asked at once, the load ahead still running: the first (listed at another size) waits for it
    const loads = [shards[0].readSubscriptions({ path: first, batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES, bytes: 1 }), shards[0].readSubscriptions({ path: join(dir, 'payouts.ndjson'), batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES, bytes: 1 })];
    await Promise.allSettled(loads);
    expect(requests.map((r) => [r.path, r.fresh === true])).toEqual([
      [first, true],
      [join(dir, 'payouts.ndjson'), false],
    ]);
    await shards[0].terminate();
  }, 60_000);

  it('are passed up when the run hands on another file, and their failure then fails nothing', async () => {
    const shards = startShards(2, INIT, { path: join(dir, 'no-such-file.ndjson'), batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES });
    const pipeline = new ShardedPipeline({ ...INIT, workers: 2, shards });
    await pipeline.run(await items(dir));
    expect(pipeline.snapshot().reports).toEqual(oracle);
  }, 60_000);

  it('fail the run with the load\'s error when the run hands on the file they could not read', async () => {
    const unreadable = await makeTempDir('streampulse-preload-unreadable-');
    try {
      // a folder where the file should be: opened, it cannot be read
      const path = join(unreadable, 'subscriptions.ndjson');
      await mkdir(path);
      const shards = startShards(2, INIT, { path, batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES });
      const pipeline = new ShardedPipeline({ ...INIT, workers: 2, shards });
      const file: RunItem = { kind: 'dimension-file', table: 'subscriptions', path, bytes: 0, batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES };
      const failure = await pipeline.run([file]).then(() => null, (error: unknown) => error);
      expect(failure).toBeInstanceOf(IoError);
      expect((failure as Error).message).toContain(path);
    } finally {
      await removeTempDir(unreadable);
    }
  }, 60_000);
});
