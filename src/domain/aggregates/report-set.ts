import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import type { ReportName, Reports } from '../reports/report-rows.ts';
import { adPerformance } from './ad-performance.ts';
import { artistPayouts } from './artist-payouts.ts';
import { dailySummary } from './daily-summary.ts';
import { genreRevenue } from './genre-revenue.ts';
import { KeyedAggregate, PublishedView, type AggregateDeclaration, type AggregatePartial, type AggregateState, type IdTranslation } from './keyed-aggregate.ts';
import { regionalBreakdown } from './regional-breakdown.ts';
import { subscriptionAnalysis } from './subscription-analysis.ts';

/** The six reports, declared once each, in report order. */
export const DECLARATIONS: { readonly [N in ReportName]: AggregateDeclaration<N> } = {
  genre_revenue: genreRevenue,
  regional_breakdown: regionalBreakdown,
  subscription_analysis: subscriptionAnalysis,
  ad_performance: adPerformance,
  artist_payouts: artistPayouts,
  daily_summary: dailySummary,
};

/** A ReportSet as a shard publishes it: each report's partial by its name. */
export type ReportSetPartial = { readonly [N in ReportName]: AggregatePartial };

/** A ReportSet's saved state: each report's by its name. */
export type ReportSetState = { readonly [N in ReportName]: AggregateState };

/** The six aggregates of one strategy (for one partition, or merged over several). */
export class ReportSet {
  private readonly byName: { readonly [N in ReportName]: KeyedAggregate<N> } = {
    genre_revenue: new KeyedAggregate(DECLARATIONS.genre_revenue),
    regional_breakdown: new KeyedAggregate(DECLARATIONS.regional_breakdown),
    subscription_analysis: new KeyedAggregate(DECLARATIONS.subscription_analysis),
    ad_performance: new KeyedAggregate(DECLARATIONS.ad_performance),
    artist_payouts: new KeyedAggregate(DECLARATIONS.artist_payouts),
    daily_summary: new KeyedAggregate(DECLARATIONS.daily_summary),
  };

  /** In report order; the naive strategy feeds each one from its own join. */
  readonly all: readonly KeyedAggregate[] = Object.values(this.byName);

  aggregate<N extends ReportName>(name: N): KeyedAggregate<N> {
    return this.byName[name] as KeyedAggregate<N>;
  }

  /** One shared enriched batch into all six: the cached strategy. */
  addToAll(batch: EnrichedBatch): void {
    for (const aggregate of this.all) aggregate.add(batch);
  }

  /** Adds another partial (another partition's) into this one. */
  merge(other: ReportSet): void {
    for (const name of Object.keys(this.byName) as ReportName[]) this.byName[name].merge(other.byName[name] as never);
  }

  snapshot(dicts: Dictionaries): Reports {
    return {
      genre_revenue: this.byName.genre_revenue.rows(dicts),
      regional_breakdown: this.byName.regional_breakdown.rows(dicts),
      subscription_analysis: this.byName.subscription_analysis.rows(dicts),
      ad_performance: this.byName.ad_performance.rows(dicts),
      artist_payouts: this.byName.artist_payouts.rows(dicts),
      daily_summary: this.byName.daily_summary.rows(dicts),
    };
  }

  exportState(dicts: Dictionaries): ReportSetState {
    const out = {} as Record<ReportName, AggregateState>;
    for (const aggregate of this.all) out[aggregate.name] = aggregate.exportState(dicts);
    return out;
  }

  /** Restores a validated state (see state-schema.ts). */
  importState(state: ReportSetState, dicts: Dictionaries): void {
    for (const aggregate of this.all) aggregate.importState(state[aggregate.name], dicts);
  }

  stateBytes(): number {
    return this.all.reduce((sum, aggregate) => sum + aggregate.stateBytes(), 0);
  }

  /** Every report's partial, as a shard publishes it (see KeyedAggregate.publish). */
  publish(whole = false): ReportSetPartial {
    const out = {} as Record<ReportName, AggregatePartial>;
    for (const aggregate of this.all) out[aggregate.name] = aggregate.publish(whole);
    return out;
  }

  /** Folds a shard's published ReportSet into this merged one (see KeyedAggregate.applyPublished). */
  applyPublished(partial: ReportSetPartial, views: ReportSetViews, translate: IdTranslation): void {
    for (const aggregate of this.all) aggregate.applyPublished(partial[aggregate.name], (views[aggregate.name] ??= new PublishedView()), translate);
  }
}

/** Per report, where one shard partial sits in a merged ReportSet. */
export type ReportSetViews = { [N in ReportName]?: PublishedView };
