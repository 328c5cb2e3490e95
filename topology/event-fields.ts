import { EVENT_COLUMNS } from '../src/domain/records/event-columns.ts';
import { BACKSLASH, QUOTE } from '../src/domain/records/json-bytes.ts';
import { EVENT_FIELDS, type FieldSpec } from '../src/domain/records/schema.ts';
import { InternalError } from '../src/errors.ts';
import { FNV_OFFSET, FNV_PRIME, HASH_MASK } from '../src/domain/byte-index.ts';

// What the event scanners know of each event field, derived once from EVENT_FIELDS: how its value
// is read, where it lands, its key's bytes, and the key lookups and string reads both scanners use.

/** How a field's value is read. */
export const KIND_TEXT = 0;
export const KIND_LOOKUP = 1;
export const KIND_INTEGER = 2;
export const KIND_BOOLEAN = 3;
/** Fields the scanner does not read (decimals): such a record always takes the reference path. */
export const KIND_UNSCANNED = 4;

/*
 * Per-field tables derived once from EVENT_FIELDS, indexed by field (its declaration index): the
 * key bytes, how the value is read, which slot of `values` (batch column) it lands in, its bounds.
 */
const enc = new TextEncoder();
export const FIELD_COUNT = EVENT_FIELDS.length;
if (FIELD_COUNT > 31) throw new InternalError('the event scanner tracks at most 31 fields');
export const ALL_FIELDS = 2 ** FIELD_COUNT - 1;
export const KEY_BYTES = EVENT_FIELDS.map((f) => enc.encode(f.name));
export const FIELD_KIND = Uint8Array.from(EVENT_FIELDS, (f: FieldSpec) =>
  f.type === 'string' ? (f.column === undefined ? KIND_TEXT : KIND_LOOKUP) : f.type === 'date' ? KIND_LOOKUP : f.type === 'integer' ? KIND_INTEGER : f.type === 'boolean' ? KIND_BOOLEAN : KIND_UNSCANNED,
);
export const FIELD_SLOT = Int8Array.from(EVENT_FIELDS, (_, field) => EVENT_COLUMNS.findIndex((c) => c.field === field));
export const FIELD_MIN = Float64Array.from(EVENT_FIELDS, (f: FieldSpec) => (f.type === 'integer' ? f.min : 0));
export const FIELD_MAX = Float64Array.from(EVENT_FIELDS, (f: FieldSpec) => (f.type === 'integer' ? f.max : 0));
/** A lookup miss (-1) is a value for 'find' columns; for dates it means "not a date". */
export const MISS_FALLS_BACK = Uint8Array.from(EVENT_FIELDS, (f: FieldSpec) => (f.type === 'date' ? 1 : 0));
export const COLUMN_COUNT = EVENT_COLUMNS.length;

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

/**
 * Per field, the bytes before its value in the common spelling: `{"event_id":` first, then
 * `,"user_id":` and so on, in declaration order.
 */
export const PREFIXES = EVENT_FIELDS.map((f, field) => enc.encode(`${field === 0 ? '{' : ','}${JSON.stringify(f.name)}:`));

/** The hash of the last string hashedStringEnd read (a module variable: no object per lookup). */
export let stringHash = 0;

/** plainStringEnd that also leaves the string's hash in `stringHash`: for values looked up by their bytes. */
export function hashedStringEnd(b: Uint8Array, p: number, end: number): number {
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
export function fieldOf(b: Uint8Array, start: number, end: number): number {
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
export function keyAt(b: Uint8Array, p: number, end: number, field: number): number {
  const key = KEY_BYTES[field];
  const length = key.length;
  if (p + length >= end || b[p + length] !== QUOTE) return -1;
  for (let i = 0; i < length; i++) if (b[p + i] !== key[i]) return -1;
  return field;
}
