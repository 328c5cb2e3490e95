import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/kafka/wire/crc32c.ts';
import { RecordBatchFormatError } from '../../../src/kafka/wire/protocol-error.ts';
import { BATCH_HEADER_BYTES, decodeRecordBatches, RecordBatchBuilder, recordSize, type DecodedRecords } from '../../../src/kafka/wire/record-batch.ts';

// kafkajs's record batch v2 encoder and decoder (CommonJS internals): an independent reading of the format
const require = createRequire(import.meta.url);
interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}
interface KafkajsBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  firstTimestamp: string;
  maxTimestamp: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  partitionLeaderEpoch: number;
  isControlBatch: boolean;
  records: KafkajsRecord[];
}
type Encoded = { buffer: Buffer };
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const kafkajsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<KafkajsBatch>;
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}) => Encoded;
const { RecordBatch: kafkajsBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (batch: {
    firstOffset?: number;
    firstTimestamp?: number;
    maxTimestamp?: number;
    lastOffsetDelta?: number;
    producerId?: number;
    records: Encoded[];
  }) => Promise<Encoded>;
};
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;

interface TestRecord {
  readonly key: Buffer | null;
  readonly value: Buffer;
}

const TIMESTAMP = 1_764_000_000_123;
const PRODUCER_ID = 4_000_000_123;

/** Deterministic bytes of every value 0..255. */
const noise = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 131 + seed * 17 + (i >> 3)) & 0xff));

const SAMPLE: readonly TestRecord[] = [
  { key: Buffer.from('user-1'), value: Buffer.from('{"event":"play","n":1}') },
  { key: null, value: Buffer.from('no key') },
  { key: Buffer.from('k'), value: Buffer.alloc(0) },
  { key: Buffer.from('big'), value: noise(400, 1) },
  { key: Buffer.alloc(0), value: Buffer.from('é✓😀') },
  { key: noise(200, 2), value: noise(9000, 3) },
];

/** Appends each record from the middle of a larger buffer, so start/end ranges are exercised. */
function builderWith(records: readonly TestRecord[], capacity = 64 * 1024): RecordBatchBuilder {
  const builder = new RecordBatchBuilder(capacity, TIMESTAMP);
  for (const r of records) {
    const value = Buffer.concat([Buffer.from('<<'), r.value, Buffer.from('>>>')]);
    const key = r.key === null ? null : Buffer.concat([Buffer.from('['), r.key, Buffer.from(']')]);
    const ok = key === null ? builder.tryAppend(null, 0, 0, value, 2, 2 + r.value.length) : builder.tryAppend(key, 1, 1 + r.key!.length, value, 2, 2 + r.value.length);
    expect(ok).toBe(true);
  }
  return builder;
}

function sealed(records: readonly TestRecord[], baseSequence = 0): Buffer {
  return builderWith(records).seal(PRODUCER_ID, 3, baseSequence, 'none');
}

function withBaseOffset(batch: Buffer, baseOffset: number): Buffer {
  batch.writeBigInt64BE(BigInt(baseOffset), 0);
  return batch;
}

function values(decoded: DecodedRecords): Buffer[] {
  return Array.from({ length: decoded.count }, (_, i) => Buffer.from(decoded.buffers[i].subarray(decoded.starts[i], decoded.ends[i])));
}

const offsets = (decoded: DecodedRecords): number[] => Array.from(decoded.offsets.subarray(0, decoded.count));

/** Rewrites the attributes and the CRC, as a broker would have written them. */
function setAttributes(batch: Buffer, attributes: number): Buffer {
  batch.writeInt16BE(attributes, 21);
  batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17);
  return batch;
}

async function decodeWithKafkajs(batch: Buffer): Promise<KafkajsBatch> {
  return kafkajsDecodeBatch(new KafkajsDecoder(batch));
}

/** A legacy (magic 1) message set entry: offset, size, crc32, magic, attributes, timestamp, key, value. */
function legacyMessage(offset: number, value: Buffer): Buffer {
  const body = Buffer.alloc(1 + 1 + 8 + 4 + 4 + value.length);
  body.writeInt8(1, 0);
  body.writeInt8(0, 1);
  body.writeBigInt64BE(BigInt(TIMESTAMP), 2);
  body.writeInt32BE(-1, 10);
  body.writeInt32BE(value.length, 14);
  value.copy(body, 18);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(BigInt(offset), 0);
  head.writeInt32BE(4 + body.length, 8);
  head.writeUInt32BE(crc32(body), 12);
  return Buffer.concat([head, body]);
}

describe('RecordBatchBuilder', () => {
  it('counts each record at recordSize(), so bytes grows by exactly that', () => {
    const builder = new RecordBatchBuilder(64 * 1024, TIMESTAMP);
    expect(builder.bytes).toBe(BATCH_HEADER_BYTES);
    SAMPLE.forEach((r, i) => {
      const before = builder.bytes;
      expect(builder.tryAppend(r.key, 0, r.key?.length ?? 0, r.value, 0, r.value.length)).toBe(true);
      expect(builder.bytes - before).toBe(recordSize(i, r.key === null ? -1 : r.key.length, r.value.length));
      expect(builder.count).toBe(i + 1);
    });
  });

  it('seals a batch with every v2 header field at its spec offset', () => {
    const builder = builderWith(SAMPLE);
    const batch = builder.seal(PRODUCER_ID, 3, 77, 'none');
    expect(batch.length).toBe(builder.bytes);
    expect(batch.readBigInt64BE(0)).toBe(0n); // baseOffset: the broker assigns it
    expect(batch.readInt32BE(8)).toBe(batch.length - 12); // batchLength
    expect(batch.readInt32BE(12)).toBe(-1); // partitionLeaderEpoch
    expect(batch.readInt8(16)).toBe(2); // magic
    expect(batch.readUInt32BE(17)).toBe(crc32c(Buffer.from(batch.subarray(21)))); // crc over attributes..end
    expect(batch.readUInt32BE(17)).toBe(kafkajsCrc32c(Buffer.from(batch.subarray(21))));
    expect(batch.readInt16BE(21)).toBe(0); // attributes: no compression, create time, not transactional
    expect(batch.readInt32BE(23)).toBe(SAMPLE.length - 1); // lastOffsetDelta
    expect(batch.readBigInt64BE(27)).toBe(BigInt(TIMESTAMP)); // baseTimestamp
    expect(batch.readBigInt64BE(35)).toBe(BigInt(TIMESTAMP)); // maxTimestamp
    expect(batch.readBigInt64BE(43)).toBe(BigInt(PRODUCER_ID)); // producerId
    expect(batch.readInt16BE(51)).toBe(3); // producerEpoch
    expect(batch.readInt32BE(53)).toBe(77); // baseSequence
    expect(batch.readInt32BE(57)).toBe(SAMPLE.length); // recordCount
  });

  it('writes records an independent decoder reads back: keys, null keys, empty and multi-byte-length values', async () => {
    const batch = withBaseOffset(sealed(SAMPLE, 5), 1000);
    const decoded = await decodeWithKafkajs(batch);
    expect(decoded.firstOffset).toBe('1000');
    expect(decoded.lastOffsetDelta).toBe(SAMPLE.length - 1);
    expect(decoded.producerId).toBe(String(PRODUCER_ID));
    expect(decoded.producerEpoch).toBe(3);
    expect(decoded.firstSequence).toBe(5);
    expect(decoded.isControlBatch).toBe(false);
    expect(decoded.records).toHaveLength(SAMPLE.length);
    decoded.records.forEach((record, i) => {
      expect(record.offset).toBe(String(1000 + i));
      expect(record.timestamp).toBe(String(TIMESTAMP));
      expect(record.key === null ? null : Buffer.from(record.key)).toEqual(SAMPLE[i].key);
      expect(Buffer.from(record.value as Buffer).equals(SAMPLE[i].value)).toBe(true);
      expect(record.headers).toEqual({});
    });
  });

  it('tryAppend returns false, writing nothing, when the record does not fit', () => {
    const value = Buffer.from('0123456789');
    const size = recordSize(0, -1, value.length);
    const builder = new RecordBatchBuilder(BATCH_HEADER_BYTES + size, TIMESTAMP);
    expect(builder.tryAppend(null, 0, 0, Buffer.from('01234567890'), 0, 11)).toBe(false); // one byte too many
    expect(builder.count).toBe(0);
    expect(builder.bytes).toBe(BATCH_HEADER_BYTES);
    expect(builder.tryAppend(null, 0, 0, value, 0, value.length)).toBe(true); // exactly fills it
    expect(builder.bytes).toBe(BATCH_HEADER_BYTES + size);
    expect(builder.tryAppend(null, 0, 0, Buffer.alloc(0), 0, 0)).toBe(false);
    expect(builder.count).toBe(1);
    const batch = builder.seal(1, 0, 0, 'none');
    expect(batch.readInt32BE(57)).toBe(1);
    expect(values(decodeRecordBatches(batch, 0))).toEqual([value]);
  });

  it('has room for the header at least, even when asked for less', () => {
    const builder = new RecordBatchBuilder(10, TIMESTAMP);
    expect(builder.tryAppend(null, 0, 0, Buffer.from('x'), 0, 1)).toBe(false);
    const batch = builder.seal(-1, -1, -1, 'none');
    expect(batch.length).toBe(BATCH_HEADER_BYTES);
    expect(batch.readInt32BE(57)).toBe(0);
  });
});

describe('decodeRecordBatches', () => {
  it('returns the values byte-identical, as views of the input, at baseOffset + delta', () => {
    const batch = withBaseOffset(sealed(SAMPLE), 123_456_789_012);
    const decoded = decodeRecordBatches(batch, 0);
    expect(decoded.count).toBe(SAMPLE.length);
    expect(values(decoded)).toEqual(SAMPLE.map((r) => r.value));
    for (let i = 0; i < decoded.count; i++) expect(decoded.buffers[i]).toBe(batch);
    expect(offsets(decoded)).toEqual(SAMPLE.map((_, i) => 123_456_789_012 + i));
    expect(decoded.nextOffset).toBe(123_456_789_012 + SAMPLE.length);
  });

  it('reads batches an independent encoder wrote: offset gaps (compaction), timestamp deltas, headers', async () => {
    const records = [
      kafkajsRecord({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('a'), value: Buffer.from('first') }),
      kafkajsRecord({ offsetDelta: 2, timestampDelta: 5_000_000_000, key: null, value: Buffer.from('second'), headers: { trace: 'abc', h2: 'x'.repeat(300) } }),
      kafkajsRecord({ offsetDelta: 5, timestampDelta: 70, key: noise(150, 4), value: noise(1000, 5), headers: { k: 'v' } }),
    ];
    const encoded = await kafkajsBatch({ firstOffset: 500, firstTimestamp: TIMESTAMP, maxTimestamp: TIMESTAMP + 5_000_000_000, lastOffsetDelta: 7, records });
    const bytes = encoded.buffer;
    const decoded = decodeRecordBatches(bytes, 0);
    expect(values(decoded)).toEqual([Buffer.from('first'), Buffer.from('second'), noise(1000, 5)]);
    expect(offsets(decoded)).toEqual([500, 502, 505]);
    expect(decoded.nextOffset).toBe(508); // past lastOffsetDelta, not the last record
    expect(decodeRecordBatches(bytes, 503).count).toBe(1);
  });

  it('skips records below fromOffset, in the batch that straddles it', () => {
    const batch = withBaseOffset(sealed(SAMPLE), 1000);
    const decoded = decodeRecordBatches(batch, 1002);
    expect(offsets(decoded)).toEqual([1002, 1003, 1004, 1005]);
    expect(values(decoded)).toEqual(SAMPLE.slice(2).map((r) => r.value));
    expect(decoded.nextOffset).toBe(1006);
  });

  it('skips whole batches below fromOffset and keeps nextOffset at fromOffset when nothing is newer', () => {
    const a = withBaseOffset(sealed(SAMPLE.slice(0, 3)), 10);
    const b = withBaseOffset(sealed(SAMPLE.slice(3)), 13);
    const both = Buffer.concat([a, b]);
    const later = decodeRecordBatches(both, 14);
    expect(offsets(later)).toEqual([14, 15]);
    expect(later.nextOffset).toBe(16);
    const past = decodeRecordBatches(both, 20);
    expect(past.count).toBe(0);
    expect(past.nextOffset).toBe(20);
  });

  it('reads several batches in a row, all values views of the one response', () => {
    const a = withBaseOffset(sealed(SAMPLE.slice(0, 2)), 40);
    const b = withBaseOffset(sealed(SAMPLE.slice(2)), 42);
    const response = Buffer.concat([a, b]);
    const decoded = decodeRecordBatches(response, 40);
    expect(values(decoded)).toEqual(SAMPLE.map((r) => r.value));
    expect(offsets(decoded)).toEqual([40, 41, 42, 43, 44, 45]);
    for (let i = 0; i < decoded.count; i++) expect(decoded.buffers[i]).toBe(response);
    expect(decoded.nextOffset).toBe(46);
  });

  it('ignores a truncated trailing batch, stopping nextOffset before it', () => {
    const a = withBaseOffset(sealed(SAMPLE.slice(0, 3)), 0);
    const b = withBaseOffset(sealed(SAMPLE.slice(3)), 3);
    for (const cut of [1, 8, 12, 30, BATCH_HEADER_BYTES, BATCH_HEADER_BYTES + 5, b.length - 1]) {
      const response = Buffer.concat([a, b.subarray(0, cut)]);
      const decoded = decodeRecordBatches(response, 0);
      expect(offsets(decoded), `cut at ${cut}`).toEqual([0, 1, 2]);
      expect(values(decoded)).toEqual(SAMPLE.slice(0, 3).map((r) => r.value));
      expect(decoded.nextOffset, `cut at ${cut}`).toBe(3);
    }
    const onlyPartial = decodeRecordBatches(b.subarray(0, b.length - 1), 3);
    expect(onlyPartial.count).toBe(0);
    expect(onlyPartial.nextOffset).toBe(3);
  });

  it('skips a control batch but advances nextOffset past it', () => {
    const before = withBaseOffset(sealed(SAMPLE.slice(0, 2)), 0);
    // a transaction commit marker: key (version 0, type 1 = COMMIT), value (version 0, coordinator epoch 0)
    const markerBuilder = new RecordBatchBuilder(256, TIMESTAMP);
    markerBuilder.tryAppend(Buffer.from([0, 0, 0, 1]), 0, 4, Buffer.from([0, 0, 0, 0, 0, 0]), 0, 6);
    const marker = setAttributes(withBaseOffset(markerBuilder.seal(PRODUCER_ID, 0, -1, 'none'), 2), 0x30);
    const after = withBaseOffset(sealed(SAMPLE.slice(2, 3)), 3);

    const decoded = decodeRecordBatches(Buffer.concat([before, marker, after]), 0);
    expect(offsets(decoded)).toEqual([0, 1, 3]);
    expect(values(decoded)).toEqual([SAMPLE[0].value, SAMPLE[1].value, SAMPLE[2].value]);
    expect(decoded.nextOffset).toBe(4);

    const markerOnly = decodeRecordBatches(marker, 2);
    expect(markerOnly.count).toBe(0);
    expect(markerOnly.nextOffset).toBe(3);
  });

  it('round-trips a gzip-compressed batch', async () => {
    const records = [...SAMPLE, ...SAMPLE];
    const builder = builderWith(records);
    const batch = withBaseOffset(builder.seal(PRODUCER_ID, 1, 9, 'gzip'), 7000);
    expect(batch.readInt16BE(21) & 7).toBe(1); // gzip codec id
    expect(batch.length).toBeLessThan(builder.bytes);
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
    expect(batch.readUInt32BE(17)).toBe(crc32c(Buffer.from(batch.subarray(21))));
    expect(batch.readInt32BE(57)).toBe(records.length);
    expect(batch.readInt32BE(23)).toBe(records.length - 1);

    const decoded = decodeRecordBatches(batch, 7001);
    expect(values(decoded)).toEqual(records.slice(1).map((r) => r.value));
    expect(offsets(decoded)).toEqual(records.slice(1).map((_, i) => 7001 + i));
    expect(decoded.nextOffset).toBe(7000 + records.length);
    expect(decoded.buffers[0]).not.toBe(batch);

    const independent = await decodeWithKafkajs(batch);
    expect(independent.records.map((r) => Buffer.from(r.value as Buffer))).toEqual(records.map((r) => r.value));
    expect(independent.records.map((r) => r.key)).toEqual(records.map((r) => r.key));
  });

  it('throws RecordBatchFormatError for a magic-1 batch', () => {
    const batch = sealed(SAMPLE.slice(0, 2));
    batch.writeInt8(1, 16);
    expect(() => decodeRecordBatches(batch, 0)).toThrow(RecordBatchFormatError);
  });

  it('throws RecordBatchFormatError for a legacy (magic 1) message set', () => {
    const messageSet = Buffer.concat([legacyMessage(0, noise(100, 6)), legacyMessage(1, noise(100, 7))]);
    expect(() => decodeRecordBatches(messageSet, 0)).toThrow(RecordBatchFormatError);
  });

  it('throws RecordBatchFormatError for a legacy message set of small messages (shorter than a v2 header)', () => {
    const messageSet = Buffer.concat([legacyMessage(0, Buffer.from('hi')), legacyMessage(1, Buffer.from('yo'))]);
    expect(() => decodeRecordBatches(messageSet, 0)).toThrow(RecordBatchFormatError);
  });

  it('throws RecordBatchFormatError for a codec it cannot read', () => {
    const batch = setAttributes(sealed(SAMPLE.slice(0, 1)), 2); // snappy
    expect(() => decodeRecordBatches(batch, 0)).toThrow(RecordBatchFormatError);
  });

  it('returns nothing for an empty response', () => {
    const decoded = decodeRecordBatches(Buffer.alloc(0), 42);
    expect(decoded.count).toBe(0);
    expect(decoded.nextOffset).toBe(42);
  });
});
