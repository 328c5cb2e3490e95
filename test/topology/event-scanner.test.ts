/**
 * The byte scanner (and decodeEventBatch around it) must agree with the reference decoder
 * decodeEvent on every input: same accept/reject, same reason, same values. Hand-written edge
 * cases plus a few thousand seeded mutations of valid generated lines.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDictionaries, type Dictionaries } from '../../src/domain/dictionary.ts';
import { decodeEvent } from '../../src/domain/records/event-record.ts';
import { rawBatchFromLines, recordText } from '../../src/domain/records/raw-batch.ts';
import { Rejection } from '../../src/domain/records/rejection.ts';
import { generateDataset, Prng } from '../../src/generator/index.ts';
import { decodeEventBatch } from '../../topology/operators/decode-events.ts';
import { createEventScanner, scanEvent, ScanResult } from '../../topology/event-scanner.ts';
import { mutate } from '../helpers/json-mutations.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let root: string | undefined;
let valid: string[] = [];

beforeAll(async () => {
  root = await makeTempDir('streampulse-scanner-');
  // 200 users / 100 artists, of which only the first half get interned below: known and unknown ids
  await generateDataset({ outDir: root, seed: 5, events: 400, users: 200, artists: 100 });
  valid = (await readFile(join(root, 'events.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
});

afterAll(async () => {
  await removeTempDir(root);
});

function seededDicts(): Dictionaries {
  const dicts = createDictionaries();
  for (let i = 1; i <= 100; i++) dicts.user.intern(`USR-${String(i).padStart(6, '0')}`);
  for (let i = 1; i <= 50; i++) dicts.artist.intern(`ART-${String(i).padStart(5, '0')}`);
  return dicts;
}

interface Agreement {
  mismatches: string[];
  accepted: number;
  rejected: number;
  /** Records the byte scanner settled itself (ScanResult.Ok). */
  fastPath: number;
}

/**
 * Runs `lines` through decodeEventBatch in batches of `batchSize` (one scanner for all, as the
 * pipeline does) and through scanEvent directly, and compares both with decodeEvent per line.
 */
function compare(lines: readonly string[], batchSize = 97): Agreement {
  const out: Agreement = { mismatches: [], accepted: 0, rejected: 0, fastPath: 0 };
  const dicts = seededDicts();
  const scanner = createEventScanner(dicts);
  const probeDicts = seededDicts();
  const probe = createEventScanner(probeDicts);
  const miss = (i: number, what: string): void => void out.mismatches.push(`#${i} ${JSON.stringify(lines[i])}: ${what}`);
  for (let from = 0; from < lines.length; from += batchSize) {
    const raw = rawBatchFromLines(lines.slice(from, from + batchSize), 'fuzz', from + 1);
    const batch = decodeEventBatch(raw, dicts, scanner);
    let k = 0;
    let r = 0;
    for (let j = 0; j < raw.count; j++) {
      const i = from + j;
      const text = recordText(raw, j);
      // recordText keeps a stray BOM (ignoreBOM: true), so every record round-trips exactly
      if (text !== lines[i]) miss(i, 'text did not round-trip through bytes');
      const ref = decodeEvent(text);
      // the scanner alone: whenever it says Ok, the reference must accept the same values
      const scanned = scanEvent(probe, raw.buffers[j], raw.starts[j], raw.ends[j]) === ScanResult.Ok;
      if (scanned) {
        out.fastPath++;
        const ids = probe.ids;
        if (ref instanceof Rejection) miss(i, `scanner accepted, reference rejected (${ref.reason}: ${ref.detail})`);
        else {
          const got = [ids.user, ids.artist, probeDicts.genre.value(ids.genre), probeDicts.region.value(ids.region), probeDicts.device.value(ids.device), probeDicts.day.value(ids.day), ids.duration, ids.completed];
          const want = [probeDicts.user.idOf(ref.user_id), probeDicts.artist.idOf(ref.artist_id), ref.genre, ref.region, ref.device, ref.event_date, ref.duration_sec, ref.completed ? 1 : 0];
          if (got.some((v, n) => v !== want[n])) miss(i, `scanner read ${JSON.stringify(got)}, reference ${JSON.stringify(want)}`);
        }
      }
      if (ref instanceof Rejection) {
        out.rejected++;
        const letter = batch.rejected[r++];
        if (letter === undefined || letter.seq !== i + 1) miss(i, `reference rejected (${ref.reason}) but the batch did not`);
        else if (letter.reason !== ref.reason || letter.raw !== text || letter.origin !== 'fuzz' || letter.table !== 'events') {
          miss(i, `dead letter ${JSON.stringify(letter)} vs reason ${ref.reason}`);
        }
        continue;
      }
      out.accepted++;
      if (batch.rawIndex[k] !== j || k >= batch.count) {
        miss(i, 'reference accepted but the batch rejected it');
        continue;
      }
      const got = [batch.user[k], batch.artist[k], dicts.genre.value(batch.genre[k]), dicts.region.value(batch.region[k]), dicts.device.value(batch.device[k]), dicts.day.value(batch.day[k]), batch.duration[k], batch.completed[k]];
      const want = [dicts.user.idOf(ref.user_id), dicts.artist.idOf(ref.artist_id), ref.genre, ref.region, ref.device, ref.event_date, ref.duration_sec, ref.completed ? 1 : 0];
      if (got.some((v, n) => v !== want[n])) miss(i, `batch has ${JSON.stringify(got)}, reference ${JSON.stringify(want)}`);
      k++;
    }
    if (k !== batch.count || r !== batch.rejected.length) out.mismatches.push(`batch at ${from}: ${batch.count}/${batch.rejected.length} vs ${k}/${r}`);
  }
  return out;
}

const BASE = {
  event_id: 'EVT-1',
  user_id: 'USR-000001',
  artist_id: 'ART-00001',
  genre: 'Pop',
  region: 'Europe',
  duration_sec: 120,
  completed: true,
  device: 'mobile',
  event_date: '2024-02-29',
};
const B = JSON.stringify(BASE);
/** BASE with one field's JSON value text replaced (or the field removed when `value` is undefined). */
function withRaw(key: keyof typeof BASE, value: string | undefined): string {
  const parts = Object.entries(BASE)
    .filter(([k]) => k !== key || value !== undefined)
    .map(([k, v]) => `${JSON.stringify(k)}:${k === key ? value : JSON.stringify(v)}`);
  return `{${parts.join(',')}}`;
}

const EDGE_CASES: string[] = [
  B,
  `  ${B}  `,
  `${B}\r`,
  `\t${B}\n`,
  JSON.stringify(Object.fromEntries(Object.entries(BASE).reverse())),
  JSON.stringify(BASE, null, 2),
  B.replace(/[:,]/g, (c) => ` ${c} `).replace('{', '{ ').replace(/}$/, ' }'),
  B.replace('{', '{"x":"y","n":-1.5e+3,"z":0,"m":-0,"t":true,"f":false,"u":null,'),
  B.replace('{', '{"obj":{"a":{"b":[1,{"c":null}]}},"arr":[],"e":{},"s":"a\\"b",'),
  B.replace('{', '{"":1,"__proto__":{"event_id":7},'),
  B.replace('{', '{"genre":"Rock",'),
  B.replace('{', '{"duration_sec":-5,'),
  B.replace('{', '{"x":1,"x":[2],'),
  B.replace('}', ',"genre":"Jazz"}'),
  withRaw('genre', '"Pop\\u0020"'),
  withRaw('genre', '"P\\u006fp"'),
  withRaw('region', '"Eur\\/ope"'),
  B.replace('"genre"', '"genr\\u0065"'),
  withRaw('genre', '"Électronique"'),
  withRaw('user_id', '"USR-00000é"'),
  withRaw('region', '"Asia\u007fPacific"'),
  withRaw('region', '"Asia\u0001Pacific"'),
  withRaw('event_id', '"EVT-\u2028"'),
  withRaw('genre', `"${'x'.repeat(5000)}"`),
  ...['120.0', '1e2', '1E2', '1e+2', '-1', '-0', '0', '00', '012', '1.5', '2147483647', '2147483648', '4294967296', '9007199254740993', '1e400', '"120"', 'null', 'true', '[120]', '{}', '120e', '1.', '.5', '+1', '-'].map((v) => withRaw('duration_sec', v)),
  ...['"true"', '1', '0', 'null', 'TRUE', 'tru', 'falsey', 'false', '[true]'].map((v) => withRaw('completed', v)),
  ...['2024-02-29', '2023-02-29', '2024-02-30', '2024-13-01', '2024-1-01', '2024-04-31', '2024-00-10', '0000-01-01', '', '2024-02-29T00:00', ' 2024-02-29', '2024/02/29', '2024-02-2\\u0039'].map((d) => withRaw('event_date', `"${d}"`)),
  withRaw('event_date', '20240229'),
  ...Object.keys(BASE).flatMap((k) => [withRaw(k as keyof typeof BASE, undefined), withRaw(k as keyof typeof BASE, 'null')]),
  ...['event_id', 'user_id', 'artist_id', 'genre', 'region', 'device', 'event_date'].flatMap((k) => [
    withRaw(k as keyof typeof BASE, '""'),
    withRaw(k as keyof typeof BASE, '42'),
    withRaw(k as keyof typeof BASE, '["a"]'),
  ]),
  withRaw('user_id', '"USR-000150"'),
  withRaw('artist_id', '"ART-00099"'),
  '',
  '   ',
  '{',
  '}',
  '{}',
  '[]',
  `[${B}]`,
  '"text"',
  '1',
  'null',
  'true',
  'not json',
  `${B}x`,
  `${B}}`,
  `${B},`,
  `${B}${B}`,
  B.replace(/}$/, ',}'),
  B.replace('{', '{,'),
  B.replace(',', ',,'),
  B.replace(':', '::'),
  `\ufeff${B}`,
  B.replace(/"/g, "'"),
  B.replace('"event_id":"EVT-1"', '"event_id":"EVT-1\\\\"'),
  B.replace('"Pop"', '"Pop\\"'),
];

/**
 * A valid line re-rendered: keys shuffled, extra fields, odd spacing, duplicates, escapes. Narrower
 * than json-mutations' restructure on purpose: most of these stay valid events, so the scanner's
 * fast path is exercised on them, not only its fallbacks.
 */
function restructure(line: string, prng: Prng): string {
  const entries = Object.entries(JSON.parse(line) as Record<string, unknown>);
  const extras: unknown[] = ['s', 'é', -0.5, 1e21, 0, true, false, null, [], [1, ['x']], {}, { a: { b: [null] } }];
  for (let n = prng.intInclusive(0, 3); n > 0; n--) entries.splice(prng.intInclusive(0, entries.length), 0, [`x${n}`, prng.pick(extras)]);
  if (prng.intInclusive(0, 3) === 0) entries.push([prng.pick(entries)[0], prng.pick(entries)[1]]);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = prng.intInclusive(0, i);
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  const space = (): string => prng.pick(['', '', ' ', '\t', '\n ', '\r\n']);
  const value = (v: unknown): string => {
    const text = JSON.stringify(v);
    if (typeof v !== 'string' || prng.intInclusive(0, 5) !== 0) return text;
    return text.replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  };
  return `${space()}{${entries.map(([k, v]) => `${space()}${JSON.stringify(k)}${space()}:${space()}${value(v)}${space()}`).join(',')}}${space()}`;
}

describe('event scanner agrees with decodeEvent', () => {
  it('on hand-written edge cases', () => {
    const result = compare(EDGE_CASES, 5);
    expect(result.mismatches).toEqual([]);
    expect(result.accepted).toBeGreaterThan(20);
    expect(result.rejected).toBeGreaterThan(60);
    expect(result.fastPath).toBeGreaterThan(10);
  });

  it('on the valid generated lines, all on the fast path', () => {
    const result = compare(valid);
    expect(result.mismatches).toEqual([]);
    expect(result.accepted).toBe(valid.length);
    expect(result.fastPath).toBe(valid.length);
  });

  it('on 3,000 seeded byte mutations', () => {
    const prng = new Prng(42, 1);
    const lines = Array.from({ length: 3000 }, () => mutate(prng.pick(valid), prng));
    const result = compare(lines);
    expect(result.mismatches).toEqual([]);
    // the mutations must exercise both outcomes and the scanner's own accept path
    expect(result.accepted).toBeGreaterThan(300);
    expect(result.rejected).toBeGreaterThan(1500);
    expect(result.fastPath).toBeGreaterThan(300);
  });

  it('on 1,500 seeded restructured records, and mutations of them', () => {
    const prng = new Prng(43, 1);
    const shaped = Array.from({ length: 1000 }, () => restructure(prng.pick(valid), prng));
    const lines = [...shaped, ...shaped.slice(0, 500).map((l) => mutate(l, prng))];
    const result = compare(lines, 61);
    expect(result.mismatches).toEqual([]);
    expect(result.accepted).toBeGreaterThan(800);
    expect(result.fastPath).toBeGreaterThan(200);
  });

  it('a user unknown to the scanner is found once its subscription is interned', () => {
    const dicts = seededDicts();
    const scanner = createEventScanner(dicts);
    const line = withRaw('user_id', '"USR-000777"');
    const first = decodeEventBatch(rawBatchFromLines([line]), dicts, scanner);
    expect(first.user[0]).toBe(-1);
    const id = dicts.user.intern('USR-000777');
    const second = decodeEventBatch(rawBatchFromLines([line]), dicts, scanner);
    expect(second.count).toBe(1);
    expect(second.user[0]).toBe(id);
  });
});
