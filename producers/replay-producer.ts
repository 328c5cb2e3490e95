import kafkajs, { type Admin, type Message, type Producer } from 'kafkajs';
import { partitionOf } from '../src/domain/dimensions/key-partition.ts';
import { adRateKey } from '../src/domain/records/dimension-records.ts';
import { recordText, type RawBatch } from '../src/domain/records/raw-batch.ts';
import { parseJsonObject, Rejection } from '../src/domain/records/rejection.ts';
import type { DimensionName } from '../src/domain/records/schema.ts';
import { connectAdmin, createKafka } from '../src/kafka/kafka-client.ts';
import { dimensionTopic, ensureTopics, type TopicConfig } from '../src/kafka/topics.ts';
import { readTable, type InputLayout } from '../src/sources/input-dir.ts';

export type Compression = 'none' | 'gzip';

export interface ReplayOptions {
  readonly brokers: readonly string[];
  readonly topics: TopicConfig;
  readonly layout: InputLayout;
  /** Messages per send. */
  readonly batchSize: number;
  /** Events per second; 0 sends as fast as the broker takes them. */
  readonly rate: number;
  readonly compression: Compression;
  readonly log: (line: string) => void;
  readonly onProgress?: (events: number) => void;
  /** Replay only the dimension tables, or only the events (default: both, dimensions first). */
  readonly only?: 'dimensions' | 'events';
}

export interface ReplaySummary {
  readonly events: number;
  readonly dimensionRows: Readonly<Record<DimensionName, number>>;
  readonly bytes: number;
  readonly eventSeconds: number;
  readonly eventsPerSecond: number;
}

const USER_ID = Buffer.from('"user_id":"');

/**
 * The user_id of an event record: a view of its bytes in the record when it is plain ASCII without
 * escapes (no string, no copy), else from JSON.parse. Null when the record has none.
 */
export function eventKey(batch: RawBatch, i: number): Buffer | null {
  const b = batch.buffers[i];
  const buffer = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const at = buffer.indexOf(USER_ID, batch.starts[i]);
  if (at >= 0 && at < batch.ends[i]) {
    const start = at + USER_ID.length;
    let end = start;
    while (end < batch.ends[i] && buffer[end] !== 0x22 && buffer[end] !== 0x5c && buffer[end] >= 0x20 && buffer[end] < 0x80) end++;
    if (end < batch.ends[i] && buffer[end] === 0x22) return buffer.subarray(start, end);
  }
  const fields = parseJsonObject(recordText(batch, i));
  return fields instanceof Rejection || typeof fields.user_id !== 'string' ? null : Buffer.from(fields.user_id);
}

/** The key a dimension row is stored under in its compacted topic (null for a row the pipeline will reject). */
export function dimensionKey(table: DimensionName, text: string): string | null {
  const fields = parseJsonObject(text);
  if (fields instanceof Rejection) return null;
  const key = table === 'subscriptions' ? fields.user_id : table === 'payouts' ? fields.artist_id : undefined;
  if (table === 'ad_rates') return typeof fields.ad_genre === 'string' && typeof fields.ad_device === 'string' ? adRateKey(fields.ad_genre, fields.ad_device) : null;
  return typeof key === 'string' ? key : null;
}

/**
 * Messages with their partition already chosen, by the same murmur2 kafkajs' default partitioner
 * uses (so keys land where it would put them), computed here because kafkajs' own murmur2 runs on
 * 64-bit emulated longs and cost a tenth of the replay.
 */
function toMessages(batch: RawBatch, key: (i: number) => string | Buffer | null, partitions: number): Message[] {
  const messages: Message[] = new Array(batch.count);
  for (let i = 0; i < batch.count; i++) {
    const b = batch.buffers[i];
    const k = key(i);
    const value = Buffer.from(b.buffer, b.byteOffset + batch.starts[i], batch.ends[i] - batch.starts[i]);
    messages[i] = k === null ? { key: null, value } : { key: k, value, partition: partitionOf(k, partitions) };
  }
  return messages;
}

async function partitionCounts(admin: Admin, names: readonly string[]): Promise<Map<string, number>> {
  const metadata = await admin.fetchTopicMetadata({ topics: [...names] });
  return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
}

/**
 * Replays an input directory into Kafka: the dimension tables first (keyed by their ids, into
 * compacted topics), then the events keyed by user_id. The producer is idempotent, so a retried
 * send never writes a record twice.
 */
export async function replayToKafka(options: ReplayOptions): Promise<ReplaySummary> {
  const { topics, layout, log } = options;
  const kafka = createKafka(options.brokers, 'streampulse-producer');
  const admin = await connectAdmin(kafka, options.brokers, log);
  const created = await ensureTopics(admin, topics);
  const partitions = await partitionCounts(admin, [topics.events, topics.subscriptions, topics.adRates, topics.payouts]);
  await admin.disconnect();
  if (created.length > 0) log(`created topics ${created.join(', ')}`);
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const compression = options.compression === 'gzip' ? kafkajs.CompressionTypes.GZIP : kafkajs.CompressionTypes.None;
  let bytes = 0;
  try {
    const dimensionRows: Record<DimensionName, number> = { subscriptions: 0, ad_rates: 0, payouts: 0 };
    for (const table of options.only === 'events' ? [] : (['subscriptions', 'ad_rates', 'payouts'] as const)) {
      for await (const batch of readTable(layout[table], options.batchSize)) {
        const topic = dimensionTopic(topics, table);
        const messages = toMessages(batch, (i) => dimensionKey(table, recordText(batch, i)), partitions.get(topic) ?? 1);
        await producer.send({ topic, messages, acks: -1, compression });
        dimensionRows[table] += batch.count;
      }
    }
    let events = 0;
    const started = performance.now();
    for await (const batch of options.only === 'dimensions' ? [] : readTable(layout.events, options.batchSize)) {
      const messages = toMessages(batch, (i) => eventKey(batch, i), partitions.get(topics.events) ?? 1);
      for (const m of messages) bytes += (m.value as Buffer).length;
      await producer.send({ topic: topics.events, messages, acks: -1, compression });
      events += batch.count;
      options.onProgress?.(events);
      if (options.rate > 0) {
        const due = started + (events / options.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    const eventSeconds = (performance.now() - started) / 1000;
    return { events, dimensionRows, bytes, eventSeconds, eventsPerSecond: events / Math.max(eventSeconds, 1e-9) };
  } finally {
    await producer.disconnect();
  }
}
