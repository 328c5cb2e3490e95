import type { LineSink } from './line-splitter.ts';

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF_BYTES = Buffer.from('\n');

// Parser states: at the start of a field, inside an unquoted field, inside quotes, and just
// after a quote inside quotes (either an escaped "" or the closing quote).
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3;

// What one line did to the record: completed it, left a quoted field open, ended that field badly.
const DONE = 0;
const OPEN = 1;
const BAD = 2;

interface Line {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly offset: number;
  readonly newline: boolean;
}

export interface CsvRow {
  /** null for an empty unquoted field. */
  readonly fields: (string | null)[];
  /** 1-based line where the row starts and where it ends (quoted newlines span lines). */
  readonly startLine: number;
  readonly endLine: number;
  /** Absolute file offset just past the row's terminator. */
  readonly endByte: number;
}

export interface CsvRowSink {
  /** A complete row; `raw` gives its text, for a dead letter. */
  row(row: CsvRow, raw: () => string): void;
  /** A row lost to a CSV syntax error. */
  badRow(row: Omit<CsvRow, 'fields'>, detail: string, raw: string): void;
  /** A line over the size limit, skipped unread. */
  tooLong(line: number, offset: number, length: number): void;
}

const endOf = (l: Line): number => l.offset + (l.end - l.start) + (l.newline ? 1 : 0);

/**
 * An RFC 4180 parser over lines of raw bytes. It works on bytes so offsets stay exact; delimiters
 * are ASCII and never occur inside a UTF-8 sequence. A quoted field may span lines; if it then
 * ends badly (its closing quote followed by text), is still open at end of file or grows past
 * maxBytes, the row is a syntax error and parsing restarts at the line after the one where the
 * quote opened, so one stray quote costs one row. Lines of an open row are held, at most maxBytes.
 */
export class CsvRecordParser implements LineSink {
  private pending: Line[] = [];
  private pendingBytes = 0;
  /** Index in `pending` of the line where the open quoted field began. */
  private quoteLine = -1;
  private state = FIELD_START;
  private fields: (string | null)[] = [];
  private parts: Buffer[] = [];
  private fieldQuoted = false;
  private readonly rawOfPending = (): string => this.text(this.pending);

  constructor(
    private readonly maxBytes: number,
    private readonly out: CsvRowSink,
  ) {}

  line(buf: Buffer, start: number, end: number, line: number, offset: number, newline: boolean): void {
    this.feed([{ buf, start, end, line, offset, newline }]);
  }

  tooLong(line: number, offset: number, length: number): void {
    while (this.pending.length > 0) this.feed(this.fail(` and grew past ${this.maxBytes} bytes (--max-record-bytes)`));
    this.out.tooLong(line, offset, length);
  }

  /** At end of file: a quoted field still open is an error. */
  finish(): void {
    while (this.pending.length > 0) this.feed(this.fail(' and is still open at end of file'));
  }

  private feed(lines: Line[]): void {
    let queue = lines;
    for (let k = 0; k < queue.length; k++) {
      const line = queue[k];
      if (this.pending.length > 0 && this.pendingBytes + (line.end - line.start) + 1 > this.maxBytes) {
        queue = [...this.fail(` and grew past ${this.maxBytes} bytes (--max-record-bytes)`), ...queue.slice(k)];
        k = -1;
        continue;
      }
      const result = this.parseLine(line);
      if (result === BAD) {
        const closing = this.pending[this.pending.length - 1].line;
        queue = [...this.fail(` and its closing quote on line ${closing} is followed by more text`), ...queue.slice(k + 1)];
        k = -1;
      } else if (result === DONE) {
        if (this.pending.length > 0) this.emit(line);
      }
    }
  }

  private emit(last: Line): void {
    const row: CsvRow = { fields: this.fields, startLine: this.pending[0].line, endLine: last.line, endByte: endOf(last) };
    this.out.row(row, this.rawOfPending);
    this.reset();
  }

  /** Rejects the open row up to the line where its quote opened; returns the lines to parse again. */
  private fail(why: string): Line[] {
    const q = this.quoteLine;
    const lost = this.pending.slice(0, q + 1);
    const rest = this.pending.slice(q + 1);
    const last = lost[lost.length - 1];
    this.out.badRow(
      { startLine: lost[0].line, endLine: last.line, endByte: endOf(last) },
      `unterminated quoted field opened at line ${last.line}${why}`,
      this.text(lost),
    );
    this.reset();
    return rest;
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.quoteLine = -1;
    this.state = FIELD_START;
    this.fields = [];
    this.parts = [];
    this.fieldQuoted = false;
  }

  private text(lines: readonly Line[]): string {
    return lines.map((l) => l.buf.toString('utf8', l.start, l.end)).join('\n');
  }

  private parseLine(line: Line): number {
    const { buf, start, end } = line;
    const continuing = this.pending.length > 0;
    // A blank line between rows carries no row.
    if (!continuing && (end === start || (end === start + 1 && buf[start] === CR))) return DONE;
    this.pending.push(line);
    this.pendingBytes += end - start + 1;
    const contentEnd = end > start && buf[end - 1] === CR ? end - 1 : end;
    let state = this.state;
    let segStart = start;
    let segEnd = start;
    let i = start;
    while (i < contentEnd) {
      if (state === FIELD_START) {
        const b = buf[i];
        if (b === QUOTE) {
          this.fieldQuoted = true;
          this.quoteLine = this.pending.length - 1;
          state = QUOTED;
          segStart = ++i;
        } else if (b === COMMA) {
          this.endField(buf, i, i);
          i++;
        } else {
          state = UNQUOTED;
          segStart = i;
        }
      } else if (state === UNQUOTED) {
        // Most bytes are plain field text: skip them without per-byte bookkeeping.
        while (i < contentEnd && buf[i] !== COMMA) i++;
        if (i < contentEnd) {
          this.endField(buf, segStart, i);
          state = FIELD_START;
          i++;
        }
      } else if (state === QUOTED) {
        while (i < contentEnd && buf[i] !== QUOTE) i++;
        if (i < contentEnd) {
          segEnd = i++;
          state = QUOTE_SEEN;
        }
      } else {
        const b = buf[i];
        if (b === QUOTE) {
          // An escaped quote: the second quote starts the next piece, so it is kept once.
          this.addPart(buf, segStart, segEnd);
          segStart = i++;
          state = QUOTED;
        } else if (b === COMMA) {
          this.endField(buf, segStart, segEnd);
          state = FIELD_START;
          i++;
        } else if (this.quoteLine < this.pending.length - 1) {
          return BAD;
        } else {
          // Text after a closing quote on the quote's own line is invalid RFC 4180; it is kept.
          this.addPart(buf, segStart, segEnd);
          segStart = i;
          state = UNQUOTED;
        }
      }
    }
    if (state === QUOTED) {
      // The field runs on past this line: keep its bytes (a CR included) and the line break.
      this.addPart(buf, segStart, end);
      if (line.newline) this.parts.push(LF_BYTES);
      this.state = QUOTED;
      return OPEN;
    }
    if (state === QUOTE_SEEN) this.endField(buf, segStart, segEnd);
    else if (state === UNQUOTED) this.endField(buf, segStart, contentEnd);
    else this.endField(buf, contentEnd, contentEnd);
    this.state = FIELD_START;
    return DONE;
  }

  private addPart(buf: Buffer, start: number, end: number): void {
    if (end > start) this.parts.push(buf.subarray(start, end));
  }

  /** Completes a field whose last piece is buf[start, end); most fields are only that piece. */
  private endField(buf: Buffer, start: number, end: number): void {
    let value: string | null;
    if (this.parts.length > 0) {
      this.addPart(buf, start, end);
      value = Buffer.concat(this.parts).toString('utf8');
      this.parts = [];
    } else if (end > start) {
      value = buf.toString('utf8', start, end);
    } else {
      value = this.fieldQuoted ? '' : null;
    }
    this.fields.push(value);
    this.fieldQuoted = false;
  }
}
