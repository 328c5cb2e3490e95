import type { SourcePosition } from '../domain/records/raw-batch.ts';
import type { DeadLetter } from '../domain/records/rejection.ts';
import type { EventFileItem } from '../live-pipeline.ts';
import { lineBases } from '../sources/line-base.ts';
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
 *
 * A range's dead letters are written once every range before it is read to its end: their lines
 * add up to what its numbers start after, and the letters go out in file order, as one thread
 * reading the file would write them. Ranges end nearly in order (each shard takes the next), so
 * few wait. Only when a range before was not read to its end (the read was stopped) is the file
 * itself counted up to the range (lineBase).
 */
export class SplitRead {
  private readonly ranges: readonly ByteRange[];
  private readonly lines: number[];
  private readonly bytes: number[];
  private next = 0;
  /** Per range: read to its end (its `lines` are then all of them). */
  private readonly ended: boolean[];
  /** Per range: dead letters waiting for an earlier range to end. */
  private readonly waiting: DeadLetter[][];
  /** The first range not read to its end yet, and the lines of those before it. */
  private frontier = 0;
  private linesBefore = 0;
  /** The letters behind a range not read to its end, being numbered from the file. */
  private stranded: Promise<void> = Promise.resolve();
  /** The first failure of a dead-letter write or of the batch callback: the read stops and run() throws it. */
  private failure: unknown = null;
  /** Letters numbered before the dimensions were applied, in order; null once they are. */
  private held: { letters: readonly DeadLetter[]; base: number }[] | null = [];
  private readonly dimensions: Promise<void>;

  constructor(
    private readonly item: EventFileItem,
    private readonly shards: readonly Shard[],
    private readonly deadLetters: DeadLetterSink,
    /** Told of each batch folded, with the file's position over every range. */
    private readonly onBatch: (batch: ReadBatch, read: SourcePosition) => void,
    /**
     * Settles once every shard has applied the dimension rows before the file (and written their
     * dead letters): the file's own letters are held until then, so the letters still go out in
     * the order of the input, while the shards read on.
     */
    dimensions: Promise<unknown> = Promise.resolve(),
  ) {
    this.dimensions = dimensions.then(
      () => this.release(),
      () => this.release(),
    );
    this.ranges = splitRanges(item.bytes, shards.length);
    this.lines = this.ranges.map(() => 0);
    this.bytes = this.ranges.map(() => 0);
    this.ended = this.ranges.map(() => false);
    this.waiting = this.ranges.map(() => []);
  }

  /**
   * Reads the whole file (or until the item's signal stops it); resolves once every dead letter is
   * written. A shard that fails ends the read too, but only after the dead letters the shards
   * already sent are written: what was rejected is never lost, even by a run that fails.
   */
  async run(): Promise<void> {
    const stop = (): void => {
      for (const shard of this.shards) shard.stopReading();
    };
    this.item.signal.addEventListener('abort', stop, { once: true });
    try {
      const reads = await Promise.allSettled(this.shards.flatMap((shard) => Array.from({ length: QUEUED_PER_SHARD }, () => this.readOn(shard))));
      const failed = reads.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) this.fail(failed.reason);
      await this.dimensions;
      this.writeStranded();
      await this.stranded;
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
      const done = await shard.read({ path, range, batchSize, maxRecordBytes }, (batch) => {
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
      // read to its end: all its bytes and lines are read (a stopped read's are as its last batch said)
      if (done.lines !== undefined) {
        this.bytes[r] = range.end - range.start;
        this.lines[r] = done.lines;
        this.ended[r] = true;
        this.advance();
      }
    }
  }

  private writeDeadLetters(r: number, letters: readonly DeadLetter[]): void {
    if (r === this.frontier) this.write(letters, this.linesBefore);
    else this.waiting[r].push(...letters);
  }

  /** Every range before the frontier is read to its end: the letters of each newly reached range go out. */
  private advance(): void {
    while (this.frontier < this.ranges.length && this.ended[this.frontier]) {
      this.linesBefore += this.lines[this.frontier];
      this.frontier++;
      if (this.frontier < this.ranges.length && this.waiting[this.frontier].length > 0) {
        this.write(this.waiting[this.frontier], this.linesBefore);
        this.waiting[this.frontier] = [];
      }
    }
  }

  /**
   * After a stopped (or failed) read: the letters behind the frontier, a range not read to its end,
   * numbered from the file itself, in order. One read of the file from the frontier's start to the
   * last such range: the ranges before the frontier have told their lines.
   */
  private writeStranded(): void {
    const stranded = this.waiting.flatMap((letters, r) => (letters.length === 0 ? [] : [{ r, letters }]));
    if (stranded.length === 0) return;
    const known = { start: this.ranges[this.frontier].start, base: this.linesBefore };
    this.stranded = lineBases(this.item.path, stranded.map(({ r }) => this.ranges[r].start), known)
      .then((bases) => stranded.forEach(({ letters }, i) => this.write(letters, bases[i])))
      .catch((error: unknown) => this.fail(error));
  }

  private release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const { letters, base } of held) this.write(letters, base);
  }

  private write(letters: readonly DeadLetter[], base: number): void {
    if (this.held !== null) {
      this.held.push({ letters, base });
      return;
    }
    try {
      this.deadLetters.write(base === 0 ? letters : letters.map((l) => ({ ...l, seq: l.seq + base })));
    } catch (error) {
      this.fail(error);
    }
  }

  /** Ends the read after each shard's current batch: run() then rejects with `error`. */
  abort(error: unknown): void {
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.failure !== null) return;
    this.failure = error;
    for (const shard of this.shards) shard.stopReading();
  }
}
