/**
 * End-to-end correctness: the pipeline's six reports, for every strategy, equal what DuckDB
 * computes with the notebook's inner joins, to the last digit. A second dataset has events whose
 * joins fail in each of the three ways, and checks the unmatched counts by reason.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnmatchedCounts } from '../../src/domain/records/event-batch.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { runPipeline } from '../helpers/run-pipeline.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const EVENTS = 60_000;

let root: string | undefined;

beforeAll(async () => {
  root = await makeTempDir('streampulse-duckdb-');
});

afterAll(async () => {
  await removeTempDir(root);
});

function tempRoot(): string {
  if (root === undefined) throw new Error('no temp dir');
  return root;
}

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((line) => line !== '');
}

async function writeLines(path: string, lines: readonly string[]): Promise<void> {
  await writeFile(path, lines.map((line) => line + '\n').join(''));
}

function noUnmatched(): UnmatchedCounts {
  return { no_subscription: 0, no_ad_rate: 0, no_payout: 0 };
}

describe('reports match DuckDB on the generated dataset', () => {
  let dir: string;
  let expected: Reports;

  beforeAll(async () => {
    dir = join(tempRoot(), 'base');
    await generateDataset({ outDir: dir, seed: 7, events: EVENTS, users: 20_000, artists: 2_000 });
    expected = await computeReportsWithDuckDB(dir);
  });

  it('the oracle itself sees the whole dataset', () => {
    expect(expected.genre_revenue).toHaveLength(8);
    expect(expected.ad_performance).toHaveLength(48);
    expect(expected.regional_breakdown).toHaveLength(5 * 8);
    expect(expected.subscription_analysis.map((r) => r.plan)).toEqual(['family', 'free', 'individual', 'student']);
    expect(expected.artist_payouts).toHaveLength(100);
    expect(expected.daily_summary).toHaveLength(12 * 28);
    expect(expected.daily_summary.reduce((sum, r) => sum + r.streams, 0)).toBe(EVENTS);
    expect(expected.ad_performance.reduce((sum, r) => sum + r.impressions, 0)).toBe(EVENTS);
  });

  it('cached and naive running side by side both equal DuckDB exactly', async () => {
    const run = await runPipeline(dir, { strategies: ['cached', 'naive'], batchSize: 4096 });
    expect(run.snapshot('cached').reports).toEqual(expected);
    expect(run.snapshot('naive').reports).toEqual(expected);
    const wm = run.snapshot('cached').progress;
    expect(wm.events_read).toBe(EVENTS);
    expect(wm.events_valid).toBe(EVENTS);
    expect(wm.rejected_total).toBe(0);
    expect(wm.done).toBe(true);
    for (const strategy of ['cached', 'naive'] as const) {
      expect(wm.strategies[strategy]).toEqual({ counted: EVENTS, unmatched: noUnmatched() });
    }
    expect(wm.dimensions).toEqual({
      subscriptions: { rows_applied: 20_000, rejected: 0 },
      ad_rates: { rows_applied: 48, rejected: 0 },
      payouts: { rows_applied: 2_000, rejected: 0 },
    });
    expect(run.deadLetters).toEqual([]);
  });

  it('cached alone (small LRU cache) equals DuckDB exactly', async () => {
    const run = await runPipeline(dir, { strategies: ['cached'], batchSize: 1000, cacheSize: 500 });
    expect(run.snapshot('cached').reports).toEqual(expected);
    const wm = run.snapshot('cached').progress;
    expect(wm.events_read).toBe(EVENTS);
    expect(wm.strategies).toEqual({ cached: { counted: EVENTS, unmatched: noUnmatched() } });
    // a 500-row cache over 20,000 users must have evicted
    expect(run.pipeline.dims.subscriptions.counters.evictions).toBeGreaterThan(0);
    expect(run.pipeline.dims.subscriptions.cacheEntries).toBeLessThanOrEqual(500);
  });
});

describe('inner joins drop unmatched events, counted by the first failing join', () => {
  let dir: string;
  let expected: Reports;
  let expectedUnmatched: UnmatchedCounts;
  let totalEvents: number;

  const known = { user: 'USR-000002', artist: 'ART-00002' };
  const event = (n: number, user: string, artist: string, genre: string, device: string): string =>
    JSON.stringify({
      event_id: `EVT-X${n}`,
      user_id: user,
      artist_id: artist,
      genre,
      region: 'Europe',
      duration_sec: 100 + n,
      completed: true,
      device,
      event_date: '2024-02-29',
    });
  /** Appended events, each with the reason it must be dropped for (or null: counted). */
  const appended: [string, keyof UnmatchedCounts | null][] = [
    [event(1, 'USR-999999', known.artist, 'Pop', 'mobile'), 'no_subscription'],
    // fails every join: the subscription join comes first
    [event(2, 'USR-999998', 'ART-99999', 'Polka', 'tv'), 'no_subscription'],
    [event(3, known.user, known.artist, 'Polka', 'tv'), 'no_ad_rate'],
    [event(4, known.user, known.artist, 'Pop', 'hologram'), 'no_ad_rate'],
    // no ad rate and no payout: the ad-rate join comes first
    [event(5, known.user, 'ART-99999', 'Polka', 'tv'), 'no_ad_rate'],
    [event(6, known.user, 'ART-99999', 'Pop', 'mobile'), 'no_payout'],
    // a genre never seen before, with a rate: ordinary data, counted
    [event(7, known.user, known.artist, 'Polka', 'mobile'), null],
    [event(8, known.user, known.artist, 'Polka', 'mobile'), null],
  ];

  beforeAll(async () => {
    dir = join(tempRoot(), 'unmatched');
    await generateDataset({ outDir: dir, seed: 11, events: 6_000, users: 600, artists: 200 });
    const subs = (await readLines(join(dir, 'subscriptions.ndjson'))).filter((_, i) => i % 9 !== 0);
    const payouts = (await readLines(join(dir, 'payouts.ndjson'))).filter((_, i) => i % 13 !== 0);
    const rates = (await readLines(join(dir, 'ad_rates.ndjson'))).filter((l) => !(l.includes('"Jazz"') && l.includes('"tv"')));
    rates.push(JSON.stringify({ ad_genre: 'Polka', ad_device: 'mobile', cpm: 2.25 }));
    const generated = await readLines(join(dir, 'events.ndjson'));
    await writeLines(join(dir, 'subscriptions.ndjson'), subs);
    await writeLines(join(dir, 'payouts.ndjson'), payouts);
    await writeLines(join(dir, 'ad_rates.ndjson'), rates);
    await writeLines(join(dir, 'events.ndjson'), [...generated, ...appended.map(([line]) => line)]);
    totalEvents = generated.length + appended.length;

    // Expected unmatched counts, computed here from the files with plain sets.
    const userSet = new Set(subs.map((l) => (JSON.parse(l) as { user_id: string }).user_id));
    const artistSet = new Set(payouts.map((l) => (JSON.parse(l) as { artist_id: string }).artist_id));
    const rateSet = new Set(rates.map((l) => JSON.parse(l) as { ad_genre: string; ad_device: string }).map((r) => `${r.ad_genre}|${r.ad_device}`));
    expect(userSet.has(known.user) && artistSet.has(known.artist)).toBe(true);
    expectedUnmatched = noUnmatched();
    for (const line of generated) {
      const e = JSON.parse(line) as { user_id: string; artist_id: string; genre: string; device: string };
      if (!userSet.has(e.user_id)) expectedUnmatched.no_subscription++;
      else if (!rateSet.has(`${e.genre}|${e.device}`)) expectedUnmatched.no_ad_rate++;
      else if (!artistSet.has(e.artist_id)) expectedUnmatched.no_payout++;
    }
    // the generated part alone must already exercise every reason
    expect(Object.values(expectedUnmatched).every((n) => n > 50)).toBe(true);
    for (const [, reason] of appended) if (reason !== null) expectedUnmatched[reason]++;
    expected = await computeReportsWithDuckDB(dir);
  });

  it('the oracle drops them too and shows the new genre', () => {
    const counted = expected.daily_summary.reduce((sum, r) => sum + r.streams, 0);
    const dropped = expectedUnmatched.no_subscription + expectedUnmatched.no_ad_rate + expectedUnmatched.no_payout;
    expect(counted).toBe(totalEvents - dropped);
    expect(expected.genre_revenue.find((r) => r.genre === 'Polka')).toEqual({ genre: 'Polka', total_ad_rev: 0.0045, unique_listeners: 1 });
    expect(expected.ad_performance.some((r) => r.genre === 'Jazz' && r.device === 'tv')).toBe(false);
  });

  it('both strategies equal DuckDB and count unmatched events by reason', async () => {
    const run = await runPipeline(dir, { strategies: ['cached', 'naive'], batchSize: 700, cacheSize: 64 });
    expect(run.snapshot('cached').reports).toEqual(expected);
    expect(run.snapshot('naive').reports).toEqual(expected);
    const wm = run.snapshot('cached').progress;
    expect(wm.events_read).toBe(totalEvents);
    expect(wm.events_valid).toBe(totalEvents);
    expect(wm.rejected_total).toBe(0);
    const dropped = expectedUnmatched.no_subscription + expectedUnmatched.no_ad_rate + expectedUnmatched.no_payout;
    for (const strategy of ['cached', 'naive'] as const) {
      expect(wm.strategies[strategy]).toEqual({ counted: totalEvents - dropped, unmatched: expectedUnmatched });
    }
    expect(run.deadLetters).toEqual([]);
  });

  it('each appended event alone lands on its reason (order of joins: subscription, ad rate, payout)', async () => {
    const dims = ['subscriptions', 'ad_rates', 'payouts'];
    for (const [index, [line, reason]] of appended.entries()) {
      const single = join(tempRoot(), `single-${index}`);
      await mkdir(single);
      for (const table of dims) await copyFile(join(dir, `${table}.ndjson`), join(single, `${table}.ndjson`));
      await writeLines(join(single, 'events.ndjson'), [line]);
      const run = await runPipeline(single, { strategies: ['cached', 'naive'] });
      const want = noUnmatched();
      if (reason !== null) want[reason] = 1;
      for (const strategy of ['cached', 'naive'] as const) {
        expect(run.snapshot(strategy).progress.strategies[strategy], line).toEqual({ counted: reason === null ? 1 : 0, unmatched: want });
      }
    }
  });
});
