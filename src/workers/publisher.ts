import type { ReportSetPartial } from '../domain/aggregates/index.ts';
import type { SourcePosition } from '../domain/records/raw-batch.ts';
import type { Strategy } from '../domain/run-progress.ts';
import type { Pipeline } from '../pipeline.ts';
import type { DictionaryName, Published, PublishedPartition } from './shard-protocol.ts';

/**
 * What a shard publishes of its pipeline, between batches: every partition's partials and
 * counters as one point, and the dictionary values new since the previous publish. Distinct sets
 * go as their changed words (see KeyedAggregate.publish), so every publish must reach the reader,
 * in order. The message is copied to the merger, never transferred (see packed-batch.ts).
 */
export class Publisher {
  private readonly sent: Partial<Record<DictionaryName, number>> = {};
  private seq = 0;

  constructor(
    private readonly shard: number,
    private readonly pipeline: Pipeline,
    private readonly strategies: readonly Strategy[],
  ) {}

  /** The next publish; `positions`: each partition's last batch folded. */
  publish(positions: ReadonlyMap<string, SourcePosition>, request?: number): Published {
    const dicts = this.pipeline.dims.dicts;
    const dictionaries: Partial<Record<DictionaryName, string[]>> = {};
    for (const name of Object.keys(dicts) as DictionaryName[]) {
      // users are numbered by dimension rows alone, alike on every shard (checked at each
      // dimension batch): their ids need no translating, and 100,000 of them need not cross threads
      if (name === 'user') continue;
      const from = this.sent[name] ?? 0;
      if (dicts[name].size > from) dictionaries[name] = dicts[name].valuesFrom(from);
      this.sent[name] = dicts[name].size;
    }
    const partitions: PublishedPartition[] = this.pipeline.reports.partitions().map((p) => {
      const reports: Partial<Record<Strategy, ReportSetPartial>> = {};
      for (const strategy of this.strategies) {
        reports[strategy] = this.pipeline.reports.reportSet(strategy, p).publish();
      }
      return { partition: p, reports, progress: this.pipeline.progress.exportPartition(p), position: positions.get(p) ?? null };
    });
    const message: Published = {
      type: 'published',
      shard: this.shard,
      seq: ++this.seq,
      ...(request === undefined ? {} : { request }),
      dictionaries,
      partitions,
      cost: this.pipeline.progress.view().cost,
      at: Date.now(),
    };
    return message;
  }
}
