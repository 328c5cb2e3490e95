import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { RawBatchBuilder, type RawBatch } from '../domain/records/raw-batch.ts';
import { InputError, IoError } from '../errors.ts';
import { DEFAULT_MAX_RECORD_BYTES, tooLongReject } from './record-limit.ts';
import { reusedChunks } from './reused-chunks.ts';

const NEWLINE = 0x0a;

function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/**
 * A Buffer's bytes as a plain Uint8Array: records reach the scanners in one array shape whichever
 * reader (or thread) they came from, so their byte loads stay monomorphic.
 */
const plain = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** The file's bytes in chunks; a read failure (permissions, the file gone) is an IoError naming it. */
async function* chunksOf(path: string, highWaterMark: number, start: number): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { highWaterMark, start });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    throw new IoError(`failed reading NDJSON file ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    stream.destroy();
  }
}

/**
 * A byte range of a file, for readers that split one file between threads: the lines whose first
 * byte is in [start, end). Line numbers count from the range's first line (1), so the reader of a
 * range need not read what comes before it: what to add is the lines of the ranges before it
 * (each read's `onEnd` tells its own), or lineBase() when one of those was not read to its end.
 */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Where a read stands: the lines and bytes consumed so far, and whether the next line starts past its range. */
interface LineCursor {
  line: number;
  consumed: number;
  /** A BOM is part of the first line: that line starts at 0 for the range check, though its record starts after it. */
  bom: number;
  past: boolean;
  /** Where in the current chunk the next line starts. */
  pos: number;
}

/** The file offset where the next line starts, for the range check. */
function nextLineStart(cursor: LineCursor): number {
  // every load and the subtraction run on every call: a part run on the first line only had no
  // type feedback when V8 optimized the line loop, and undid that code on every shard
  return cursor.consumed - (cursor.line === 0 ? 1 : 0) * cursor.bom;
}

const CHUNK_DONE = 0;
const BATCH_FULL = 1;
const RANGE_DONE = 2;

/**
 * The whole lines of `chunk` from `from` into the batch, until the batch is full, the chunk holds no
 * newline more, or the next line starts at the range's end; `cursor.pos` says where it stopped.
 * The hot loop of every file read, kept out of readNdjsonRecords: in the generator, whose start and
 * end of a range run once a range, V8 optimized it five times a range (about 35 ms of compiling
 * each) on every shard, each time undone by a branch first taken after the last. Its start is
 * passed in rather than read from the cursor: a function's first calls run before V8 keeps type
 * feedback for it, so a read before the loop had none when the loop's code was optimized.
 */
function takeLines(cursor: LineCursor, from: number, chunk: Buffer, records: Uint8Array, end: number, max: number, builder: RawBatchBuilder, batchSize: number, path: string): number {
  let pos = from;
  let stopped = CHUNK_DONE;
  for (;;) {
    if (nextLineStart(cursor) >= end) {
      stopped = RANGE_DONE;
      break;
    }
    const nl = chunk.indexOf(NEWLINE, pos);
    if (nl < 0) break;
    const line = ++cursor.line;
    if (nl - pos > max) builder.reject(tooLongReject(path, line, cursor.consumed, nl - pos, max));
    else if (!isBlank(chunk, pos, nl)) builder.add(records, pos, nl, line);
    cursor.consumed += nl + 1 - pos;
    pos = nl + 1;
    if (builder.pending >= batchSize) {
      stopped = BATCH_FULL;
      break;
    }
  }
  // one exit, its stores run on every call: an exit first taken at a range's end, after V8 had
  // optimized the loop without it, undid that code on every shard (then compiled it again)
  cursor.pos = pos;
  return stopped;
}

/**
 * Streams newline-delimited JSON as raw record batches without decoding: records are views into
 * the read chunks (a 1 GB file never becomes one string). Blank lines carry no record and are
 * skipped; line numbers stay those of the file (of a range: from its first line). A line longer
 * than maxRecordBytes is rejected as too_long by reference and its bytes are skipped, never held,
 * so any line length costs no memory. Positions' bytes are offsets in the whole file.
 */
export async function* readNdjsonRecords(
  path: string,
  options: {
    batchSize: number;
    chunkBytes?: number;
    maxRecordBytes?: number;
    range?: ByteRange;
    /** Called once the file (or range) is read to its end: its lines, blank ones and those after its last record included. */
    onEnd?: (lines: number) => void;
    /**
     * Read every chunk into one buffer (see reusedChunks): for a consumer done with each batch,
     * and with every view of its records, before it asks for the next.
     */
    reuseChunks?: boolean;
  },
): AsyncGenerator<RawBatch> {
  let totalBytes: number;
  try {
    totalBytes = (await stat(path)).size;
  } catch (error) {
    throw new InputError(`cannot read NDJSON file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  // a whole file ends at its size, not at Infinity: every range end a small integer, as V8 compiled takeLines for
  const { start, end } = options.range === undefined ? { start: 0, end: totalBytes } : { start: options.range.start, end: Math.min(options.range.end, totalBytes) };
  if (start >= end) {
    options.onEnd?.(0);
    return;
  }
  // a range after the first starts at the line after the first newline at or after start - 1:
  // the line running through start belongs to the range it started in
  const from = start === 0 ? 0 : start - 1;
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const stream = options.reuseChunks === true ? reusedChunks(path, chunkBytes, from) : chunksOf(path, chunkBytes, from);
  let leading = start > 0;
  // The unfinished last line of earlier chunks, kept as pieces and joined once when its newline
  // arrives, so a line spanning many chunks costs linear time. Never more than max bytes.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  // Bytes of an over-long line seen so far, while skipping to its newline; -1 when not skipping.
  let skipped = -1;
  const cursor: LineCursor = { line: 0, consumed: start === 0 ? 0 : start - 1, bom: 0, past: false, pos: 0 };
  let first = start === 0;
  const builder = new RawBatchBuilder();
  const flush = (): RawBatch => builder.build(path, { origin: path, seq: cursor.line, bytes: cursor.consumed, totalBytes });
  const rejectLong = (length: number): void => {
    builder.reject(tooLongReject(path, cursor.line, cursor.consumed, length, max));
  };
  chunks: for await (const chunk of stream) {
    const records = plain(chunk);
    let pos = 0;
    if (leading) {
      const nl = chunk.indexOf(NEWLINE);
      cursor.consumed += nl < 0 ? chunk.length : nl + 1;
      if (nl < 0) continue;
      leading = false;
      pos = nl + 1;
    }
    if (nextLineStart(cursor) >= end) {
      cursor.past = true;
      break;
    }
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        pos = 3;
        cursor.consumed = 3;
        cursor.bom = 3;
      }
    }
    if (skipped >= 0 || carryBytes > 0) {
      const nl = chunk.indexOf(NEWLINE, pos);
      const piece = (nl < 0 ? chunk.length : nl) - pos;
      if (skipped < 0 && carryBytes + piece > max) {
        skipped = carryBytes;
        carry = [];
        carryBytes = 0;
      }
      if (nl < 0) {
        if (skipped >= 0) skipped += piece;
        else {
          carry.push(Buffer.from(chunk.subarray(pos)));
          carryBytes += piece;
        }
        continue;
      }
      cursor.line++;
      const length = (skipped >= 0 ? skipped : carryBytes) + piece;
      if (skipped >= 0) {
        rejectLong(length);
        skipped = -1;
      } else {
        carry.push(chunk.subarray(pos, nl));
        const joined = Buffer.concat(carry, length);
        if (!isBlank(joined, 0, joined.length)) builder.add(plain(joined), 0, joined.length, cursor.line);
        carry = [];
        carryBytes = 0;
      }
      cursor.consumed += length + 1;
      pos = nl + 1;
    }
    cursor.pos = pos;
    for (;;) {
      const stopped = takeLines(cursor, cursor.pos, chunk, records, end, max, builder, options.batchSize, path);
      if (stopped === RANGE_DONE) {
        cursor.past = true;
        break chunks;
      }
      if (stopped === CHUNK_DONE) break;
      yield flush();
    }
    pos = cursor.pos;
    if (pos < chunk.length) {
      if (chunk.length - pos > max) skipped = chunk.length - pos;
      else {
        // a copy: the chunk's buffer may be read into again (reuseChunks), and a view would keep all of it
        carry = [Buffer.from(chunk.subarray(pos))];
        carryBytes = chunk.length - pos;
      }
    }
    if (builder.pending > 0) yield flush();
  }
  // a range ended by its end (or holding no line start) has no unfinished last line of its own
  const unfinished = !cursor.past && !leading;
  if (unfinished && skipped >= 0) {
    cursor.line++;
    rejectLong(skipped);
    cursor.consumed += skipped;
  } else if (unfinished && carryBytes > 0) {
    cursor.line++;
    const last = Buffer.concat(carry, carryBytes);
    cursor.consumed += carryBytes;
    if (!isBlank(last, 0, last.length)) builder.add(plain(last), 0, last.length, cursor.line);
  }
  if (builder.pending > 0) yield flush();
  options.onEnd?.(cursor.line);
}
