import { describe, expect, it } from 'vitest';
import { disagreements } from '../../bench/compare/agreement.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';

function reports(overrides: Partial<Record<keyof Reports, unknown[]>> = {}): Reports {
  const artists = Array.from({ length: 3 }, (_, i) => ({ artist_id: `a${i}`, label_type: 'indie', total_payout: 3 - i, total_streams: 10 }));
  return {
    genre_revenue: [{ genre: 'pop', total_ad_rev: 1.25, unique_listeners: 3 }],
    regional_breakdown: [{ region: 'EU', country: 'DE', streams: 4, ad_rev: 0.5 }],
    subscription_analysis: [{ plan: 'free', users: 2, total_streams: 4, avg_duration: 181.5 }],
    ad_performance: [{ device: 'mobile', genre: 'pop', total_ad_rev: 1.25, impressions: 4 }],
    artist_payouts: artists,
    daily_summary: [{ event_date: '2024-01-01', streams: 4, ad_rev: 1.25, unique_users: 2 }],
    ...overrides,
  } as unknown as Reports;
}

describe('disagreements', () => {
  it('finds none between equal reports', () => {
    expect(disagreements(reports(), reports(), 0)).toEqual([]);
  });

  it('names the report, row and column of a different count', () => {
    const other = reports({ genre_revenue: [{ genre: 'pop', total_ad_rev: 1.25, unique_listeners: 4 }] });
    expect(disagreements(reports(), other, 0)).toEqual(['genre_revenue[0].unique_listeners: 4, expected 3']);
  });

  it('holds money exact at tolerance 0 and within the tolerance otherwise', () => {
    const other = reports({ daily_summary: [{ event_date: '2024-01-01', streams: 4, ad_rev: 1.25 + 1e-9, unique_users: 2 }] });
    expect(disagreements(reports(), other, 0)).toHaveLength(1);
    expect(disagreements(reports(), other, 1e-6)).toEqual([]);
  });

  it('never lets a count or key through on tolerance', () => {
    const other = reports({ regional_breakdown: [{ region: 'EU', country: 'FR', streams: 4, ad_rev: 0.5 }] });
    expect(disagreements(reports(), other, 1)).toEqual(['regional_breakdown[0].country: FR, expected DE']);
  });

  it('counts missing rows and a missing report', () => {
    const other = reports({ ad_performance: [] });
    expect(disagreements(reports(), other, 0)).toEqual(['ad_performance: 0 rows, expected 1']);
  });

  it('matches top artists by key, so equal totals in another order agree', () => {
    const tied = reports({ artist_payouts: [{ artist_id: 'b', label_type: 'indie', total_payout: 1, total_streams: 1 }, { artist_id: 'a', label_type: 'indie', total_payout: 1, total_streams: 1 }] });
    const swapped = reports({ artist_payouts: [{ artist_id: 'a', label_type: 'indie', total_payout: 1, total_streams: 1 }, { artist_id: 'b', label_type: 'indie', total_payout: 1, total_streams: 1 }] });
    expect(disagreements(tied, swapped, 0)).toEqual([]);
  });

  it('reports an artist missing from the top list when its total is above the cut', () => {
    const other = reports({ artist_payouts: [{ artist_id: 'a1', label_type: 'indie', total_payout: 2, total_streams: 10 }, { artist_id: 'a2', label_type: 'indie', total_payout: 1, total_streams: 10 }] });
    expect(disagreements(reports(), other, 0)).toContain('artist_payouts: a0 missing');
  });
});
