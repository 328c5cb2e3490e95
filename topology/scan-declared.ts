import { CLOSE, isSpace } from '../src/domain/records/json-bytes.ts';
import { FIELD_COUNT, PREFIX_WORDS, PREFIXES } from './event-fields.ts';
import { fieldValueEnd } from './field-value.ts';
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
    p = fieldValueEnd(scanner, field, b, p, end);
    if (p < 0) return false;
  }
  if (p >= end || b[p] !== CLOSE) return false;
  // whitespace after the object is JSON's too (a CRLF file's \r): not a reason to read the record again
  p++;
  while (p < end && isSpace(b[p])) p++;
  return p === end;
}
