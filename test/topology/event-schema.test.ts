/**
 * The reference decoder, the byte scanner and the batch columns all follow EVENT_FIELDS: every
 * declared field is read by both decoders (mutating it to each way it can be wrong gives the
 * Rejection the declaration implies, and the scanner never settles it), and every declared column
 * is in the batch, in its declared array type, filled from its own field by its declared lookup.
 */
import { describe, expect, it } from 'vitest';
import { createDictionaries, type Dictionaries } from '../../src/domain/dictionary.ts';
import { EVENT_COLUMNS } from '../../src/domain/records/event-columns.ts';
import { decodeEvent } from '../../src/domain/records/event-record.ts';
import { rawBatchFromLines } from '../../src/domain/records/raw-batch.ts';
import { Rejection } from '../../src/domain/records/rejection.ts';
import { EVENT_FIELDS, type FieldSpec } from '../../src/domain/records/schema.ts';
import { RejectReason } from '../../src/errors.ts';
import { decodeEventBatch } from '../../topology/operators/decode-events.ts';
import { createEventScanner, scanEvent, ScanResult } from '../../topology/event-scanner.ts';

const VALID: Record<string, unknown> = {
  event_id: 'EVT-0000001',
  user_id: 'USR-000001',
  artist_id: 'ART-00001',
  genre: 'Pop',
  region: 'Europe',
  duration_sec: 215,
  completed: true,
  device: 'tv',
  event_date: '2024-02-29',
};

interface Mutation {
  readonly what: string;
  readonly value: unknown;
  readonly reason: RejectReason;
  readonly detail: string;
}

/** Every way the declaration says a value of `spec` can be wrong, with the Rejection it implies. */
function mutations(spec: FieldSpec): Mutation[] {
  const { name } = spec;
  const out: Mutation[] = [
    { what: 'missing', value: undefined, reason: RejectReason.MissingField, detail: `${name} is missing` },
    { what: 'null', value: null, reason: RejectReason.MissingField, detail: `${name} is missing` },
  ];
  switch (spec.type) {
    case 'string':
    case 'date':
      out.push({ what: 'a number', value: 7, reason: RejectReason.WrongType, detail: `${name}: expected string, got number` });
      out.push({ what: 'empty', value: '', reason: RejectReason.BadValue, detail: `${name} is empty` });
      if (spec.type === 'date') out.push({ what: 'no such day', value: '2023-02-29', reason: RejectReason.BadDate, detail: `${name}: "2023-02-29" is not a calendar date (yyyy-MM-dd)` });
      break;
    case 'integer':
      out.push({ what: 'a string', value: '7', reason: RejectReason.WrongType, detail: `${name}: expected number, got string` });
      out.push({ what: 'below min', value: spec.min - 1, reason: RejectReason.BadValue, detail: `${name}: expected a non-negative integer, got ${spec.min - 1}` });
      out.push({ what: 'above max', value: spec.max + 1, reason: RejectReason.BadValue, detail: `${name}: expected a non-negative integer, got ${spec.max + 1}` });
      out.push({ what: 'a fraction', value: 1.5, reason: RejectReason.BadValue, detail: `${name}: expected a non-negative integer, got 1.5` });
      break;
    case 'boolean':
      out.push({ what: 'a number', value: 1, reason: RejectReason.WrongType, detail: `${name}: expected boolean, got number` });
      break;
    case 'decimal':
      out.push({ what: 'a string', value: '7', reason: RejectReason.WrongType, detail: `${name}: expected number, got string` });
      break;
  }
  return out;
}

function line(patch: Record<string, unknown>): string {
  const fields: Record<string, unknown> = { ...VALID, ...patch };
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return JSON.stringify(fields);
}

function scans(text: string): boolean {
  const raw = rawBatchFromLines([text]);
  return scanEvent(createEventScanner(createDictionaries()), raw.buffers[0], raw.starts[0], raw.ends[0]) === ScanResult.Ok;
}

/** The value the declaration says column `c` holds for `record`, looked up as declared. */
function expectedColumnValue(c: (typeof EVENT_COLUMNS)[number], record: Record<string, unknown>, dicts: Dictionaries): number {
  const value = record[c.spec.name];
  if (c.kind === 'value') return typeof value === 'boolean' ? (value ? 1 : 0) : (value as number);
  return dicts[c.dictionary].idOf(value as string);
}

describe('the event declaration', () => {
  it('is what the valid record exercises: every declared field, and nothing else', () => {
    expect(EVENT_FIELDS.map((f) => f.name)).toEqual(Object.keys(VALID));
    expect(decodeEvent(line({}))).toEqual(VALID);
    expect(scans(line({}))).toBe(true);
  });

  for (const spec of EVENT_FIELDS) {
    for (const m of mutations(spec)) {
      it(`${spec.name} ${m.what}: both decoders reject it as declared`, () => {
        const text = line({ [spec.name]: m.value });
        const ref = decodeEvent(text);
        expect(ref).toBeInstanceOf(Rejection);
        expect({ reason: (ref as Rejection).reason, detail: (ref as Rejection).detail }).toEqual({ reason: m.reason, detail: m.detail });
        expect(scans(text)).toBe(false);
        const dicts = createDictionaries();
        const batch = decodeEventBatch(rawBatchFromLines([text]), dicts, createEventScanner(dicts));
        expect(batch.count).toBe(0);
        expect(batch.rejected.map((r) => [r.reason, r.detail])).toEqual([[m.reason, m.detail]]);
      });
    }
  }

  it('every declared key is required by the scanner, and a repeated one sends the record to the reference path', () => {
    for (const spec of EVENT_FIELDS) {
      expect(scans(line({ [spec.name]: undefined })), spec.name).toBe(false);
      const repeated = line({}).replace(/}$/, `,${JSON.stringify(spec.name)}:${JSON.stringify(VALID[spec.name])}}`);
      expect(scans(repeated), spec.name).toBe(false);
      expect(decodeEvent(repeated), spec.name).toEqual(VALID);
    }
    expect(scans(line({ genres: 'Pop', event_ids: 1, regio: true }))).toBe(true);
  });

  it('the batch has exactly the declared columns, each filled from its own field by its declared lookup', () => {
    const arrayKeys = (batch: object): string[] => Object.entries(batch).filter(([k, v]) => ArrayBuffer.isView(v) && k !== 'rawIndex').map(([k]) => k).sort();
    // each column changes on its own when only its field changes: no column reads another's field
    const variants: Record<string, unknown>[] = [VALID];
    for (const c of EVENT_COLUMNS) {
      const v = c.spec.type === 'integer' ? 7 : c.spec.type === 'boolean' ? !VALID[c.spec.name] : c.spec.type === 'date' ? '2024-03-01' : `${String(VALID[c.spec.name])}-2`;
      variants.push({ ...VALID, [c.spec.name]: v });
    }
    for (const known of [false, true]) {
      const dicts = createDictionaries();
      // 'find' columns: unknown values are -1; once a dimension row interned them, their ids
      if (known) for (const r of variants) for (const c of EVENT_COLUMNS) if (c.kind === 'dictionary' && c.lookup === 'find') dicts[c.dictionary].intern(r[c.spec.name] as string);
      const scanner = createEventScanner(dicts);
      const lines = variants.map((r) => line(r));
      // the scanned records, then the same ones through the reference path (an escape forces it)
      const escaped = lines.map((l) => l.replace(/}$/, ',"note":"a\\nb"}'));
      for (const l of escaped) expect(scans(l)).toBe(false);
      for (const l of lines) expect(scans(l)).toBe(true);
      const batch = decodeEventBatch(rawBatchFromLines([...lines, ...escaped]), dicts, scanner);
      expect(batch.rejected).toEqual([]);
      expect(arrayKeys(batch)).toEqual(EVENT_COLUMNS.map((c) => c.name).sort());
      expect(Object.keys(scanner.ids).sort()).toEqual(EVENT_COLUMNS.map((c) => c.name).sort());
      for (const c of EVENT_COLUMNS) {
        const array = batch[c.name];
        expect(array, c.name).toBeInstanceOf(c.spec.type === 'boolean' ? Uint8Array : Int32Array);
        const want = [...variants, ...variants].map((r) => expectedColumnValue(c, r, dicts));
        expect(Array.from(array.subarray(0, batch.count)), `${c.name} (known ${known})`).toEqual(want);
        if (c.kind === 'dictionary') expect(want.every((id) => id >= 0), c.name).toBe(c.lookup === 'intern' || known);
      }
    }
  });
});
