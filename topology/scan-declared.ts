import { CLOSE, isSpace, literalEnd, plainStringEnd, QUOTE } from '../src/domain/records/json-bytes.ts';
import type { ByteLookup } from './byte-lookup.ts';
import { FIELD_COUNT, FIELD_KIND, FIELD_MAX, FIELD_MIN, FIELD_SLOT, hashedStringEnd, KIND_BOOLEAN, KIND_INTEGER, KIND_LOOKUP, KIND_TEXT, MISS_FALLS_BACK, PREFIX_WORDS, PREFIXES, stringHash } from './event-fields.ts';
import type { EventScanner } from './event-scanner.ts';

/** A DataView of the last record buffer scanned: prefixes are compared four bytes at a time. */
let viewOf: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));

/**
 * The common spelling only: every declared field once, in declaration order, no whitespace, no
 * other field. It reads what scanAny would read from such a record, without its key lookups and
 * whitespace checks; any other spelling answers false and scanAny reads the record from its start
 * (lookups done here again give the same ids: interning is idempotent).
 */
export function scanDeclared(scanner: EventScanner, b: Uint8Array, start: number, end: number): boolean {
  const values = scanner.values;
  const lookups = scanner.lookups;
  if (viewOf !== b) {
    viewOf = b;
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  let p = start;
  for (let field = 0; field < FIELD_COUNT; field++) {
    const prefix = PREFIXES[field];
    const words = PREFIX_WORDS[field];
    const length = prefix.length;
    if (p + length >= end) return false;
    let i = 0;
    for (let w = 0; w < words.length; w++, i += 4) if (view.getInt32(p + i, true) !== words[w]) return false;
    for (; i < length; i++) if (b[p + i] !== prefix[i]) return false;
    p += length;
    const c = b[p];
    const slot = FIELD_SLOT[field];
    switch (FIELD_KIND[field]) {
      case KIND_INTEGER: {
        const digits = p;
        let value = 0;
        while (p < end && b[p] >= 0x30 && b[p] <= 0x39) value = value * 10 + (b[p++] - 0x30);
        const length = p - digits;
        if (length === 0 || length > 10 || (length > 1 && b[digits] === 0x30) || value < FIELD_MIN[field] || value > FIELD_MAX[field]) return false;
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
  }
  if (p >= end || b[p] !== CLOSE) return false;
  // whitespace after the object is JSON's too (a CRLF file's \r): not a reason to read the record again
  p++;
  while (p < end && isSpace(b[p])) p++;
  return p === end;
}
