import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import { compareText } from '../reports/report-rows.ts';
import type { AggregateDeclaration } from './keyed-aggregate.ts';

/** (region, country) → streams and Σ cpm/1000. */
export const regionalBreakdown: AggregateDeclaration<'regional_breakdown'> = {
  name: 'regional_breakdown',
  version: 1,
  key: ['region', 'country'],
  measures: [
    { name: 'streams', kind: 'count' },
    { name: 'adUnits', kind: 'sum', of: 'cpmUnits' },
  ],
  rows: (groups) =>
    groups
      .map((g) => ({ region: g.key[0], country: g.key[1], streams: g.values.streams, ad_rev: unitsToNumber(g.values.adUnits, AD_REVENUE_SCALE) }))
      .sort((x, y) => compareText(x.region, y.region) || compareText(x.country, y.country)),
};
