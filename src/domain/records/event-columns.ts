import type { Dictionaries } from '../dictionary.ts';
import { InternalError } from '../../errors.ts';
import type { EventRecord } from './event-record.ts';
import { EVENT_FIELDS, type ColumnsOf, type FieldSpec } from './schema.ts';

/** The columns of an EventBatch: one typed array per field of EVENT_FIELDS that declares one. */
export type EventColumns = ColumnsOf<typeof EVENT_FIELDS>;
export type EventColumnName = keyof EventColumns;
export type ColumnArray = Int32Array | Uint8Array;

interface ColumnOfField {
  readonly name: EventColumnName;
  /** The field's index in EVENT_FIELDS, which is also the byte scanner's field index. */
  readonly field: number;
  readonly spec: FieldSpec;
}

/** One batch column as derived from its field declaration; EVENT_COLUMNS lists them in slot order. */
export type EventColumn =
  | (ColumnOfField & { readonly kind: 'dictionary'; readonly dictionary: keyof Dictionaries; readonly lookup: 'intern' | 'find' })
  | (ColumnOfField & { readonly kind: 'value' });

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function deriveColumns(fields: readonly FieldSpec[]): readonly EventColumn[] {
  const columns: EventColumn[] = [];
  fields.forEach((spec, field) => {
    if (spec.type === 'decimal' || spec.column === undefined) return;
    if (spec.type === 'integer' && (spec.min < INT32_MIN || spec.max > INT32_MAX)) {
      throw new InternalError(`events.${spec.name}: an integer batch column must have int32 bounds`);
    }
    const name = spec.column.name as EventColumnName;
    if (spec.type === 'string' || spec.type === 'date') {
      columns.push({ kind: 'dictionary', name, field, spec, dictionary: spec.column.dictionary, lookup: spec.column.lookup });
    } else columns.push({ kind: 'value', name, field, spec });
  });
  return Object.freeze(columns);
}

export const EVENT_COLUMNS = deriveColumns(EVENT_FIELDS);

/** Fresh column arrays for `capacity` events: by name for the batch, and in slot order for filling. */
export function allocateEventColumns(capacity: number): { readonly byName: EventColumns; readonly bySlot: ColumnArray[] } {
  const bySlot = EVENT_COLUMNS.map((c) => (c.spec.type === 'boolean' ? new Uint8Array(capacity) : new Int32Array(capacity)));
  const byName = Object.fromEntries(EVENT_COLUMNS.map((c, slot) => [c.name, bySlot[slot]])) as unknown as EventColumns;
  return { byName, bySlot };
}

/** The column value of one decoded field: a dictionary id, the integer, or 0/1 for a boolean. */
export function columnValue(column: EventColumn, event: EventRecord, dicts: Dictionaries): number {
  const value = event[column.spec.name as keyof EventRecord];
  if (column.kind === 'value') return typeof value === 'boolean' ? Number(value) : (value as number);
  const dict = dicts[column.dictionary];
  return column.lookup === 'find' ? dict.idOf(value as string) : dict.intern(value as string);
}
