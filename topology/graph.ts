import { connect, map, zip, type Observable, type OperatorFunction } from 'rxjs';
import type { SourcePosition } from '../src/domain/records/raw-batch.ts';
import type { TopologyContext } from './context.ts';
import { applyDimensions, decodeEvents, enrichCached, rejoinNaive, type StrategyResult } from './operators/index.ts';
import type { SourceItem } from './ports.ts';

/** Emitted once per event batch, after every strategy has folded it into its reports. */
export interface BatchProgress {
  readonly eventsRead: number;
  readonly batchEvents: number;
  readonly position: SourcePosition;
  readonly results: readonly StrategyResult[];
  /** performance.now() when the run's first event batch was handed on, where that is earlier than this batch's end (worker threads). */
  readonly eventsSince?: number;
}

/**
 * The graph: source items → apply dimensions → decode/validate → one branch per strategy →
 * progress. Every stage runs synchronously per batch, so between two batches (where HTTP requests
 * are served) all reports of all strategies reflect exactly the same events.
 */
export function topology(ctx: TopologyContext): OperatorFunction<SourceItem, BatchProgress> {
  return (source: Observable<SourceItem>) =>
    source.pipe(
      applyDimensions(ctx),
      decodeEvents(ctx),
      // connect() subscribes every branch before the first batch flows, so none misses one
      connect((decoded) =>
        zip(ctx.strategies.map((strategy) => decoded.pipe(strategy === 'cached' ? enrichCached(ctx) : rejoinNaive(ctx)))),
      ),
      map((results) => ({
        eventsRead: ctx.progress.eventsReadTotal,
        batchEvents: results[0]?.events ?? 0,
        position: ctx.progress.currentPosition as SourcePosition,
        results,
      })),
    );
}
