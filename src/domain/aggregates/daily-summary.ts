import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import { compareText } from '../reports/report-rows.ts';
import type { AggregateDeclaration } from './keyed-aggregate.ts';

/** event_date → streams, Σ cpm/1000 and exact distinct users, ascending by date. */
export const dailySummary: AggregateDeclaration<'daily_summary'> = {
  name: 'daily_summary',
  version: 1,
  key: ['day'],
  measures: [
    { name: 'streams', kind: 'count' },
    { name: 'adUnits', kind: 'sum', of: 'cpmUnits' },
    { name: 'users', kind: 'distinct', of: 'user' },
  ],
  rows: (groups) =>
    groups
      .map((g) => ({ event_date: g.key[0], streams: g.values.streams, ad_rev: unitsToNumber(g.values.adUnits, AD_REVENUE_SCALE), unique_users: g.values.users }))
      // ISO yyyy-MM-dd sorts chronologically as text
      .sort((x, y) => compareText(x.event_date, y.event_date)),
};
