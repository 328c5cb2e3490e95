import { CLOSE, COLON, COMMA, isSpace, literalEnd, numberEnd, OPEN, plainStringEnd, QUOTE } from '../src/domain/records/json-bytes.ts';
import type { ByteLookup } from './byte-lookup.ts';
import { ALL_FIELDS, FIELD_COUNT, FIELD_KIND, FIELD_MAX, FIELD_MIN, FIELD_SLOT, fieldOf, hashedStringEnd, KEY_BYTES, keyAt, KIND_BOOLEAN, KIND_INTEGER, KIND_LOOKUP, KIND_TEXT, MISS_FALLS_BACK, stringHash } from './event-fields.ts';
import type { EventScanner } from './event-scanner.ts';

/** Any spelling JSON.parse reads as one flat object of the declared fields (and others, ignored). */
export function scanAny(scanner: EventScanner, b: Uint8Array, start: number, end: number): boolean {
  const values = scanner.values;
  const lookups = scanner.lookups;
  let p = start;
  while (p < end && isSpace(b[p])) p++;
  if (p >= end || b[p] !== OPEN) return false;
  p++;
  let seen = 0;
  // records nearly always list the fields in declaration order: try the next one's key first
  let expected = 0;
  for (;;) {
    while (p < end && isSpace(b[p])) p++;
    if (p >= end || b[p] !== QUOTE) return false;
    const keyStart = ++p;
    let field = expected < FIELD_COUNT ? keyAt(b, p, end, expected) : -1;
    if (field >= 0) p += KEY_BYTES[field].length;
    else {
      p = plainStringEnd(b, p, end);
      if (p < 0) return false;
      field = fieldOf(b, keyStart, p);
    }
    if (field >= 0) expected = field + 1;
    p++;
    while (p < end && isSpace(b[p])) p++;
    if (p >= end || b[p] !== COLON) return false;
    p++;
    while (p < end && isSpace(b[p])) p++;
    if (p >= end) return false;
    const c = b[p];
    if (field >= 0) {
      const bit = 1 << field;
      if ((seen & bit) !== 0) return false;
      seen |= bit;
      const slot = FIELD_SLOT[field];
      switch (FIELD_KIND[field]) {
        case KIND_INTEGER: {
          // plain non-negative integers only; 120.0, 1e2 and negatives take the reference path
          const digits = p;
          let value = 0;
          while (p < end && b[p] >= 0x30 && b[p] <= 0x39) value = value * 10 + (b[p++] - 0x30);
          const length = p - digits;
          if (length === 0 || length > 10 || (length > 1 && b[digits] === 0x30) || value < FIELD_MIN[field] || value > FIELD_MAX[field]) return false;
          if (p < end && (b[p] === 0x2e || b[p] === 0x65 || b[p] === 0x45)) return false;
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
          } else return false;
          if (p < 0) return false;
          if (slot >= 0) values[slot] = value;
          break;
        }
        case KIND_TEXT: {
          if (c !== QUOTE) return false;
          const valueStart = ++p;
          p = plainStringEnd(b, p, end);
          if (p < 0 || p === valueStart) return false;
          p++;
          break;
        }
        case KIND_LOOKUP: {
          if (c !== QUOTE) return false;
          const valueStart = ++p;
          p = hashedStringEnd(b, p, end);
          if (p < 0 || p === valueStart) return false;
          const id = (lookups[field] as ByteLookup).id(stringHash, b, valueStart, p);
          if (id < 0 && MISS_FALLS_BACK[field] === 1) return false;
          if (slot >= 0) values[slot] = id;
          p++;
          break;
        }
        default:
          return false;
      }
    } else if (c === QUOTE) {
      p = plainStringEnd(b, p + 1, end);
      if (p < 0) return false;
      p++;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      p = literalEnd(b, p, end, c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null');
      if (p < 0) return false;
    } else {
      // extra numeric field; objects and arrays in extra fields take the reference path
      p = numberEnd(b, p, end);
      if (p < 0) return false;
    }
    while (p < end && isSpace(b[p])) p++;
    if (p >= end) return false;
    if (b[p] === COMMA) {
      p++;
      continue;
    }
    if (b[p] !== CLOSE) return false;
    p++;
    break;
  }
  while (p < end && isSpace(b[p])) p++;
  return p === end && seen === ALL_FIELDS;
}
