import { readFileSync } from 'node:fs';
import { Checkpointer } from '../../src/checkpoint/checkpointer.ts';
import type { Checkpoint } from '../../src/checkpoint/checkpoint-file.ts';
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

export const PARTITIONS = 3;

/**
 * A pipeline fed like the Kafka source feeds it: event batch k comes from partition k % 3, and
 * the offsets the checkpointer reads are the next offset of each partition, advanced per batch.
 */
export class PartitionedFeed {
  readonly offsets: Record<string, number> = {};
  private batches = 0;

  constructor(
    readonly pipeline: Pipeline,
    start: Readonly<Record<string, number>> = {},
    private readonly onBatch: () => void = () => {},
  ) {
    Object.assign(this.offsets, start);
  }

  async feed(events: readonly SourceItem[]): Promise<void> {
    let k = 0;
    await this.pipeline.run(events, () => {
      const partition = String(this.batches++ % PARTITIONS);
      this.offsets[partition] = (this.offsets[partition] ?? 0) + events[k++].batch.count;
      this.onBatch();
    });
  }
}

export function newPipeline(strategies: readonly Strategy[]): Pipeline {
  return new Pipeline({ strategies, cacheSize: 256 });
}

/** A real checkpoint: a pipeline folds the dimensions and `eventBatches` event batches, the Checkpointer writes it. */
export async function writeRealCheckpoint(
  path: string,
  items: Items,
  options: { strategies: readonly Strategy[]; eventBatches: number; group?: string; topic?: string },
): Promise<{ pipeline: Pipeline; checkpoint: Checkpoint; raw: Record<string, unknown> }> {
  const pipeline = newPipeline(options.strategies);
  await pipeline.run(items.dims);
  const feed = new PartitionedFeed(pipeline);
  const logs: string[] = [];
  const checkpointer = new Checkpointer(pipeline, {
    path,
    group: options.group ?? 'g',
    topic: options.topic ?? 't',
    intervalMs: 60_000,
    offsets: () => ({ ...feed.offsets }),
    log: (line) => logs.push(line),
  });
  await feed.feed(items.events.slice(0, options.eventBatches));
  await checkpointer.checkpointNow();
  if (logs.length > 0) throw new Error(`checkpointer logged: ${logs.join('; ')}`);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  return { pipeline, checkpoint: raw as unknown as Checkpoint, raw };
}

/** Parsed checkpoint JSON that tests corrupt field by field, wherever they like. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- corrupting arbitrary JSON paths is the point
export type Loose = any;
