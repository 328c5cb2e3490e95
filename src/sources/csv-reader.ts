import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { RawBatchBuilder, type RawBatch } from '../domain/records/raw-batch.ts';
import type { ColumnType, TableSchema } from '../domain/records/schema.ts';
import { InputError, IoError, StreamPulseError } from '../errors.ts';

/** Large reads keep the per-chunk overhead (stream events, row arrays) negligible. */
const HIGH_WATER_MARK = 1 << 20;

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

// Parser states: at the start of a field, inside an unquoted field, inside quotes, and just
// after a quote inside quotes (either an escaped "" or the closing quote).
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3;

interface CsvRow {
  /** null for an empty unquoted field. */
  readonly fields: (string | null)[];
  /** 1-based line where the row starts and where it ends (quoted newlines span lines). */
  readonly startLine: number;
  readonly endLine: number;
  /** Absolute file offset just past the row's terminator. */
  readonly endByte: number;
  readonly error?: string;
}

/**
 * An RFC 4180 parser over raw bytes, fed chunk by chunk. It works on bytes rather than decoded
 * text so byte offsets stay exact; the delimiters are ASCII and never occur inside a UTF-8
 * multi-byte sequence, and fields are decoded only once all their pieces are collected.
 */
class CsvRowParser {
  private state = FIELD_START;
  private fields: (string | null)[] = [];
  private parts: Buffer[] = [];
  private fieldQuoted = false;
  private rowStarted = false;
  private rowStartLine = 1;
  private line = 1;
  private lastWasCR = false;
  private offset = 0;

  push(chunk: Buffer, out: CsvRow[]): void {
    const end = chunk.length;
    // The current field's bytes in this chunk; in QUOTE_SEEN, segEnd is where the closing quote was.
    let segStart = 0;
    let segEnd = 0;
    for (let i = 0; i < end; i++) {
      let b = chunk[i];
      switch (this.state) {
        case FIELD_START:
          if (b === CR || b === LF) {
            // An unstarted row here is a blank line, or the LF of a CRLF whose CR ended the row.
            if (this.rowStarted) {
              this.endField(chunk, i, i);
              this.endRow(out, this.offset + i + 1);
            }
            break;
          }
          this.startRow();
          if (b === QUOTE) {
            this.fieldQuoted = true;
            this.state = QUOTED;
            segStart = i + 1;
          } else if (b === COMMA) {
            this.endField(chunk, i, i);
          } else {
            this.state = UNQUOTED;
            segStart = i;
          }
          break;
        case UNQUOTED:
          // Most bytes are plain field text: skip them without per-byte bookkeeping.
          while (b !== COMMA && b !== CR && b !== LF && i + 1 < end) b = chunk[++i];
          if (b === COMMA || b === CR || b === LF) {
            this.endField(chunk, segStart, i);
            this.state = FIELD_START;
            if (b !== COMMA) this.endRow(out, this.offset + i + 1);
          }
          break;
        case QUOTED:
          if (b === QUOTE) {
            segEnd = i;
            this.state = QUOTE_SEEN;
          }
          break;
        case QUOTE_SEEN:
          if (b === COMMA || b === CR || b === LF) {
            this.endField(chunk, segStart, segEnd);
            this.state = FIELD_START;
            if (b !== COMMA) this.endRow(out, this.offset + i + 1);
          } else {
            this.addPart(chunk, segStart, segEnd);
            // An escaped quote: the second quote starts the next piece, so it is kept once. Text
            // after a closing quote is invalid RFC 4180; it is kept rather than lost.
            segStart = i;
            this.state = b === QUOTE ? QUOTED : UNQUOTED;
          }
          break;
      }
      if (b === CR || (b === LF && !this.lastWasCR)) this.line++;
      this.lastWasCR = b === CR;
    }
    if (this.state === UNQUOTED || this.state === QUOTED) this.addPart(chunk, segStart, end);
    if (this.state === QUOTE_SEEN) this.addPart(chunk, segStart, segEnd);
    this.offset += end;
  }

  /** Ends the last row when the file does not end with a line break. */
  finish(out: CsvRow[]): void {
    if (this.state === FIELD_START && !this.rowStarted) return;
    const error = this.state === QUOTED ? 'unterminated quoted field' : undefined;
    this.endField(EMPTY, 0, 0);
    this.state = FIELD_START;
    this.endRow(out, this.offset, error);
  }

  private startRow(): void {
    if (this.rowStarted) return;
    this.rowStarted = true;
    this.rowStartLine = this.line;
  }

  /** Keeps a piece of a field that continues past this chunk or past an escaped quote. */
  private addPart(chunk: Buffer, start: number, end: number): void {
    if (end > start) this.parts.push(chunk.subarray(start, end));
  }

  /** Completes a field whose last piece is chunk[start, end); most fields are only that piece. */
  private endField(chunk: Buffer, start: number, end: number): void {
    let value: string | null;
    if (this.parts.length > 0) {
      this.addPart(chunk, start, end);
      value = Buffer.concat(this.parts).toString('utf8');
      this.parts = [];
    } else if (end > start) {
      value = chunk.toString('utf8', start, end);
    } else {
      value = this.fieldQuoted ? '' : null;
    }
    this.fields.push(value);
    this.fieldQuoted = false;
  }

  private endRow(out: CsvRow[], endByte: number, error?: string): void {
    const row: CsvRow = { fields: this.fields, startLine: this.rowStartLine, endLine: this.line, endByte };
    out.push(error === undefined ? row : { ...row, error });
    this.fields = [];
    this.rowStarted = false;
  }
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const BOOLEAN = /^(true|false)$/i;
/** JSON forbids leading zeros ("007"), so they are dropped; every other digit is kept. */
const LEADING_ZEROS = /^(-?)0+(?=\d)/;

/** The JSON text of one field, typed by its column when the text parses strictly. */
function valueJson(value: string | null, type: ColumnType | undefined): string {
  if (value === null) return 'null';
  switch (type) {
    case 'integer':
      if (INTEGER.test(value)) return value.replace(LEADING_ZEROS, '$1');
      break;
    case 'decimal':
      if (DECIMAL.test(value)) return value.replace(LEADING_ZEROS, '$1');
      break;
    case 'boolean':
      if (BOOLEAN.test(value)) return value.toLowerCase();
      break;
  }
  return JSON.stringify(value);
}

/** Turns parsed rows into JSON text records, the first row being the header. */
class CsvRecordBatcher {
  private keys: string[] | undefined;
  private types: (ColumnType | undefined)[] = [];
  private readonly builder = new RawBatchBuilder();
  private lastLine = 0;
  private lastByte = 0;

  constructor(
    private readonly path: string,
    private readonly schema: TableSchema,
    private readonly batchSize: number,
    private readonly totalBytes: number,
  ) {}

  get sawHeader(): boolean {
    return this.keys !== undefined;
  }

  *take(rows: readonly CsvRow[]): Generator<RawBatch> {
    for (const row of rows) {
      if (this.keys === undefined) {
        this.setHeader(row.fields);
        continue;
      }
      this.builder.addText(this.recordJson(row), row.startLine);
      this.lastLine = row.endLine;
      this.lastByte = row.endByte;
      if (this.builder.count >= this.batchSize) yield this.build();
    }
  }

  flush(): RawBatch | undefined {
    return this.builder.count > 0 ? this.build() : undefined;
  }

  private build(): RawBatch {
    return this.builder.build(this.path, {
      origin: this.path,
      seq: this.lastLine,
      bytes: this.lastByte,
      totalBytes: this.totalBytes,
    });
  }

  private setHeader(fields: readonly (string | null)[]): void {
    const { columns } = this.schema;
    const names = fields.map((f) => f ?? '');
    // A UTF-8 BOM, if any, is at byte 0 and so decodes into the first header name.
    if (names.length > 0) names[0] = names[0].replace(/^\uFEFF/, '');
    this.keys = names.map((name) => `${JSON.stringify(name)}:`);
    // hasOwn: a header named "constructor" must not pick up Object.prototype members.
    this.types = names.map((name) => (Object.hasOwn(columns, name) ? columns[name] : undefined));
  }

  private recordJson(row: CsvRow): string {
    const keys = this.keys ?? [];
    const { fields } = row;
    const shared = Math.min(keys.length, fields.length);
    const members: string[] = [];
    for (let i = 0; i < shared; i++) members.push(keys[i] + valueJson(fields[i], this.types[i]));
    // Surplus values are kept so the dead letter shows the whole row.
    if (fields.length > keys.length) members.push(`"_csv_extra":${JSON.stringify(fields.slice(keys.length))}`);
    const error =
      row.error ??
      (fields.length === keys.length ? undefined : `expected ${keys.length} fields, got ${fields.length}`);
    if (error !== undefined) members.push(`"_csv_error":${JSON.stringify(error)}`);
    return `{${members.join(',')}}`;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    throw new InputError(`cannot read CSV file ${path}`, { cause: error });
  }
}

/**
 * Streams a CSV file (RFC 4180, header row required) as JSON object text records, one per data
 * row, typed by the table schema where the text parses strictly; the validator judges the rest.
 */
export async function* readCsvRecords(
  path: string,
  schema: TableSchema,
  options: { batchSize: number },
): AsyncGenerator<RawBatch> {
  const totalBytes = await fileSize(path);
  const parser = new CsvRowParser();
  const batcher = new CsvRecordBatcher(path, schema, Math.max(1, options.batchSize), totalBytes);
  const stream = createReadStream(path, { highWaterMark: HIGH_WATER_MARK });
  const rows: CsvRow[] = [];
  try {
    for await (const chunk of stream) {
      parser.push(chunk as Buffer, rows);
      yield* batcher.take(rows);
      rows.length = 0;
    }
    parser.finish(rows);
    yield* batcher.take(rows);
  } catch (error) {
    if (error instanceof StreamPulseError) throw error;
    throw new IoError(`failed reading CSV file ${path}`, { cause: error });
  } finally {
    stream.destroy();
  }
  if (!batcher.sawHeader) throw new InputError(`CSV file ${path} has no header row`);
  const last = batcher.flush();
  if (last) yield last;
}
