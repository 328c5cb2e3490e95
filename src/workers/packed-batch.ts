import type { RawBatch, SourcePosition, SourceReject } from '../domain/records/raw-batch.ts';
import type { BufferPool } from './buffer-pool.ts';

/**
 * A RawBatch in one SharedArrayBuffer (per-record seqs, starts and ends, then the record bytes):
 * a worker thread reads it where it is, and the buffer comes back to be filled again. Shared, not
 * transferred: transferring detaches the sender's ArrayBuffer, and the first ArrayBuffer detached
 * in a thread invalidates V8's "array buffer detaching" protector for that thread's whole isolate;
 * from then on its optimized code checks every typed array access for a detached buffer. One
 * transferred publish made a whole 600,000-event run 9% slower, in paired runs. Records that
 * share a source buffer (a file chunk, a fetch) are contiguous in it, so packing copies a few runs
 * of bytes per batch, never one record at a time.
 */
export interface PackedBatch {
  readonly count: number;
  readonly buffer: SharedArrayBuffer;
  /** Bytes of records in `buffer`, after the three per-record arrays. */
  readonly byteLength: number;
  readonly origin: string;
  readonly position: SourcePosition;
  readonly rejects?: readonly SourceReject[];
}

/** Where the record bytes start: after seqs (8 bytes a record), starts and ends (4 each). */
const headerBytes = (count: number): number => count * 16;

/** The runs of records sharing a source buffer, in order: [first, last] index pairs. */
function runsOf(batch: RawBatch): number[] {
  const { count, buffers, starts, ends } = batch;
  const runs: number[] = [];
  for (let i = 0; i < count; ) {
    let j = i;
    while (j + 1 < count && buffers[j + 1] === buffers[i] && starts[j + 1] >= ends[j]) j++;
    runs.push(i, j);
    i = j + 1;
  }
  return runs;
}

/** Copies the batch into one buffer, from `pool` when given (the buffer goes back to it once the batch is done). */
export function packBatch(batch: RawBatch, pool?: BufferPool): PackedBatch {
  const { count, buffers, starts, ends } = batch;
  const runs = runsOf(batch);
  let total = 0;
  for (let r = 0; r < runs.length; r += 2) total += ends[runs[r + 1]] - starts[runs[r]];
  const header = headerBytes(count);
  const buffer = pool === undefined ? new SharedArrayBuffer(header + total) : pool.take(header + total);
  new Float64Array(buffer, 0, count).set(batch.seqs);
  const packedStarts = new Int32Array(buffer, count * 8, count);
  const packedEnds = new Int32Array(buffer, count * 12, count);
  const bytes = new Uint8Array(buffer, header, total);
  let at = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const i = runs[r];
    const j = runs[r + 1];
    const from = starts[i];
    bytes.set(buffers[i].subarray(from, ends[j]), at);
    const shift = at - from;
    for (let k = i; k <= j; k++) {
      packedStarts[k] = starts[k] + shift;
      packedEnds[k] = ends[k] + shift;
    }
    at += ends[j] - from;
  }
  return { count, buffer, byteLength: total, origin: batch.origin, position: batch.position, ...(batch.rejects === undefined ? {} : { rejects: batch.rejects }) };
}

/** The packed batch as a RawBatch again (on the worker): every record a view of the one buffer. */
export function unpackBatch(packed: PackedBatch): RawBatch {
  const { count, buffer } = packed;
  const bytes = new Uint8Array(buffer, headerBytes(count), packed.byteLength);
  return {
    count,
    buffers: new Array<Uint8Array>(count).fill(bytes),
    starts: new Int32Array(buffer, count * 8, count),
    ends: new Int32Array(buffer, count * 12, count),
    seqs: new Float64Array(buffer, 0, count),
    origin: packed.origin,
    position: packed.position,
    ...(packed.rejects === undefined ? {} : { rejects: packed.rejects }),
  };
}
