import { CLOSE, COLON, COMMA, isSpace, literalEnd, numberEnd, OPEN, plainStringEnd, QUOTE } from '../src/domain/records/json-bytes.ts';
import { ALL_FIELDS, FIELD_COUNT, fieldOf, KEY_BYTES, keyAt } from './event-fields.ts';
import { fieldValueEnd } from './field-value.ts';
import type { EventScanner } from './event-scanner.ts';

/** Any spelling JSON.parse reads as one flat object of the declared fields (and others, ignored). */
export function scanAny(scanner: EventScanner, b: Uint8Array, start: number, end: number): boolean {
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
      p = fieldValueEnd(scanner, field, b, p, end);
      if (p < 0) return false;
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
