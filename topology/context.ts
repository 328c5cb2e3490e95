import type { ReportSet } from '../src/domain/aggregates/index.ts';
import type { Dimensions } from '../src/domain/dimensions/index.ts';
import type { Strategy, Watermark } from '../src/domain/watermark.ts';
import type { EventScanner } from './event-scanner.ts';
import type { Clock, DeadLetterSink, MetricsSink } from './ports.ts';

/** Everything the operators read and write, passed in so the topology itself holds no state. */
export interface TopologyContext {
  readonly dims: Dimensions;
  readonly scanner: EventScanner;
  readonly strategies: readonly Strategy[];
  readonly reports: Readonly<Partial<Record<Strategy, ReportSet>>>;
  readonly watermark: Watermark;
  readonly deadLetters: DeadLetterSink;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
}
