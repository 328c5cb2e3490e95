import { describe, expect, it } from 'vitest';
import { RawBatchBuilder, recordText, type RawBatch } from '../../src/domain/records/raw-batch.ts';
import { BufferPool, packBatch, unpackBatch } from '../../src/workers/index.ts';

const enc = new TextEncoder();

/** Records spread over three source buffers (as over file chunks), with gaps (newlines) between them. */
function spreadBatch(): RawBatch {
  const builder = new RawBatchBuilder();
  const chunks = [enc.encode('{"a":1}\n{"b":22}\n{"c":3'), enc.encode('33}\n\n{"d":"é"}\n'), enc.encode('{"e":5}')];
  builder.add(chunks[0], 0, 7, 1);
  builder.add(chunks[0], 8, 16, 2);
  builder.addText('{"c":333}', 3);
  builder.add(chunks[1], 5, 15, 5);
  builder.add(chunks[2], 0, 7, 6);
  builder.reject({ seq: 4, reason: 'too_long', detail: 'over the limit', raw: '' });
  return builder.build('events.ndjson', { origin: 'events.ndjson', seq: 6, bytes: 40, totalBytes: 40 });
}

describe('packed batches: one buffer to a worker and back', () => {
  it('unpacks to the same records, seqs, position and rejects', () => {
    const batch = spreadBatch();
    const unpacked = unpackBatch(structuredClone(packBatch(batch)));
    expect(unpacked.count).toBe(batch.count);
    for (let i = 0; i < batch.count; i++) expect(recordText(unpacked, i)).toBe(recordText(batch, i));
    expect([...unpacked.seqs]).toEqual([1, 2, 3, 5, 6]);
    expect(unpacked.position).toEqual(batch.position);
    expect(unpacked.rejects).toEqual(batch.rejects);
  });

  it('packs into a pooled buffer given back, and the next batch reuses it', () => {
    const pool = new BufferPool(4);
    const first = packBatch(spreadBatch(), pool);
    pool.give(first.buffer);
    const second = packBatch(spreadBatch(), pool);
    expect(second.buffer).toBe(first.buffer);
    expect(recordText(unpackBatch(second), 4)).toBe('{"e":5}');
  });

  it('keeps the largest buffers when more come back than it holds', () => {
    const pool = new BufferPool(2);
    for (const size of [100, 400, 200, 300]) pool.give(new SharedArrayBuffer(size));
    expect(pool.take(1).byteLength).toBe(300);
    expect(pool.take(1).byteLength).toBe(400);
    expect(pool.take(50).byteLength).toBeGreaterThanOrEqual(50);
  });
});
