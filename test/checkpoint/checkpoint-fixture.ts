import type { RawBatch } from '../../src/domain/records/raw-batch.ts';
import type { Strategy } from '../../src/domain/run-progress.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';

/** A small generated dataset as source items: dimension tables, then event batches. */
export interface Items {
  readonly dims: SourceItem[];
  readonly events: SourceItem[];
}

export async function generateItems(dir: string): Promise<Items> {
  await generateDataset({ outDir: dir, seed: 7, events: 6_000, users: 700, artists: 60 });
  const all: SourceItem[] = [];
  for await (const item of readInputLayout(await resolveInputDir(dir), 500)) all.push(item);
  return { dims: all.filter((i) => i.kind === 'dimension'), events: all.filter((i) => i.kind === 'events') };
}

export function newPipeline(strategies: readonly Strategy[]): Pipeline {
  return new Pipeline({ strategies, cacheSize: 256 });
}

/**
 * A real saved state: a pipeline folds the dimensions and `eventBatches` event batches, event
 * batch k into partition k % 3 as the Kafka source would, and exports its state as JSON.
 */
export async function realState(items: Items, options: { strategies: readonly Strategy[]; eventBatches: number }): Promise<{ pipeline: Pipeline; raw: Record<string, unknown> }> {
  const partitions = new WeakMap<RawBatch, string>();
  const partitionOf = (batch: RawBatch): string => {
    if (!partitions.has(batch)) partitions.set(batch, String(counted++ % 3));
    return partitions.get(batch) as string;
  };
  let counted = 0;
  const pipeline = new Pipeline({ strategies: options.strategies, cacheSize: 256, partitionOf });
  await pipeline.run(items.dims);
  await pipeline.run(items.events.slice(0, options.eventBatches));
  return { pipeline, raw: JSON.parse(JSON.stringify(pipeline.exportState())) as Record<string, unknown> };
}

/** Parsed state JSON that tests corrupt field by field, wherever they like. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- corrupting arbitrary JSON paths is the point
export type Loose = any;
