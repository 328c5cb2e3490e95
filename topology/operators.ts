import { filter, map, type OperatorFunction } from 'rxjs';
import { applyDimensionBatch } from '../src/domain/dimensions/index.ts';
import type { EnrichedBatch, EventBatch, UnmatchedCounts } from '../src/domain/records/event-batch.ts';
import type { RawBatch } from '../src/domain/records/raw-batch.ts';
import type { DimensionName } from '../src/domain/records/schema.ts';
import type { Strategy } from '../src/domain/run-progress.ts';
import { InternalError, type RejectReason } from '../src/errors.ts';
import type { TopologyContext } from './context.ts';
import { decodeEventBatch } from './decode-events.ts';
import { enrichCachedBatch } from './enrich-cached.ts';
import type { SourceItem } from './ports.ts';
import { aggregateNaive } from './rejoin-naive.ts';

/** One strategy's outcome for one batch. */
export interface StrategyResult {
  readonly strategy: Strategy;
  readonly events: number;
  readonly counted: number;
  readonly unmatched: UnmatchedCounts;
  readonly seconds: number;
}

/** Applies dimension rows as they come (later events see them) and passes event batches on. */
export function applyDimensions(ctx: TopologyContext): OperatorFunction<SourceItem, RawBatch> {
  return (source) =>
    source.pipe(
      filter((item): item is Extract<SourceItem, { kind: 'events' }> => {
        if (item.kind === 'events') return true;
        const { applied, rejected } = applyDimensionBatch(ctx.dims, item.table, item.batch);
        if (rejected.length > 0) ctx.deadLetters.write(rejected);
        ctx.progress.dimensionBatch(item.table, applied, rejected.length, item.batch.position, ctx.clock.now());
        ctx.metrics.dimensionRows(item.table, tableSize(ctx, item.table));
        return false;
      }),
      map((item) => item.batch),
    );
}

function tableSize(ctx: TopologyContext, table: DimensionName): number {
  if (table === 'subscriptions') return ctx.dims.subscriptions.size;
  if (table === 'ad_rates') return ctx.dims.adRates.size;
  return ctx.dims.payouts.size;
}

/** Raw records to columnar events; rejects go to the dead-letter sink and are counted by reason. */
export function decodeEvents(ctx: TopologyContext): OperatorFunction<RawBatch, EventBatch> {
  return map((raw) => {
    const batch = decodeEventBatch(raw, ctx.dims.dicts, ctx.scanner);
    if (batch.rejected.length > 0) ctx.deadLetters.write(batch.rejected);
    const byReason = new Map<RejectReason, number>();
    for (const letter of batch.rejected) byReason.set(letter.reason, (byReason.get(letter.reason) ?? 0) + 1);
    // reader rejects never became records, yet were read: they count as read and rejected
    const read = raw.count + (raw.rejects?.length ?? 0);
    ctx.metrics.eventsDecoded(read, byReason);
    ctx.progress.eventBatch(read, batch.rejected, raw.position, ctx.clock.now());
    return batch;
  });
}

/** Joins attempted per table: every event tries the subscription, survivors the ad rate, then the payout. */
function lookupsOf(events: number, joined: EnrichedBatch, joins: number): Record<DimensionName, number> {
  const u = joined.unmatched;
  const adRates = events - u.no_subscription;
  return { subscriptions: events * joins, ad_rates: adRates * joins, payouts: (adRates - u.no_ad_rate) * joins };
}

function record(ctx: TopologyContext, strategy: Strategy, batch: EventBatch, joined: EnrichedBatch, started: number, joins: number): StrategyResult {
  const seconds = (ctx.clock.monotonic() - started) / 1000;
  const lookups = lookupsOf(batch.count, joined, joins);
  ctx.progress.strategyBatch(strategy, joined.count, joined.unmatched, { events: batch.count, seconds, lookups: lookups.subscriptions + lookups.ad_rates + lookups.payouts });
  ctx.metrics.strategyBatch(strategy, { events: batch.count, counted: joined.count, unmatched: joined.unmatched, seconds, lookups });
  return { strategy, events: batch.count, counted: joined.count, unmatched: joined.unmatched, seconds };
}

/** Cached: one enrichment per event, shared by all six aggregates. */
export function enrichCached(ctx: TopologyContext): OperatorFunction<EventBatch, StrategyResult> {
  const reports = ctx.reports.cached;
  if (reports === undefined) throw new InternalError('cached strategy has no report set');
  const cache = ctx.dims.subscriptions.counters;
  return map((batch) => {
    const started = ctx.clock.monotonic();
    const before = { hits: cache.hits, misses: cache.misses, evictions: cache.evictions };
    const joined = enrichCachedBatch(batch, ctx.dims);
    reports.addToAll(joined);
    ctx.metrics.subscriptionCache(
      cache.hits - before.hits,
      cache.misses - before.misses,
      cache.evictions - before.evictions,
      ctx.dims.subscriptions.cacheEntries,
    );
    return record(ctx, 'cached', batch, joined, started, 1);
  });
}

/** Naive: each of the six aggregates re-joins every event on its own. */
export function rejoinNaive(ctx: TopologyContext): OperatorFunction<EventBatch, StrategyResult> {
  const reports = ctx.reports.naive;
  if (reports === undefined) throw new InternalError('naive strategy has no report set');
  return map((batch) => {
    const started = ctx.clock.monotonic();
    const joined = aggregateNaive(batch, ctx.dims, reports.all);
    return record(ctx, 'naive', batch, joined, started, reports.all.length);
  });
}
