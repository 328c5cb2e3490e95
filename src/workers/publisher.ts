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
  /** Per partition in the previous publish, the report set it was published from: another one is a partition that started over. */
  private previous = new Map<string, object>();

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
    // only the partitions held: a copy kept in case its partition comes back is not in the reports
    const held = this.pipeline.heldPartitions;
    const shown = this.pipeline.reports.partitions().filter((p) => held === null || held.includes(p));
    const sets = new Map<string, object>();
    const partitions: PublishedPartition[] = shown.map((p) => {
      const reports: Partial<Record<Strategy, ReportSetPartial>> = {};
      const identity = this.pipeline.reports.reportSet(this.strategies[0], p);
      sets.set(p, identity);
      // restored (new sets) or shown again (the reader dropped it): the reader starts it over
      const whole = this.previous.get(p) !== identity;
      for (const strategy of this.strategies) {
        reports[strategy] = this.pipeline.reports.reportSet(strategy, p).publish(whole);
      }
      return { partition: p, reports, progress: this.pipeline.progress.exportPartition(p), position: positions.get(p) ?? null, ...(whole ? { whole: true as const } : {}) };
    });
    this.previous = sets;
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
