import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordText, type RawBatch } from '../../src/domain/records/raw-batch.ts';
import { InputError } from '../../src/errors.ts';
import { listParquetParts, readParquetRecords } from '../../src/sources/parquet-reader.ts';
import { useDuckDBScratch } from '../helpers/duckdb-scratch.ts';

const scratch = useDuckDBScratch('parquet-reader-');

interface ReadResult {
  batches: RawBatch[];
  texts: string[];
  records: Record<string, unknown>[];
  seqs: number[];
}

async function readAll(files: readonly string[], batchSize: number): Promise<ReadResult> {
  const result: ReadResult = { batches: [], texts: [], records: [], seqs: [] };
  for await (const batch of readParquetRecords(files, { batchSize })) {
    result.batches.push(batch);
    for (let i = 0; i < batch.count; i++) {
      const text = recordText(batch, i);
      result.texts.push(text);
      result.records.push(JSON.parse(text) as Record<string, unknown>);
      result.seqs.push(batch.seqs[i]);
    }
  }
  return result;
}

/** Rows with every type the notebook writes, plus the awkward ones (unsafe BIGINT, DECIMAL). */
function typedRows(count: number): string {
  return `
    SELECT
      'e' || i AS event_id,
      i::BIGINT * 1000 AS big,
      CASE WHEN i = 1 THEN 9007199254740993::BIGINT ELSE i::BIGINT END AS huge,
      (i % 600)::INTEGER AS duration_sec,
      CASE WHEN i % 2 = 0 THEN 9.99 ELSE 0.5 END::DOUBLE AS price,
      1.15::DECIMAL(20, 2) AS cpm,
      i % 3 = 0 AS completed,
      DATE '2024-02-29' + (i % 2)::INTEGER AS event_date,
      TIMESTAMP '2024-02-29 12:34:56.789' AS ts,
      CASE WHEN i % 5 = 0 THEN NULL ELSE 'dév' || i END AS device
    FROM range(1, ${count + 1}) t(i)
    ORDER BY i`;
}

async function copyParquet(select: string, path: string, options = 'COMPRESSION snappy'): Promise<string> {
  await scratch.db.run(`COPY (${select}) TO '${path}' (FORMAT parquet, ${options})`);
  return path;
}

describe('readParquetRecords', () => {
  const rows = 5000;
  let file: string;

  beforeAll(async () => {
    file = await copyParquet(typedRows(rows), join(scratch.dir, 'typed.parquet'), 'COMPRESSION snappy, ROW_GROUP_SIZE 1000');
  });

  it('converts every column type to JSON', async () => {
    const { records, texts } = await readAll([file], 700);
    expect(records[0]).toEqual({
      event_id: 'e1',
      big: 1000,
      huge: '9007199254740993',
      duration_sec: 1,
      price: 0.5,
      cpm: 1.15,
      completed: false,
      event_date: '2024-03-01',
      ts: '2024-02-29T12:34:56.789Z',
      device: 'dév1',
    });
    expect(records[1]).toMatchObject({ huge: 2, price: 9.99, event_date: '2024-02-29', completed: false });
    expect(records[2]).toMatchObject({ completed: true });
    expect(records[4]).toMatchObject({ event_id: 'e5', device: null });
    // DuckDB stores DECIMAL(20,2) as a 16-byte integer; it must print as written, not 1.1500000000000001.
    expect(texts[0]).toContain('"cpm":1.15,');
    expect(texts[1]).toContain('"price":9.99,');
  });

  it('streams several row groups in batches with per-file row numbers', async () => {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
    expect(metadata.row_groups.length).toBeGreaterThan(1);

    const { batches, records, seqs } = await readAll([file], 700);
    expect(batches.map((b) => b.count)).toEqual([...Array<number>(7).fill(700), 100]);
    expect(batches.map((b) => b.position.seq)).toEqual([700, 1400, 2100, 2800, 3500, 4200, 4900, 5000]);
    expect(batches[0].origin).toBe(file);
    expect(batches[0].position.origin).toBe(file);
    expect(seqs).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
    for (let i = 0; i < rows; i++) {
      const n = i + 1;
      expect(records[i].event_id).toBe(`e${n}`);
      expect(records[i].big).toBe(n * 1000);
      expect(records[i].duration_sec).toBe(n % 600);
    }
  });

  it('reads gzip and zstd files', async () => {
    const gzip = await copyParquet(typedRows(3), join(scratch.dir, 'gzip.parquet'), 'COMPRESSION gzip');
    const zstd = await copyParquet(typedRows(3), join(scratch.dir, 'zstd.parquet'), 'COMPRESSION zstd');
    const { records, batches } = await readAll([gzip, zstd], 10);
    expect(batches.map((b) => [b.origin, b.count])).toEqual([
      [gzip, 3],
      [zstd, 3],
    ]);
    expect(records.map((r) => r.event_id)).toEqual(['e1', 'e2', 'e3', 'e1', 'e2', 'e3']);
    expect(records[5]).toMatchObject({ big: 3000, completed: true, event_date: '2024-03-01' });
  });

  it('rejects a file that is not Parquet', async () => {
    const bogus = join(scratch.dir, 'bogus.parquet');
    await writeFile(bogus, 'not parquet at all');
    await expect(readAll([bogus], 10)).rejects.toMatchObject({ code: InputError.code });
    await expect(readAll([join(scratch.dir, 'absent.parquet')], 10)).rejects.toMatchObject({ code: InputError.code });
  });
});

describe('listParquetParts', () => {
  let folder: string;

  beforeAll(async () => {
    folder = join(scratch.dir, 'revenue_data', 'events');
    await mkdir(folder, { recursive: true });
    const part = (from: number, to: number) =>
      `SELECT 'e' || i AS event_id, i AS duration_sec, (i % 12 + 1)::INTEGER AS month FROM range(${from}, ${to}) t(i) ORDER BY i`;
    // Written out of order so the listing has to sort.
    await copyParquet(part(3, 5), join(folder, 'part-00001-x.snappy.parquet'));
    await copyParquet(part(0, 3), join(folder, 'part-00000-x.snappy.parquet'));
    await writeFile(join(folder, '_SUCCESS'), '');
    await writeFile(join(folder, '.part-00000-x.snappy.parquet.crc'), 'crc');
    await writeFile(join(folder, '_metadata.parquet'), 'not a part');
    await mkdir(join(folder, 'nested.parquet'));
  });

  it('lists only the part files, sorted', async () => {
    expect(await listParquetParts(folder)).toEqual([
      join(folder, 'part-00000-x.snappy.parquet'),
      join(folder, 'part-00001-x.snappy.parquet'),
    ]);
  });

  it('reads the parts in order, keeping extra columns and restarting seq per file', async () => {
    const parts = await listParquetParts(folder);
    const { records, seqs, batches } = await readAll(parts, 700);
    expect(records).toEqual([
      { event_id: 'e0', duration_sec: 0, month: 1 },
      { event_id: 'e1', duration_sec: 1, month: 2 },
      { event_id: 'e2', duration_sec: 2, month: 3 },
      { event_id: 'e3', duration_sec: 3, month: 4 },
      { event_id: 'e4', duration_sec: 4, month: 5 },
    ]);
    expect(seqs).toEqual([1, 2, 3, 1, 2]);
    expect(batches.map((b) => b.position)).toEqual([
      { origin: parts[0], seq: 3 },
      { origin: parts[1], seq: 2 },
    ]);
  });

  it('rejects a missing folder', async () => {
    await expect(listParquetParts(join(scratch.dir, 'nope'))).rejects.toMatchObject({ code: InputError.code });
  });
});
