import { PAYOUT_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import { compareText } from '../reports/report-rows.ts';
import type { AggregateDeclaration } from './keyed-aggregate.ts';

export const TOP_ARTISTS = 100;

/**
 * (artist_id, label_type) → Σ per_stream_rate and streams; the report is the top 100 by payout,
 * ties by artist_id then label_type ascending so equal payouts always list the same way. Every
 * group is kept (they grow with artists, not events), so the top 100 of merged partials is exact.
 */
export const artistPayouts: AggregateDeclaration<'artist_payouts'> = {
  name: 'artist_payouts',
  version: 1,
  key: ['artist', 'label'],
  measures: [
    { name: 'streams', kind: 'count' },
    { name: 'rateUnits', kind: 'sum', of: 'rateUnits' },
  ],
  top: { count: TOP_ARTISTS, by: 'rateUnits' },
  rows: (groups) =>
    [...groups]
      .sort((x, y) => y.values.rateUnits - x.values.rateUnits || compareText(x.key[0], y.key[0]) || compareText(x.key[1], y.key[1]))
      .slice(0, TOP_ARTISTS)
      .map((g) => ({ artist_id: g.key[0], label_type: g.key[1], total_payout: unitsToNumber(g.values.rateUnits, PAYOUT_SCALE), total_streams: g.values.streams })),
};
