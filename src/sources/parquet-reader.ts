import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
  type ParquetParsers,
  type ParquetRow,
  type SchemaElement,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { RawBatchBuilder, type RawBatch } from '../domain/records/raw-batch.ts';
import { InputError, IoError } from '../errors.ts';

const MS_PER_DAY = 86_400_000;

/**
 * hyparquet turns a DATE into a Date at UTC midnight, indistinguishable from a timestamp once
 * serialized; formatting it here keeps dates as the "YYYY-MM-DD" the validator expects.
 */
const PARSERS: Partial<ParquetParsers> = {
  dateFromDays: (days: number): string => new Date(days * MS_PER_DAY).toISOString().slice(0, 10),
};

/** The files of one table in the notebook's output layout, e.g. `revenue_data/events/part-*.parquet`. */
export async function listParquetParts(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new InputError(`cannot list Parquet folder ${dir}`, { cause: error });
  });
  // Spark's _SUCCESS marker and .crc checksums share the folder with the parts.
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.parquet'))
    .map((e) => e.name)
    .filter((name) => !name.startsWith('_') && !name.startsWith('.'))
    .sort()
    .map((name) => join(dir, name));
}

/** An AsyncBuffer over one open handle, so hyparquet fetches only the byte ranges it plans. */
function handleBuffer(handle: FileHandle, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    async slice(start: number, end = byteLength): Promise<ArrayBuffer> {
      const length = Math.max(0, end - start);
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, start + filled);
        if (bytesRead === 0) throw new InputError(`unexpected end of file at byte ${start + filled}`);
        filled += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

/** Top-level columns, with the scale of DECIMAL ones. */
interface Column {
  readonly key: string;
  readonly name: string;
  readonly scale: number | undefined;
}

function decimalScale(element: SchemaElement): number | undefined {
  const isDecimal = element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL';
  return isDecimal ? (element.scale ?? 0) : undefined;
}

function columnsOf(metadata: FileMetaData): Column[] {
  return parquetSchema(metadata).children.map(({ element }) => ({
    key: `${JSON.stringify(element.name)}:`,
    name: element.name,
    scale: decimalScale(element),
  }));
}

function bigintJson(value: bigint): string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? String(n) : `"${value}"`;
}

/** JSON.stringify cannot print a bigint; nested values (lists, structs) go through this. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

function valueJson(value: unknown, scale: number | undefined): string {
  // Scalars take a direct path: a replacer puts JSON.stringify on V8's slow path.
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) return 'null';
      // hyparquet scales decimals by float multiplication (1.15 -> 1.1500000000000001);
      // printing with the column's scale restores the digits that were written.
      return scale === undefined ? String(value) : value.toFixed(scale);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return bigintJson(value);
    case 'undefined':
      return 'null';
  }
  if (value === null) return 'null';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`;
  return JSON.stringify(value, jsonReplacer) ?? 'null';
}

function rowJson(row: ParquetRow, columns: readonly Column[]): string {
  const members: string[] = [];
  for (const column of columns) members.push(column.key + valueJson(row[column.name], column.scale));
  return `{${members.join(',')}}`;
}

async function openParquet(file: string): Promise<{ handle: FileHandle; buffer: AsyncBuffer }> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new InputError(`cannot open Parquet file ${file}`, { cause: error });
  }
  try {
    const { size } = await handle.stat();
    return { handle, buffer: handleBuffer(handle, size) };
  } catch (error) {
    await handle.close();
    throw new IoError(`cannot stat Parquet file ${file}`, { cause: error });
  }
}

async function readMetadata(file: string, buffer: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(buffer, { parsers: PARSERS });
  } catch (error) {
    throw new InputError(`${file} is not a readable Parquet file`, { cause: error });
  }
}

/**
 * One file's records, one row group at a time: a row group is the unit Parquet compresses, so
 * reading less would decompress it repeatedly, and reading more would hold the whole file.
 */
async function* readParquetFile(file: string, batchSize: number): AsyncGenerator<RawBatch> {
  const { handle, buffer } = await openParquet(file);
  try {
    const metadata = await readMetadata(file, buffer);
    const columns = columnsOf(metadata);
    const builder = new RawBatchBuilder();
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      if (groupEnd === groupStart) continue;
      let rows: ParquetRow[];
      try {
        rows = await parquetReadObjects({
          file: buffer,
          metadata,
          rowStart: groupStart,
          rowEnd: groupEnd,
          compressors,
          parsers: PARSERS,
        });
      } catch (error) {
        const range = `rows ${groupStart + 1}-${groupEnd}`;
        throw new InputError(`cannot decode ${file} ${range}`, { cause: error });
      }
      for (let i = 0; i < rows.length; i++) {
        const seq = groupStart + i + 1;
        builder.addText(rowJson(rows[i], columns), seq);
        if (builder.count >= batchSize) yield builder.build(file, { origin: file, seq });
      }
      groupStart = groupEnd;
    }
    if (builder.count > 0) yield builder.build(file, { origin: file, seq: groupStart });
  } finally {
    await handle.close();
  }
}

/**
 * Streams Parquet files in order as JSON object text records, one per row, keeping every column
 * (including extras such as Spark's `month`); seq is the 1-based row number within each file.
 */
export async function* readParquetRecords(
  files: readonly string[],
  options: { batchSize: number },
): AsyncGenerator<RawBatch> {
  const batchSize = Math.max(1, options.batchSize);
  for (const file of files) yield* readParquetFile(file, batchSize);
}
