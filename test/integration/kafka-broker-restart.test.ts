import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayToKafka } from '../../producers/replay-producer.ts';
import { generateDataset } from '../../src/generator/index.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { LocalBroker } from '../../src/kafka/local-broker.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { KafkaSource } from '../../src/sources/kafka-source.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { until } from '../helpers/until.ts';
import { uniqueTopics } from './helpers/kafka-broker.ts';

const EVENTS = 150_000;
let broker: LocalBroker;
let dir: string;
let oracle: Reports;
let layout: Awaited<ReturnType<typeof resolveInputDir>>;
const topics = uniqueTopics('broker-restart');

// This file needs a broker it can stop and start, so it always runs the repo's own launcher
// (even when KAFKA_BROKERS points elsewhere).
beforeAll(async () => {
  dir = await makeTempDir('streampulse-broker-restart-');
  broker = await LocalBroker.start({ dataDir: join(dir, 'kafka'), log: (l) => void process.stderr.write(`[kafka] ${l}\n`) });
  await generateDataset({ outDir: join(dir, 'data'), seed: 29, events: EVENTS, users: 20_000, artists: 1_000 });
  layout = await resolveInputDir(join(dir, 'data'));
  const embedded = new Pipeline({ strategies: ['cached'], cacheSize: 30_000 });
  await embedded.run(readInputLayout(layout, 4_096));
  oracle = embedded.snapshot().reports;
  await replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 5_000, rate: 0, compression: 'none', log: () => {}, only: 'dimensions' });
}, 300_000);

afterAll(async () => {
  await broker?.stop();
  await removeTempDir(dir);
});

describe('broker outages (real broker, stopped and started)', () => {
  it('waits for a broker that is down at start, survives a broker restart mid-stream on both ends, and ends with the oracle reports', async () => {
    await broker.halt();
    const lines: string[] = [];
    const source = new KafkaSource({ brokers: [broker.brokers], topics, groupId: `g-${topics.prefix}`, once: false, batchSize: 500, log: (l) => void lines.push(l) });
    const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 30_000, describeSource: () => source.describe() });
    const run = pipeline.run(source);

    await new Promise((r) => setTimeout(r, 3_000));
    expect(lines.filter((l) => l.includes('not answering'))).toHaveLength(1);
    expect(pipeline.progress.eventsReadTotal).toBe(0);
    expect(source.health()).toMatchObject({ state: 'connecting', reason: `waiting for Kafka at ${broker.brokers}` });
    await broker.resume();

    // events arrive live and paced, so the restart lands mid-stream for the producer and the source
    const producerLines: string[] = [];
    const producing = replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 5_000, rate: 40_000, compression: 'none', log: (l) => void producerLines.push(l), only: 'events' });
    await until('30,000 events read', () => pipeline.progress.eventsReadTotal >= 30_000);
    const readAtRestart = pipeline.progress.eventsReadTotal;
    expect(source.health()).toMatchObject({ state: 'running', assignment: { held: [0, 1, 2, 3, 4, 5], restoring: [] } });
    await broker.restart();
    expect((await producing).events).toBe(EVENTS);
    await until('every event read', () => pipeline.progress.eventsReadTotal >= EVENTS);
    // the idempotent producer wrote each event once across the outage: the log holds exactly EVENTS
    await until('the end offsets', () => source.describe().partitions.reduce((n, p) => n + p.end, 0) >= EVENTS);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(source.describe().partitions.reduce((n, p) => n + p.end, 0)).toBe(EVENTS);
    await source.stop();
    await run;

    expect(readAtRestart).toBeLessThan(EVENTS);
    expect(lines.filter((l) => l.includes('not answering'))).toHaveLength(1);
    expect(pipeline.progress.view().events_read).toBe(EVENTS);
    expect(pipeline.snapshot().reports).toEqual(oracle);
  });
});
