import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import type { Reports } from '../reports/report-rows.ts';
import { AdPerformance } from './ad-performance.ts';
import type { Aggregate } from './aggregate.ts';
import { ArtistPayouts } from './artist-payouts.ts';
import { DailySummary } from './daily-summary.ts';
import { GenreRevenue } from './genre-revenue.ts';
import { RegionalBreakdown } from './regional-breakdown.ts';
import { SubscriptionAnalysis } from './subscription-analysis.ts';

/** The six aggregates of one strategy. */
export class ReportSet {
  readonly genreRevenue = new GenreRevenue();
  readonly regionalBreakdown = new RegionalBreakdown();
  readonly subscriptionAnalysis = new SubscriptionAnalysis();
  readonly adPerformance = new AdPerformance();
  readonly artistPayouts = new ArtistPayouts();
  readonly dailySummary = new DailySummary();

  /** In report order; the naive strategy feeds each one from its own join. */
  readonly all: readonly Aggregate[] = [
    this.genreRevenue,
    this.regionalBreakdown,
    this.subscriptionAnalysis,
    this.adPerformance,
    this.artistPayouts,
    this.dailySummary,
  ];

  /** One shared enriched batch into all six: the cached strategy. */
  addToAll(batch: EnrichedBatch): void {
    for (const aggregate of this.all) aggregate.add(batch);
  }

  snapshot(dicts: Dictionaries): Reports {
    return {
      genre_revenue: this.genreRevenue.rows(dicts),
      regional_breakdown: this.regionalBreakdown.rows(dicts),
      subscription_analysis: this.subscriptionAnalysis.rows(dicts),
      ad_performance: this.adPerformance.rows(dicts),
      artist_payouts: this.artistPayouts.rows(dicts),
      daily_summary: this.dailySummary.rows(dicts),
    };
  }

  exportState(): unknown[] {
    return this.all.map((aggregate) => aggregate.exportState());
  }

  importState(state: readonly unknown[]): void {
    this.all.forEach((aggregate, i) => aggregate.importState(state[i]));
  }

  stateBytes(): number {
    return this.all.reduce((sum, aggregate) => sum + aggregate.stateBytes(), 0);
  }
}
