import type { EnrichedBatch, EventBatch, UnmatchedCounts } from '../../src/domain/records/event-batch.ts';
import type { DimensionName } from '../../src/domain/records/schema.ts';
import type { Strategy } from '../../src/domain/run-progress.ts';
import type { TopologyContext } from '../context.ts';

/** One strategy's outcome for one batch. */
export interface StrategyResult {
  readonly strategy: Strategy;
  readonly events: number;
  readonly counted: number;
  readonly unmatched: UnmatchedCounts;
  readonly seconds: number;
}

/** Joins attempted per table: every event tries the subscription, survivors the ad rate, then the payout. */
function lookupsOf(events: number, joined: EnrichedBatch, joins: number): Record<DimensionName, number> {
  const u = joined.unmatched;
  const adRates = events - u.no_subscription;
  return { subscriptions: events * joins, ad_rates: adRates * joins, payouts: (adRates - u.no_ad_rate) * joins };
}

/** Records one strategy's work on one batch in the run progress and the metrics, and returns it. */
export function recordStrategyBatch(ctx: TopologyContext, strategy: Strategy, batch: EventBatch, joined: EnrichedBatch, started: number, joins: number): StrategyResult {
  const seconds = (ctx.clock.monotonic() - started) / 1000;
  const lookups = lookupsOf(batch.count, joined, joins);
  ctx.progress.strategyBatch(strategy, ctx.partitionOf(batch.raw), joined.count, joined.unmatched, { events: batch.count, seconds, lookups: lookups.subscriptions + lookups.ad_rates + lookups.payouts });
  ctx.metrics.strategyBatch(strategy, { events: batch.count, counted: joined.count, unmatched: joined.unmatched, seconds, lookups });
  return { strategy, events: batch.count, counted: joined.count, unmatched: joined.unmatched, seconds };
}

