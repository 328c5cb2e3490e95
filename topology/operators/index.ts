/** The topology's operators, one per file, each beside the batch function it maps over. */
export { applyDimensions } from './apply-dimensions.ts';
export { decodeEventBatch, decodeEvents } from './decode-events.ts';
export { enrichCached, enrichCachedBatch } from './enrich-cached.ts';
export { aggregateNaive, rejoinNaive, rejoinNaiveBatch } from './rejoin-naive.ts';
export type { StrategyResult } from './strategy-result.ts';
