import { map, type OperatorFunction } from 'rxjs';
import type { KeyedAggregate } from '../../src/domain/aggregates/index.ts';
import type { Dimensions } from '../../src/domain/dimensions/index.ts';
import { EnrichedBatchBuilder, type EnrichedBatch, type EventBatch } from '../../src/domain/records/event-batch.ts';
import { decodeEvent, type EventRecord } from '../../src/domain/records/event-record.ts';
import { recordText } from '../../src/domain/records/raw-batch.ts';
import { InternalError } from '../../src/errors.ts';
import type { TopologyContext } from '../context.ts';
import { recordStrategyBatch, type StrategyResult } from './strategy-result.ts';

/**
 * The notebook's baseline in streaming form: every report rebuilds the join on its own. Per
 * report and event it re-reads the raw record in full (no column pruning), looks each dimension
 * up by string key in its serialized store and decodes the row (no broadcast index, no cache).
 * Slow on purpose; it must still give the cached strategy's figures to the last digit.
 */
export function rejoinNaiveBatch(batch: EventBatch, dims: Dimensions): EnrichedBatch {
  const { dicts, subscriptions, adRates, payouts } = dims;
  const out = new EnrichedBatchBuilder(batch.count);
  const unmatched = out.unmatched;
  let n = 0;
  for (let i = 0; i < batch.count; i++) {
    const event = decodeEvent(recordText(batch.raw, batch.rawIndex[i])) as EventRecord;
    const subscription = subscriptions.lookupUncached(event.user_id);
    if (subscription === undefined) {
      unmatched.no_subscription++;
      continue;
    }
    const adRate = adRates.lookupUncached(event.genre, event.device);
    if (adRate === undefined) {
      unmatched.no_ad_rate++;
      continue;
    }
    const payout = payouts.lookupUncached(event.artist_id);
    if (payout === undefined) {
      unmatched.no_payout++;
      continue;
    }
    out.user[n] = dicts.user.idOf(subscription.user_id);
    out.artist[n] = dicts.artist.idOf(payout.artist_id);
    out.genre[n] = dicts.genre.intern(event.genre);
    out.region[n] = dicts.region.intern(event.region);
    out.device[n] = dicts.device.intern(event.device);
    out.day[n] = dicts.day.intern(event.event_date);
    out.duration[n] = event.duration_sec;
    out.plan[n] = dicts.plan.intern(subscription.plan);
    out.country[n] = dicts.country.intern(subscription.country);
    out.label[n] = dicts.label.intern(payout.label_type);
    out.cpmUnits[n] = adRate.cpmUnits;
    out.rateUnits[n] = payout.rateUnits;
    n++;
  }
  out.count = n;
  return out.build();
}

/** One naive pass: each of the six aggregates gets the result of its own re-join. */
export function aggregateNaive(batch: EventBatch, dims: Dimensions, aggregates: readonly KeyedAggregate[]): EnrichedBatch {
  let first: EnrichedBatch | undefined;
  for (const aggregate of aggregates) {
    const joined = rejoinNaiveBatch(batch, dims);
    aggregate.add(joined);
    first ??= joined;
  }
  return first ?? rejoinNaiveBatch(batch, dims);
}

/** Naive: each of the six aggregates re-joins every event on its own. */
export function rejoinNaive(ctx: TopologyContext): OperatorFunction<EventBatch, StrategyResult> {
  if (!ctx.strategies.includes('naive')) throw new InternalError('naive strategy is not running');
  return map((batch) => {
    const started = ctx.clock.monotonic();
    const reports = ctx.reports.reportSet('naive', ctx.partitionOf(batch.raw));
    const joined = aggregateNaive(batch, ctx.dims, reports.all);
    return recordStrategyBatch(ctx, 'naive', batch, joined, started, reports.all.length);
  });
}
