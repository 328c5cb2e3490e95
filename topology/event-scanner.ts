import { Dictionary, type Dictionaries } from '../src/domain/dictionary.ts';
import { isCalendarDate } from '../src/domain/records/calendar-date.ts';
import { EVENT_COLUMNS, type EventColumnName } from '../src/domain/records/event-columns.ts';
import { EVENT_FIELDS, type FieldSpec } from '../src/domain/records/schema.ts';
import { InternalError } from '../src/errors.ts';
import { BACKSLASH, CLOSE, COLON, COMMA, isSpace, literalEnd, numberEnd, OPEN, plainStringEnd, QUOTE } from '../src/domain/records/json-bytes.ts';
import { ByteIndex, FNV_OFFSET, FNV_PRIME, HASH_MASK } from '../src/domain/byte-index.ts';

/**
 * A byte-level decoder for the common shape of an event record: one flat JSON object of plain
 * ASCII strings, small integers and booleans. It accepts only what JSON.parse accepts and reads it
 * the same way; anything else answers Fallback and the reference decoder takes the record.
 */
export const ScanResult = { Ok: 0, Fallback: 1 } as const;
export type ScanResult = (typeof ScanResult)[keyof typeof ScanResult];


const KIND_TEXT = 0;
const KIND_LOOKUP = 1;
const KIND_INTEGER = 2;
const KIND_BOOLEAN = 3;
/** Fields the scanner does not read (decimals): such a record always takes the reference path. */
const KIND_UNSCANNED = 4;

/*
 * Per-field tables derived once from EVENT_FIELDS, indexed by field (its declaration index): the
 * key bytes, how the value is read, which slot of `values` (batch column) it lands in, its bounds.
 */
const enc = new TextEncoder();
const FIELD_COUNT = EVENT_FIELDS.length;
if (FIELD_COUNT > 31) throw new InternalError('the event scanner tracks at most 31 fields');
const ALL_FIELDS = 2 ** FIELD_COUNT - 1;
const KEY_BYTES = EVENT_FIELDS.map((f) => enc.encode(f.name));
const FIELD_KIND = Uint8Array.from(EVENT_FIELDS, (f: FieldSpec) =>
  f.type === 'string' ? (f.column === undefined ? KIND_TEXT : KIND_LOOKUP) : f.type === 'date' ? KIND_LOOKUP : f.type === 'integer' ? KIND_INTEGER : f.type === 'boolean' ? KIND_BOOLEAN : KIND_UNSCANNED,
);
const FIELD_SLOT = Int8Array.from(EVENT_FIELDS, (_, field) => EVENT_COLUMNS.findIndex((c) => c.field === field));
const FIELD_MIN = Float64Array.from(EVENT_FIELDS, (f: FieldSpec) => (f.type === 'integer' ? f.min : 0));
const FIELD_MAX = Float64Array.from(EVENT_FIELDS, (f: FieldSpec) => (f.type === 'integer' ? f.max : 0));
/** A lookup miss (-1) is a value for 'find' columns; for dates it means "not a date". */
const MISS_FALLS_BACK = Uint8Array.from(EVENT_FIELDS, (f: FieldSpec) => (f.type === 'date' ? 1 : 0));
const COLUMN_COUNT = EVENT_COLUMNS.length;

/*
 * Keys are told apart by length and first byte: KEY_FIRST[(length << 7) | firstByte] is the first
 * candidate field, KEY_NEXT chains fields sharing both. Key bytes are plain ASCII (the scanner only
 * reads such keys), so the first byte is below 0x80.
 */
const MAX_KEY_LENGTH = Math.max(...KEY_BYTES.map((k) => k.length));
const KEY_FIRST = new Int8Array((MAX_KEY_LENGTH + 1) << 7).fill(-1);
const KEY_NEXT = new Int8Array(FIELD_COUNT).fill(-1);
for (let field = FIELD_COUNT - 1; field >= 0; field--) {
  const key = KEY_BYTES[field];
  if (key.length === 0 || key.some((c) => c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH)) {
    throw new InternalError(`events.${EVENT_FIELDS[field].name}: the event scanner reads plain ASCII keys only`);
  }
  const slot = (key.length << 7) | key[0];
  KEY_NEXT[field] = KEY_FIRST[slot];
  KEY_FIRST[slot] = field;
}

/** The decoded ids of the last record scanned, by batch column name (a view of scanner.values). */
export type ScannedIds = { readonly [C in EventColumnName]: number };

/**
 * The text of plain ASCII bytes (only such values reach a lookup). Short values, ids and
 * categories, are built char by char, which costs less than a Buffer view plus a decode.
 */
function asciiText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 24) return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/**
 * Dictionary lookups by bytes. Ids come straight from the dictionary's own byte index; only a
 * value it lacks builds a string, once, to be interned ('intern' columns). A 'find' miss stays
 * -1 and is asked again next time: its dimension row may still arrive. Dates are checked once per
 * distinct value and the verdict kept here, since a dictionary entry does not prove a date.
 */
class ByteLookup {
  private readonly dates = new ByteIndex();
  constructor(
    private readonly dict: Dictionary,
    private readonly find: boolean,
    private readonly date: boolean,
  ) {}

  id(hash: number, bytes: Uint8Array, start: number, end: number): number {
    if (this.date) return this.dateId(hash, bytes, start, end);
    const id = this.dict.idOfBytes(hash, bytes, start, end);
    if (id >= 0 || this.find) return id;
    return this.dict.intern(asciiText(bytes, start, end));
  }

  /** The date's id, or -1 when the value is not a calendar date. */
  private dateId(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const known = this.dates.get(hash, bytes, start, end);
    if (known >= 0) return known;
    const text = asciiText(bytes, start, end);
    if (!isCalendarDate(text)) return -1;
    const id = this.find ? this.dict.idOf(text) : this.dict.intern(text);
    if (id >= 0) this.dates.set(hash, bytes, start, end, id);
    return id;
  }
}

export interface EventScanner {
  /** The last record's batch column values, in EVENT_COLUMNS (slot) order. */
  readonly values: Int32Array;
  readonly ids: ScannedIds;
  readonly lookups: readonly (ByteLookup | undefined)[];
}

export function createEventScanner(dicts: Dictionaries): EventScanner {
  const values = new Int32Array(COLUMN_COUNT);
  const ids = {} as ScannedIds;
  EVENT_COLUMNS.forEach((c, slot) => Object.defineProperty(ids, c.name, { enumerable: true, get: () => values[slot] }));
  const lookups = EVENT_FIELDS.map((f: FieldSpec, field) => {
    if (FIELD_KIND[field] !== KIND_LOOKUP) return undefined;
    const column = EVENT_COLUMNS[FIELD_SLOT[field]];
    // a date without a batch column is still checked: its own dictionary remembers valid dates
    if (column?.kind !== 'dictionary') return new ByteLookup(new Dictionary(), false, true);
    return new ByteLookup(dicts[column.dictionary], column.lookup === 'find', f.type === 'date');
  });
  return { values, ids, lookups };
}

let stringHash = 0;

/** plainStringEnd that also leaves the string's hash in `stringHash`: for values looked up by their bytes. */
function hashedStringEnd(b: Uint8Array, p: number, end: number): number {
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

/** Which declared field the key bytes [start, end) name, or -1. */
function fieldOf(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length > MAX_KEY_LENGTH) return -1;
  for (let field = KEY_FIRST[(length << 7) | b[start]]; field >= 0; field = KEY_NEXT[field]) {
    const key = KEY_BYTES[field];
    let i = 1;
    while (i < length && key[i] === b[start + i]) i++;
    if (i === length) return field;
  }
  return -1;
}

/**
 * `field` when its key and the closing quote start at p, else -1. A declared key holds no quote,
 * backslash or control byte, so the key string read from p would end exactly there: the same
 * answer fieldOf gives after scanning for the quote.
 */
function keyAt(b: Uint8Array, p: number, end: number, field: number): number {
  const key = KEY_BYTES[field];
  const length = key.length;
  if (p + length >= end || b[p + length] !== QUOTE) return -1;
  for (let i = 0; i < length; i++) if (b[p + i] !== key[i]) return -1;
  return field;
}

/** Scans record bytes [start, end) into scanner.values. */
export function scanEvent(scanner: EventScanner, b: Uint8Array, start: number, end: number): ScanResult {
  const values = scanner.values;
  const lookups = scanner.lookups;
  let p = start;
  while (p < end && isSpace(b[p])) p++;
  if (p >= end || b[p] !== OPEN) return ScanResult.Fallback;
  p++;
  let seen = 0;
  // records nearly always list the fields in declaration order: try the next one's key first
  let expected = 0;
  for (;;) {
    while (p < end && isSpace(b[p])) p++;
    if (p >= end || b[p] !== QUOTE) return ScanResult.Fallback;
    const keyStart = ++p;
    let field = expected < FIELD_COUNT ? keyAt(b, p, end, expected) : -1;
    if (field >= 0) p += KEY_BYTES[field].length;
    else {
      p = plainStringEnd(b, p, end);
      if (p < 0) return ScanResult.Fallback;
      field = fieldOf(b, keyStart, p);
    }
    if (field >= 0) expected = field + 1;
    p++;
    while (p < end && isSpace(b[p])) p++;
    if (p >= end || b[p] !== COLON) return ScanResult.Fallback;
    p++;
    while (p < end && isSpace(b[p])) p++;
    if (p >= end) return ScanResult.Fallback;
    const c = b[p];
    if (field >= 0) {
      const bit = 1 << field;
      if ((seen & bit) !== 0) return ScanResult.Fallback;
      seen |= bit;
      const slot = FIELD_SLOT[field];
      switch (FIELD_KIND[field]) {
        case KIND_INTEGER: {
          // plain non-negative integers only; 120.0, 1e2 and negatives take the reference path
          const digits = p;
          let value = 0;
          while (p < end && b[p] >= 0x30 && b[p] <= 0x39) value = value * 10 + (b[p++] - 0x30);
          const length = p - digits;
          if (length === 0 || length > 10 || (length > 1 && b[digits] === 0x30) || value < FIELD_MIN[field] || value > FIELD_MAX[field]) return ScanResult.Fallback;
          if (p < end && (b[p] === 0x2e || b[p] === 0x65 || b[p] === 0x45)) return ScanResult.Fallback;
          if (slot >= 0) values[slot] = value;
          break;
        }
        case KIND_BOOLEAN: {
          let value: number;
          if (c === 0x74) {
            p = literalEnd(b, p, end, 'true');
            value = 1;
          } else if (c === 0x66) {
            p = literalEnd(b, p, end, 'false');
            value = 0;
          } else return ScanResult.Fallback;
          if (p < 0) return ScanResult.Fallback;
          if (slot >= 0) values[slot] = value;
          break;
        }
        case KIND_TEXT: {
          if (c !== QUOTE) return ScanResult.Fallback;
          const valueStart = ++p;
          p = plainStringEnd(b, p, end);
          if (p < 0 || p === valueStart) return ScanResult.Fallback;
          p++;
          break;
        }
        case KIND_LOOKUP: {
          if (c !== QUOTE) return ScanResult.Fallback;
          const valueStart = ++p;
          p = hashedStringEnd(b, p, end);
          if (p < 0 || p === valueStart) return ScanResult.Fallback;
          const id = (lookups[field] as ByteLookup).id(stringHash, b, valueStart, p);
          if (id < 0 && MISS_FALLS_BACK[field] === 1) return ScanResult.Fallback;
          if (slot >= 0) values[slot] = id;
          p++;
          break;
        }
        default:
          return ScanResult.Fallback;
      }
    } else if (c === QUOTE) {
      p = plainStringEnd(b, p + 1, end);
      if (p < 0) return ScanResult.Fallback;
      p++;
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
