export type { TopologyContext } from './context.ts';
export { createEventScanner, scanEvent, ScanResult, type EventScanner } from './event-scanner.ts';
export { aggregateNaive, applyDimensions, decodeEventBatch, decodeEvents, enrichCached, enrichCachedBatch, rejoinNaive, rejoinNaiveBatch, type StrategyResult } from './operators/index.ts';
export { topology, type BatchProgress } from './graph.ts';
export { noMetrics, systemClock, type Clock, type DeadLetterSink, type MetricsSink, type SourceItem } from './ports.ts';
