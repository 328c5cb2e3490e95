export type { TopologyContext } from './context.ts';
export { createEventScanner, scanEvent, ScanResult, type EventScanner } from './event-scanner.ts';
export { decodeEventBatch } from './decode-events.ts';
export { enrichCachedBatch } from './enrich-cached.ts';
export { aggregateNaive, rejoinNaiveBatch } from './rejoin-naive.ts';
export { applyDimensions, decodeEvents, enrichCached, rejoinNaive, type StrategyResult } from './operators.ts';
export { topology, type BatchProgress } from './graph.ts';
export { noMetrics, systemClock, type Clock, type DeadLetterSink, type MetricsSink, type SourceItem } from './ports.ts';
