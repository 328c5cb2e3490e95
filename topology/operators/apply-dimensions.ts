import { filter, map, type OperatorFunction } from 'rxjs';
import { applyDimensionBatch, tableRows } from '../../src/domain/dimensions/index.ts';
import type { RawBatch } from '../../src/domain/records/raw-batch.ts';
import type { TopologyContext } from '../context.ts';
import type { SourceItem } from '../ports.ts';

/** Applies dimension rows as they come (later events see them) and passes event batches on. */
export function applyDimensions(ctx: TopologyContext): OperatorFunction<SourceItem, RawBatch> {
  return (source) =>
    source.pipe(
      filter((item): item is Extract<SourceItem, { kind: 'events' }> => {
        if (item.kind === 'events') return true;
        const { applied, rejected } = applyDimensionBatch(ctx.dims, item.table, item.batch);
        if (rejected.length > 0) ctx.deadLetters.write(rejected);
        ctx.progress.dimensionBatch(item.table, applied, rejected.length, item.batch.position, ctx.clock.now());
        ctx.metrics.dimensionRows(item.table, tableRows(ctx.dims, item.table));
        return false;
      }),
      map((item) => item.batch),
    );
}
