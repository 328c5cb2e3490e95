import type { WireProducer } from '../kafka/wire/producer.ts';
import { chunkKey, encodeManifest, manifestKey, type EncodedState } from './state-encoding.ts';

/*
 * The three steps of a state write, each resolving once the broker has acknowledged it (the
 * producer is idempotent with acks=all). They run in this order, each after the previous one is
 * acknowledged, so that a crash between any two leaves the previous manifest and its chunks whole.
 * Exported one by one so a test can stop between them as a crash would.
 */

/** The state topic has one partition: the records of all events partitions are few and keyed. */
export const STATE_PARTITION = 0;

async function produce(producer: WireProducer, topic: string, records: readonly { key: string; value: Buffer | null }[]): Promise<void> {
  for (const { key, value } of records) {
    const k = Buffer.from(key);
    await producer.ready();
    producer.append(topic, STATE_PARTITION, k, 0, k.length, value, 0, value === null ? 0 : value.length);
  }
  await producer.flush();
}

/** Step 1: the new step's chunks, under keys of their own, so they replace nothing. */
export function produceChunks(producer: WireProducer, topic: string, partition: number, encoded: EncodedState): Promise<void> {
  return produce(
    producer,
    topic,
    encoded.chunks.map((value, i) => ({ key: chunkKey(partition, encoded.manifest.step, i), value })),
  );
}

/** Step 2: the manifest, which makes the new chunks, offset and count the partition's state at once. */
export function produceManifest(producer: WireProducer, topic: string, partition: number, encoded: EncodedState): Promise<void> {
  return produce(producer, topic, [{ key: manifestKey(partition), value: encodeManifest(encoded.manifest) }]);
}

/** Step 3: tombstones for chunk keys no manifest names any more, so compaction drops them. */
export function produceTombstones(producer: WireProducer, topic: string, keys: readonly string[]): Promise<void> {
  return produce(
    producer,
    topic,
    keys.map((key) => ({ key, value: null })),
  );
}
