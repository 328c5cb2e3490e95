import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordText } from '../../src/domain/records/raw-batch.ts';
import type { DeadLetter } from '../../src/domain/records/rejection.ts';
import type { EventFileItem } from '../../src/live-pipeline.ts';
import { readNdjsonRecords } from '../../src/sources/ndjson-reader.ts';
import type { ItemDone, ReadBatch } from '../../src/workers/shard-protocol.ts';
import type { Shard } from '../../src/workers/shard.ts';
import { SplitRead, splitRanges } from '../../src/workers/split-read.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

/**
 * SplitRead's numbering of dead letters, against shards played by this thread: each reads its
 * range as a shard does and rejects the lines starting BAD, at the pace and in the order a test
 * sets, and may stop or fail. Every letter the shards send must be written once, with its line
 * in the file, in file order, whatever order the ranges end in and however the read ends.
 */
let dir: string;
let path: string;
let bytes: number;
/** The file's lines, 1-based by index + 1. */
let lines: string[];

beforeAll(async () => {
  dir = await makeTempDir('streampulse-split-numbering-');
  path = join(dir, 'events.ndjson');
  const out: string[] = [];
  for (let i = 0; i < 24_000; i++) {
    if (i % 97 === 13) out.push(`BAD ${i}`);
    else if (i % 389 === 7) out.push('');
    else out.push(JSON.stringify({ n: i, pad: 'p'.repeat(70 + (i % 17)) }));
  }
  const text = out.join('\n') + '\n';
  await writeFile(path, text);
  bytes = Buffer.byteLength(text);
  lines = text.split('\n');
});
afterAll(async () => {
  await removeTempDir(dir);
});

interface Played {
  /** Milliseconds before each batch of range r is sent. */
  delay?: (range: number) => number;
  /** This shard fails its n-th read (0-based) after sending that read's first batch. */
  failRead?: number;
}

/** A shard played in this thread; `sent` collects every dead letter it sends, with its range-relative line. */
function playedShard(play: Played, sent: DeadLetter[]): Shard {
  let reads = 0;
  let stopped = false;
  const ranges = splitRanges(bytes, 2);
  const shard = {
    stopReading: () => void (stopped = true),
    read: async (request: { path: string; range: { start: number; end: number }; batchSize: number; maxRecordBytes: number }, onBatch: (batch: ReadBatch) => void): Promise<ItemDone> => {
      const n = reads++;
      const r = ranges.findIndex((x) => x.start === request.range.start);
      let total: number | undefined;
      let first = true;
      if (!stopped) {
        for await (const batch of readNdjsonRecords(request.path, { batchSize: 50, range: request.range, onEnd: (count) => (total = count) })) {
          await new Promise((resolve) => setTimeout(resolve, play.delay?.(r) ?? 0));
          const letters: DeadLetter[] = [];
          for (let i = 0; i < batch.count; i++) {
            const raw = recordText(batch, i);
            if (raw.startsWith('BAD')) letters.push({ table: 'events', origin: request.path, seq: batch.seqs[i], raw, reason: 'not_json', detail: 'played' });
          }
          sent.push(...letters);
          onBatch({ type: 'read-batch', id: n, events: batch.count, results: [], deadLetters: letters, metrics: [], lines: batch.position.seq, bytes: (batch.position.bytes ?? 0) - request.range.start });
          if (first && play.failRead === n) throw new Error(`played shard failed its read ${n}`);
          first = false;
          if (stopped) break;
        }
      }
      return { type: 'done', id: n, events: 0, results: [], deadLetters: [], metrics: [], ...(total === undefined || stopped ? {} : { lines: total }) } as ItemDone;
    },
  };
  return shard as unknown as Shard;
}

function item(signal: AbortSignal): EventFileItem {
  return { kind: 'event-file', path, bytes, batchSize: 50, maxRecordBytes: 10_000, signal };
}

/** Every written letter names its own line, none twice, in file order, and they are exactly those sent. */
function expectNumbered(written: readonly DeadLetter[], sent: readonly DeadLetter[]): void {
  for (const letter of written) expect(lines[letter.seq - 1], `line ${letter.seq}`).toBe(letter.raw);
  const seqs = written.map((l) => l.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(written.map((l) => l.raw).sort()).toEqual(sent.map((l) => l.raw).sort());
}

describe('SplitRead numbering dead letters', () => {
  it('numbers and orders every letter when the ranges end out of order', async () => {
    expect(splitRanges(bytes, 2).length).toBeGreaterThanOrEqual(16);
    const sent: DeadLetter[] = [];
    const written: DeadLetter[] = [];
    // the first shard crawls through its ranges, the second races ahead: most letters wait
    const shards = [playedShard({ delay: () => 3 }, sent), playedShard({}, sent)];
    await new SplitRead(item(new AbortController().signal), shards, { write: (l) => void written.push(...l) }, () => {}).run();
    expect(written).toHaveLength(lines.filter((l) => l.startsWith('BAD')).length);
    expectNumbered(written, sent);
  });

  it('writes every letter already sent when a shard fails, numbered from the file behind the failed range', async () => {
    const sent: DeadLetter[] = [];
    const written: DeadLetter[] = [];
    const shards = [playedShard({ delay: () => 2, failRead: 2 }, sent), playedShard({}, sent)];
    const read = new SplitRead(item(new AbortController().signal), shards, { write: (l) => void written.push(...l) }, () => {}).run();
    await expect(read).rejects.toThrow('played shard failed its read 2');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(lines.filter((l) => l.startsWith('BAD')).length);
    expectNumbered(written, sent);
  });

  it('writes every letter already sent when the read is stopped', async () => {
    const sent: DeadLetter[] = [];
    const written: DeadLetter[] = [];
    const stop = new AbortController();
    let batches = 0;
    const shards = [playedShard({ delay: (r) => (r % 3 === 0 ? 4 : 0) }, sent), playedShard({}, sent)];
    await new SplitRead(item(stop.signal), shards, { write: (l) => void written.push(...l) }, () => {
      if (++batches === 120) stop.abort();
    }).run();
    expect(sent.length).toBeLessThan(lines.filter((l) => l.startsWith('BAD')).length);
    expectNumbered(written, sent);
  });
});
