/**
 * The loading shard's thread started ahead of the CLI's code (shard-pool.ts): which command lines
 * start one, that the run's loading shard is that thread (its init and every message after it
 * reach it while it starts, and it still preloads the table the run adopts), and that one no run
 * takes is ended. The reports are the DuckDB oracle's.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reports } from '../../src/domain/reports/index.ts';
import { generateDataset } from '../../src/generator/index.ts';
import type { RunItem } from '../../src/live-pipeline.ts';
import { readInputLayoutHandingOn, resolveInputDir } from '../../src/sources/input-dir.ts';
import { ShardedPipeline, startShards, subscriptionsAhead } from '../../src/workers/index.ts';
import { endStarted, startAhead, startsShards, takeStarted } from '../../src/workers/shard-pool.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let oracle: Reports;
const BATCH = 1_000;
const MAX_RECORD_BYTES = 2_000;
const INIT = { strategies: ['cached'] as const, cacheSize: 1_000, publishMs: 5 };
const run = { source: 'file', format: 'auto', batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES, generate: null, dataDir: '/nonexistent' } as const;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-shard-pool-');
  await generateDataset({ outDir: dir, seed: 41, events: 5_000, users: 1_200, artists: 150 });
  oracle = await computeReportsWithDuckDB(dir);
}, 120_000);
afterAll(async () => {
  endStarted();
  await removeTempDir(dir);
});

async function items(input: string): Promise<AsyncIterable<RunItem>> {
  const signal = new AbortController().signal;
  return readInputLayoutHandingOn(await resolveInputDir(input), BATCH, MAX_RECORD_BYTES, (path, bytes) => ({ kind: 'event-file', path, bytes, batchSize: BATCH, maxRecordBytes: MAX_RECORD_BYTES, signal }));
}

describe('a shard thread started ahead', () => {
  it('is started for a run that will have shards, as its flags or environment tell before they are parsed', () => {
    const cases: [string[], NodeJS.ProcessEnv, boolean][] = [
      [['run'], {}, true],
      [['run', '--input', 'x', '--workers', '2'], {}, true],
      [['run', '--workers=3'], {}, true],
      [['run'], { STREAMPULSE_WORKERS: '4' }, true],
      [['run', '--workers', '0'], {}, false],
      [['run', '--workers=0'], {}, false],
      [['run'], { STREAMPULSE_WORKERS: '0' }, false],
      // empty is unset, as the config reads it: the cores
      [['run'], { STREAMPULSE_WORKERS: '' }, true],
      // the flag wins over the environment, as in the run's config
      [['run', '--workers', '2'], { STREAMPULSE_WORKERS: '0' }, true],
      // not a number: the run will exit 2 on it, no thread is worth starting
      [['run', '--workers', 'two'], {}, false],
      [['run', '--workers'], {}, false],
      [['run', '--help'], {}, false],
      [['run', '-h'], {}, false],
      [['produce'], {}, false],
      [['generate', '--workers', '2'], {}, false],
      [[], {}, false],
    ];
    for (const [argv, env, expected] of cases) expect([argv, env, startsShards(argv, env)]).toEqual([argv, env, expected]);
    expect(startAhead(['produce'], {})).toBeUndefined();
    expect(takeStarted()).toBeUndefined();
  });

  it("is the run's loading shard: it takes its init and the messages after it while it starts, preloads, and the reports are the oracle's", async () => {
    const ahead = startAhead(['run', '--workers', '2'], {});
    expect(ahead).toBeDefined();
    // one at a time
    expect(startAhead(['run'], {})).toBeUndefined();
    const shards = startShards(2, INIT, await subscriptionsAhead({ ...run, input: dir }));
    expect(shards[1].threadId).toBe(ahead?.threadId);
    expect(shards[0].threadId).not.toBe(ahead?.threadId);
    expect(takeStarted()).toBeUndefined();
    const pipeline = new ShardedPipeline({ ...INIT, workers: 2, shards });
    await pipeline.run(await items(dir));
    expect(pipeline.snapshot().reports).toEqual(oracle);
    expect(pipeline.snapshot().progress.dimensions.subscriptions).toEqual({ rows_applied: 1_200, rejected: 0 });
    await pipeline.dispose();
  }, 60_000);

  it('that no run takes is ended', async () => {
    const ahead = startAhead(['run'], {});
    if (ahead === undefined) throw new Error('no thread was started ahead');
    const exited = once(ahead, 'exit');
    endStarted();
    await exited;
    expect(takeStarted()).toBeUndefined();
    // a run after it starts its own threads
    const shards = startShards(1, INIT);
    expect(shards[0].threadId).not.toBe(ahead.threadId);
    await Promise.all(shards.map((shard) => shard.terminate()));
  }, 30_000);
});
