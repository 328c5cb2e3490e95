import type { ReportSet } from '../src/domain/aggregates/index.ts';
import type { Dimensions } from '../src/domain/dimensions/index.ts';
import type { Strategy, RunProgress } from '../src/domain/run-progress.ts';
import type { EventScanner } from './event-scanner.ts';
import type { Clock, DeadLetterSink, MetricsSink } from './ports.ts';

/** Everything the operators read and write, passed in so the topology itself holds no state. */
export interface TopologyContext {
  readonly dims: Dimensions;
  readonly scanner: EventScanner;
  readonly strategies: readonly Strategy[];
  readonly reports: Readonly<Partial<Record<Strategy, ReportSet>>>;
  readonly progress: RunProgress;
  readonly deadLetters: DeadLetterSink;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
}
