import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordText, type RawBatch } from '../../src/domain/records/raw-batch.ts';
import { lineBase } from '../../src/sources/line-base.ts';
import { readNdjsonRecords, type ByteRange } from '../../src/sources/ndjson-reader.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('streampulse-ndjson-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

async function readAll(path: string, batchSize: number, chunkBytes?: number, maxRecordBytes?: number): Promise<RawBatch[]> {
  const batches: RawBatch[] = [];
  for await (const batch of readNdjsonRecords(path, { batchSize, chunkBytes, maxRecordBytes })) batches.push(batch);
  return batches;
}

function records(batches: readonly RawBatch[]): { text: string; line: number }[] {
  return batches.flatMap((b) => Array.from({ length: b.count }, (_, i) => ({ text: recordText(b, i), line: b.seqs[i] })));
}

describe('readNdjsonRecords', () => {
  it('splits lines across any chunk size, keeping file line numbers', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(i % 37), word: 'é✓' }));
    const path = join(dir, 'many.ndjson');
    await writeFile(path, lines.join('\n') + '\n');
    const expected = lines.map((text, i) => ({ text, line: i + 1 }));
    for (const chunkBytes of [1, 7, 64, 1000, 1 << 20]) {
      const batches = await readAll(path, 64, chunkBytes);
      expect(records(batches)).toEqual(expected);
      expect(batches.every((b) => b.count <= 64)).toBe(true);
      const last = batches[batches.length - 1].position;
      expect(last).toMatchObject({ origin: path, seq: 500 });
      expect(last.bytes).toBe(last.totalBytes);
    }
  });

  it('skips blank lines and a BOM, reads CRLF lines and a last line without newline', async () => {
    const path = join(dir, 'edges.ndjson');
    await writeFile(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\r\n\r\n   \n{"b":2}\n\n{"c":3}')]));
    const got = records(await readAll(path, 10, 5));
    expect(got).toEqual([
      { text: '{"a":1}\r', line: 1 },
      { text: '{"b":2}', line: 4 },
      { text: '{"c":3}', line: 6 },
    ]);
    expect(JSON.parse(got[0].text)).toEqual({ a: 1 });
  });

  it('rejects lines over maxRecordBytes by reference and reads on, whatever the chunking', async () => {
    const short = (n: number): string => JSON.stringify({ n });
    const long = JSON.stringify({ pad: 'y'.repeat(5000) });
    const content = [short(1), long, short(3), '', long + long, short(6), long].join('\n');
    const path = join(dir, 'long.ndjson');
    await writeFile(path, content);
    const offsetOf = (line: number): number => content.split('\n').slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
    const expectedRejects = [
      { seq: 2, length: long.length },
      { seq: 5, length: 2 * long.length },
      { seq: 7, length: long.length },
    ].map(({ seq, length }) => ({
      seq,
      reason: 'too_long',
      raw: '',
      detail: `record of ${length} bytes at byte offset ${offsetOf(seq)} of ${path} is over the 100-byte limit (--max-record-bytes)`,
    }));
    for (const chunkBytes of [1, 7, 64, 333, 1 << 20]) {
      const batches = await readAll(path, 2, chunkBytes, 100);
      expect(records(batches)).toEqual([
        { text: short(1), line: 1 },
        { text: short(3), line: 3 },
        { text: short(6), line: 6 },
      ]);
      expect(batches.flatMap((b) => b.rejects ?? [])).toEqual(expectedRejects);
      const last = batches[batches.length - 1].position;
      expect(last).toMatchObject({ seq: 7, bytes: content.length, totalBytes: content.length });
    }
  });

  it('keeps a line of exactly maxRecordBytes', async () => {
    const line = JSON.stringify({ pad: 'z'.repeat(90) });
    expect(line.length).toBe(100);
    const path = join(dir, 'exact.ndjson');
    await writeFile(path, `${line}\n${line}x\n`);
    for (const chunkBytes of [3, 1 << 20]) {
      const batches = await readAll(path, 10, chunkBytes, 100);
      expect(records(batches)).toEqual([{ text: line, line: 1 }]);
      expect(batches.flatMap((b) => b.rejects ?? []).map((r) => r.seq)).toEqual([2]);
    }
  });

  it('yields nothing for an empty file', async () => {
    const path = join(dir, 'empty.ndjson');
    await writeFile(path, '');
    expect(await readAll(path, 10)).toEqual([]);
  });

  it('reads the same records and rejects into one reused buffer, read before the next chunk, lines spanning any number of chunks', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? JSON.stringify({ n: i, pad: 'z'.repeat(400) }) : JSON.stringify({ n: i, pad: 'x'.repeat(i % 23) })));
    const path = join(dir, 'reused.ndjson');
    await writeFile(path, `${lines.join('\n')}\n${'w'.repeat(900)}\n{"last":true}`);
    for (const chunkBytes of [1, 7, 64, 1 << 20]) {
      const fresh = records(await readAll(path, 16, chunkBytes, 500));
      // each batch's texts taken as it comes: the buffer under its records is read into again after
      const reused: { text: string; line: number }[] = [];
      const rejects: number[] = [];
      for await (const batch of readNdjsonRecords(path, { batchSize: 16, chunkBytes, maxRecordBytes: 500, reuseChunks: true })) {
        reused.push(...records([batch]));
        rejects.push(...(batch.rejects ?? []).map((r) => r.seq));
      }
      expect(reused).toEqual(fresh);
      expect(reused.map((r) => r.text)).toEqual([...lines, '{"last":true}']);
      expect(rejects).toEqual([lines.length + 1]);
    }
  });

  describe('a byte range of the file', () => {
    const short = (n: number): string => JSON.stringify({ n, pad: 'p'.repeat(n % 13) });
    const long = JSON.stringify({ pad: 'y'.repeat(300) });
    // every edge the whole-file read handles: BOM, CRLF, blank lines, over-long lines (first,
    // last, back to back), and a last line without a newline
    const content = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from([long, short(1), '', '  ', `${short(2)}\r`, long, long, ...Array.from({ length: 30 }, (_, i) => short(i + 3)), '', long, short(40)].join('\n')),
    ]);
    let path: string;
    type Read = { records: { text: string; line: number }[]; rejects: { seq: number; detail: string }[]; bytes: number; lines: number };

    /** A range read with the file's line numbers (lineBase added), as a split read reports them. */
    async function readRange(range: ByteRange, chunkBytes: number): Promise<Read> {
      const base = await lineBase(path, range);
      const batches: RawBatch[] = [];
      let lines = -1;
      for await (const batch of readNdjsonRecords(path, { batchSize: 4, chunkBytes, maxRecordBytes: 100, range, onEnd: (n) => (lines = n) })) batches.push(batch);
      return {
        records: records(batches).map((r) => ({ ...r, line: r.line + base })),
        rejects: batches.flatMap((b) => b.rejects ?? []).map((r) => ({ seq: r.seq + base, detail: r.detail })),
        bytes: batches.at(-1)?.position.bytes ?? range.start,
        lines,
      };
    }

    beforeAll(async () => {
      path = join(dir, 'ranges.ndjson');
      await writeFile(path, content);
    });

    it('splits into ranges whose reads are the whole read, wherever the cuts fall', async () => {
      const whole = await readRange({ start: 0, end: content.length }, 1 << 20);
      expect(whole.records).toHaveLength(33);
      expect(whole.lines).toBe(content.toString('utf8').split('\n').length);
      expect(whole.rejects.map((r) => r.seq)).toEqual([1, 6, 7, 39]);
      for (let cut = 1; cut < content.length; cut += 3) {
        // small chunks put the cut's line across chunks; one chunk holds the whole file
        for (const chunkBytes of cut % 2 === 0 ? [61] : [1 << 20]) {
          const parts = [await readRange({ start: 0, end: cut }, chunkBytes), await readRange({ start: cut, end: content.length }, chunkBytes)];
          expect({ records: parts.flatMap((p) => p.records), rejects: parts.flatMap((p) => p.rejects) }, `cut at ${cut}`).toEqual({ records: whole.records, rejects: whole.rejects });
          // a range's lines, blank and trailing ones included, are what the next range's numbers start after
          expect(parts[0].lines, `cut at ${cut}`).toBe(await lineBase(path, { start: cut, end: content.length }));
          expect(parts[0].lines + parts[1].lines, `cut at ${cut}`).toBe(whole.lines);
        }
      }
    });

    it('reads nothing of a range inside one line, or past the end of the file', async () => {
      const inside = content.indexOf('y'.repeat(300)) + 10;
      expect(await readRange({ start: inside, end: inside + 20 }, 7)).toEqual({ records: [], rejects: [], bytes: inside, lines: 0 });
      expect(await readRange({ start: content.length, end: content.length + 10 }, 7)).toEqual({ records: [], rejects: [], bytes: content.length, lines: 0 });
    });
  });
});
