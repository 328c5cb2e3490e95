import { HASH_MASK } from '../src/domain/byte-index.ts';
import { CLOSE } from '../src/domain/records/json-bytes.ts';
import { compiledFunction, plainStringCode, prefixCode } from '../src/domain/records/scan-code.ts';
import { FIELD_COUNT, FIELD_KIND, FIELD_MAX, FIELD_MIN, FIELD_SLOT, KIND_BOOLEAN, KIND_INTEGER, KIND_LOOKUP, KIND_TEXT, MISS_FALLS_BACK, PREFIXES } from './event-fields.ts';
import type { ColumnArray } from '../src/domain/records/event-columns.ts';
import type { EventScanner } from './event-scanner.ts';

/**
 * The common spelling only: every declared field once, in declaration order, no whitespace, no
 * other field. It reads what scanAny would read from such a record, without its key lookups and
 * whitespace checks; any other spelling answers false and scanAny reads the record from its start
 * (lookups done here again give the same ids: interning is idempotent).
 *
 * It is compiled from EVENT_FIELDS when this module loads, as straight-line code: each field's
 * prefix compared byte by byte against constants, its value read by its kind's code, its slot and
 * bounds written in. The same reading driven by the per-field tables (fieldValueEnd, as scanAny
 * reads values) took 1.45× as long over 300,000 events: table loads, a switch and a call per field.
 * Every value in the generated source is a number from the declaration; no name or text of it is.
 * Where code may not be generated from strings (node --disallow-code-generation-from-strings) it
 * answers false for every record, and scanAny reads them all: the same reading, slower.
 */
export const scanDeclared = compileDeclared((slot) => `values[${slot}]`, ['const values = scanner.values;']) as (scanner: EventScanner, b: Uint8Array, start: number, end: number) => boolean;

/**
 * scanDeclared writing each value straight into row `row` of the batch columns (`columns`, in
 * slot order) instead of scanner.values: no copy per value afterwards, and every store in the
 * code is to one column, of one array type.
 */
export const scanDeclaredInto = compileDeclared((slot) => `columns[${slot}][row]`, [], ['columns', 'row']) as (scanner: EventScanner, b: Uint8Array, start: number, end: number, columns: readonly ColumnArray[], row: number) => boolean;

/** The scan's code; `target(slot)` is where a slot's value is written, `prologue` what it needs for that. */
function compileDeclared(target: (slot: number) => string, prologue: readonly string[], params: readonly string[] = []): (...args: unknown[]) => boolean {
  const body = [
    ...prologue,
    'const lookups = scanner.lookups;',
    'let p = start, c = 0, h = 0, from = 0, n = 0, id = 0;',
    ...Array.from({ length: FIELD_COUNT }, (_, field) => fieldCode(field, target)),
    `if (p >= end || b[p] !== ${CLOSE}) return false;`,
    // whitespace after the object is JSON's too (a CRLF file's \r): not a reason to read the record again
    'p++;',
    'while (p < end && ((c = b[p]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;',
    'return p === end;',
  ];
  return (compiledFunction(['scanner', 'b', 'start', 'end', ...params], body.join('\n')) as ((...args: unknown[]) => boolean) | null) ?? (() => false);
}

/** A field's code: its prefix, then its value read into its slot; `return false` wherever the reference must judge. */
function fieldCode(field: number, target: (slot: number) => string): string {
  const prefix = PREFIXES[field];
  const slot = FIELD_SLOT[field];
  const store = (value: string): string[] => (slot >= 0 ? [`${target(slot)} = ${value};`] : []);
  const lines = [prefixCode(prefix, 1)];
  switch (FIELD_KIND[field]) {
    case KIND_TEXT:
      lines.push(plainStringCode(false), 'p++;');
      break;
    case KIND_LOOKUP:
      lines.push(plainStringCode(true), `h &= ${HASH_MASK};`, `id = lookups[${field}].id(h, b, from, p);`);
      // a miss is a value for 'find' columns; for dates it means "not a date"
      if (MISS_FALLS_BACK[field] === 1) lines.push('if (id < 0) return false;');
      lines.push(...store('id'), 'p++;');
      break;
    case KIND_INTEGER:
      // plain non-negative integers only; 120.0, 1e2 and negatives take the reference path
      lines.push(
        'from = p;',
        'n = 0;',
        'while (p < end && (c = b[p]) >= 0x30 && c <= 0x39) { n = n * 10 + (c - 0x30); p++; }',
        `if (p === from || p - from > 10 || (p - from > 1 && b[from] === 0x30) || n < ${FIELD_MIN[field]} || n > ${FIELD_MAX[field]}) return false;`,
        'if (p < end && ((c = b[p]) === 0x2e || c === 0x65 || c === 0x45)) return false;',
        ...store('n'),
      );
      break;
    case KIND_BOOLEAN:
      lines.push(
        `if (${literalAt('true')}) { n = 1; p += 4; }`,
        `else if (${literalAt('false')}) { n = 0; p += 5; }`,
        'else return false;',
        ...store('n'),
      );
      break;
    default:
      // decimals: such a record always takes the reference path
      lines.push('return false;');
  }
  return lines.join('\n');
}

/** The test that the literal `word` (plain ASCII) is at p, before `end`. */
function literalAt(word: string): string {
  return [`p + ${word.length} <= end`, ...Array.from(word, (_, i) => `b[p + ${i}] === ${word.charCodeAt(i)}`)].join(' && ');
}
