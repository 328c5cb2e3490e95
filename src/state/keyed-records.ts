import { VarintCursor } from '../kafka/wire/codec.ts';
import { codecOfId, decompress } from '../kafka/wire/compression.ts';
import { RecordBatchFormatError } from '../kafka/wire/protocol-error.ts';
import { BATCH_HEADER_BYTES } from '../kafka/wire/record-batch.ts';

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

const LOG_OVERHEAD = 12;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;
const CONTROL_FLAG = 0x20;
const readInt64 = (b: Buffer, at: number): number => b.readInt32BE(at) * 4294967296 + b.readUInt32BE(at + 4);

/**
 * Decodes fetched record batches with their keys and tombstones, which the events decoder
 * (record-batch.ts) skips for speed: a compacted topic is read by key, and a null value there
 * means the key was deleted, not an empty record. Values are views of the fetched bytes (or of
 * the decompressed batch). Records below `fromOffset` and control batches are skipped; a batch
 * cut short at the end is left for the next fetch.
 */
export function decodeKeyedRecords(bytes: Buffer, fromOffset: number): KeyedRecords {
  const records: KeyedRecord[] = [];
  let nextOffset = fromOffset;
  for (let at = 0; at + MAGIC_AT + 1 <= bytes.length; ) {
    const magic = bytes.readInt8(at + MAGIC_AT);
    if (magic !== 2) throw new RecordBatchFormatError(`record batch at offset ${readInt64(bytes, at)} has message format v${magic}; only v2 (Kafka 0.11+) is read`);
    const size = LOG_OVERHEAD + bytes.readInt32BE(at + 8);
    if (size < BATCH_HEADER_BYTES || at + size > bytes.length) break;
    const baseOffset = readInt64(bytes, at);
    const attributes = bytes.readInt16BE(at + ATTRIBUTES_AT);
    const lastOffset = baseOffset + bytes.readInt32BE(at + 23);
    const count = bytes.readInt32BE(at + 57);
    if ((attributes & CONTROL_FLAG) === 0 && lastOffset >= nextOffset) {
      const codec = codecOfId(attributes & 7);
      const body = codec === 'none' ? bytes : decompress(codec, bytes.subarray(at + BATCH_HEADER_BYTES, at + size));
      const cursor = new VarintCursor(body, codec === 'none' ? at + BATCH_HEADER_BYTES : 0);
      for (let i = 0; i < count; i++) {
        const length = cursor.varint();
        const recordEnd = cursor.at + length;
        cursor.at++;
        cursor.skipVarint();
        const offset = baseOffset + cursor.varint();
        const keyLength = cursor.varint();
        const key = keyLength < 0 ? null : body.toString('utf8', cursor.at, cursor.at + keyLength);
        cursor.at += Math.max(keyLength, 0);
        const valueLength = cursor.varint();
        const value = valueLength < 0 ? null : body.subarray(cursor.at, cursor.at + valueLength);
        if (offset >= fromOffset) records.push({ offset, key, value });
        cursor.at = recordEnd;
      }
    }
    nextOffset = Math.max(nextOffset, lastOffset + 1);
    at += size;
  }
  return { records, nextOffset };
}
