import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDictionaries } from '../../src/domain/dictionary.ts';
import type { RawBatch } from '../../src/domain/records/raw-batch.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { CheckpointError } from '../../src/errors.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { mergeGathered } from '../../src/peers/index.ts';
import { Pipeline, type SavedPartition } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { ShardedPipeline } from '../../src/workers/index.ts';
import { usersOf, type ShardPartitions } from '../../src/workers/shard-partitions.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let oracle: Reports;
let dimensions: SourceItem[];
/** The events as a 4-partition topic's batches would come: partition k's with origin `events/k` and offsets from 0. */
let batches: RawBatch[];

const PARTITIONS = 4;
const partitionOf = (batch: RawBatch): string => batch.origin.slice('events/'.length);

beforeAll(async () => {
  dir = await makeTempDir('streampulse-shard-partitions-');
  await generateDataset({ outDir: dir, seed: 21, events: 16_000, users: 2_000, artists: 300 });
  oracle = await computeReportsWithDuckDB(dir);
  dimensions = [];
  batches = [];
  const next = new Array<number>(PARTITIONS).fill(0);
  for await (const item of readInputLayout(await resolveInputDir(dir), 500)) {
    if (item.kind === 'dimension') {
      dimensions.push(item);
      continue;
    }
    const k = batches.length % PARTITIONS;
    const origin = `events/${k}`;
    const seqs = Float64Array.from({ length: item.batch.count }, (_, i) => next[k] + i);
    next[k] += item.batch.count;
    batches.push({ ...item.batch, origin, seqs, position: { origin, seq: next[k] - 1 } });
  }
}, 120_000);
afterAll(async () => {
  await removeTempDir(dir);
});

/** Reports of saved partition states, merged as a group query merges its members' partials. */
function merged(states: ReadonlyMap<number, SavedPartition>): Reports {
  return mergeGathered(new Map([...states].map(([p, s]) => [p, s.reports])), ['cached'], createDictionaries()).cached as Reports;
}

/**
 * A sharded pipeline fed by `script`: it yields the items a Kafka source would, and between them
 * changes or saves partitions as the state keeper would (posted in order with the batches).
 */
async function sharded(script: (p: ShardPartitions) => AsyncGenerator<SourceItem>): Promise<ShardedPipeline> {
  const pipeline = new ShardedPipeline({ strategies: ['cached'], cacheSize: 1_000, workers: 2, publishMs: 5, partitionOf });
  await pipeline.run(script(pipeline.partitions as ShardPartitions));
  return pipeline;
}

const all = Array.from({ length: PARTITIONS }, (_, k) => String(k));

describe('ShardPartitions: a Kafka run\'s partitions on the shards', () => {
  it('saves each partition at the point of the batches dealt before the save, and another instance restores it from there', async () => {
    const half = Math.floor(batches.length / 2);
    let firstHalf: readonly { saved: SavedPartition; point: { offset: number; folded: number } }[] = [];
    const first = await sharded(async function* (partitions) {
      yield* dimensions;
      await partitions.hold(all);
      for (const p of all) await partitions.restore(p, null, { offset: 0, folded: 0 }, `events/${p}`);
      for (const batch of batches.slice(0, half)) yield { kind: 'events', batch };
      // posted behind batches still queued on the shards: the states are as of all of them
      firstHalf = await partitions.save(all);
    });
    await first.dispose();
    // the reference: one thread folding the same batches, each into its own partition
    const reference = new Pipeline({ strategies: ['cached'], cacheSize: 1_000, partitionOf });
    await reference.run([...dimensions, ...batches.slice(0, half).map((batch): SourceItem => ({ kind: 'events', batch }))]);
    firstHalf.forEach(({ saved, point }, k) => {
      const dealt = batches.slice(0, half).filter((b) => partitionOf(b) === String(k));
      expect(point).toEqual({ offset: dealt.at(-1)!.position.seq + 1, folded: dealt.reduce((n, b) => n + b.count, 0) });
      expect(saved.progress.eventsRead).toBe(point.folded);
      expect(merged(new Map([[k, saved]]))).toEqual(merged(new Map([[k, reference.savePartition(String(k))]])));
    });

    // a second instance takes every partition over from the saved states and folds the rest
    let finalStates: readonly { saved: SavedPartition }[] = [];
    const second = await sharded(async function* (partitions) {
      yield* dimensions;
      await partitions.hold(all);
      for (const [k, { saved, point }] of firstHalf.entries()) await partitions.restore(String(k), structuredClone(saved), point, `events/${k}`);
      for (const batch of batches.slice(half)) yield { kind: 'events', batch };
      finalStates = await partitions.save(all);
    });
    expect(second.snapshot().reports).toEqual(oracle);
    expect(merged(new Map(finalStates.map((s, k) => [k, s.saved])))).toEqual(oracle);
    expect(second.snapshot().progress.events_read).toBe(16_000);
    await second.dispose();
  }, 120_000);

  it('shows only the partitions held, refuses an invalid saved state without stopping, and numbers a restored state\'s users on every shard', async () => {
    let refused: unknown = null;
    let afterRefusal: readonly { saved: SavedPartition; point: { folded: number } }[] = [];
    const pipeline = await sharded(async function* (partitions) {
      yield* dimensions;
      await partitions.hold(all);
      for (const p of all) await partitions.restore(p, null, { offset: 0, folded: 0 }, `events/${p}`);
      for (const batch of batches) yield { kind: 'events', batch };
      const [zero] = await partitions.save(['0']);
      refused = await partitions.restore('1', { reports: { cached: { genre_revenue: 'nonsense' } }, progress: {} }, { offset: 0, folded: 0 }, 'events/1').catch((error: unknown) => error);
      afterRefusal = await partitions.save(all);
      // a user no subscription row names, restored on shard 0 only: both shards number it, alike
      const stranger = structuredClone(zero.saved) as { reports: { cached: Record<string, { users?: string[] }> } };
      for (const aggregate of Object.values(stranger.reports.cached)) aggregate.users?.push('u-not-in-any-row');
      expect(usersOf(stranger)).toContain('u-not-in-any-row');
      await partitions.restore('2', stranger, { offset: 0, folded: 0 }, 'events/2');
      // partitions 1 and 3 (shard 1) given up: the reports leave them out
      await partitions.hold(['0', '2']);
    });
    expect(refused).toBeInstanceOf(CheckpointError);
    expect((refused as Error).message).toMatch(/partition 1/);
    // refused, it changed nothing: partition 1 still holds its own events
    const ownEvents = batches.filter((b) => partitionOf(b) === '1').reduce((n, b) => n + b.count, 0);
    expect(afterRefusal[1].point.folded).toBe(ownEvents);
    expect(afterRefusal[1].saved.progress.eventsRead).toBe(ownEvents);
    const { progress } = pipeline.snapshot();
    expect(progress.shards?.map((s) => s.partition)).toEqual(['0', '2']);
    expect(progress.events_read).toBe(2 * batches.filter((b) => partitionOf(b) === '0').reduce((n, b) => n + b.count, 0));
    // the threads are gone: a request now is refused at once, not left waiting
    await pipeline.dispose();
    await expect((pipeline.partitions as ShardPartitions).save(['0'])).rejects.toThrow(/closed/);
  }, 120_000);
});
