import { RecordCursor, walkBatches } from '../kafka/wire/record-batch.ts';

/** One record of a compacted topic: its key, and its value or null for a tombstone. */
export interface KeyedRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer | null;
}

export interface KeyedRecords {
  readonly records: KeyedRecord[];
  /** The offset to fetch next: past the last whole batch. */
  readonly nextOffset: number;
}

/**
 * Decodes fetched record batches with their keys and tombstones, which the events decoder
 * (record-batch.ts) skips for speed: a compacted topic is read by key, and a null value there
 * means the key was deleted, not an empty record. Values are views of the fetched bytes (or of
 * the decompressed batch). Records below `fromOffset` and control batches are skipped; a batch
 * cut short at the end is left for the next fetch.
 */
export function decodeKeyedRecords(bytes: Buffer, fromOffset: number): KeyedRecords {
  const records: KeyedRecord[] = [];
  const nextOffset = walkBatches(bytes, fromOffset, (batch) => {
    const { body } = batch;
    for (const record = new RecordCursor(batch); record.next(); ) {
      if (record.offset < fromOffset) continue;
      const { keyAt, keyLength, valueAt, valueLength } = record;
      records.push({ offset: record.offset, key: keyLength < 0 ? null : body.toString('utf8', keyAt, keyAt + keyLength), value: valueLength < 0 ? null : body.subarray(valueAt, valueAt + valueLength) });
    }
  });
  return { records, nextOffset };
}
