import type { RejectReason } from '../errors.ts';
import type { MetricsSink } from '../../topology/ports.ts';

/** One MetricsSink call made on a shard, as data, to be replayed on the thread that owns the metrics. */
export type RecordedMetric =
  | readonly ['eventsDecoded', number, readonly (readonly [RejectReason, number])[]]
  | readonly ['strategyBatch', ...Parameters<MetricsSink['strategyBatch']>]
  | readonly ['subscriptionCache', ...Parameters<MetricsSink['subscriptionCache']>]
  | readonly ['dimensionRows', ...Parameters<MetricsSink['dimensionRows']>];

/** A MetricsSink that records each call, for a shard whose metrics live on the main thread. */
export class RecordingMetrics implements MetricsSink {
  private calls: RecordedMetric[] = [];

  eventsDecoded(read: number, rejectedByReason: ReadonlyMap<RejectReason, number>): void {
    this.calls.push(['eventsDecoded', read, [...rejectedByReason]]);
  }

  strategyBatch(...args: Parameters<MetricsSink['strategyBatch']>): void {
    this.calls.push(['strategyBatch', ...args]);
  }

  subscriptionCache(...args: Parameters<MetricsSink['subscriptionCache']>): void {
    this.calls.push(['subscriptionCache', ...args]);
  }

  dimensionRows(...args: Parameters<MetricsSink['dimensionRows']>): void {
    this.calls.push(['dimensionRows', ...args]);
  }

  /** The calls since the last take. */
  take(): RecordedMetric[] {
    const calls = this.calls;
    this.calls = [];
    return calls;
  }
}

/** Makes the recorded calls on the real sink, in order. */
export function replayMetrics(calls: readonly RecordedMetric[], sink: MetricsSink): void {
  for (const call of calls) {
    switch (call[0]) {
      case 'eventsDecoded':
        sink.eventsDecoded(call[1], new Map(call[2]));
        break;
      case 'strategyBatch':
        sink.strategyBatch(call[1], call[2]);
        break;
      case 'subscriptionCache':
        sink.subscriptionCache(call[1], call[2], call[3], call[4]);
        break;
      case 'dimensionRows':
        sink.dimensionRows(call[1], call[2]);
        break;
    }
  }
}
