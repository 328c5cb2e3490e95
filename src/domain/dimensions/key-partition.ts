const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const encoder = new TextEncoder();

/** Kafka's murmur2 (the Java client's and kafkajs' default partitioner hash) of `key`'s UTF-8 bytes. */
export function murmur2(key: string): number {
  return murmur2Bytes(encoder.encode(key));
}

/** murmur2 of raw key bytes (a key sliced straight out of a record needs no string). */
export function murmur2Bytes(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const fours = length >>> 2;
  for (let i = 0; i < fours; i++) {
    const at = i * 4;
    let k = data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = fours * 4;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition a keyed record lands in under Kafka's default partitioner. Keyed state (the
 * subscription store) split with the same function lines up with the topic's partitions, so
 * each consumer owns exactly the users its partitions carry.
 */
export function partitionOf(key: string | Uint8Array, partitions: number): number {
  return ((typeof key === 'string' ? murmur2(key) : murmur2Bytes(key)) & 0x7fffffff) % partitions;
}
