import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { RawBatchBuilder, type RawBatch } from '../domain/records/raw-batch.ts';
import type { ColumnType, TableSchema } from '../domain/records/schema.ts';
import { InputError, IoError, RejectReason, StreamPulseError } from '../errors.ts';
import { CsvRecordParser, type CsvRow, type CsvRowSink } from './csv-record-parser.ts';
import { LineSplitter } from './line-splitter.ts';
import { DEFAULT_MAX_RECORD_BYTES, tooLongReject } from './record-limit.ts';

/** Large reads keep the per-chunk overhead (stream events, row arrays) negligible. */
const HIGH_WATER_MARK = 1 << 20;

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

/**
 * Turns parsed rows into JSON text records, the first row being the header; rows with the wrong
 * number of fields and rows lost to syntax errors become bad_csv rejects, over-long lines too_long.
 */
class CsvRecordBatcher implements CsvRowSink {
  private keys: string[] | undefined;
  private types: (ColumnType | undefined)[] = [];
  private readonly builder = new RawBatchBuilder();
  private lastLine = 0;
  private lastByte = 0;
  /** Batches completed while parsing a chunk, handed out after it. */
  readonly ready: RawBatch[] = [];

  constructor(
    private readonly path: string,
    private readonly schema: TableSchema,
    private readonly batchSize: number,
    private readonly totalBytes: number,
    private readonly maxBytes: number,
  ) {}

  get sawHeader(): boolean {
    return this.keys !== undefined;
  }

  row(row: CsvRow, raw: () => string): void {
    if (this.keys === undefined) {
      this.setHeader(row.fields);
      return;
    }
    if (row.fields.length === this.keys.length) this.builder.addText(this.recordJson(row.fields), row.startLine);
    else this.builder.reject({ seq: row.startLine, reason: RejectReason.BadCsv, detail: `expected ${this.keys.length} fields, got ${row.fields.length}`, raw: raw() });
    this.advance(row.endLine, row.endByte);
  }

  badRow(row: Omit<CsvRow, 'fields'>, detail: string, raw: string): void {
    this.builder.reject({ seq: row.startLine, reason: RejectReason.BadCsv, detail: `${this.path}: ${detail}`, raw });
    this.advance(row.endLine, row.endByte);
  }

  tooLong(line: number, offset: number, length: number): void {
    this.builder.reject(tooLongReject(this.path, line, offset, length, this.maxBytes));
    this.advance(line, Math.min(offset + length + 1, this.totalBytes));
  }

  flush(): RawBatch | undefined {
    return this.builder.pending > 0 ? this.build() : undefined;
  }

  private advance(line: number, byte: number): void {
    this.lastLine = line;
    this.lastByte = byte;
    if (this.builder.pending >= this.batchSize) this.ready.push(this.build());
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
    // Every row would fail the same way: one clear error instead of a dead letter per row.
    const missing = Object.keys(columns).filter((column) => !names.includes(column));
    if (missing.length > 0) throw new InputError(`CSV file ${this.path} has no column ${missing.join(', ')} (header: ${names.join(', ')})`);
    this.keys = names.map((name) => `${JSON.stringify(name)}:`);
    // hasOwn: a header named "constructor" must not pick up Object.prototype members.
    this.types = names.map((name) => (Object.hasOwn(columns, name) ? columns[name] : undefined));
  }

  private recordJson(fields: readonly (string | null)[]): string {
    const keys = this.keys ?? [];
    const members: string[] = [];
    for (let i = 0; i < fields.length; i++) members.push(keys[i] + valueJson(fields[i], this.types[i]));
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
 * Streams a CSV file (RFC 4180, header row required, naming every column of the table's schema)
 * as JSON object text records, one per data row, typed by the table schema where the text parses
 * strictly; the validator judges the rest.
 */
export async function* readCsvRecords(
  path: string,
  schema: TableSchema,
  options: { batchSize: number; maxRecordBytes?: number; chunkBytes?: number },
): AsyncGenerator<RawBatch> {
  const totalBytes = await fileSize(path);
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const batcher = new CsvRecordBatcher(path, schema, Math.max(1, options.batchSize), totalBytes, maxBytes);
  const lines = new LineSplitter(maxBytes);
  const parser = new CsvRecordParser(maxBytes, batcher);
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? HIGH_WATER_MARK });
  try {
    for await (const chunk of stream) {
      lines.push(chunk as Buffer, parser);
      yield* batcher.ready.splice(0);
    }
    lines.finish(parser);
    parser.finish();
    yield* batcher.ready.splice(0);
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
