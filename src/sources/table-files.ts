import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableName } from '../domain/records/schema.ts';
import type { InputFormat } from './input-formats.ts';

// Where a table's files are in an input folder, by name alone: the lookup of the layout
// (input-dir.ts), in a module of its own so the CLI can name the subscriptions file at start-up
// without loading the readers.

/** A table's files, in one format, and their bytes in all. */
export interface TableInput {
  readonly table: TableName;
  readonly format: InputFormat;
  readonly files: readonly string[];
  readonly bytes: number;
}

export const EXTENSIONS: Readonly<Record<InputFormat, readonly string[]>> = {
  ndjson: ['.ndjson', '.jsonl'],
  csv: ['.csv'],
  parquet: ['.parquet'],
};

/** The size of a regular file at `path`, or null when there is none. */
export async function isFile(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Part files of a table folder (Spark's `events/part-*.parquet`), skipping `_SUCCESS` and `.crc`. */
async function partFiles(dir: string, format: InputFormat): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('_') && !n.startsWith('.') && EXTENSIONS[format].some((ext) => n.endsWith(ext)))
    .sort()
    .map((n) => join(dir, n));
}

/** The formats looked for, in order: with 'auto' the first match in the order NDJSON, CSV, Parquet wins. */
export function formatsFor(format: InputFormat | 'auto'): readonly InputFormat[] {
  return format === 'auto' ? ['ndjson', 'csv', 'parquet'] : [format];
}

/** A table's file `<table>.<ext>` or its folder of part files, in the first of `formats` found; null when none is. */
export async function findTable(dir: string, table: TableName, formats: readonly InputFormat[]): Promise<TableInput | null> {
  for (const format of formats) {
    for (const ext of EXTENSIONS[format]) {
      const path = join(dir, table + ext);
      const size = await isFile(path);
      if (size !== null) return { table, format, files: [path], bytes: size };
    }
    const parts = await partFiles(join(dir, table), format);
    if (parts.length > 0) {
      let bytes = 0;
      for (const part of parts) bytes += (await isFile(part)) ?? 0;
      return { table, format, files: parts, bytes };
    }
  }
  return null;
}

