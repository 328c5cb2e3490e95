import { DIMENSION_NAMES } from '../domain/records/schema.ts';
import { DimensionError, NothingCountedError } from '../errors.ts';
import type { LivePipeline, RunItem } from '../live-pipeline.ts';

/**
 * A file replay that joins against an empty dimension table, or reads events and counts none,
 * has read something other than what it claims: it must not end in exit 0. File runs only: a
 * Kafka run may start before the dimension topics have any rows, and fill them later.
 */
export class EmptyRunCheck {
  constructor(private readonly pipeline: LivePipeline) {}

  /**
   * Passes the source through, failing at the first event batch if a dimension table has no valid
   * row: the topology applies every item synchronously, so by the time the source is asked for an
   * event batch all dimension batches before it are applied, and no long replay is wasted.
   */
  async *guard(items: AsyncIterable<RunItem>): AsyncGenerator<RunItem> {
    let checked = false;
    for await (const item of items) {
      if (!checked && (item.kind === 'events' || item.kind === 'event-file')) {
        checked = true;
        await this.pipeline.settle?.();
        this.checkDimensions();
      }
      yield item;
    }
  }

  /** After the replay: the same dimension check (an input without events), then the events. */
  verdict(): DimensionError | NothingCountedError | null {
    try {
      this.checkDimensions();
    } catch (error) {
      return error as DimensionError;
    }
    const w = this.pipeline.progress.view();
    const counted = w.strategies[this.pipeline.primary]?.counted ?? 0;
    if (w.events_read > 0 && counted === 0) {
      return new NothingCountedError(
        `${w.events_read} events read but none counted (${w.rejected_total} rejected, the rest unmatched): the input is not what it claims (--allow-empty accepts this)`,
      );
    }
    return null;
  }

  private checkDimensions(): void {
    const { dimensions } = this.pipeline.progress.view();
    for (const table of DIMENSION_NAMES) {
      const { rows_applied, rejected } = dimensions[table];
      if (rows_applied === 0) {
        throw new DimensionError(`the ${table} table has no valid row (${rejected} rejected): no event can join it (--allow-empty accepts this)`);
      }
    }
  }
}
