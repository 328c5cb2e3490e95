import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawBatchFromLines } from '../../src/domain/records/raw-batch.ts';
import type { DeadLetter } from '../../src/domain/records/rejection.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { InternalError } from '../../src/errors.ts';
import { generateDataset } from '../../src/generator/index.ts';
import type { RunItem } from '../../src/live-pipeline.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { readNdjsonRecords } from '../../src/sources/ndjson-reader.ts';
import { ShardedPipeline } from '../../src/workers/index.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let shuffled: string;
let oracle: Reports;

/** Fisher-Yates with a fixed seed: the same shuffle on every run. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed;
  for (let i = items.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

beforeAll(async () => {
  dir = await makeTempDir('streampulse-shards-');
  await generateDataset({ outDir: dir, seed: 11, events: 40_000, users: 4_000, artists: 400 });
  oracle = await computeReportsWithDuckDB(dir);
  shuffled = await makeTempDir('streampulse-shards-shuffled-');
  for (const table of ['subscriptions', 'ad_rates', 'payouts']) await writeFile(join(shuffled, `${table}.ndjson`), await readFile(join(dir, `${table}.ndjson`)));
  const lines = (await readFile(join(dir, 'events.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
  await writeFile(join(shuffled, 'events.ndjson'), shuffle(lines, 5).join('\n') + '\n');
}, 120_000);
afterAll(async () => {
  await removeTempDir(dir);
  await removeTempDir(shuffled);
});

async function runSharded(input: string, workers: number, batchSize = 1_000): Promise<{ pipeline: ShardedPipeline; checks: string[] }> {
  const pipeline = new ShardedPipeline({ strategies: ['cached', 'naive'], cacheSize: 2_000, workers, publishMs: 5 });
  const checks: string[] = [];
  await pipeline.run(readInputLayout(await resolveInputDir(input), batchSize), () => {
    // every answer during the run is one point per partition: its counters and its reports agree
    const { progress, reports } = pipeline.snapshot();
    const streams = reports.daily_summary.reduce((sum, row) => sum + row.streams, 0);
    if (streams !== progress.strategies.cached?.counted) checks.push(`${streams} streams in the reports, ${progress.strategies.cached?.counted} counted`);
    const shardEvents = (progress.shards ?? []).reduce((sum, s) => sum + s.events_read, 0);
    if (shardEvents !== progress.events_read) checks.push(`shards hold ${shardEvents} events, progress says ${progress.events_read}`);
  });
  return { pipeline, checks };
}

describe('ShardedPipeline: worker threads as partitions', () => {
  it('gives the reports of one thread and of the DuckDB oracle with 1, 2 and 3 workers, on ordered and shuffled events', async () => {
    for (const [input, workers] of [[dir, 1], [dir, 2], [shuffled, 3]] as const) {
      const { pipeline, checks } = await runSharded(input, workers);
      expect(checks).toEqual([]);
      for (const strategy of ['cached', 'naive'] as const) expect(pipeline.snapshot(strategy).reports).toEqual(oracle);
      // the /reports answer's text is the snapshot itself
      for (const strategy of ['cached', 'naive'] as const) expect(JSON.parse(Buffer.concat(pipeline.snapshotJson(strategy).map((part) => Buffer.from(part))).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(pipeline.snapshot(strategy))));
      const { progress } = pipeline.snapshot();
      expect(progress.events_read).toBe(40_000);
      expect(progress.done).toBe(true);
      expect(progress.dimensions.subscriptions.rows_applied).toBe(4_000);
      // every shard folded a share: the state really is split
      expect(progress.shards?.map((s) => s.partition)).toEqual(Array.from({ length: workers }, (_, i) => String(i)));
      for (const shard of progress.shards ?? []) expect(shard.events_read).toBeGreaterThan(0);
    }
  }, 240_000);

  it('applies a dimension change to later events only, on every shard', async () => {
    const user = 'u1';
    const event = (n: number): string =>
      JSON.stringify({ event_id: `e${n}`, user_id: user, artist_id: 'a1', genre: 'pop', region: 'EU', duration_sec: 60, completed: true, device: 'mobile', event_date: '2024-01-02' });
    const sub = (plan: string): string => JSON.stringify({ user_id: user, plan, monthly_price: 9.99, country: 'DE' });
    const items: SourceItem[] = [
      { kind: 'dimension', table: 'subscriptions', batch: rawBatchFromLines([sub('free')], 'subscriptions') },
      { kind: 'dimension', table: 'ad_rates', batch: rawBatchFromLines([JSON.stringify({ ad_genre: 'pop', ad_device: 'mobile', cpm: 2.5 })], 'ad_rates') },
      { kind: 'dimension', table: 'payouts', batch: rawBatchFromLines([JSON.stringify({ artist_id: 'a1', per_stream_rate: 0.004, label_type: 'indie' })], 'payouts') },
      ...[0, 1, 2, 3].map((b): SourceItem => ({ kind: 'events', batch: rawBatchFromLines([event(b * 2), event(b * 2 + 1)], 'events', b * 2 + 1) })),
      { kind: 'dimension', table: 'subscriptions', batch: rawBatchFromLines([sub('premium')], 'subscriptions', 2) },
      ...[4, 5, 6].map((b): SourceItem => ({ kind: 'events', batch: rawBatchFromLines([event(b * 2), event(b * 2 + 1)], 'events', b * 2 + 1) })),
    ];
    const single = new Pipeline({ strategies: ['cached'], cacheSize: 10 });
    await single.run(items);
    const sharded = new ShardedPipeline({ strategies: ['cached'], cacheSize: 10, workers: 3 });
    await sharded.run(items);
    const plans = sharded.snapshot().reports.subscription_analysis.map((r) => [r.plan, r.total_streams]);
    expect(plans).toEqual([
      ['free', 8],
      ['premium', 6],
    ]);
    expect(sharded.snapshot().reports).toEqual(single.snapshot().reports);
  }, 60_000);

  it('a subscriptions file loaded once for every shard, then rows and files sent after it: the later row wins', async () => {
    const path = join(dir, 'subscriptions.ndjson');
    const first = JSON.parse((await readFile(path, 'utf8')).split('\n')[0]) as Record<string, unknown>;
    const later = rawBatchFromLines([JSON.stringify({ ...first, plan: 'vip-new' })], 'subscriptions-later');
    const rest: SourceItem[] = [];
    for await (const item of readInputLayout(await resolveInputDir(dir), 1_000)) if (item.kind !== 'dimension' || item.table !== 'subscriptions') rest.push(item);
    const fileItem: RunItem = { kind: 'dimension-file', table: 'subscriptions', path, bytes: (await stat(path)).size, batchSize: 1_000, maxRecordBytes: 10_000 };
    const sharded = new ShardedPipeline({ strategies: ['cached'], cacheSize: 100, workers: 2 });
    await sharded.run([fileItem, { kind: 'dimension', table: 'subscriptions', batch: later }, ...rest]);
    const subscriptions: SourceItem[] = [];
    for await (const item of readInputLayout(await resolveInputDir(dir), 1_000)) if (item.kind === 'dimension' && item.table === 'subscriptions') subscriptions.push(item);
    const single = new Pipeline({ strategies: ['cached'], cacheSize: 100 });
    await single.run([...subscriptions, { kind: 'dimension', table: 'subscriptions', batch: later }, ...rest]);
    expect(sharded.snapshot().reports.subscription_analysis.map((r) => r.plan)).toContain('vip-new');
    expect(sharded.snapshot().reports).toEqual(single.snapshot().reports);
    expect(sharded.snapshot().progress.dimensions.subscriptions).toEqual({ rows_applied: 4_001, rejected: 0 });
    // and a file after those rows comes after them, though they wait for the first file's table
    const again = new ShardedPipeline({ strategies: ['cached'], cacheSize: 100, workers: 2 });
    await again.run([fileItem, { kind: 'dimension', table: 'subscriptions', batch: later }, fileItem, ...rest]);
    const singleAgain = new Pipeline({ strategies: ['cached'], cacheSize: 100 });
    await singleAgain.run([...subscriptions, { kind: 'dimension', table: 'subscriptions', batch: later }, ...subscriptions, ...rest]);
    expect(again.snapshot().reports.subscription_analysis.map((r) => r.plan)).not.toContain('vip-new');
    expect(again.snapshot().reports).toEqual(singleAgain.snapshot().reports);
  }, 60_000);

  it('a small table\'s file applied by shard 0 and adopted by the others, then rows and files after it, bad rows dead-lettered once', async () => {
    const lines = (await readFile(join(dir, 'payouts.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    const path = join(dir, 'payouts-with-bad-rows.ndjson');
    // a later row for the first artist wins; two rows are bad
    await writeFile(path, [...lines, '{"artist_id":', JSON.stringify({ ...first, per_stream_rate: 'x' }), JSON.stringify({ ...first, per_stream_rate: 0.5 })].join('\n') + '\n');
    const later = rawBatchFromLines([JSON.stringify({ ...first, per_stream_rate: 0.25 })], 'payouts-later');
    const fileItem: RunItem = { kind: 'dimension-file', table: 'payouts', path, bytes: (await stat(path)).size, batchSize: 500, maxRecordBytes: 10_000 };
    const rest: SourceItem[] = [];
    for await (const item of readInputLayout(await resolveInputDir(dir), 1_000)) if (item.kind !== 'dimension' || item.table !== 'payouts') rest.push(item);
    const asFile: SourceItem[] = [];
    for await (const item of readNdjsonRecords(path, { batchSize: 500, maxRecordBytes: 10_000 })) asFile.push({ kind: 'dimension', table: 'payouts', batch: item });
    const letters: DeadLetter[] = [];
    const sharded = new ShardedPipeline({ strategies: ['cached', 'naive'], cacheSize: 100, workers: 3, deadLetters: { write: (batch) => void letters.push(...batch) } });
    await sharded.run([fileItem, { kind: 'dimension', table: 'payouts', batch: later }, fileItem, ...rest]);
    const single = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 100 });
    await single.run([...asFile, { kind: 'dimension', table: 'payouts', batch: later }, ...asFile, ...rest]);
    // the second file comes after the row sent between, on every shard: its 0.5 wins again
    expect(sharded.snapshot().reports).toEqual(single.snapshot().reports);
    expect(sharded.snapshot().reports).toEqual(sharded.snapshot('naive').reports);
    expect(sharded.snapshot().progress.dimensions.payouts).toEqual(single.snapshot().progress.dimensions.payouts);
    // each file's two bad rows, once: not once per shard
    expect(letters.filter((l) => l.table === 'payouts').map((l) => l.reason).sort()).toEqual(['not_json', 'not_json', 'wrong_type', 'wrong_type']);
  }, 60_000);

  it('dead-letters bad records with their reasons from every shard, and counts them', async () => {
    const good = (await readFile(join(dir, 'events.ndjson'), 'utf8')).split('\n').slice(0, 3_000);
    const items: SourceItem[] = [];
    for await (const item of readInputLayout(await resolveInputDir(dir), 1_000)) if (item.kind === 'dimension') items.push(item);
    const lines = good.flatMap((line, i) => (i % 500 === 0 ? [line, '{not json', '{"event_id":1}'] : [line]));
    for (let i = 0; i < lines.length; i += 700) items.push({ kind: 'events', batch: rawBatchFromLines(lines.slice(i, i + 700), 'events.ndjson', i + 1) });
    const letters: DeadLetter[] = [];
    const sharded = new ShardedPipeline({ strategies: ['cached'], cacheSize: 100, workers: 2, deadLetters: { write: (l) => void letters.push(...l) } });
    await sharded.run(items);
    const { progress } = sharded.snapshot();
    expect(progress.rejected_total).toBe(12);
    expect(progress.rejected.not_json).toBe(6);
    expect(letters.map((l) => l.reason).sort()).toEqual([...Array<string>(6).fill("wrong_type"), ...Array<string>(6).fill('not_json')].sort());
    expect(letters.filter((l) => l.reason === 'not_json').map((l) => l.raw)).toEqual(Array<string>(6).fill('{not json'));
    // a dead letter's bytes are its own record, not the whole batch it came in
    for (const letter of letters) expect(letter.bytes?.byteLength).toBe(Buffer.byteLength(letter.raw));
    expect(progress.events_read).toBe(3_012);
  }, 60_000);

  it('starts the merger thread with the first events, not with the shards or a query before them', async () => {
    const mergerOf = (p: ShardedPipeline): unknown => (p as unknown as { merger: { worker: unknown } }).merger.worker;
    const dimensions: SourceItem[] = [];
    for await (const item of readInputLayout(await resolveInputDir(dir), 1_000)) if (item.kind === 'dimension') dimensions.push(item);
    const quiet = new ShardedPipeline({ strategies: ['cached'], cacheSize: 100, workers: 2 });
    expect(mergerOf(quiet)).toBeNull();
    await quiet.run(dimensions);
    // nothing to merge before events: the end of the run starts it, for the (empty) final render
    expect(quiet.snapshot().reports.daily_summary).toEqual([]);
    await quiet.dispose();
    const asked = new ShardedPipeline({ strategies: ['cached'], cacheSize: 100, workers: 2 });
    expect(asked.snapshot().progress.events_read).toBe(0);
    // a query before any event has nothing to merge: its start would only take a core from the shards starting
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(mergerOf(asked)).toBeNull();
    await asked.run(readInputLayout(await resolveInputDir(dir), 1_000));
    expect(mergerOf(asked)).not.toBeNull();
    expect(asked.snapshot().reports.daily_summary.length).toBeGreaterThan(0);
    await asked.dispose();
  }, 60_000);

  it('renders at the query pace after a query, and at the idle pace once the queries so far are forgotten', async () => {
    const items: SourceItem[] = [];
    for await (const item of readInputLayout(await resolveInputDir(dir), 500)) items.push(item);
    /** The renders the main thread received while `items` were fed a batch every 10 ms (the final one not counted). */
    const rendersWhileRunning = async (forget: boolean): Promise<number> => {
      const sharded = new ShardedPipeline({ strategies: ['cached'], cacheSize: 1_000, workers: 2, publishMs: 5, renderMs: 20 });
      sharded.snapshot();
      if (forget) sharded.forgetQueries();
      const merger = (sharded as unknown as { merger: { rendered: { generation: number; final: boolean } | null } }).merger;
      const seen = new Set<number>();
      const sampler = setInterval(() => {
        const rendered = merger.rendered;
        if (rendered !== null && !rendered.final) seen.add(rendered.generation);
      }, 2);
      async function* paced(): AsyncGenerator<SourceItem> {
        for (const item of items) {
          yield item;
          if (item.kind === 'events') await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
      await sharded.run(paced());
      clearInterval(sampler);
      await sharded.dispose();
      return seen.size;
    };
    // about 40 batches over ~0.4 s: a render every 20 ms while wanted, one a second otherwise
    expect(await rendersWhileRunning(false)).toBeGreaterThanOrEqual(5);
    expect(await rendersWhileRunning(true)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('fails the run with the shard\'s error when a shard cannot start, and leaves no thread behind', async () => {
    const sharded = new ShardedPipeline({ strategies: ['cached'], cacheSize: 0, workers: 2 });
    const items: SourceItem[] = [{ kind: 'dimension', table: 'subscriptions', batch: rawBatchFromLines(['{}'], 'subscriptions') }];
    const failure = await sharded.run(items).then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(InternalError);
    expect((failure as Error).message).toMatch(/^shard \d/);
  }, 60_000);
});
