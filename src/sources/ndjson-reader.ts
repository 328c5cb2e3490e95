import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { RawBatchBuilder, type RawBatch } from '../domain/records/raw-batch.ts';

const NEWLINE = 0x0a;

function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/**
 * Streams newline-delimited JSON as raw record batches without decoding: records are views into
 * the read chunks (a 1 GB file never becomes one string). Blank lines carry no record and are
 * skipped; line numbers stay those of the file.
 */
export async function* readNdjsonRecords(path: string, options: { batchSize: number; chunkBytes?: number }): AsyncGenerator<RawBatch> {
  const totalBytes = (await stat(path)).size;
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  let carry: Buffer | null = null;
  let line = 0;
  let consumed = 0;
  let first = true;
  const builder = new RawBatchBuilder();
  const flush = (): RawBatch => builder.build(path, { origin: path, seq: line, bytes: consumed, totalBytes });

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
    carry = null;
    let pos = 0;
    if (first) {
      first = false;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        pos = 3;
        consumed = 3;
      }
    }
    for (;;) {
      const nl = buf.indexOf(NEWLINE, pos);
      if (nl < 0) break;
      line++;
      if (!isBlank(buf, pos, nl)) builder.add(buf, pos, nl, line);
      consumed += nl + 1 - pos;
      pos = nl + 1;
      if (builder.count >= options.batchSize) yield flush();
    }
    if (pos < buf.length) carry = buf.subarray(pos);
    if (builder.count > 0) yield flush();
  }
  if (carry !== null && carry.length > 0) {
    line++;
    consumed += carry.length;
    if (!isBlank(carry, 0, carry.length)) builder.add(carry, 0, carry.length, line);
  }
  if (builder.count > 0) yield flush();
}
