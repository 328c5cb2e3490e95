import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { Publisher } from '../../src/workers/publisher.ts';
import { PublishedReports } from '../../src/workers/published-reports.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { percentile } from './stats.ts';

export interface MergeCost {
  readonly users: number;
  readonly publishes: number;
  /** Per publish, ms: taking it (as a posted message arrives: structured clone) and merging it. */
  readonly acceptP50Ms: number;
  readonly acceptMaxMs: number;
  /** Per query after a publish, ms: merging what waits into the six reports. */
  readonly mergeP50Ms: number;
  readonly mergeP99Ms: number;
  readonly mergeMaxMs: number;
  /** The same query whole: the merge, then rendering the six reports' rows and their JSON. */
  readonly queryP50Ms: number;
  readonly queryP99Ms: number;
  readonly queryMaxMs: number;
}

/**
 * What a query on worker threads costs the main thread, measured in this process on the
 * dataset: two shards' pipelines (batches dealt in turn, as ShardedPipeline deals them) publish
 * every `every` batches, each publish goes through a structured clone as a posted message would,
 * and after each the six reports are merged, then rendered and written as JSON, as /reports does.
 */
export async function mergeCost(dir: string, every = 4): Promise<MergeCost> {
  const items: SourceItem[] = [];
  for await (const item of readInputLayout(await resolveInputDir(dir, 'ndjson'), 8_192)) items.push(item);
  const shards = [0, 1].map((s) => new Pipeline({ strategies: ['cached'], cacheSize: 131_072, partitionOf: () => String(s) }));
  const publishers = shards.map((pipeline, s) => new Publisher(s, pipeline, ['cached']));
  const published = new PublishedReports(2, ['cached']);
  const accepts: number[] = [];
  const merges: number[] = [];
  const queries: number[] = [];
  const publish = (s: number): void => {
    const message = publishers[s].publish(new Map());
    const took = performance.now();
    published.accept(structuredClone(message));
    accepts.push(performance.now() - took);
    const asked = performance.now();
    published.reportSet('cached');
    merges.push(performance.now() - asked);
    published.reportsJson('cached');
    queries.push(performance.now() - asked);
  };
  let batches = 0;
  const dealt = [0, 0];
  for (const item of items) {
    if (item.kind === 'dimension') {
      for (const shard of shards) await shard.run([item]);
      continue;
    }
    const s = batches++ % 2;
    await shards[s].run([item]);
    if (++dealt[s] % every === 0) publish(s);
  }
  publish(0);
  publish(1);
  return {
    users: shards[0].dims.subscriptions.size,
    publishes: accepts.length,
    acceptP50Ms: percentile(accepts, 50),
    acceptMaxMs: Math.max(...accepts),
    mergeP50Ms: percentile(merges, 50),
    mergeP99Ms: percentile(merges, 99),
    mergeMaxMs: Math.max(...merges),
    queryP50Ms: percentile(queries, 50),
    queryP99Ms: percentile(queries, 99),
    queryMaxMs: Math.max(...queries),
  };
}

/**
 * mergeCost in a fresh process, as the merger runs in a thread of its own: measured in the bench's
 * process after every run before it, the same merge took 1.8-2.1 ms (p50) instead of 1.2-1.3 ms,
 * in a heap holding the runs' results and with type feedback from the bench's own code.
 */
export async function mergeCostInChild(dir: string): Promise<MergeCost> {
  const child = join(import.meta.dirname, 'merge-cost-child.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', child, dir], { timeout: 300_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as MergeCost;
}
