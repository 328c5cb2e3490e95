import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { SCHEMAS, TABLE_NAMES, type TableName } from '../domain/records/schema.ts';
import type { RawBatch } from '../domain/records/raw-batch.ts';
import type { EventFileItem, RunItem } from '../live-pipeline.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { readCsvRecords } from './csv-reader.ts';
import { readNdjsonRecords } from './ndjson-reader.ts';
import type { InputFormat } from './input-formats.ts';
import { EXTENSIONS, findTable, formatsFor, isFile, type TableInput } from './table-files.ts';

// the formats are their own module so parsing flags does not load the readers (hyparquet)
export { INPUT_FORMATS, type InputFormat } from './input-formats.ts';

export type { TableInput } from './table-files.ts';

export type InputLayout = Readonly<Record<TableName, TableInput>>;

/** A missing, non-folder or unreadable input is one error naming it, not a missing table. */
export async function checkInputDir(dir: string): Promise<void> {
  let reason: string | null = null;
  try {
    if (!(await stat(dir)).isDirectory()) reason = 'ENOTDIR: it is a file, not a folder';
    else await access(dir, constants.R_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    reason = code === 'ENOENT' ? 'ENOENT: no such folder' : code === 'EACCES' || code === 'EPERM' ? `${code}: permission denied` : `${code}: ${(error as Error).message}`;
  }
  if (reason !== null) throw new InputError(`--input ${dir} cannot be read (${reason})`);
}

/**
 * Finds the four tables in `dir`: `<table>.ndjson|.jsonl|.csv|.parquet`, or a folder `<table>/` of
 * part files in one format (the notebook writes `revenue_data/events/part-*.parquet`). With
 * format 'auto' the first match in the order NDJSON, CSV, Parquet wins.
 */
export async function resolveInputDir(dir: string, format: InputFormat | 'auto' = 'auto'): Promise<InputLayout> {
  await checkInputDir(dir);
  const formats = formatsFor(format);
  const layout: Partial<Record<TableName, TableInput>> = {};
  for (const table of TABLE_NAMES) {
    const found = await findTable(dir, table, formats);
    if (found === null) {
      const looked = formats.flatMap((f) => EXTENSIONS[f].map((ext) => table + ext)).join(', ');
      throw new InputError(`input ${dir} has no ${table} table (looked for ${looked} and ${table}/ part files)`);
    }
    layout[table] = found;
  }
  return layout as InputLayout;
}

export function readTable(input: TableInput, batchSize: number, maxRecordBytes?: number): AsyncIterable<RawBatch> {
  switch (input.format) {
    case 'parquet':
      return readParquet(input.files, batchSize);
    case 'csv':
      return eachFile(input.files, (file) => readCsvRecords(file, SCHEMAS[input.table], { batchSize, maxRecordBytes }));
    case 'ndjson':
      return eachFile(input.files, (file) => readNdjsonRecords(file, { batchSize, maxRecordBytes }));
  }
}

/** The Parquet reader, loaded only by a run that reads Parquet: its decompressors build their tables as they load (15 ms of every start). */
async function* readParquet(files: readonly string[], batchSize: number): AsyncGenerator<RawBatch> {
  const { readParquetRecords } = await import('./parquet-reader.ts');
  yield* readParquetRecords(files, { batchSize });
}

async function* eachFile(files: readonly string[], read: (file: string) => AsyncIterable<RawBatch>): AsyncGenerator<RawBatch> {
  for (const file of files) yield* read(file);
}

async function* readDimensions(layout: InputLayout, batchSize: number, maxRecordBytes?: number): AsyncGenerator<SourceItem> {
  for (const table of ['subscriptions', 'ad_rates', 'payouts'] as const) {
    for await (const batch of readTable(layout[table], batchSize, maxRecordBytes)) yield { kind: 'dimension', table, batch };
  }
}

/** The embedded source: dimension tables read to their end first, then the events. */
export async function* readInputLayout(layout: InputLayout, batchSize: number, maxRecordBytes?: number): AsyncGenerator<SourceItem> {
  yield* readDimensions(layout, batchSize, maxRecordBytes);
  for await (const batch of readTable(layout.events, batchSize, maxRecordBytes)) yield { kind: 'events', batch };
}

/**
 * readInputLayout for a pipeline that reads NDJSON files itself: each dimension table's files,
 * then each event file, handed on whole (other formats are read here, as readInputLayout reads
 * them).
 */
export async function* readInputLayoutHandingOn(
  layout: InputLayout,
  batchSize: number,
  maxRecordBytes: number,
  eventFile: (path: string, bytes: number) => EventFileItem,
): AsyncGenerator<RunItem> {
  for (const table of ['subscriptions', 'ad_rates', 'payouts'] as const) {
    const input = layout[table];
    if (input.format !== 'ndjson') {
      for await (const batch of readTable(input, batchSize, maxRecordBytes)) yield { kind: 'dimension', table, batch };
      continue;
    }
    for (const path of input.files) yield { kind: 'dimension-file', table, path, bytes: await sizeOf(path), batchSize, maxRecordBytes };
  }
  if (layout.events.format !== 'ndjson') {
    for await (const batch of readTable(layout.events, batchSize, maxRecordBytes)) yield { kind: 'events', batch };
    return;
  }
  for (const file of layout.events.files) yield eventFile(file, await sizeOf(file));
}

/** A file handed on must be there: one gone since the folder was listed is an error, not an empty file. */
async function sizeOf(path: string): Promise<number> {
  const size = await isFile(path);
  if (size === null) throw new InputError(`cannot read NDJSON file ${path}: it is gone or not a file`);
  return size;
}
