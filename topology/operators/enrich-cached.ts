import { map, type OperatorFunction } from 'rxjs';
import { NO_SUBSCRIPTION, type Dimensions } from '../../src/domain/dimensions/index.ts';
import { EnrichedBatchBuilder, type EnrichedBatch, type EventBatch } from '../../src/domain/records/event-batch.ts';
import { InternalError } from '../../src/errors.ts';
import type { TopologyContext } from '../context.ts';
import { recordStrategyBatch, type StrategyResult } from './strategy-result.ts';

/**
 * The cached strategy's join, once per event for all six reports: ad rates and payouts from the
 * broadcast arrays, the subscription through the store's LRU cache of decoded rows. Inner-join
 * semantics: an event missing a partner is counted by the first join that failed, in the
 * notebook's join order (subscriptions, ad rates, payouts).
 */
export function enrichCachedBatch(batch: EventBatch, dims: Dimensions, into?: EnrichedBatchBuilder): EnrichedBatch {
  const out = into ?? new EnrichedBatchBuilder(batch.count);
  out.count = enrichRows(batch, dims.subscriptions, dims.adRates, dims.payouts, out, out.unmatched);
  return out.build();
}

/**
 * enrichCachedBatch's loop, with nothing before it but `let` and nothing after it but `return`
 * (see decodeRows in decode-events.ts for why), so what it reads is passed in.
 */
function enrichRows(batch: EventBatch, subscriptions: Dimensions['subscriptions'], adRates: Dimensions['adRates'], payouts: Dimensions['payouts'], out: EnrichedBatchBuilder, unmatched: EnrichedBatchBuilder['unmatched']): number {
  let n = 0;
  for (let i = 0; i < batch.count; i++) {
    const subscription = subscriptions.get(batch.user[i]);
    if (subscription === NO_SUBSCRIPTION) {
      unmatched.no_subscription++;
      continue;
    }
    const genre = batch.genre[i];
    const device = batch.device[i];
    const cpm = adRates.cpmUnits(genre, device);
    if (cpm < 0) {
      unmatched.no_ad_rate++;
      continue;
    }
    const artist = batch.artist[i];
    const rate = payouts.rateUnits(artist);
    if (rate < 0) {
      unmatched.no_payout++;
      continue;
    }
    out.user[n] = batch.user[i];
    out.artist[n] = artist;
    out.genre[n] = genre;
    out.region[n] = batch.region[i];
    out.device[n] = device;
    out.day[n] = batch.day[i];
    out.duration[n] = batch.duration[i];
    out.plan[n] = subscriptions.planOf(subscription);
    out.country[n] = subscriptions.countryOf(subscription);
    out.label[n] = payouts.label(artist);
    out.cpmUnits[n] = cpm;
    out.rateUnits[n] = rate;
    n++;
  }
  return n;
}

/** Cached: one enrichment per event, shared by all six aggregates. */
export function enrichCached(ctx: TopologyContext): OperatorFunction<EventBatch, StrategyResult> {
  if (!ctx.strategies.includes('cached')) throw new InternalError('cached strategy is not running');
  const cache = ctx.dims.subscriptions.counters;
  // one set of columns for every batch: the folds are done with a batch's before the next comes
  // (twelve fresh typed arrays a batch were half a megabyte to zero and collect each time)
  let columns: EnrichedBatchBuilder | null = null;
  return map((batch) => {
    const started = ctx.clock.monotonic();
    const before = { hits: cache.hits, misses: cache.misses, evictions: cache.evictions };
    if (columns === null || columns.capacity < batch.count) columns = new EnrichedBatchBuilder(batch.count);
    columns.restart();
    const joined = enrichCachedBatch(batch, ctx.dims, columns);
    ctx.reports.reportSet('cached', ctx.partitionOf(batch.raw)).addToAll(joined);
    ctx.metrics.subscriptionCache(
      cache.hits - before.hits,
      cache.misses - before.misses,
      cache.evictions - before.evictions,
      ctx.dims.subscriptions.cacheEntries,
    );
    return recordStrategyBatch(ctx, 'cached', batch, joined, started, 1);
  });
}
