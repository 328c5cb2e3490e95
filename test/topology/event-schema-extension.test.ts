/**
 * A field added to EVENT_FIELDS (here in a mocked copy of schema.ts) shows up everywhere the
 * declaration reaches, with no other change: the reference decoder checks and returns it, the byte
 * scanner reads it on its fast path (or hands the record over when it breaks a rule), and the batch
 * gets its declared column.
 */
import { describe, expect, it, vi } from 'vitest';
import { createDictionaries } from '../../src/domain/dictionary.ts';
import { EVENT_COLUMNS } from '../../src/domain/records/event-columns.ts';
import { decodeEvent } from '../../src/domain/records/event-record.ts';
import { rawBatchFromLines } from '../../src/domain/records/raw-batch.ts';
import { Rejection } from '../../src/domain/records/rejection.ts';
import type * as Schema from '../../src/domain/records/schema.ts';
import { RejectReason } from '../../src/errors.ts';
import { decodeEventBatch } from '../../topology/operators/decode-events.ts';
import { createEventScanner, scanEvent, ScanResult } from '../../topology/event-scanner.ts';

vi.mock('../../src/domain/records/schema.ts', async (importOriginal) => {
  const original = await importOriginal<typeof Schema>();
  const added: readonly Schema.FieldSpec[] = [
    { name: 'plays', type: 'integer', min: 1, max: 100, column: { name: 'plays' } },
    { name: 'explicit', type: 'boolean', column: { name: 'explicit' } },
    { name: 'mood', type: 'string', column: { name: 'mood', dictionary: 'label', lookup: 'intern' } },
    { name: 'released', type: 'date' },
    { name: 'isrc', type: 'string' },
  ];
  return { ...original, EVENT_FIELDS: [...original.EVENT_FIELDS, ...added] };
});

const BASE = {
  event_id: 'EVT-0000001',
  user_id: 'USR-000001',
  artist_id: 'ART-00001',
  genre: 'Pop',
  region: 'Europe',
  duration_sec: 215,
  completed: false,
  device: 'tv',
  event_date: '2024-02-29',
};
const ADDED = { plays: 3, explicit: true, mood: 'calm', released: '1999-12-31', isrc: 'US-XYZ-99' };
const line = (patch: Record<string, unknown> = {}): string => JSON.stringify({ ...BASE, ...ADDED, ...patch });

function decodeOne(text: string): { scanned: boolean; batch: ReturnType<typeof decodeEventBatch>; dicts: ReturnType<typeof createDictionaries> } {
  const dicts = createDictionaries();
  const raw = rawBatchFromLines([text]);
  const scanned = scanEvent(createEventScanner(createDictionaries()), raw.buffers[0], raw.starts[0], raw.ends[0]) === ScanResult.Ok;
  return { scanned, batch: decodeEventBatch(raw, dicts, createEventScanner(dicts)), dicts };
}

describe('a field added to the declaration', () => {
  it('is decoded by the reference decoder', () => {
    expect(decodeEvent(line())).toEqual({ ...BASE, ...ADDED });
  });

  it('is read by the scanner on its fast path into its declared batch column', () => {
    expect(EVENT_COLUMNS.map((c) => c.name)).toEqual(['user', 'artist', 'genre', 'region', 'duration', 'completed', 'device', 'day', 'plays', 'explicit', 'mood']);
    const { scanned, batch, dicts } = decodeOne(line({ plays: 42 }));
    expect(scanned).toBe(true);
    expect(batch.count).toBe(1);
    const columns = batch as unknown as Record<string, Int32Array | Uint8Array>;
    expect(columns.plays).toBeInstanceOf(Int32Array);
    expect(columns.explicit).toBeInstanceOf(Uint8Array);
    expect([columns.plays[0], columns.explicit[0], dicts.label.value(columns.mood[0])]).toEqual([42, 1, 'calm']);
    expect(batch.duration[0]).toBe(215);
  });

  it('is required: records without it are rejected by both decoders, with the declared details', () => {
    const cases: [Record<string, unknown>, RejectReason, string][] = [
      [{ plays: undefined }, RejectReason.MissingField, 'plays is missing'],
      [{ plays: 0 }, RejectReason.BadValue, 'plays: expected an integer from 1 to 100, got 0'],
      [{ plays: 101 }, RejectReason.BadValue, 'plays: expected an integer from 1 to 100, got 101'],
      [{ explicit: 'yes' }, RejectReason.WrongType, 'explicit: expected boolean, got string'],
      [{ mood: '' }, RejectReason.BadValue, 'mood is empty'],
      [{ released: '1999-02-30' }, RejectReason.BadDate, 'released: "1999-02-30" is not a calendar date (yyyy-MM-dd)'],
      [{ isrc: 5 }, RejectReason.WrongType, 'isrc: expected string, got number'],
      [{ isrc: undefined }, RejectReason.MissingField, 'isrc is missing'],
    ];
    for (const [patch, reason, detail] of cases) {
      const text = line(patch);
      const ref = decodeEvent(text);
      expect(ref, detail).toBeInstanceOf(Rejection);
      expect([(ref as Rejection).reason, (ref as Rejection).detail]).toEqual([reason, detail]);
      const { scanned, batch } = decodeOne(text);
      expect(scanned, detail).toBe(false);
      expect(batch.rejected.map((r) => [r.reason, r.detail])).toEqual([[reason, detail]]);
    }
    expect(decodeOne(JSON.stringify(BASE)).batch.rejected.map((r) => r.detail)).toEqual(['plays is missing']);
  });
});
