import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/errors.ts';
import type { KeyedRecord } from '../../src/state/keyed-records.ts';
import { chunkKey, encodeManifest, encodeState, manifestKey, type PartitionStateRecord } from '../../src/state/state-encoding.ts';
import { StateLog } from '../../src/state/state-log.ts';

const at = new Date('2026-01-02T00:00:00.000Z');

/** The records one complete write appends, as the store orders them (chunks, manifest, tombstones). */
async function write(partition: number, record: PartitionStateRecord, previous: readonly string[] = [], chunkBytes = 64): Promise<{ records: Omit<KeyedRecord, 'offset'>[]; keys: string[] }> {
  const encoded = await encodeState(partition, record, at, chunkBytes);
  const keys = encoded.chunks.map((_, i) => chunkKey(partition, record.step, i));
  const records = [
    ...encoded.chunks.map((value, i) => ({ key: keys[i], value })),
    { key: manifestKey(partition), value: encodeManifest(encoded.manifest) },
    ...previous.map((key) => ({ key, value: null })),
  ];
  return { records, keys };
}

function fold(records: readonly Omit<KeyedRecord, 'offset'>[]): StateLog {
  const log = new StateLog();
  records.forEach((r, offset) => log.apply({ ...r, offset }));
  return log;
}

const big = (tag: string): { tag: string; rows: string[] } => ({ tag, rows: Array.from({ length: 40 }, (_, i) => `${tag}-${i}`) });

describe('state log', () => {
  it('gives each partition its latest complete step, and drops the chunks its tombstones deleted', async () => {
    const first = await write(0, { step: 1, offset: 100, folded: 90, state: big('one') });
    const other = await write(1, { step: 1, offset: 5, folded: 5, state: big('other') });
    const second = await write(0, { step: 2, offset: 200, folded: 180, state: big('two') }, first.keys);
    const log = fold([...first.records, ...other.records, ...second.records]);
    expect(log.partitions()).toEqual([0, 1]);
    expect(await log.restore(0)).toMatchObject({ step: 2, offset: 200, folded: 180, state: big('two') });
    expect(await log.restore(1)).toMatchObject({ step: 1, offset: 5, state: big('other') });
    expect(log.chunkKeys(0).sort()).toEqual([...second.keys].sort());
    expect(first.keys.length).toBeGreaterThan(1);
  });

  it('keeps the previous step whole when a write stopped after its chunks, and lists those chunks for deletion', async () => {
    const first = await write(0, { step: 1, offset: 100, folded: 90, state: big('one') });
    const crashed = await write(0, { step: 2, offset: 200, folded: 180, state: big('two') }, first.keys);
    const chunksOnly = crashed.records.filter((r) => r.key !== manifestKey(0));
    const log = fold([...first.records, ...chunksOnly.filter((r) => r.value !== null)]);
    expect(await log.restore(0)).toMatchObject({ step: 1, offset: 100, state: big('one') });
    expect(log.step(0)).toBe(1);
    expect(log.chunkKeys(0).sort()).toEqual([...first.keys, ...crashed.keys].sort());
  });

  it('lets the latest value of a key win, so a chunk rewritten with other bytes fails the manifest hash', async () => {
    const first = await write(3, { step: 1, offset: 1, folded: 1, state: big('one') });
    const value = Buffer.from(first.records[0].value as Buffer);
    value[0] ^= 1;
    const log = fold([...first.records, { key: first.keys[0], value }]);
    await expect(log.restore(3)).rejects.toThrow(/partition 3 step 1 fails its sha256 check/);
  });

  it('refuses a manifest whose chunks were deleted, naming the partition', async () => {
    const first = await write(2, { step: 1, offset: 1, folded: 1, state: big('one') });
    const log = fold([...first.records, { key: first.keys[1], value: null }]);
    await expect(log.restore(2)).rejects.toThrow(CheckpointError);
    await expect(log.restore(2)).rejects.toThrow(/partition 2 step 1 is missing chunk\(s\) 1 of/);
  });

  it('refuses a record whose key no store writes', () => {
    expect(() => fold([{ key: 'hello', value: Buffer.from('x') }])).toThrow(/offset 0 with key "hello"/);
    expect(() => fold([{ key: null, value: Buffer.from('x') }])).toThrow(CheckpointError);
  });

  it('has no partitions for an empty topic', async () => {
    expect(fold([]).partitions()).toEqual([]);
    expect(await fold([]).restore(0)).toBeUndefined();
  });
});
