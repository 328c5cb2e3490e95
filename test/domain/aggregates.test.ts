/** Each aggregate on small hand-built enriched batches: rows, ordering, exact sums, distinct counts. */
import { describe, expect, it } from 'vitest';
import { DECLARATIONS, KeyedAggregate, ReportSet, TOP_ARTISTS } from '../../src/domain/aggregates/index.ts';
import { createDictionaries, type Dictionaries } from '../../src/domain/dictionary.ts';
import { EnrichedBatchBuilder, type EnrichedBatch } from '../../src/domain/records/event-batch.ts';

interface Row {
  user: string;
  artist: string;
  genre: string;
  region: string;
  device: string;
  day: string;
  duration: number;
  plan: string;
  country: string;
  label: string;
  /** cpm in units of 10^-4 */
  cpm: number;
  /** per_stream_rate in units of 10^-6 */
  rate: number;
}

const DEFAULT: Row = {
  user: 'U1',
  artist: 'A1',
  genre: 'Pop',
  region: 'Europe',
  device: 'mobile',
  day: '2024-01-01',
  duration: 100,
  plan: 'free',
  country: 'DE',
  label: 'indie',
  cpm: 20000,
  rate: 3000,
};

function batch(dicts: Dictionaries, rows: readonly Partial<Row>[]): EnrichedBatch {
  const b = new EnrichedBatchBuilder(rows.length);
  rows.forEach((partial, i) => {
    const r = { ...DEFAULT, ...partial };
    b.user[i] = dicts.user.intern(r.user);
    b.artist[i] = dicts.artist.intern(r.artist);
    b.genre[i] = dicts.genre.intern(r.genre);
    b.region[i] = dicts.region.intern(r.region);
    b.device[i] = dicts.device.intern(r.device);
    b.day[i] = dicts.day.intern(r.day);
    b.duration[i] = r.duration;
    b.plan[i] = dicts.plan.intern(r.plan);
    b.country[i] = dicts.country.intern(r.country);
    b.label[i] = dicts.label.intern(r.label);
    b.cpmUnits[i] = r.cpm;
    b.rateUnits[i] = r.rate;
  });
  b.count = rows.length;
  return b.build();
}

describe('GenreRevenue', () => {
  it('sums cpm/1000 exactly, counts distinct listeners, sorts by code unit', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.genre_revenue);
    agg.add(batch(dicts, [{ genre: 'Rock', user: 'U1', cpm: 11500 }, { genre: 'Électro', user: 'U2' }, { genre: 'R&B' }, { genre: 'jazz' }]));
    agg.add(batch(dicts, [{ genre: 'Rock', user: 'U1', cpm: 79900 }, { genre: 'Rock', user: 'U3', cpm: 15000 }, { genre: 'Pop' }]));
    expect(agg.rows(dicts)).toEqual([
      { genre: 'Pop', total_ad_rev: 0.002, unique_listeners: 1 },
      { genre: 'R&B', total_ad_rev: 0.002, unique_listeners: 1 },
      { genre: 'Rock', total_ad_rev: 0.01064, unique_listeners: 2 },
      { genre: 'jazz', total_ad_rev: 0.002, unique_listeners: 1 },
      { genre: 'Électro', total_ad_rev: 0.002, unique_listeners: 1 },
    ]);
  });

  it('ten events at cpm 0.1 give exactly 0.0001 (a float sum would drift)', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.genre_revenue);
    const rows = Array.from({ length: 10 }, (_, i) => ({ user: `U${i % 3}`, cpm: 1000 }));
    agg.add(batch(dicts, rows));
    let float = 0;
    for (let i = 0; i < 10; i++) float += 0.1 / 1000;
    expect(float).not.toBe(0.001);
    expect(agg.rows(dicts)).toEqual([{ genre: 'Pop', total_ad_rev: 0.001, unique_listeners: 3 }]);
  });

  it('an empty batch adds nothing and a genre interned elsewhere does not appear', () => {
    const dicts = createDictionaries();
    dicts.genre.intern('Polka');
    const agg = new KeyedAggregate(DECLARATIONS.genre_revenue);
    agg.add(batch(dicts, []));
    expect(agg.rows(dicts)).toEqual([]);
  });
});

describe('RegionalBreakdown', () => {
  it('groups by (region, country), sorted by region then country', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.regional_breakdown);
    agg.add(
      batch(dicts, [
        { region: 'Europe', country: 'UK', cpm: 15000 },
        { region: 'Africa', country: 'US' },
        { region: 'Europe', country: 'DE', cpm: 80000 },
        { region: 'Europe', country: 'UK', cpm: 15001 },
        { region: 'Africa', country: 'BR' },
      ]),
    );
    expect(agg.rows(dicts)).toEqual([
      { region: 'Africa', country: 'BR', streams: 1, ad_rev: 0.002 },
      { region: 'Africa', country: 'US', streams: 1, ad_rev: 0.002 },
      { region: 'Europe', country: 'DE', streams: 1, ad_rev: 0.008 },
      { region: 'Europe', country: 'UK', streams: 2, ad_rev: 0.0030001 },
    ]);
  });
});

describe('SubscriptionAnalysis', () => {
  it('distinct users, streams and Σduration/count per plan', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.subscription_analysis);
    agg.add(batch(dicts, [{ plan: 'student', user: 'U1', duration: 100 }, { plan: 'free', user: 'U2', duration: 15 }]));
    agg.add(batch(dicts, [{ plan: 'student', user: 'U1', duration: 101 }, { plan: 'student', user: 'U3', duration: 101 }]));
    expect(agg.rows(dicts)).toEqual([
      { plan: 'free', users: 1, total_streams: 1, avg_duration: 15 },
      { plan: 'student', users: 2, total_streams: 3, avg_duration: 302 / 3 },
    ]);
    expect(agg.rows(dicts)[1].avg_duration).toBe(100.66666666666667);
  });
});

describe('AdPerformance', () => {
  it('groups by (device, genre), sorted by device then genre', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.ad_performance);
    agg.add(
      batch(dicts, [
        { device: 'tv', genre: 'Jazz', cpm: 30000 },
        { device: 'car', genre: 'Rock' },
        { device: 'tv', genre: 'Jazz', cpm: 45500 },
        { device: 'car', genre: 'Jazz' },
        { device: 'tv', genre: 'Country' },
      ]),
    );
    expect(agg.rows(dicts)).toEqual([
      { device: 'car', genre: 'Jazz', total_ad_rev: 0.002, impressions: 1 },
      { device: 'car', genre: 'Rock', total_ad_rev: 0.002, impressions: 1 },
      { device: 'tv', genre: 'Country', total_ad_rev: 0.002, impressions: 1 },
      { device: 'tv', genre: 'Jazz', total_ad_rev: 0.00755, impressions: 2 },
    ]);
  });
});

describe('ArtistPayouts', () => {
  it('sums per (artist, label) exactly: 0.0035 x 3 is 0.0105', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.artist_payouts);
    agg.add(batch(dicts, [{ artist: 'A', rate: 3500 }, { artist: 'A', rate: 3500 }]));
    agg.add(batch(dicts, [{ artist: 'A', rate: 3500 }, { artist: 'A', label: 'major', rate: 8000 }]));
    expect(agg.rows(dicts)).toEqual([
      { artist_id: 'A', label_type: 'indie', total_payout: 0.0105, total_streams: 3 },
      { artist_id: 'A', label_type: 'major', total_payout: 0.008, total_streams: 1 },
    ]);
  });

  it('keeps the top 100 by payout, ties by artist_id then label_type ascending', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.artist_payouts);
    const rows: Partial<Row>[] = [];
    // 150 artists, interned in descending order; artist k earns k x 1000 units in k streams of 1000
    for (let k = 150; k >= 1; k--) for (let s = 0; s < k; s++) rows.push({ artist: `ART-${String(k).padStart(3, '0')}`, rate: 1000 });
    // ties at the very top: 150,000 units reached by other groups too
    rows.push({ artist: 'ART-900', label: 'major', rate: 150_000 });
    rows.push({ artist: 'ART-000', label: 'unsigned', rate: 150_000 });
    rows.push({ artist: 'ART-000', label: 'indie', rate: 150_000 });
    agg.add(batch(dicts, rows));
    const got = agg.rows(dicts);
    expect(TOP_ARTISTS).toBe(100);
    expect(got).toHaveLength(100);
    expect(got.slice(0, 5)).toEqual([
      { artist_id: 'ART-000', label_type: 'indie', total_payout: 0.15, total_streams: 1 },
      { artist_id: 'ART-000', label_type: 'unsigned', total_payout: 0.15, total_streams: 1 },
      { artist_id: 'ART-150', label_type: 'indie', total_payout: 0.15, total_streams: 150 },
      { artist_id: 'ART-900', label_type: 'major', total_payout: 0.15, total_streams: 1 },
      { artist_id: 'ART-149', label_type: 'indie', total_payout: 0.149, total_streams: 149 },
    ]);
    // the cut: 3 extra groups + ART-150 down to ART-054 make 100
    expect(got[99]).toEqual({ artist_id: 'ART-054', label_type: 'indie', total_payout: 0.054, total_streams: 54 });
    for (let i = 1; i < got.length; i++) expect(got[i].total_payout).toBeLessThanOrEqual(got[i - 1].total_payout);
  });

  it('orders by payout, not by streams', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.artist_payouts);
    agg.add(batch(dicts, [{ artist: 'B', rate: 3000 }, { artist: 'B', rate: 3000 }, { artist: 'A', rate: 8000 }]));
    expect(agg.rows(dicts).map((r) => [r.artist_id, r.total_payout])).toEqual([
      ['A', 0.008],
      ['B', 0.006],
    ]);
  });
});

describe('DailySummary', () => {
  it('ascending by date, with streams, Σ cpm/1000 and distinct users per day', () => {
    const dicts = createDictionaries();
    const agg = new KeyedAggregate(DECLARATIONS.daily_summary);
    agg.add(
      batch(dicts, [
        { day: '2024-12-31', user: 'U1' },
        { day: '2024-02-29', user: 'U1', cpm: 15000 },
        { day: '2024-12-31', user: 'U2' },
        { day: '2024-02-29', user: 'U1', cpm: 15000 },
        { day: '2024-10-01', user: 'U3' },
      ]),
    );
    expect(agg.rows(dicts)).toEqual([
      { event_date: '2024-02-29', streams: 2, ad_rev: 0.003, unique_users: 1 },
      { event_date: '2024-10-01', streams: 1, ad_rev: 0.002, unique_users: 1 },
      { event_date: '2024-12-31', streams: 2, ad_rev: 0.004, unique_users: 2 },
    ]);
  });
});

describe('ReportSet', () => {
  it('feeds all six aggregates and snapshots them under the notebook names', () => {
    const dicts = createDictionaries();
    const set = new ReportSet();
    set.addToAll(batch(dicts, [{}, { user: 'U2', duration: 200 }]));
    const snap = set.snapshot(dicts);
    expect(Object.keys(snap)).toEqual(['genre_revenue', 'regional_breakdown', 'subscription_analysis', 'ad_performance', 'artist_payouts', 'daily_summary']);
    expect(snap.genre_revenue).toEqual([{ genre: 'Pop', total_ad_rev: 0.004, unique_listeners: 2 }]);
    expect(snap.subscription_analysis).toEqual([{ plan: 'free', users: 2, total_streams: 2, avg_duration: 150 }]);
    expect(snap.artist_payouts).toEqual([{ artist_id: 'A1', label_type: 'indie', total_payout: 0.006, total_streams: 2 }]);
    expect(snap.daily_summary).toEqual([{ event_date: '2024-01-01', streams: 2, ad_rev: 0.004, unique_users: 2 }]);
    expect(set.all).toHaveLength(6);
    expect(set.stateBytes()).toBeGreaterThan(0);
  });
});
