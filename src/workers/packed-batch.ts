import type { RawBatch, SourcePosition, SourceReject } from '../domain/records/raw-batch.ts';

/**
 * A RawBatch in one contiguous buffer, so it moves to a worker thread by transfer, not by copy.
 * Records that share a source buffer (a file chunk, a fetch) are contiguous in it, so packing
 * copies a few runs of bytes per batch, never one record at a time.
 */
export interface PackedBatch {
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly seqs: Float64Array;
  readonly origin: string;
  readonly position: SourcePosition;
  readonly rejects?: readonly SourceReject[];
}

/** Copies the batch's records into one buffer; the result owns every array it holds. */
export function packBatch(batch: RawBatch): PackedBatch {
  const { count, buffers, starts, ends } = batch;
  // runs of records from the same source buffer: each run is one copy
  let total = 0;
  for (let i = 0; i < count; ) {
    const buffer = buffers[i];
    let j = i;
    while (j + 1 < count && buffers[j + 1] === buffer && starts[j + 1] >= ends[j]) j++;
    total += ends[j] - starts[i];
    i = j + 1;
  }
  const bytes = new Uint8Array(total);
  const packedStarts = new Int32Array(count);
  const packedEnds = new Int32Array(count);
  let at = 0;
  for (let i = 0; i < count; ) {
    const buffer = buffers[i];
    let j = i;
    while (j + 1 < count && buffers[j + 1] === buffer && starts[j + 1] >= ends[j]) j++;
    const from = starts[i];
    bytes.set(buffer.subarray(from, ends[j]), at);
    const shift = at - from;
    for (let k = i; k <= j; k++) {
      packedStarts[k] = starts[k] + shift;
      packedEnds[k] = ends[k] + shift;
    }
    at += ends[j] - from;
    i = j + 1;
  }
  return {
    count,
    bytes,
    starts: packedStarts,
    ends: packedEnds,
    seqs: Float64Array.from(batch.seqs),
    origin: batch.origin,
    position: batch.position,
    ...(batch.rejects === undefined ? {} : { rejects: batch.rejects }),
  };
}

/** The buffers a packed batch gives up when posted. */
export function transferables(packed: PackedBatch): ArrayBuffer[] {
  return [packed.bytes.buffer as ArrayBuffer, packed.starts.buffer as ArrayBuffer, packed.ends.buffer as ArrayBuffer, packed.seqs.buffer as ArrayBuffer];
}

/** The packed batch as a RawBatch again (on the worker): every record a view of the one buffer. */
export function unpackBatch(packed: PackedBatch): RawBatch {
  const buffers = new Array<Uint8Array>(packed.count).fill(packed.bytes);
  return {
    count: packed.count,
    buffers,
    starts: packed.starts,
    ends: packed.ends,
    seqs: packed.seqs,
    origin: packed.origin,
    position: packed.position,
    ...(packed.rejects === undefined ? {} : { rejects: packed.rejects }),
  };
}
