import { setTimeout as sleep } from 'node:timers/promises';
import { fetch } from '../kafka/wire/apis/fetch.ts';
import { EARLIEST, LATEST } from '../kafka/wire/apis/list-offsets.ts';
import type { Cluster } from '../kafka/wire/cluster.ts';
import { partitionOffsets } from '../kafka/wire/offsets.ts';
import { isRetriable, KafkaErrorCode, KafkaProtocolError } from '../kafka/wire/protocol-error.ts';
import { decodeKeyedRecords, type KeyedRecord } from './keyed-records.ts';

export interface TopicReadResult {
  readonly records: number;
  /** Record batch bytes fetched. */
  readonly bytes: number;
  /** The end offset read up to. */
  readonly end: number;
}

const UNKNOWN_TOPIC = 3;

/** Whether the topic exists; asked once, since a state topic nobody has written yet is normal. */
async function topicExists(cluster: Cluster, topic: string): Promise<boolean> {
  try {
    await cluster.refresh([topic]);
    return true;
  } catch (error) {
    if (error instanceof KafkaProtocolError && error.kafkaCode === UNKNOWN_TOPIC) return false;
    throw error;
  }
}

/**
 * Hands every record of partition 0 of `topic`, from its log start to the end offset seen when
 * called, to `apply` in offset order (a missing topic has none). Retriable broker errors are
 * retried until no progress has been made for `timeoutMs`.
 */
export async function readCompactedTopic(cluster: Cluster, topic: string, apply: (record: KeyedRecord) => void, timeoutMs = 30_000): Promise<TopicReadResult> {
  if (!(await topicExists(cluster, topic))) return { records: 0, bytes: 0, end: 0 };
  const earliest = async (): Promise<number> => (await partitionOffsets(cluster, topic, [0], EARLIEST, timeoutMs))[0].offset;
  const [start, [{ offset: end }]] = await Promise.all([earliest(), partitionOffsets(cluster, topic, [0], LATEST, timeoutMs)]);
  let offset = start;
  let records = 0;
  let bytes = 0;
  let progressAt = Date.now();
  let delay = 100;
  const stalled = (error: unknown): boolean => !isRetriable(error) || Date.now() - progressAt > timeoutMs;
  while (offset < end) {
    try {
      if (cluster.leaderOf(topic, 0) < 0) await cluster.refresh([topic]);
      const request = new Map([[topic, [{ partition: 0, offset }]]]);
      const [result] = await cluster.send(cluster.leaderOf(topic, 0), fetch(request, { maxWaitMs: 100, minBytes: 1, maxBytes: 32 << 20, partitionMaxBytes: 16 << 20 }));
      if (result.error === KafkaErrorCode.OffsetOutOfRange) {
        // the log start moved past the position (retention on a topic that also deletes): resume there
        offset = Math.max(offset, await earliest());
        continue;
      }
      if (result.error !== 0) throw new KafkaProtocolError(result.error, `fetching ${topic}/0`);
      if (result.records === null || result.records.length === 0) {
        if (Date.now() - progressAt > timeoutMs) throw new KafkaProtocolError(-1, `fetching ${topic}/0 returned nothing at offset ${offset} below its end ${end} for ${timeoutMs} ms`);
        continue;
      }
      const decoded = decodeKeyedRecords(result.records, offset);
      for (const record of decoded.records) {
        if (record.offset >= end) break;
        apply(record);
        records++;
      }
      bytes += result.records.length;
      if (decoded.nextOffset > offset) progressAt = Date.now();
      offset = decoded.nextOffset;
      delay = 100;
    } catch (error) {
      if (stalled(error)) throw error;
      await cluster.refresh([topic]).catch(() => {});
      await sleep(delay);
      delay = Math.min(delay * 2, 2_000);
    }
  }
  return { records, bytes, end };
}
