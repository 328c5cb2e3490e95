import type { Dimensions } from '../src/domain/dimensions/index.ts';
import type { PartitionedReports, PartitionOf } from '../src/domain/partitioned-reports.ts';
import type { Strategy, RunProgress } from '../src/domain/run-progress.ts';
import type { EventScanner } from './event-scanner.ts';
import type { Clock, DeadLetterSink, MetricsSink } from './ports.ts';

/** Everything the operators read and write, passed in so the topology itself holds no state. */
export interface TopologyContext {
  readonly dims: Dimensions;
  readonly scanner: EventScanner;
  readonly strategies: readonly Strategy[];
  /** Each partition's reports per strategy; a batch is folded into its own partition's. */
  readonly reports: PartitionedReports;
  readonly partitionOf: PartitionOf;
  readonly progress: RunProgress;
  readonly deadLetters: DeadLetterSink;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
}
