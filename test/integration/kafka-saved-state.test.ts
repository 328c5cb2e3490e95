import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayToKafka } from '../../producers/replay-producer.ts';
import { buildRunConfig } from '../../src/config.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { PartitionStateStore } from '../../src/state/index.ts';
import { runMain } from '../helpers/run-main.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { deleteTopics, obtainBroker, readSavedStates, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';

const EVENTS = 3_000;
const log = (line: string): void => void process.stderr.write(`[saved-state] ${line}\n`);

let broker: TestBroker;
let dir: string;
let oracle: Reports;
const topics = uniqueTopics('saved-state', 3);
const group = `g-${topics.prefix}`;

beforeAll(async () => {
  broker = await obtainBroker();
  dir = await makeTempDir('streampulse-saved-state-');
  await generateDataset({ outDir: join(dir, 'data'), seed: 5, events: EVENTS, users: 500, artists: 50 });
  const layout = await resolveInputDir(join(dir, 'data'));
  const embedded = new Pipeline({ strategies: ['cached'], cacheSize: 1_000 });
  await embedded.run(readInputLayout(layout, 1_000));
  oracle = embedded.snapshot().reports;
  await replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 1_000, rate: 0, compression: 'none', log });
}, 300_000);

afterAll(async () => {
  if (broker !== undefined) {
    await deleteTopics(broker.brokers, topics).catch(() => {});
    await broker.stop();
  }
  await removeTempDir(dir);
});


/** A --once run of the group in its own fresh folder: the folder never holds anything a run needs. */
const once = (name: string, ...extra: string[]): string[] => [
  'run', '--source', 'kafka', '--brokers', broker.brokers, '--topic-prefix', topics.prefix, '--group', group,
  '--once', '--port', '0', '--no-progress', '--no-dead-letters', '--data-dir', join(dir, name), '--report-json', join(dir, name, 'report.json'), ...extra,
];

async function resultOf(name: string): Promise<{ reports: Reports; progress: { events_read: number } }> {
  return JSON.parse(await readFile(join(dir, name, 'report.json'), 'utf8')) as { reports: Reports; progress: { events_read: number } };
}

describe('saved partition states (real broker)', () => {
  it('takes --discard-checkpoint into the run configuration', () => {
    expect(buildRunConfig({ source: 'kafka', brokers: 'b:9092', discardCheckpoint: true }).discardCheckpoint).toBe(true);
    expect(buildRunConfig({ source: 'kafka', brokers: 'b:9092' }).discardCheckpoint).toBe(false);
  });

  it('an invalid saved partition state is refused with one line naming the partition, and --discard-checkpoint starts over', async () => {
    const first = await runMain(once('first'));
    expect(first.code, first.stderr.join('\n')).toBe(0);
    expect((await resultOf('first')).reports).toEqual(oracle);
    const saved = await readSavedStates(broker.brokers, topics, group);
    expect([...saved.keys()]).toEqual([0, 1, 2]);

    // partition 1's latest record made invalid, as a damaged or foreign writer would leave it
    const good = saved.get(1);
    if (good === undefined) throw new Error('partition 1 was not saved');
    const store = await PartitionStateStore.open({ brokers: [broker.brokers], topics, group, log, timeoutMs: 30_000 });
    try {
      await store.read([1]);
      const state = { ...(good.state as Record<string, unknown>), reports: { cached: {} } };
      await store.write(1, { step: good.step + 1, offset: good.offset, folded: good.folded, state });
    } finally {
      await store.close();
    }
    const refused = await runMain(once('refused'));
    expect(refused.code).toBe(1);
    expect(refused.stderr.at(-1)).toBe('streampulse: saved state of partition 1 is invalid: partition 1.reports.cached.genre_revenue must be present, got nothing [SP_CHECKPOINT]');

    const over = await runMain(once('over', '--discard-checkpoint'));
    expect(over.code, over.stderr.join('\n')).toBe(0);
    const result = await resultOf('over');
    expect(result.progress.events_read).toBe(EVENTS);
    expect(result.reports).toEqual(oracle);
    // every partition was written again above the discarded step, so a plain run restores it
    const rewritten = await readSavedStates(broker.brokers, topics, group);
    expect((rewritten.get(1)?.step ?? 0) > good.step + 1).toBe(true);
    // states the shards saved, restored on the main thread (--workers 0): one format for both
    const again = await runMain(once('again', '--workers', '0'));
    expect(again.code, again.stderr.join('\n')).toBe(0);
    expect((await resultOf('again')).progress.events_read).toBe(EVENTS);
    expect((await resultOf('again')).reports).toEqual(oracle);
  }, 180_000);
});
