import { compareText } from '../reports/report-rows.ts';
import type { AggregateDeclaration } from './keyed-aggregate.ts';

/**
 * plan → distinct users, streams and mean duration (an exact integer sum divided once). Ad
 * revenue per plan is kept too: not a report column, it feeds the per-plan revenue gauge.
 */
export const subscriptionAnalysis: AggregateDeclaration<'subscription_analysis'> = {
  name: 'subscription_analysis',
  version: 1,
  key: ['plan'],
  measures: [
    { name: 'users', kind: 'distinct', of: 'user' },
    { name: 'streams', kind: 'count' },
    { name: 'durationSum', kind: 'sum', of: 'duration' },
    { name: 'adUnits', kind: 'sum', of: 'cpmUnits' },
  ],
  rows: (groups) =>
    groups
      .map((g) => ({ plan: g.key[0], users: g.values.users, total_streams: g.values.streams, avg_duration: g.values.durationSum / g.values.streams }))
      .sort((x, y) => compareText(x.plan, y.plan)),
};
