import { literalEnd, plainStringEnd, QUOTE } from '../src/domain/records/json-bytes.ts';
import type { ByteLookup } from './byte-lookup.ts';
import { FIELD_KIND, FIELD_MAX, FIELD_MIN, FIELD_SLOT, hashedStringEnd, KIND_BOOLEAN, KIND_INTEGER, KIND_LOOKUP, KIND_TEXT, MISS_FALLS_BACK, stringHash } from './event-fields.ts';
import type { EventScanner } from './event-scanner.ts';

/**
 * Reads declared field `field`'s value starting at p into its batch column (scanner.values):
 * the end of the value's token, or -1 for anything the reference decoder must judge. scanAny reads
 * values here; the common spelling's compiled scan reads them by the same rules, written out as
 * code per field (fieldCode in scan-declared.ts): a rule changed in one is changed in the other,
 * and the scanner tests hold both to the reference decoder.
 */
export function fieldValueEnd(scanner: EventScanner, field: number, b: Uint8Array, p: number, end: number): number {
  const slot = FIELD_SLOT[field];
  const c = b[p];
  switch (FIELD_KIND[field]) {
    case KIND_INTEGER: {
      // plain non-negative integers only; 120.0, 1e2 and negatives take the reference path
      const digits = p;
      let value = 0;
      while (p < end && b[p] >= 0x30 && b[p] <= 0x39) value = value * 10 + (b[p++] - 0x30);
      const length = p - digits;
      if (length === 0 || length > 10 || (length > 1 && b[digits] === 0x30) || value < FIELD_MIN[field] || value > FIELD_MAX[field]) return -1;
      if (p < end && (b[p] === 0x2e || b[p] === 0x65 || b[p] === 0x45)) return -1;
      if (slot >= 0) scanner.values[slot] = value;
      return p;
    }
    case KIND_BOOLEAN: {
      const value = c === 0x74 ? 1 : c === 0x66 ? 0 : -1;
      if (value < 0) return -1;
      p = literalEnd(b, p, end, value === 1 ? 'true' : 'false');
      if (p >= 0 && slot >= 0) scanner.values[slot] = value;
      return p;
    }
    case KIND_TEXT: {
      if (c !== QUOTE) return -1;
      const valueStart = ++p;
      p = plainStringEnd(b, p, end);
      return p < 0 || p === valueStart ? -1 : p + 1;
    }
    case KIND_LOOKUP: {
      if (c !== QUOTE) return -1;
      const valueStart = ++p;
      p = hashedStringEnd(b, p, end);
      if (p < 0 || p === valueStart) return -1;
      const id = (scanner.lookups[field] as ByteLookup).id(stringHash, b, valueStart, p);
      if (id < 0 && MISS_FALLS_BACK[field] === 1) return -1;
      if (slot >= 0) scanner.values[slot] = id;
      return p + 1;
    }
    default:
      return -1;
  }
}
