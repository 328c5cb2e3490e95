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

    const w = fromKafka.snapshot().watermark;
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
    const sink = new KafkaDeadLetters(producer, topics.deadLetters);
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
});
