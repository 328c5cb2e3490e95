import { varintSize, VarintCursor, writeVarint } from './codec.ts';
import { compress, decompress, type Codec, CODEC_IDS, codecOfId } from './compression.ts';
import { crc32c } from './crc32c.ts';
import { RecordBatchFormatError } from './protocol-error.ts';

/** Bytes before the first record of a v2 batch (baseOffset … recordCount). */
export const BATCH_HEADER_BYTES = 61;
/** Bytes before `batchLength`'s end, which `batchLength` does not count. */
const LOG_OVERHEAD = 12;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const CONTROL_FLAG = 0x20;

/** The bytes a record takes in a batch, length prefix included. */
export function recordSize(offsetDelta: number, keyLength: number, valueLength: number): number {
  const body = 1 + 1 + varintSize(offsetDelta) + varintSize(keyLength) + Math.max(keyLength, 0) + varintSize(valueLength) + Math.max(valueLength, 0) + 1;
  return varintSize(body) + body;
}

/**
 * Records appended straight into one buffer in record batch v2 layout (one timestamp for the batch,
 * no headers); `seal` writes the header and the CRC once the producer knows the batch's sequence.
 */
export class RecordBatchBuilder {
  private readonly buffer: Buffer;
  private length = BATCH_HEADER_BYTES;
  count = 0;

  constructor(
    capacity: number,
    private readonly timestamp: number,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, BATCH_HEADER_BYTES));
  }

  get bytes(): number {
    return this.length;
  }

  /** Appends one record (a null value is a tombstone); false (and nothing written) when it does not fit. */
  tryAppend(key: Uint8Array | null, keyStart: number, keyEnd: number, value: Uint8Array | null, valueStart: number, valueEnd: number): boolean {
    const keyLength = key === null ? -1 : keyEnd - keyStart;
    const valueLength = value === null ? -1 : valueEnd - valueStart;
    const offsetDelta = this.count;
    const body = 1 + 1 + varintSize(offsetDelta) + varintSize(keyLength) + Math.max(keyLength, 0) + varintSize(valueLength) + Math.max(valueLength, 0) + 1;
    const size = varintSize(body) + body;
    if (this.length + size > this.buffer.length) return false;
    const b = this.buffer;
    let at = writeVarint(b, this.length, body);
    b[at++] = 0;
    b[at++] = 0;
    at = writeVarint(b, at, offsetDelta);
    at = writeVarint(b, at, keyLength);
    if (key !== null) {
      b.set(key.subarray(keyStart, keyEnd), at);
      at += keyLength;
    }
    at = writeVarint(b, at, valueLength);
    if (value !== null) {
      b.set(value.subarray(valueStart, valueEnd), at);
      at += valueLength;
    }
    b[at++] = 0;
    this.length = at;
    this.count++;
    return true;
  }

  /** The finished batch: header, sequence and CRC written, records compressed when asked. */
  seal(producerId: number, producerEpoch: number, baseSequence: number, codec: Codec): Buffer {
    let batch = this.buffer.subarray(0, this.length);
    if (codec !== 'none') {
      const packed = compress(codec, batch.subarray(BATCH_HEADER_BYTES));
      const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + packed.length);
      packed.copy(out, BATCH_HEADER_BYTES);
      batch = out;
    }
    batch.writeBigInt64BE(0n, 0);
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, 8);
    batch.writeInt32BE(-1, 12);
    batch.writeInt8(2, 16);
    batch.writeInt16BE(CODEC_IDS[codec], ATTRIBUTES_AT);
    batch.writeInt32BE(this.count - 1, 23);
    batch.writeBigInt64BE(BigInt(this.timestamp), 27);
    batch.writeBigInt64BE(BigInt(this.timestamp), 35);
    batch.writeBigInt64BE(BigInt(producerId), 43);
    batch.writeInt16BE(producerEpoch, 51);
    batch.writeInt32BE(baseSequence, 53);
    batch.writeInt32BE(this.count, 57);
    batch.writeUInt32BE(crc32c(batch, ATTRIBUTES_AT, batch.length), CRC_AT);
    return batch;
  }
}

/** Records of one fetched partition as views: record i is `buffers[i][starts[i]..ends[i])` at `offsets[i]`. */
export interface DecodedRecords {
  readonly count: number;
  readonly buffers: Uint8Array[];
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly offsets: Float64Array;
  /** The offset to fetch next: past the last whole batch (control batches included). */
  readonly nextOffset: number;
}

const readInt64 = (b: Buffer, at: number): number => b.readInt32BE(at) * 4294967296 + b.readUInt32BE(at + 4);
const MAGIC_AT = 16;

/**
 * The size of the whole v2 batch at `at`, or -1 when the bytes end before it does. The format is
 * checked first: an old-format message (magic 0 or 1) can be shorter than a v2 header and must
 * fail loudly, not look like a batch cut short (which would fetch the same offset forever).
 */
function wholeBatchAt(bytes: Buffer, at: number): number {
  if (at + MAGIC_AT + 1 > bytes.length) return -1;
  const magic = bytes.readInt8(at + MAGIC_AT);
  if (magic !== 2) throw new RecordBatchFormatError(`record batch at offset ${readInt64(bytes, at)} has message format v${magic}; only v2 (Kafka 0.11+) is read`);
  const size = LOG_OVERHEAD + bytes.readInt32BE(at + 8);
  return size < BATCH_HEADER_BYTES || at + size > bytes.length ? -1 : size;
}

/** Where one batch's records are: its body (the response, or the batch decompressed), the first record's position in it, its offsets. */
export interface BatchRecords {
  readonly body: Buffer;
  readonly at: number;
  readonly baseOffset: number;
  readonly records: number;
}

/**
 * Walks the whole v2 batches of a fetch response: `visit` is called for each data batch holding an
 * offset at or past the next one to read (control batches and batches wholly before it are
 * skipped), with its records decompressed when they are. Returns the offset to fetch next: past the
 * last whole batch. Each reader decodes the records itself: the events' reader skips keys, the
 * state topic's reads them.
 */
export function walkBatches(bytes: Buffer, fromOffset: number, visit: (batch: BatchRecords, nextOffset: number) => void): number {
  let nextOffset = fromOffset;
  for (let at = 0; ; ) {
    const size = wholeBatchAt(bytes, at);
    if (size < 0) break;
    const baseOffset = readInt64(bytes, at);
    const attributes = bytes.readInt16BE(at + ATTRIBUTES_AT);
    const lastOffset = baseOffset + bytes.readInt32BE(at + 23);
    const records = bytes.readInt32BE(at + 57);
    if ((attributes & CONTROL_FLAG) === 0 && lastOffset >= nextOffset) {
      const codec = codecOfId(attributes & 7);
      if (codec === 'none') visit({ body: bytes, at: at + BATCH_HEADER_BYTES, baseOffset, records }, nextOffset);
      else visit({ body: decompress(codec, bytes.subarray(at + BATCH_HEADER_BYTES, at + size)), at: 0, baseOffset, records }, nextOffset);
    }
    nextOffset = Math.max(nextOffset, lastOffset + 1);
    at += size;
  }
  return nextOffset;
}

/**
 * The records of one batch in turn: after each next(), the record's offset and where its key and
 * value are in the batch's body (a length of -1: null). Headers are not read.
 */
export class RecordCursor {
  offset = 0;
  keyAt = 0;
  keyLength = 0;
  valueAt = 0;
  valueLength = 0;
  private readonly cursor: VarintCursor;
  private left: number;
  private recordEnd: number;

  constructor(private readonly batch: BatchRecords) {
    this.cursor = new VarintCursor(batch.body, batch.at);
    this.left = batch.records;
    this.recordEnd = batch.at;
  }

  next(): boolean {
    if (this.left === 0) return false;
    this.left--;
    const cursor = this.cursor;
    cursor.at = this.recordEnd;
    const length = cursor.varint();
    this.recordEnd = cursor.at + length;
    // attributes, then the timestamp delta
    cursor.at++;
    cursor.skipVarint();
    this.offset = this.batch.baseOffset + cursor.varint();
    this.keyLength = cursor.varint();
    this.keyAt = cursor.at;
    cursor.at += Math.max(this.keyLength, 0);
    this.valueLength = cursor.varint();
    this.valueAt = cursor.at;
    return true;
  }
}

/**
 * Decodes the record batches of a fetch response without copying values: uncompressed values are
 * views of the response frame. Records below `fromOffset` (a batch may start before it) and
 * control batches are skipped; a batch cut short at the end of the response is left for the next
 * fetch. Keys and headers are skipped: the pipeline reads values only. Reads uncommitted: records
 * of aborted transactions are not filtered out (StreamPulse's producers are not transactional).
 * CRCs are not checked, as librdkafka's default (check.crcs=false): the broker validated each batch
 * on append and TCP checks the bytes in flight; checking again would cost ~7% of consuming.
 */
export function decodeRecordBatches(bytes: Buffer, fromOffset: number): DecodedRecords {
  let capacity = 0;
  for (let at = 0; ; ) {
    const size = wholeBatchAt(bytes, at);
    if (size < 0) break;
    capacity += bytes.readInt32BE(at + 57);
    at += size;
  }
  const buffers: Uint8Array[] = new Array(capacity);
  const starts = new Int32Array(capacity);
  const ends = new Int32Array(capacity);
  const offsets = new Float64Array(capacity);
  let count = 0;
  const nextOffset = walkBatches(bytes, fromOffset, (batch, from) => {
    // a local in the per-record loop, not the closure's variable
    let n = count;
    for (const record = new RecordCursor(batch); record.next(); ) {
      if (record.offset < from) continue;
      buffers[n] = batch.body;
      starts[n] = record.valueAt;
      ends[n] = record.valueAt + Math.max(record.valueLength, 0);
      offsets[n] = record.offset;
      n++;
    }
    count = n;
  });
  return { count, buffers, starts, ends, offsets, nextOffset };
}
