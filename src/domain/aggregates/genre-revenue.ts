import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import { compareText } from '../reports/report-rows.ts';
import type { AggregateDeclaration } from './keyed-aggregate.ts';

/** genre → Σ cpm/1000 and exact distinct listeners. */
export const genreRevenue: AggregateDeclaration<'genre_revenue'> = {
  name: 'genre_revenue',
  version: 1,
  key: ['genre'],
  measures: [
    { name: 'adUnits', kind: 'sum', of: 'cpmUnits' },
    { name: 'listeners', kind: 'distinct', of: 'user' },
  ],
  rows: (groups) =>
    groups
      .map((g) => ({ genre: g.key[0], total_ad_rev: unitsToNumber(g.values.adUnits, AD_REVENUE_SCALE), unique_listeners: g.values.listeners }))
      .sort((x, y) => compareText(x.genre, y.genre)),
};
