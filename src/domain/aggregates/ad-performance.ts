import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import { compareText } from '../reports/report-rows.ts';
import type { AggregateDeclaration } from './keyed-aggregate.ts';

/** (device, genre) → Σ cpm/1000 and impressions (one per counted event). */
export const adPerformance: AggregateDeclaration<'ad_performance'> = {
  name: 'ad_performance',
  version: 1,
  key: ['device', 'genre'],
  measures: [
    { name: 'impressions', kind: 'count' },
    { name: 'adUnits', kind: 'sum', of: 'cpmUnits' },
  ],
  rows: (groups) =>
    groups
      .map((g) => ({ device: g.key[0], genre: g.key[1], total_ad_rev: unitsToNumber(g.values.adUnits, AD_REVENUE_SCALE), impressions: g.values.impressions }))
      .sort((x, y) => compareText(x.device, y.device) || compareText(x.genre, y.genre)),
};
