import type { LogFn } from '../src/log/logger.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { partitionOf } from '../src/domain/dimensions/key-partition.ts';
import { adRateKey } from '../src/domain/records/dimension-records.ts';
import { recordText, type RawBatch } from '../src/domain/records/raw-batch.ts';
import { parseJsonObject, Rejection } from '../src/domain/records/rejection.ts';
import type { DimensionName } from '../src/domain/records/schema.ts';
import { Cluster, WireProducer, type Codec } from '../src/kafka/wire/index.ts';
import { createMissingTopics, dimensionTopic, type TopicConfig } from '../src/kafka/topics.ts';
import type { KafkaSecurity } from '../src/kafka/security.ts';
import { readTable, type InputLayout } from '../src/sources/input-dir.ts';
import type { DeadLetterSink } from '../topology/ports.ts';

export type Compression = Codec;

export interface ReplayOptions {
  readonly brokers: readonly string[];
  readonly topics: TopicConfig;
  readonly layout: InputLayout;
  /** Messages per send. */
  readonly batchSize: number;
  /** Events per second; 0 sends as fast as the broker takes them. */
  readonly rate: number;
  readonly compression: Compression;
  readonly log: LogFn;
  readonly onProgress?: (events: number) => void;
  /** Replay only the dimension tables, or only the events (default: both, dimensions first). */
  readonly only?: 'dimensions' | 'events';
  /** How long to wait for a broker at start before giving up (default: forever). */
  readonly connectTimeoutMs?: number;
  /** Longest record the readers take; longer ones are dead-lettered by reference (too_long). */
  readonly maxRecordBytes?: number;
  /** Where records the readers could not frame go (never produced, counted in the summary). */
  readonly deadLetters?: DeadLetterSink;
  /** SASL and TLS for a secured cluster. */
  readonly security?: KafkaSecurity;
}

export interface ReplaySummary {
  readonly events: number;
  /** Records the readers rejected (CSV syntax, over-long lines), all tables: dead-lettered, not produced. */
  readonly rejected: number;
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

function dimensionKeyBytes(table: DimensionName, text: string): Buffer | null {
  const key = dimensionKey(table, text);
  return key === null ? null : Buffer.from(key);
}

/** Appends a batch's records to the producer, keyed and partitioned by `key` (murmur2, as Kafka's default partitioner). */
function appendBatch(producer: WireProducer, topic: string, batch: RawBatch, from: number, to: number, key: (i: number) => Uint8Array | null, partitions: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const k = key(i);
    // a record without a key goes round the partitions, as it would with Kafka's own clients
    const partition = k === null ? i % partitions : partitionOf(k, partitions);
    producer.append(topic, partition, k, 0, k === null ? 0 : k.length, batch.buffers[i], batch.starts[i], batch.ends[i]);
    bytes += batch.ends[i] - batch.starts[i];
  }
  return bytes;
}

/**
 * Replays an input directory into Kafka: the dimension tables first (keyed by their ids, into
 * compacted topics), then the events keyed by user_id. The producer is idempotent, so a retried
 * send never writes a record twice. With a rate, events go out in slices of about 5 ms, each due
 * at an absolute time from the start, so timer lateness never accumulates.
 */
export async function replayToKafka(options: ReplayOptions): Promise<ReplaySummary> {
  const { topics, layout, log } = options;
  await createMissingTopics(options.brokers, topics, log, options.connectTimeoutMs, options.security);
  let rejected = 0;
  const reject = (table: string, batch: RawBatch): void => {
    if (batch.rejects === undefined) return;
    rejected += batch.rejects.length;
    options.deadLetters?.write(batch.rejects.map((r) => ({ table, origin: batch.origin, seq: r.seq, raw: r.raw, reason: r.reason, detail: r.detail })));
  };
  const cluster = new Cluster({ brokers: options.brokers, clientId: 'streampulse-producer', security: options.security });
  const producer = new WireProducer({ cluster, codec: options.compression, lingerMs: options.rate > 0 ? 1 : 5, log });
  try {
    await producer.connect();
    const dimensionRows: Record<DimensionName, number> = { subscriptions: 0, ad_rates: 0, payouts: 0 };
    for (const table of options.only === 'events' ? [] : (['subscriptions', 'ad_rates', 'payouts'] as const)) {
      const topic = dimensionTopic(topics, table);
      const partitions = (await cluster.partitions(topic)).length;
      for await (const batch of readTable(layout[table], options.batchSize, options.maxRecordBytes)) {
        reject(table, batch);
        appendBatch(producer, topic, batch, 0, batch.count, (i) => dimensionKeyBytes(table, recordText(batch, i)), partitions);
        dimensionRows[table] += batch.count;
        await producer.ready();
      }
    }
    await producer.flush();
    const partitions = (await cluster.partitions(topics.events)).length;
    let events = 0;
    let bytes = 0;
    const started = performance.now();
    // paced: slices of ~5 ms worth of events, each sent when due
    const slice = options.rate > 0 ? Math.max(1, Math.round(options.rate / 200)) : Number.POSITIVE_INFINITY;
    for await (const batch of options.only === 'dimensions' ? [] : readTable(layout.events, options.batchSize, options.maxRecordBytes)) {
      reject('events', batch);
      for (let from = 0; from < batch.count; ) {
        const to = Math.min(batch.count, from + slice);
        if (options.rate > 0) {
          const wait = started + (events / options.rate) * 1000 - performance.now();
          if (wait > 0) await sleep(wait);
        }
        bytes += appendBatch(producer, topics.events, batch, from, to, (i) => eventKey(batch, i), partitions);
        events += to - from;
        from = to;
        options.onProgress?.(events);
        await producer.ready();
      }
    }
    await producer.flush();
    const eventSeconds = (performance.now() - started) / 1000;
    return { events, rejected, dimensionRows, bytes, eventSeconds, eventsPerSecond: events / Math.max(eventSeconds, 1e-9) };
  } finally {
    producer.close();
    cluster.close();
  }
}
