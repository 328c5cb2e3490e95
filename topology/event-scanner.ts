import { Dictionary, type Dictionaries } from '../src/domain/dictionary.ts';
import { EVENT_COLUMNS, type EventColumnName } from '../src/domain/records/event-columns.ts';
import { EVENT_FIELDS, type FieldSpec } from '../src/domain/records/schema.ts';
import { ByteLookup } from './byte-lookup.ts';
import { COLUMN_COUNT, FIELD_KIND, FIELD_SLOT, KIND_LOOKUP } from './event-fields.ts';
import { scanAny } from './scan-any.ts';
import { scanDeclared } from './scan-declared.ts';

/**
 * A byte-level decoder for the common shape of an event record: one flat JSON object of plain
 * ASCII strings, small integers and booleans. It accepts only what JSON.parse accepts and reads it
 * the same way; anything else answers Fallback and the reference decoder takes the record.
 */
export const ScanResult = { Ok: 0, Fallback: 1 } as const;
export type ScanResult = (typeof ScanResult)[keyof typeof ScanResult];

/** The decoded ids of the last record scanned, by batch column name (a view of scanner.values). */
export type ScannedIds = { readonly [C in EventColumnName]: number };

export interface EventScanner {
  /**
   * The batch column values, in EVENT_COLUMNS (slot) order, of the last record read by scanEvent
   * or scanAny (the batch decoder's common spelling is written straight into its columns instead).
   */
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

/**
 * Scans record bytes [start, end) into scanner.values: the common spelling first (scanDeclared),
 * then any other (scanAny); Fallback for what only the reference decoder may judge.
 */
export function scanEvent(scanner: EventScanner, b: Uint8Array, start: number, end: number): ScanResult {
  return scanDeclared(scanner, b, start, end) || scanAny(scanner, b, start, end) ? ScanResult.Ok : ScanResult.Fallback;
}
