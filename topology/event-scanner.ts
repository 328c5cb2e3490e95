import { isCalendarDate } from '../src/domain/records/calendar-date.ts';
import type { Dictionaries, Dictionary } from '../src/domain/dictionary.ts';
import { ByteIndex, FNV_OFFSET, FNV_PRIME, HASH_MASK } from './byte-index.ts';

/**
 * A byte-level decoder for the common shape of an event record: one flat JSON object of plain
 * ASCII strings, small integers and booleans. It accepts only what JSON.parse accepts and reads it
 * the same way; anything else answers Fallback and the reference decoder takes the record.
 */
export const ScanResult = { Ok: 0, Fallback: 1 } as const;
export type ScanResult = (typeof ScanResult)[keyof typeof ScanResult];

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

const enc = new TextEncoder();
const KEYS = ['event_id', 'user_id', 'artist_id', 'genre', 'region', 'duration_sec', 'completed', 'device', 'event_date'];
const KEY_BYTES = KEYS.map((k) => enc.encode(k));
const ALL_FIELDS = (1 << KEYS.length) - 1;
const F_EVENT_ID = 0, F_USER = 1, F_ARTIST = 2, F_GENRE = 3, F_REGION = 4, F_DURATION = 5, F_COMPLETED = 6, F_DEVICE = 7, F_DATE = 8;

/** The decoded ids of the last record scanned (reused: the scanner allocates nothing per record). */
export interface ScannedIds {
  user: number;
  artist: number;
  genre: number;
  region: number;
  device: number;
  day: number;
  duration: number;
  completed: number;
}

/** Dictionary lookups by bytes: a hit never builds a string; a miss asks the dictionary once. */
class ByteLookup {
  private readonly index = new ByteIndex();
  constructor(
    private readonly dict: Dictionary,
    private readonly mode: 'intern' | 'find' | 'date',
  ) {}

  id(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const cached = this.index.get(hash, bytes, start, end);
    if (cached >= 0) return cached;
    // ASCII only reaches here, so latin1 decoding is exact
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
    let id: number;
    if (this.mode === 'find') id = this.dict.idOf(text);
    else if (this.mode === 'date') id = isCalendarDate(text) ? this.dict.intern(text) : -1;
    else id = this.dict.intern(text);
    // unknown users and artists are not remembered: their dimension row may still arrive
    if (id >= 0) this.index.set(hash, bytes, start, end, id);
    return id;
  }
}

export interface EventScanner {
  readonly ids: ScannedIds;
  readonly lookups: readonly ByteLookup[];
}

export function createEventScanner(dicts: Dictionaries): EventScanner {
  const lookups: ByteLookup[] = [];
  lookups[F_USER] = new ByteLookup(dicts.user, 'find');
  lookups[F_ARTIST] = new ByteLookup(dicts.artist, 'find');
  lookups[F_GENRE] = new ByteLookup(dicts.genre, 'intern');
  lookups[F_REGION] = new ByteLookup(dicts.region, 'intern');
  lookups[F_DEVICE] = new ByteLookup(dicts.device, 'intern');
  lookups[F_DATE] = new ByteLookup(dicts.day, 'date');
  return { ids: { user: -1, artist: -1, genre: -1, region: -1, device: -1, day: -1, duration: 0, completed: 0 }, lookups };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** End of a JSON number token starting at p per the JSON grammar, or -1 when malformed. */
function numberEnd(b: Uint8Array, p: number, end: number): number {
  if (p < end && b[p] === 0x2d) p++;
  if (p >= end) return -1;
  if (b[p] === 0x30) p++;
  else if (b[p] >= 0x31 && b[p] <= 0x39) while (p < end && b[p] >= 0x30 && b[p] <= 0x39) p++;
  else return -1;
  if (p < end && b[p] === 0x2e) {
    p++;
    const digits = p;
    while (p < end && b[p] >= 0x30 && b[p] <= 0x39) p++;
    if (p === digits) return -1;
  }
  if (p < end && (b[p] === 0x65 || b[p] === 0x45)) {
    p++;
    if (p < end && (b[p] === 0x2b || b[p] === 0x2d)) p++;
    const digits = p;
    while (p < end && b[p] >= 0x30 && b[p] <= 0x39) p++;
    if (p === digits) return -1;
  }
  return p;
}

function literalEnd(b: Uint8Array, p: number, end: number, word: string): number {
  if (p + word.length > end) return -1;
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word.charCodeAt(i)) return -1;
  return p + word.length;
}

let stringHash = 0;

/** Like plainStringEnd without hashing: for keys and event_id, which are never looked up. */
function plainStringEndNoHash(b: Uint8Array, p: number, end: number): number {
  for (; p < end; p++) {
    const c = b[p];
    if (c === QUOTE) return p;
    if (c < 0x20 || c === BACKSLASH || c >= 0x80) return -1;
  }
  return -1;
}

/** End of a plain string whose opening quote is at p-1 (index of the closing quote), or -1. */
function plainStringEnd(b: Uint8Array, p: number, end: number): number {
  let hash = FNV_OFFSET;
  for (; p < end; p++) {
    const c = b[p];
    if (c === QUOTE) {
      stringHash = hash & HASH_MASK;
      return p;
    }
    if (c < 0x20 || c === BACKSLASH || c >= 0x80) return -1;
    hash = Math.imul(hash ^ c, FNV_PRIME);
  }
  return -1;
}

/** Which known field the key bytes [start, end) name, or -1; keys are told apart by length. */
function fieldOf(b: Uint8Array, start: number, end: number): number {
  let field: number;
  switch (end - start) {
    case 5: field = F_GENRE; break;
    case 6: field = b[start] === 0x72 ? F_REGION : F_DEVICE; break;
    case 7: field = F_USER; break;
    case 8: field = F_EVENT_ID; break;
    case 9: field = b[start] === 0x61 ? F_ARTIST : F_COMPLETED; break;
    case 10: field = F_DATE; break;
    case 12: field = F_DURATION; break;
    default: return -1;
  }
  const key = KEY_BYTES[field];
  if (key.length !== end - start) return -1;
  for (let i = 0; i < key.length; i++) if (key[i] !== b[start + i]) return -1;
  return field;
}

/** Scans record bytes [start, end) into scanner.ids. */
export function scanEvent(scanner: EventScanner, b: Uint8Array, start: number, end: number): ScanResult {
  const ids = scanner.ids;
  const lookups = scanner.lookups;
  let p = start;
  while (p < end && isSpace(b[p])) p++;
  if (p >= end || b[p] !== OPEN) return ScanResult.Fallback;
  p++;
  let seen = 0;
  for (;;) {
    while (p < end && isSpace(b[p])) p++;
    if (p >= end || b[p] !== QUOTE) return ScanResult.Fallback;
    const keyStart = ++p;
    p = plainStringEndNoHash(b, p, end);
    if (p < 0) return ScanResult.Fallback;
    const field = fieldOf(b, keyStart, p);
    p++;
    while (p < end && isSpace(b[p])) p++;
    if (p >= end || b[p] !== COLON) return ScanResult.Fallback;
    p++;
    while (p < end && isSpace(b[p])) p++;
    if (p >= end) return ScanResult.Fallback;
    if (field >= 0) {
      const bit = 1 << field;
      if ((seen & bit) !== 0) return ScanResult.Fallback;
      seen |= bit;
    }
    const c = b[p];
    if (field === F_DURATION) {
      // plain non-negative integers only; 120.0, 1e2 and negatives take the reference path
      const digits = p;
      let value = 0;
      while (p < end && b[p] >= 0x30 && b[p] <= 0x39) value = value * 10 + (b[p++] - 0x30);
      const length = p - digits;
      if (length === 0 || length > 10 || (length > 1 && b[digits] === 0x30) || value > 0x7fffffff) return ScanResult.Fallback;
      if (p < end && (b[p] === 0x2e || b[p] === 0x65 || b[p] === 0x45)) return ScanResult.Fallback;
      ids.duration = value;
    } else if (field === F_COMPLETED) {
      if (c === 0x74) {
        p = literalEnd(b, p, end, 'true');
        ids.completed = 1;
      } else if (c === 0x66) {
        p = literalEnd(b, p, end, 'false');
        ids.completed = 0;
      } else return ScanResult.Fallback;
      if (p < 0) return ScanResult.Fallback;
    } else if (c === QUOTE) {
      const valueStart = ++p;
      p = field > 0 ? plainStringEnd(b, p, end) : plainStringEndNoHash(b, p, end);
      if (p < 0) return ScanResult.Fallback;
      if (field >= 0 && field !== F_EVENT_ID) {
        if (p === valueStart) return ScanResult.Fallback;
        const id = lookups[field].id(stringHash, b, valueStart, p);
        if (field === F_USER) ids.user = id;
        else if (field === F_ARTIST) ids.artist = id;
        else if (field === F_GENRE) ids.genre = id;
        else if (field === F_REGION) ids.region = id;
        else if (field === F_DEVICE) ids.device = id;
        else if (id < 0) return ScanResult.Fallback;
        else ids.day = id;
      } else if (field === F_EVENT_ID && p === valueStart) return ScanResult.Fallback;
      p++;
    } else if (field >= 0) {
      return ScanResult.Fallback;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      p = literalEnd(b, p, end, c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null');
      if (p < 0) return ScanResult.Fallback;
    } else {
      // extra numeric field; objects and arrays in extra fields take the reference path
      p = numberEnd(b, p, end);
      if (p < 0) return ScanResult.Fallback;
    }
    while (p < end && isSpace(b[p])) p++;
    if (p >= end) return ScanResult.Fallback;
    if (b[p] === COMMA) {
      p++;
      continue;
    }
    if (b[p] !== CLOSE) return ScanResult.Fallback;
    p++;
    break;
  }
  while (p < end && isSpace(b[p])) p++;
  return p === end && seen === ALL_FIELDS ? ScanResult.Ok : ScanResult.Fallback;
}
