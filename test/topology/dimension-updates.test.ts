/**
 * Dimension rows are upserts that apply to later events only: a plan, cpm or payout rate changed
 * between two event batches leaves the first batch's figures as they were. Same for both
 * strategies, fed from an Observable or an async iterable.
 */
import { from, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/pipeline.ts';
import { rawBatchFromLines } from '../../src/domain/records/raw-batch.ts';
import type { DimensionName } from '../../src/domain/records/schema.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import type { Strategy } from '../../src/domain/run-progress.ts';
import type { BatchProgress } from '../../topology/graph.ts';
import type { SourceItem } from '../../topology/ports.ts';

const dim = (table: DimensionName, rows: readonly object[]): SourceItem => ({
  kind: 'dimension',
  table,
  batch: rawBatchFromLines(rows.map((r) => JSON.stringify(r)), `${table}.ndjson`),
});

let eventSeq = 1;
const events = (rows: readonly [string, string, string, string, string, number][]): SourceItem => {
  const lines = rows.map(([user_id, artist_id, genre, device, event_date, duration_sec]) =>
    JSON.stringify({ event_id: `E${eventSeq++}`, user_id, artist_id, genre, region: 'Europe', duration_sec, completed: true, device, event_date }),
  );
  return { kind: 'events', batch: rawBatchFromLines(lines, 'events.ndjson', eventSeq - rows.length) };
};

function items(): SourceItem[] {
  eventSeq = 1;
  return [
    dim('subscriptions', [
      { user_id: 'U1', plan: 'free', monthly_price: 0, country: 'US' },
      { user_id: 'U2', plan: 'individual', monthly_price: 9.99, country: 'UK' },
    ]),
    dim('ad_rates', [
      { ad_genre: 'Pop', ad_device: 'mobile', cpm: 2.0 },
      { ad_genre: 'Rock', ad_device: 'tv', cpm: 5.0 },
    ]),
    dim('payouts', [
      { artist_id: 'A1', per_stream_rate: 0.005, label_type: 'indie' },
      { artist_id: 'A2', per_stream_rate: 0.003, label_type: 'major' },
    ]),
    events([
      ['U1', 'A1', 'Pop', 'mobile', '2024-03-01', 100],
      ['U1', 'A1', 'Pop', 'mobile', '2024-03-01', 200],
      ['U2', 'A2', 'Rock', 'tv', '2024-03-01', 50],
      ['U3', 'A1', 'Pop', 'mobile', '2024-03-01', 10], // U3 has no subscription yet
    ]),
    // the changes: U1 moves to family/DE, U3 arrives, Pop×mobile cpm and A1's rate and label change
    dim('subscriptions', [
      { user_id: 'U1', plan: 'family', monthly_price: 14.99, country: 'DE' },
      { user_id: 'U3', plan: 'student', monthly_price: 4.99, country: 'IN' },
    ]),
    dim('ad_rates', [{ ad_genre: 'Pop', ad_device: 'mobile', cpm: 3.5 }]),
    dim('payouts', [{ artist_id: 'A1', per_stream_rate: 0.007, label_type: 'unsigned' }]),
    events([
      ['U1', 'A1', 'Pop', 'mobile', '2024-03-02', 300],
      ['U3', 'A1', 'Pop', 'mobile', '2024-03-02', 60],
      ['U2', 'A2', 'Rock', 'tv', '2024-03-02', 70],
    ]),
  ];
}

/** After the first event batch only: everything at the old values. */
const AFTER_FIRST: Reports = {
  genre_revenue: [
    { genre: 'Pop', total_ad_rev: 0.004, unique_listeners: 1 },
    { genre: 'Rock', total_ad_rev: 0.005, unique_listeners: 1 },
  ],
  regional_breakdown: [
    { region: 'Europe', country: 'UK', streams: 1, ad_rev: 0.005 },
    { region: 'Europe', country: 'US', streams: 2, ad_rev: 0.004 },
  ],
  subscription_analysis: [
    { plan: 'free', users: 1, total_streams: 2, avg_duration: 150 },
    { plan: 'individual', users: 1, total_streams: 1, avg_duration: 50 },
  ],
  ad_performance: [
    { device: 'mobile', genre: 'Pop', total_ad_rev: 0.004, impressions: 2 },
    { device: 'tv', genre: 'Rock', total_ad_rev: 0.005, impressions: 1 },
  ],
  artist_payouts: [
    { artist_id: 'A1', label_type: 'indie', total_payout: 0.01, total_streams: 2 },
    { artist_id: 'A2', label_type: 'major', total_payout: 0.003, total_streams: 1 },
  ],
  daily_summary: [{ event_date: '2024-03-01', streams: 3, ad_rev: 0.009, unique_users: 2 }],
};

/** Final: the first batch still at the old values, the second at the new ones. */
const FINAL: Reports = {
  genre_revenue: [
    { genre: 'Pop', total_ad_rev: 0.011, unique_listeners: 2 },
    { genre: 'Rock', total_ad_rev: 0.01, unique_listeners: 1 },
  ],
  regional_breakdown: [
    { region: 'Europe', country: 'DE', streams: 1, ad_rev: 0.0035 },
    { region: 'Europe', country: 'IN', streams: 1, ad_rev: 0.0035 },
    { region: 'Europe', country: 'UK', streams: 2, ad_rev: 0.01 },
    { region: 'Europe', country: 'US', streams: 2, ad_rev: 0.004 },
  ],
  subscription_analysis: [
    { plan: 'family', users: 1, total_streams: 1, avg_duration: 300 },
    { plan: 'free', users: 1, total_streams: 2, avg_duration: 150 },
    { plan: 'individual', users: 1, total_streams: 2, avg_duration: 60 },
    { plan: 'student', users: 1, total_streams: 1, avg_duration: 60 },
  ],
  ad_performance: [
    { device: 'mobile', genre: 'Pop', total_ad_rev: 0.011, impressions: 4 },
    { device: 'tv', genre: 'Rock', total_ad_rev: 0.01, impressions: 2 },
  ],
  artist_payouts: [
    { artist_id: 'A1', label_type: 'unsigned', total_payout: 0.014, total_streams: 2 },
    { artist_id: 'A1', label_type: 'indie', total_payout: 0.01, total_streams: 2 },
    { artist_id: 'A2', label_type: 'major', total_payout: 0.006, total_streams: 2 },
  ],
  daily_summary: [
    { event_date: '2024-03-01', streams: 3, ad_rev: 0.009, unique_users: 2 },
    { event_date: '2024-03-02', streams: 3, ad_rev: 0.012, unique_users: 3 },
  ],
};

async function* asAsyncIterable(list: readonly SourceItem[]): AsyncGenerator<SourceItem> {
  for (const item of list) {
    await Promise.resolve();
    yield item;
  }
}

const CASES: [string, readonly Strategy[], (list: SourceItem[]) => AsyncIterable<SourceItem> | Observable<SourceItem>][] = [
  ['both strategies, Observable source', ['cached', 'naive'], (list) => from(list)],
  ['both strategies, async-iterable source', ['naive', 'cached'], asAsyncIterable],
  ['cached alone', ['cached'], (list) => from(list)],
  ['naive alone', ['naive'], asAsyncIterable],
];

describe('dimension updates apply to later events only', () => {
  it.each(CASES)('%s', async (_name, strategies, source) => {
    // a one-row cache: U1's old row must not survive in it either
    const pipeline = new Pipeline({ strategies, cacheSize: 1 });
    const afterBatch: Reports[][] = [];
    const results: BatchProgress['results'][] = [];
    await pipeline.run(source(items()), (p) => {
      afterBatch.push(strategies.map((s) => pipeline.snapshot(s).reports));
      results.push(p.results);
    });
    expect(afterBatch).toHaveLength(2);
    // each batch's result keeps its own counts (the cached join refills one set of columns)
    expect(results.map((r) => r.map((one) => one.unmatched.no_subscription))).toEqual([strategies.map(() => 1), strategies.map(() => 0)]);
    expect(results.map((r) => r.map((one) => one.counted))).toEqual([strategies.map(() => 3), strategies.map(() => 3)]);
    for (const [i, strategy] of strategies.entries()) {
      expect(afterBatch[0][i], `${strategy} after the first batch`).toEqual(AFTER_FIRST);
      expect(afterBatch[1][i], `${strategy} after the second batch`).toEqual(FINAL);
      const wm = pipeline.snapshot(strategy).progress;
      expect(wm.strategies[strategy]).toEqual({ counted: 6, unmatched: { no_subscription: 1, no_ad_rate: 0, no_payout: 0 } });
      expect(wm.events_read).toBe(7);
      expect(wm.dimensions).toEqual({
        subscriptions: { rows_applied: 4, rejected: 0 },
        ad_rates: { rows_applied: 3, rejected: 0 },
        payouts: { rows_applied: 3, rejected: 0 },
      });
    }
    expect(pipeline.dims.subscriptions.size).toBe(3);
    expect(pipeline.dims.adRates.size).toBe(2);
    expect(pipeline.dims.payouts.size).toBe(2);
  });
});
