import type { SourcePosition } from '../domain/records/raw-batch.ts';
import type { DeadLetter } from '../domain/records/rejection.ts';
import type { EventFileItem } from '../live-pipeline.ts';
import { lineBase } from '../sources/line-base.ts';
import type { ByteRange } from '../sources/ndjson-reader.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';
import type { Shard } from './shard.ts';
import type { ReadBatch } from './shard-protocol.ts';

/** Ranges per shard: small enough that shards finish within a range's time of each other. */
const RANGES_PER_SHARD = 16;
const MIN_RANGE = 1 << 16;
const MAX_RANGE = 16 << 20;
/** Ranges queued per shard: the next is there when one ends, so a shard never waits for this thread. */
const QUEUED_PER_SHARD = 2;

/** A file of `bytes` in ranges for `shards`, in file order, covering it exactly. */
export function splitRanges(bytes: number, shards: number): ByteRange[] {
  const size = Math.min(MAX_RANGE, Math.max(MIN_RANGE, Math.ceil(bytes / (shards * RANGES_PER_SHARD))));
  const ranges: ByteRange[] = [];
  for (let start = 0; start < bytes; start += size) ranges.push({ start, end: Math.min(bytes, start + size) });
  return ranges;
}

/**
 * One NDJSON events file read by the shards themselves, each taking the next range when one ends
 * (the main thread reads none of it): what is read so far, over all ranges, and the dead letters
 * with their line numbers made the file's (a shard counts lines from its range's first).
 */
export class SplitRead {
  private readonly ranges: readonly ByteRange[];
  private readonly lines: number[];
  private readonly bytes: number[];
  private next = 0;
  /** Line bases asked for (only ranges with dead letters need one), and the writes waiting on them. */
  private readonly bases = new Map<number, Promise<number>>();
  private readonly writes = new Set<Promise<void>>();
  /** The first failure of a dead-letter write or of the batch callback: the read stops and run() throws it. */
  private failure: unknown = null;

  constructor(
    private readonly item: EventFileItem,
    private readonly shards: readonly Shard[],
    private readonly deadLetters: DeadLetterSink,
    /** Told of each batch folded, with the file's position over every range. */
    private readonly onBatch: (batch: ReadBatch, read: SourcePosition) => void,
  ) {
    this.ranges = splitRanges(item.bytes, shards.length);
    this.lines = this.ranges.map(() => 0);
    this.bytes = this.ranges.map(() => 0);
  }

  /** Reads the whole file (or until the item's signal stops it); resolves once every dead letter is written. */
  async run(): Promise<void> {
    const stop = (): void => {
      for (const shard of this.shards) shard.stopReading();
    };
    this.item.signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.all(this.shards.flatMap((shard) => Array.from({ length: QUEUED_PER_SHARD }, () => this.readOn(shard))));
      await Promise.allSettled(this.writes);
      // a dead letter that could not be written (its line never numbered) must not end in a success
      if (this.failure !== null) throw this.failure;
    } finally {
      this.item.signal.removeEventListener('abort', stop);
    }
  }

  /** Where the read is, over every range: lines and bytes read so far. */
  position(): SourcePosition {
    let lines = 0;
    let bytes = 0;
    for (let r = 0; r < this.ranges.length; r++) {
      lines += this.lines[r];
      bytes += this.bytes[r];
    }
    return { origin: this.item.path, seq: lines, bytes, totalBytes: this.item.bytes };
  }

  private async readOn(shard: Shard): Promise<void> {
    const { path, batchSize, maxRecordBytes } = this.item;
    while (this.next < this.ranges.length && !this.item.signal.aborted && this.failure === null) {
      const r = this.next++;
      const range = this.ranges[r];
      await shard.read({ path, range, batchSize, maxRecordBytes }, (batch) => {
        // called from the shard's message listener: a throw here would escape the run
        try {
          this.lines[r] = batch.lines;
          this.bytes[r] = batch.bytes;
          if (batch.deadLetters.length > 0) this.writeDeadLetters(r, batch.deadLetters);
          const read = this.position();
          this.item.onRead?.(read);
          this.onBatch(batch, read);
        } catch (error) {
          this.fail(error);
        }
      });
      // read to its end: all its bytes are read (a stopped read's are as its last batch said)
      if (!this.item.signal.aborted) this.bytes[r] = range.end - range.start;
    }
  }

  private writeDeadLetters(r: number, letters: readonly DeadLetter[]): void {
    const range = this.ranges[r];
    if (range.start === 0) {
      this.deadLetters.write(letters);
      return;
    }
    let base = this.bases.get(r);
    if (base === undefined) {
      base = lineBase(this.item.path, range);
      this.bases.set(r, base);
    }
    const write = base.then((lines) => this.deadLetters.write(letters.map((l) => ({ ...l, seq: l.seq + lines })))).catch((error: unknown) => this.fail(error));
    this.writes.add(write);
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const shard of this.shards) shard.stopReading();
  }
}
