import { describe, expect, it } from 'vitest';
import { decodeRecordBatches, RecordBatchBuilder, recordSize } from '../../src/kafka/wire/record-batch.ts';
import { decodeKeyedRecords } from '../../src/state/keyed-records.ts';
import type { Codec } from '../../src/kafka/wire/compression.ts';

function batch(baseOffset: number, records: readonly { key: string | null; value: string | null }[], codec: Codec = 'none'): Buffer {
  const builder = new RecordBatchBuilder(1 << 16, 1_700_000_000_000);
  for (const r of records) {
    const key = r.key === null ? null : Buffer.from(r.key);
    const value = r.value === null ? null : Buffer.from(r.value);
    expect(builder.tryAppend(key, 0, key?.length ?? 0, value, 0, value?.length ?? 0)).toBe(true);
  }
  const sealed = Buffer.from(builder.seal(1, 0, 0, codec));
  sealed.writeBigInt64BE(BigInt(baseOffset), 0);
  return sealed;
}

const text = (records: ReturnType<typeof decodeKeyedRecords>['records']) => records.map((r) => ({ offset: r.offset, key: r.key, value: r.value === null ? null : r.value.toString() }));

describe('keyed record decoding', () => {
  it('reads keys, values, empty values and tombstones (null) of plain and gzipped batches', () => {
    const bytes = Buffer.concat([
      batch(0, [
        { key: '0/1/0', value: 'chunk' },
        { key: '0', value: '' },
      ]),
      batch(2, [
        { key: '0/0/0', value: null },
        { key: null, value: 'keyless' },
      ], 'gzip'),
    ]);
    const decoded = decodeKeyedRecords(bytes, 0);
    expect(text(decoded.records)).toEqual([
      { offset: 0, key: '0/1/0', value: 'chunk' },
      { offset: 1, key: '0', value: '' },
      { offset: 2, key: '0/0/0', value: null },
      { offset: 3, key: null, value: 'keyless' },
    ]);
    expect(decoded.nextOffset).toBe(4);
  });

  it('skips records below the position and leaves a batch cut short for the next fetch', () => {
    const first = batch(10, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    const second = batch(12, [{ key: 'c', value: '3' }]);
    const decoded = decodeKeyedRecords(Buffer.concat([first, second.subarray(0, second.length - 3)]), 11);
    expect(text(decoded.records)).toEqual([{ offset: 11, key: 'b', value: '2' }]);
    expect(decoded.nextOffset).toBe(12);
  });

  it('counts a tombstone at recordSize() with a null value, and the events decoder reads it as an empty value', () => {
    const builder = new RecordBatchBuilder(1 << 10, 0);
    const key = Buffer.from('7/3/1');
    expect(builder.tryAppend(key, 0, key.length, null, 0, 0)).toBe(true);
    expect(builder.bytes).toBe(61 + recordSize(0, key.length, -1));
    const decoded = decodeRecordBatches(Buffer.from(builder.seal(1, 0, 0, 'none')), 0);
    expect(decoded.count).toBe(1);
    expect(decoded.ends[0] - decoded.starts[0]).toBe(0);
  });
});
