import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordText, type RawBatch, type SourceReject } from '../../src/domain/records/raw-batch.ts';
import { EVENTS, type TableSchema } from '../../src/domain/records/schema.ts';
import { InputError, StreamPulseError } from '../../src/errors.ts';
import { readCsvRecords } from '../../src/sources/csv-reader.ts';
import { useDuckDBScratch } from '../helpers/duckdb-scratch.ts';

const MIXED: TableSchema = {
  name: 'subscriptions',
  key: ['id'],
  columns: { id: 'string', n: 'integer', price: 'decimal', ok: 'boolean', day: 'date', note: 'string' },
};
const ID_N: TableSchema = { name: 'subscriptions', key: ['id'], columns: { id: 'string', n: 'integer' } };

const scratch = useDuckDBScratch('csv-reader-');

interface ReadResult {
  batches: RawBatch[];
  texts: string[];
  records: Record<string, unknown>[];
  seqs: number[];
  rejects: SourceReject[];
}

async function readAll(path: string, schema: TableSchema, batchSize: number, options: { maxRecordBytes?: number; chunkBytes?: number } = {}): Promise<ReadResult> {
  const result: ReadResult = { batches: [], texts: [], records: [], seqs: [], rejects: [] };
  for await (const batch of readCsvRecords(path, schema, { batchSize, ...options })) {
    result.batches.push(batch);
    result.rejects.push(...(batch.rejects ?? []));
    for (let i = 0; i < batch.count; i++) {
      const text = recordText(batch, i);
      result.texts.push(text);
      result.records.push(JSON.parse(text) as Record<string, unknown>);
      result.seqs.push(batch.seqs[i]);
    }
  }
  return result;
}

async function csvFile(name: string, content: string): Promise<string> {
  const path = join(scratch.dir, name);
  await writeFile(path, content, 'utf8');
  return path;
}

describe('readCsvRecords on a DuckDB-written file', () => {
  const rows = 8000;
  let path: string;

  beforeAll(async () => {
    path = join(scratch.dir, 'events.csv');
    // Every note is quoted (comma, "" escape, newline) and long with multi-byte characters, so
    // the 1 MiB read chunks split quoted fields and UTF-8 sequences somewhere in the file.
    await scratch.db.run(`
      COPY (
        SELECT
          'e' || i AS event_id,
          'u' || (i % 7) AS user_id,
          CASE WHEN i % 10 = 0 THEN NULL ELSE 'a' || i END AS artist_id,
          'pop' AS genre,
          'EU' AS region,
          i * 3 AS duration_sec,
          i % 2 = 0 AS completed,
          'mobile' AS device,
          DATE '2024-02-29' + (i % 3)::INTEGER AS event_date,
          'row ' || i || ', says "hi"' || chr(10) || 'é' || repeat('ü', 150) AS note
        FROM range(1, ${rows + 1}) t(i)
        ORDER BY i
      ) TO '${join(scratch.dir, 'events.csv')}' (HEADER, DELIMITER ',')
    `);
  });

  it('reads every row with typed values and exact line numbers', async () => {
    const { records, seqs } = await readAll(path, EVENTS, 700);
    expect(records).toHaveLength(rows);
    expect(records[0]).toEqual({
      event_id: 'e1',
      user_id: 'u1',
      artist_id: 'a1',
      genre: 'pop',
      region: 'EU',
      duration_sec: 3,
      completed: false,
      device: 'mobile',
      event_date: '2024-03-01',
      note: `row 1, says "hi"\né${'ü'.repeat(150)}`,
    });
    expect(records[9]).toMatchObject({ event_id: 'e10', artist_id: null, completed: true, event_date: '2024-03-01' });
    expect(records[2]).toMatchObject({ event_date: '2024-02-29' });
    for (let i = 0; i < rows; i++) {
      const n = i + 1;
      expect(records[i].event_id).toBe(`e${n}`);
      expect(records[i].duration_sec).toBe(n * 3);
      expect(records[i].note).toBe(`row ${n}, says "hi"\né${'ü'.repeat(150)}`);
      // Each record spans two lines (the quoted newline), after the header on line 1.
      expect(seqs[i]).toBe(2 * n);
    }
  });

  it('batches by batchSize and reports the position once consumed', async () => {
    const { size } = await stat(path);
    expect(size).toBeGreaterThan(2 << 20);
    const { batches } = await readAll(path, EVENTS, 700);
    expect(batches.map((b) => b.count)).toEqual([...Array<number>(11).fill(700), 300]);
    expect(batches[0].position).toMatchObject({ origin: path, seq: 1401, totalBytes: size });
    expect(batches[0].position.bytes).toBeGreaterThan(0);
    expect(batches[0].position.bytes).toBeLessThan(size);
    expect(batches.at(-1)?.position).toEqual({ origin: path, seq: 2 * rows + 1, bytes: size, totalBytes: size });
    expect(batches.every((b) => b.origin === path)).toBe(true);
  });
});

describe('readCsvRecords edge cases', () => {
  it('handles a BOM, CRLF, quoting, blank lines, bad values and short rows', async () => {
    const path = await csvFile(
      'edge.csv',
      '\uFEFFid,n,price,ok,day,note\r\n' +
        'r1,42,9.99,TRUE,2024-02-29,"a, b"\r\n' +
        'r2,"007",0.0,false,2024-01-01,"line1\r\nline2"\r\n' +
        '\r\n' +
        'r3,4x,1.5.0,yes,someday,"say ""hi"""\r\n' +
        'r4,,,,,""\r\n' +
        'r5,7\r\n' +
        'r6,1,2,true,2024-01-02,x,surplus\r\n',
    );
    const { records, texts, seqs, rejects } = await readAll(path, MIXED, 100);
    expect(records).toEqual([
      { id: 'r1', n: 42, price: 9.99, ok: true, day: '2024-02-29', note: 'a, b' },
      { id: 'r2', n: 7, price: 0, ok: false, day: '2024-01-01', note: 'line1\r\nline2' },
      { id: 'r3', n: '4x', price: '1.5.0', ok: 'yes', day: 'someday', note: 'say "hi"' },
      { id: 'r4', n: null, price: null, ok: null, day: null, note: '' },
    ]);
    // A row of the wrong width is a CSV error, kept whole, not a record missing its fields.
    expect(rejects).toEqual([
      { seq: 8, reason: 'bad_csv', detail: 'expected 6 fields, got 2', raw: 'r5,7\r' },
      { seq: 9, reason: 'bad_csv', detail: 'expected 6 fields, got 7', raw: 'r6,1,2,true,2024-01-02,x,surplus\r' },
    ]);
    expect(texts[0]).toBe('{"id":"r1","n":42,"price":9.99,"ok":true,"day":"2024-02-29","note":"a, b"}');
    // Decimals keep their written digits; only JSON-illegal leading zeros go.
    expect(texts[1]).toContain('"n":7,"price":0.0,');
    expect(seqs).toEqual([2, 3, 6, 7]);
  });

  it('reads LF files without a final newline', async () => {
    const lf = await readAll(await csvFile('lf.csv', 'id,n\nr1,1\n\nr2,2'), ID_N, 1);
    expect(lf.records).toEqual([
      { id: 'r1', n: 1 },
      { id: 'r2', n: 2 },
    ]);
    expect(lf.seqs).toEqual([2, 4]);
    expect(lf.batches.map((b) => b.position.seq)).toEqual([2, 4]);
  });

  it('keeps columns the schema does not know as strings', async () => {
    const { records } = await readAll(await csvFile('extra.csv', 'id,n,month\nr1,5,3\n'), ID_N, 10);
    expect(records).toEqual([{ id: 'r1', n: 5, month: '3' }]);
  });

  it('yields nothing for a header-only file and rejects an empty or missing one', async () => {
    expect((await readAll(await csvFile('header.csv', 'id,n\r\n'), ID_N, 10)).batches).toEqual([]);
    const empty = await csvFile('empty.csv', '\n\n');
    await expect(readAll(empty, MIXED, 10)).rejects.toMatchObject({ code: InputError.code });
    const missing = readAll(join(scratch.dir, 'missing.csv'), MIXED, 10);
    await expect(missing).rejects.toBeInstanceOf(StreamPulseError);
    await expect(missing).rejects.toMatchObject({ code: InputError.code });
  });
});

describe('readCsvRecords on broken CSV', () => {
  const header = 'id,n,note';
  const good = (i: number): string => (i % 3 === 0 ? `r${i},${i},"quoted, ""${i}"""` : `r${i},${i},plain ${i}`);
  const ids = (r: ReadResult): unknown[] => r.records.map((rec) => rec.id);
  const NOTE: TableSchema = { name: 'subscriptions', key: ['id'], columns: { id: 'string', n: 'integer', note: 'string' } };
  const expectedIds = (rows: number, lost: number): string[] => Array.from({ length: rows }, (_, i) => `r${i + 1}`).filter((id) => id !== `r${lost}`);

  it('loses only the row of a stray quote that a later quote closes badly, at any chunking', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => good(i + 1));
    rows[9] = 'r10,10,"stray quote, never closed';
    const path = await csvFile('stray.csv', [header, ...rows].join('\n') + '\n');
    for (const chunkBytes of [1, 7, 64, 1 << 20]) {
      const result = await readAll(path, NOTE, 50, { chunkBytes });
      expect(ids(result)).toEqual(expectedIds(300, 10));
      expect(result.rejects).toEqual([
        {
          seq: 11,
          reason: 'bad_csv',
          detail: `${path}: unterminated quoted field opened at line 11 and its closing quote on line 13 is followed by more text`,
          raw: 'r10,10,"stray quote, never closed',
        },
      ]);
      expect(result.seqs.slice(8, 11)).toEqual([10, 12, 13]);
      expect(result.batches.at(-1)?.position.seq).toBe(301);
    }
  });

  it('resyncs after a quote still open at end of file, and after one that grows past maxRecordBytes', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `r${i + 1},${i + 1},plain`);
    rows[49] = 'r50,50,"never closed';
    const path = await csvFile('open.csv', [header, ...rows].join('\n'));
    const atEof = await readAll(path, NOTE, 64);
    expect(ids(atEof)).toEqual(expectedIds(200, 50));
    expect(atEof.rejects.map((r) => [r.seq, r.reason, r.detail])).toEqual([
      [51, 'bad_csv', `${path}: unterminated quoted field opened at line 51 and is still open at end of file`],
    ]);
    const bounded = await readAll(path, NOTE, 64, { maxRecordBytes: 100, chunkBytes: 13 });
    expect(ids(bounded)).toEqual(expectedIds(200, 50));
    expect(bounded.rejects.map((r) => [r.seq, r.reason, r.detail])).toEqual([
      [51, 'bad_csv', `${path}: unterminated quoted field opened at line 51 and grew past 100 bytes (--max-record-bytes)`],
    ]);
  });

  it('keeps quoted fields that span lines and close properly', async () => {
    const path = await csvFile('multi.csv', `${header}\nr1,1,"a\nb\r\nc"\nr2,2,"x""\n""y",\nr3,3,z\n`);
    const result = await readAll(path, NOTE, 10);
    expect(result.rejects).toEqual([
      { seq: 5, reason: 'bad_csv', detail: 'expected 3 fields, got 4', raw: 'r2,2,"x""\n""y",' },
    ]);
    expect(result.records).toEqual([
      { id: 'r1', n: 1, note: 'a\nb\r\nc' },
      { id: 'r3', n: 3, note: 'z' },
    ]);
    expect(result.seqs).toEqual([2, 7]);
  });

  it('rejects a record over maxRecordBytes by reference and reads on', async () => {
    const long = `r2,2,${'w'.repeat(500)}`;
    const content = `${header}\nr1,1,a\n${long}\nr3,3,c\n`;
    const path = await csvFile('long.csv', content);
    for (const chunkBytes of [5, 1 << 20]) {
      const result = await readAll(path, NOTE, 10, { maxRecordBytes: 100, chunkBytes });
      expect(ids(result)).toEqual(['r1', 'r3']);
      expect(result.rejects).toEqual([
        {
          seq: 3,
          reason: 'too_long',
          raw: '',
          detail: `record of ${long.length} bytes at byte offset ${header.length + 8} of ${path} is over the 100-byte limit (--max-record-bytes)`,
        },
      ]);
    }
  });

  it('refuses a header missing a schema column before reading any row', async () => {
    const misspelt = await csvFile('misspelt.csv', 'id,nn,note\nr1,1,a\n');
    await expect(readAll(misspelt, NOTE, 10)).rejects.toMatchObject({
      code: InputError.code,
      message: `CSV file ${misspelt} has no column n (header: id, nn, note)`,
    });
    const missing = await csvFile('missing-col.csv', '\uFEFFnote\r\nr1\r\n');
    await expect(readAll(missing, NOTE, 10)).rejects.toMatchObject({ message: `CSV file ${missing} has no column id, n (header: note)` });
  });
});
