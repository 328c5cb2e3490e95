import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawBatch } from '../../src/domain/records/raw-batch.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';

const PARTITIONS = 4;
let dir: string;
let oracle: Reports;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-partitions-');
  await generateDataset({ outDir: dir, seed: 7, events: 30_000, users: 3_000, artists: 300 });
  oracle = await computeReportsWithDuckDB(dir);
}, 120_000);
afterAll(async () => {
  await removeTempDir(dir);
});

/**
 * Batches dealt round-robin to partitions by their first line: one user's events land in every
 * partition, the worst case for distinct counts (nothing like a producer keyed by user_id).
 */
const dealt = (batch: RawBatch): string => String(Math.floor(batch.seqs[0] / 500) % PARTITIONS);

async function run(partitionOf?: (batch: RawBatch) => string): Promise<Pipeline> {
  const pipeline = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 1_000, partitionOf });
  await pipeline.run(readInputLayout(await resolveInputDir(dir), 500));
  return pipeline;
}

describe('the partition as the unit of state', () => {
  it('merges partitions exactly: the reports over four partitions equal one partition and the DuckDB oracle', async () => {
    const split = await run(dealt);
    expect(split.reports.partitions()).toEqual(['0', '1', '2', '3']);
    for (const strategy of ['cached', 'naive'] as const) expect(split.snapshot(strategy).reports).toEqual(oracle);
    // the partials really are partial: each partition holds only part of the streams
    const streams = split.reports.partitions().map((p) => split.reports.reportSet('cached', p).snapshot(split.dims.dicts).daily_summary.reduce((n, r) => n + r.streams, 0));
    expect(streams.every((n) => n > 0 && n < 30_000)).toBe(true);
    expect(streams.reduce((a, b) => a + b, 0)).toBe(oracle.daily_summary.reduce((n, r) => n + r.streams, 0));
    expect((await run()).snapshot().reports).toEqual(oracle);
  }, 120_000);

  it('saves each partition on its own and restores it into a fresh pipeline (new dictionaries) to the same reports', async () => {
    const split = await run(dealt);
    const state = JSON.parse(JSON.stringify(split.exportState())) as ReturnType<Pipeline['exportState']>;
    expect(Object.keys(state.partitions)).toEqual(['0', '1', '2', '3']);
    expect(Object.keys(state.partitions['2'].cached ?? {})).toEqual(['genre_revenue', 'regional_breakdown', 'subscription_analysis', 'ad_performance', 'artist_payouts', 'daily_summary']);
    expect(state.partitions['2'].cached?.daily_summary).toMatchObject({ name: 'daily_summary', version: 1 });
    const restored = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 1_000, partitionOf: dealt });
    // a dictionary filled in another order first: saved states carry values, not this process's ids
    for (const genre of ['Zydeco', 'Ambient', ...oracle.genre_revenue.map((r) => r.genre).reverse()]) restored.dims.dicts.genre.intern(genre);
    restored.importState(state);
    expect(restored.snapshot('cached').reports).toEqual(oracle);
    expect(restored.snapshot('naive').reports).toEqual(oracle);
  }, 120_000);

  it('moves one partition on its own: exported from one pipeline, imported into another, it replaces what was there', async () => {
    const split = await run(dealt);
    const other = await run(dealt);
    const moved = JSON.parse(JSON.stringify(split.exportPartition('2'))) as unknown;
    const receiver = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 1_000 });
    receiver.importPartition('2', moved);
    expect(receiver.reports.partitions()).toEqual(['2']);
    expect(receiver.snapshot().reports).toEqual(split.reports.reportSet('cached', '2').snapshot(split.dims.dicts));
    // importing over a partition replaces it rather than adding to it
    other.importPartition('2', moved);
    expect(other.snapshot('naive').reports).toEqual(oracle);
    // a query over the partitions one instance owns leaves the others out
    const owned = split.reports.merged('cached', ['0', '1']).snapshot(split.dims.dicts);
    const streams = owned.daily_summary.reduce((n, r) => n + r.streams, 0);
    const expected = ['0', '1'].map((p) => split.reports.reportSet('cached', p).snapshot(split.dims.dicts).daily_summary.reduce((n, r) => n + r.streams, 0));
    expect(streams).toBe(expected[0] + expected[1]);
    expect(() => receiver.importPartition('3', { cached: {} })).toThrow(/saved state of partition 3 is invalid: partition 3.naive is missing/);
  }, 120_000);
});
