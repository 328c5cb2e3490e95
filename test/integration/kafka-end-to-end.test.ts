import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayToKafka } from '../../producers/replay-producer.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { connectAdmin, createKafka } from '../../src/kafka/kafka-client.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { KafkaSource } from '../../src/sources/kafka-source.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { DeadLetter } from '../../src/domain/records/rejection.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { deleteTopics, obtainBroker, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';

const EVENTS = 50_000;
const BAD_LINES = ['not json', '[1,2]', '{"event_id":"EVT-X","user_id":"USR-000001"}'];
const log = (line: string): void => void process.stderr.write(`${line}\n`);

let broker: TestBroker;
let dir: string;
const topics = uniqueTopics('e2e');

beforeAll(async () => {
  broker = await obtainBroker();
  dir = await makeTempDir('streampulse-e2e-');
  await generateDataset({ outDir: dir, seed: 17, events: EVENTS, users: 8_000, artists: 900 });
  await appendFile(join(dir, 'events.ndjson'), BAD_LINES.join('\n') + '\n');
}, 300_000);

afterAll(async () => {
  if (broker !== undefined) {
    await deleteTopics(broker.brokers, topics).catch(() => {});
    await broker.stop();
  }
  await removeTempDir(dir);
});

describe('Kafka end to end (real broker)', () => {
  it('produce + run --source kafka give the embedded reports exactly, with bad records in the dead-letter topic', async () => {
    const layout = await resolveInputDir(dir);
    const produced = await replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 5_000, rate: 0, compression: 'gzip', log });
    expect(produced.events).toBe(EVENTS + BAD_LINES.length);
    expect(produced.dimensionRows).toEqual({ subscriptions: 8_000, ad_rates: 48, payouts: 900 });

    const letters: DeadLetter[] = [];
    const source = new KafkaSource({ brokers: [broker.brokers], topics, groupId: `g-${topics.events}`, once: true, batchSize: 4_096, log });
    const fromKafka = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 2_000, deadLetters: { write: (l) => void letters.push(...l) }, describeSource: () => source.describe() });
    await fromKafka.run(source);
    await source.stop();

    const embedded = new Pipeline({ strategies: ['cached'], cacheSize: 2_000 });
    await embedded.run(readInputLayout(layout, 4_096));
    expect(fromKafka.snapshot('cached').reports).toEqual(embedded.snapshot().reports);
    expect(fromKafka.snapshot('naive').reports).toEqual(embedded.snapshot().reports);

    const w = fromKafka.snapshot().progress;
    expect(w.events_read).toBe(EVENTS + BAD_LINES.length);
    expect(w.rejected_total).toBe(BAD_LINES.length);
    const kafkaPosition = w.source as { partitions: { partition: number; offset: number; lag: number }[]; lag: number };
    expect(kafkaPosition.partitions).toHaveLength(6);
    expect(kafkaPosition.partitions.reduce((n, p) => n + p.offset, 0)).toBe(EVENTS + BAD_LINES.length);
    expect(kafkaPosition.lag).toBe(0);
    expect(letters.map((l) => l.raw).sort()).toEqual([...BAD_LINES].sort());
    expect(letters.every((l) => l.origin.startsWith(`${topics.events}/`))).toBe(true);
  });

  it('keeps each dead letter in the dead-letter topic with its bytes and reason', async () => {
    const { KafkaDeadLetters } = await import('../../src/sources/kafka-dead-letters.ts');
    const kafka = createKafka([broker.brokers], 'dlq-test');
    const producer = kafka.producer();
    await producer.connect();
    const sink = new KafkaDeadLetters({ producer, topic: topics.deadLetters, maxMessageBytes: async () => 1_048_588, log });
    sink.write([{ table: 'events', origin: `${topics.events}/3`, seq: 41, raw: 'not json', reason: 'not_json', detail: 'Unexpected token', bytes: Buffer.from('not json') }]);
    await sink.flush();
    await producer.disconnect();
    const admin = await connectAdmin(kafka, [broker.brokers], log, 10_000);
    const [offsets] = await admin.fetchTopicOffsets(topics.deadLetters);
    await admin.disconnect();
    expect(Number(offsets.high)).toBe(1);
    const consumer = kafka.consumer({ groupId: `dlq-${topics.events}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.deadLetters, fromBeginning: true });
    const message = await new Promise<{ value: string; headers: Record<string, string> }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message: m }) => {
          const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
          resolve({ value: String(m.value), headers });
        },
      });
    });
    await consumer.disconnect();
    expect(message.value).toBe('not json');
    expect(message.headers).toMatchObject({ reason: 'not_json', table: 'events', origin: `${topics.events}/3`, seq: '41' });
  });

  it('follows the dimension topics while running: a changed cpm or plan applies to later events', async () => {
    const small = await makeTempDir('streampulse-follow-');
    const followTopics = uniqueTopics('follow');
    try {
      await generateDataset({ outDir: small, seed: 31, events: 2_000, users: 300, artists: 40 });
      await replayToKafka({ brokers: [broker.brokers], topics: followTopics, layout: await resolveInputDir(small), batchSize: 1_000, rate: 0, compression: 'none', log });
      const source = new KafkaSource({ brokers: [broker.brokers], topics: followTopics, groupId: `g-${followTopics.prefix}`, once: false, batchSize: 500, log });
      const pipeline = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 100 });
      const running = pipeline.run(source);
      const until = async (done: () => boolean): Promise<void> => {
        while (!done()) await new Promise((r) => setTimeout(r, 20));
      };
      const counted = (): number => pipeline.progress.view().strategies.cached?.counted ?? 0;
      await until(() => counted() === 2_000);
      const before = pipeline.snapshot();
      const popBefore = before.reports.genre_revenue.find((r) => r.genre === 'Pop')?.total_ad_rev ?? 0;

      const applied = (): number => pipeline.progress.view().dimensions.ad_rates.rows_applied + pipeline.progress.view().dimensions.subscriptions.rows_applied;
      const appliedBefore = applied();
      const kafka = createKafka([broker.brokers], 'follow-test');
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: followTopics.adRates, messages: [{ key: 'Pop\u0000mobile', value: '{"ad_genre":"Pop","ad_device":"mobile","cpm":100.00}' }] });
      await producer.send({ topic: followTopics.subscriptions, messages: [{ key: 'USR-000001', value: '{"user_id":"USR-000001","plan":"platinum","monthly_price":29.99,"country":"US"}' }] });
      await until(() => applied() === appliedBefore + 2);
      const event = (i: number): string =>
        JSON.stringify({ event_id: `EVT-NEW-${i}`, user_id: 'USR-000001', artist_id: 'ART-00001', genre: 'Pop', region: 'Europe', duration_sec: 100, completed: true, device: 'mobile', event_date: '2024-12-31' });
      await producer.send({ topic: followTopics.events, messages: Array.from({ length: 10 }, (_, i) => ({ key: 'USR-000001', value: event(i) })) });
      await producer.disconnect();
      await until(() => counted() === 2_010);
      await source.stop();
      await running;

      for (const strategy of ['cached', 'naive'] as const) {
        const after = pipeline.snapshot(strategy).reports;
        const popAfter = after.genre_revenue.find((r) => r.genre === 'Pop')?.total_ad_rev ?? 0;
        expect(Math.round((popAfter - popBefore) * 1e7)).toBe(10_000_000); // 10 events × 100.00 / 1000
        expect(after.subscription_analysis.find((r) => r.plan === 'platinum')).toEqual({ plan: 'platinum', users: 1, total_streams: 10, avg_duration: 100 });
        for (const row of before.reports.subscription_analysis) expect(after.subscription_analysis).toContainEqual(row);
      }
    } finally {
      await deleteTopics(broker.brokers, followTopics).catch(() => {});
      await removeTempDir(small);
    }
  });
});

