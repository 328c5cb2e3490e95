import { open } from 'node:fs/promises';
import { IoError } from '../errors.ts';
import type { ByteRange } from './ndjson-reader.ts';

const NEWLINE = 0x0a;
const CHUNK = 1 << 20;

/**
 * What to add to a range's line numbers (readNdjsonRecords counts them from the range's first
 * line) to make them the file's: the lines before the range's first line. Reads the file up to
 * the range: a split read sums its ranges' own line counts instead, and asks for this only when
 * a range before the dead letter's was stopped partway.
 */
export async function lineBase(path: string, range: ByteRange): Promise<number> {
  const [base] = await lineBases(path, [range.start]);
  return base;
}

/**
 * lineBase() of ranges starting at each of `starts` (ascending), in one read of the file: from
 * the start of a range whose base is `known` (the file's start by default), not from byte 0.
 */
export async function lineBases(path: string, starts: readonly number[], known: { start: number; base: number } = { start: 0, base: 0 }): Promise<number[]> {
  // a range's first line is the one after the first newline at or after its start - 1
  const from = known.start === 0 ? 0 : known.start - 1;
  const newlines = await newlinesUpTo(path, from, starts.map((start) => Math.max(from, start - 1)));
  return starts.map((start, i) => (start === 0 ? 0 : known.base + newlines[i] + (known.start === 0 ? 1 : 0)));
}

/** The newlines of the file from byte `from` up to each of `cuts` (ascending, each at least `from`), in one read. */
async function newlinesUpTo(path: string, from: number, cuts: readonly number[]): Promise<number[]> {
  const counts: number[] = [];
  let newlines = 0;
  let handle;
  try {
    handle = await open(path, 'r');
    const buffer = Buffer.allocUnsafe(CHUNK);
    let at = from;
    for (const cut of cuts) {
      while (at < cut) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, cut - at), at);
        if (bytesRead === 0) break;
        for (let i = buffer.indexOf(NEWLINE, 0); i !== -1 && i < bytesRead; i = buffer.indexOf(NEWLINE, i + 1)) newlines++;
        at += bytesRead;
      }
      counts.push(newlines);
    }
  } catch (error) {
    throw new IoError(`failed reading NDJSON file ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle?.close();
  }
  return counts;
}
