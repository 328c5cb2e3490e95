const LF = 0x0a;

/** Receives the lines of a file in order. */
export interface LineSink {
  /** Line bytes are buf[start, end), without the LF; `newline` is false for a last line without one. */
  line(buf: Buffer, start: number, end: number, line: number, offset: number, newline: boolean): void;
  /** A line over the limit, skipped unread: only its number, offset and length are known. */
  tooLong(line: number, offset: number, length: number): void;
}

/**
 * Splits file chunks into LF-terminated lines. Lines inside a chunk are views into it; a line
 * spanning chunks is kept as pieces and joined once (linear in its length). A line over maxBytes
 * is never held: its bytes are skipped to the next LF and reported by reference.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** Bytes of an over-long line skipped so far; -1 when not skipping. */
  private skipped = -1;
  private lineNo = 0;
  /** Absolute offset of the first byte not yet in a completed line. */
  private offset = 0;

  constructor(private readonly maxBytes: number) {}

  get bytesConsumed(): number {
    return this.offset;
  }

  push(chunk: Buffer, sink: LineSink): void {
    let pos = 0;
    if (this.skipped >= 0 || this.carryBytes > 0) {
      const nl = chunk.indexOf(LF);
      const piece = nl < 0 ? chunk.length : nl;
      if (this.skipped < 0 && this.carryBytes + piece > this.maxBytes) {
        this.skipped = this.carryBytes;
        this.carry = [];
        this.carryBytes = 0;
      }
      if (nl < 0) {
        if (this.skipped >= 0) this.skipped += piece;
        else {
          this.carry.push(chunk);
          this.carryBytes += piece;
        }
        return;
      }
      const length = (this.skipped >= 0 ? this.skipped : this.carryBytes) + piece;
      this.lineNo++;
      if (this.skipped >= 0) {
        sink.tooLong(this.lineNo, this.offset, length);
        this.skipped = -1;
      } else {
        this.carry.push(chunk.subarray(0, nl));
        const joined = Buffer.concat(this.carry, length);
        this.carry = [];
        this.carryBytes = 0;
        sink.line(joined, 0, length, this.lineNo, this.offset, true);
      }
      this.offset += length + 1;
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) break;
      this.lineNo++;
      if (nl - pos > this.maxBytes) sink.tooLong(this.lineNo, this.offset, nl - pos);
      else sink.line(chunk, pos, nl, this.lineNo, this.offset, true);
      this.offset += nl + 1 - pos;
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      if (chunk.length - pos > this.maxBytes) this.skipped = chunk.length - pos;
      else {
        this.carry = [chunk.subarray(pos)];
        this.carryBytes = chunk.length - pos;
      }
    }
  }

  /** Ends a last line that has no LF. */
  finish(sink: LineSink): void {
    if (this.skipped >= 0) {
      this.lineNo++;
      sink.tooLong(this.lineNo, this.offset, this.skipped);
      this.offset += this.skipped;
      this.skipped = -1;
    } else if (this.carryBytes > 0) {
      this.lineNo++;
      const last = Buffer.concat(this.carry, this.carryBytes);
      sink.line(last, 0, last.length, this.lineNo, this.offset, false);
      this.offset += this.carryBytes;
      this.carry = [];
      this.carryBytes = 0;
    }
  }
}
