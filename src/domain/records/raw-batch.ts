/**
 * A batch of serialized records exactly as a source delivered them. Record i is the bytes
 * `buffers[i].subarray(starts[i], ends[i])`; several records usually share one buffer (a file
 * chunk, a Kafka fetch), so slicing is deferred to whoever needs the bytes.
 */
export interface RawBatch {
  readonly count: number;
  readonly buffers: readonly Uint8Array[];
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Where the records came from: a file path, or a topic-partition. */
  readonly origin: string;
  /** Per record: its line number (files) or offset (Kafka) within `origin`. */
  readonly seqs: Float64Array;
  /** The source position once this batch is consumed, for the progress and checkpoints. */
  readonly position: SourcePosition;
  /**
   * Records the reader itself could not frame (CSV syntax, over-long lines), in file order among
   * the batch's records; they count as read and go straight to the dead letters. Absent when none.
   */
  readonly rejects?: readonly SourceReject[];
}

/** A record rejected by its reader, before any decoding. */
export interface SourceReject {
  readonly seq: number;
  readonly reason: RejectReason;
  readonly detail: string;
  /** The record's text, or '' when it is kept by reference only (too long to hold). */
  readonly raw: string;
}

export interface SourcePosition {
  readonly origin: string;
  /** Files: the last line consumed; Kafka: the last offset consumed in `origin`. */
  readonly seq: number;
  /** Files: bytes consumed so far; absent for Kafka. */
  readonly bytes?: number;
  readonly totalBytes?: number;
}

import type { RejectReason } from '../../errors.ts';
import { grownCopy } from '../typed-copy.ts';

// ignoreBOM keeps a stray BOM in the text, so the record is judged (and dead-lettered) as it is
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function recordText(batch: RawBatch, i: number): string {
  return decoder.decode(batch.buffers[i].subarray(batch.starts[i], batch.ends[i]));
}

/** An empty array of objects: pushing a buffer into it changes no elements kind (a literal [] holds small integers until then). */
function bufferList(): Uint8Array[] {
  const list: Uint8Array[] = [EMPTY];
  list.pop();
  return list;
}
const EMPTY = new Uint8Array(0);

/**
 * Collects records into a RawBatch; used by every source and by tests. A record's start, end and
 * number go straight into typed arrays that become the batch's: four growing number arrays per
 * batch, copied into typed ones at its end, were 8,192 pushes each per batch and the garbage of
 * them; and a literal [] for the buffers changed its elements kind at its first push, which undid
 * the line loop's optimized code on every shard ("not a Smi").
 */
export class RawBatchBuilder {
  private buffers: Uint8Array[] = bufferList();
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private seqs = new Float64Array(64);
  private rejects: SourceReject[] = [];

  get count(): number {
    return this.buffers.length;
  }

  /** Records and reader rejects collected so far: a batch is due when either is pending. */
  get pending(): number {
    return this.buffers.length + this.rejects.length;
  }

  reject(reject: SourceReject): void {
    this.rejects.push(reject);
  }

  add(buffer: Uint8Array, start: number, end: number, seq: number): void {
    const i = this.buffers.length;
    if (i === this.starts.length) this.grow();
    this.buffers.push(buffer);
    this.starts[i] = start;
    this.ends[i] = end;
    this.seqs[i] = seq;
  }

  addText(text: string, seq: number): void {
    const bytes = Buffer.from(text, 'utf8');
    this.add(bytes, 0, bytes.length, seq);
  }

  build(origin: string, position: SourcePosition): RawBatch {
    const count = this.buffers.length;
    const batch: RawBatch = {
      count,
      buffers: this.buffers,
      starts: this.starts.subarray(0, count),
      ends: this.ends.subarray(0, count),
      origin,
      seqs: this.seqs.subarray(0, count),
      position,
      ...(this.rejects.length > 0 ? { rejects: this.rejects } : {}),
    };
    // the batch keeps these; the next one starts with room for as many records
    const room = Math.max(64, count);
    this.rejects = [];
    this.buffers = bufferList();
    this.starts = new Int32Array(room);
    this.ends = new Int32Array(room);
    this.seqs = new Float64Array(room);
    return batch;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    this.starts = grownCopy(this.starts, size);
    this.ends = grownCopy(this.ends, size);
    this.seqs = grownCopy(this.seqs, size);
  }
}

/** A batch from in-memory JSON lines (tests, benchmarks). */
export function rawBatchFromLines(lines: readonly string[], origin = 'memory', firstSeq = 1): RawBatch {
  const builder = new RawBatchBuilder();
  lines.forEach((line, i) => builder.addText(line, firstSeq + i));
  return builder.build(origin, { origin, seq: firstSeq + lines.length - 1 });
}
