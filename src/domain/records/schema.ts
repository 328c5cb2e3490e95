import type { Dictionaries } from '../dictionary.ts';
import { CPM_SCALE, PAYOUT_SCALE, PRICE_SCALE } from './fixed-point.ts';

/**
 * The notebook's data contract, declared once: each table's fields in the order the decoders
 * check them, their JSON types and the rules a value must meet, and for events how each field
 * becomes a column of EventBatch. The reference decoders, the byte scanner's key table, the batch
 * columns and the CSV reader's typing are all derived from these declarations.
 */
export type ColumnType = 'string' | 'integer' | 'decimal' | 'boolean' | 'date';

/**
 * A batch column of dictionary ids. 'find' only looks the value up, leaving -1 when no dimension
 * row named it (the row may still arrive); 'intern' gives every new value an id.
 */
export interface DictionaryColumn {
  readonly name: string;
  readonly dictionary: keyof Dictionaries;
  readonly lookup: 'intern' | 'find';
}

/** A batch column holding the value itself: integers as Int32, booleans as 0/1 bytes. */
export interface ValueColumn {
  readonly name: string;
}

/** A non-empty string (identifiers and open categorical values). */
export interface StringField {
  readonly name: string;
  readonly type: 'string';
  readonly column?: DictionaryColumn;
}

/** A string that is an existing calendar date, yyyy-MM-dd. */
export interface DateField {
  readonly name: string;
  readonly type: 'date';
  readonly column?: DictionaryColumn;
}

/** A JSON number that is an integer within [min, max]; a batch column needs int32 bounds. */
export interface IntegerField {
  readonly name: string;
  readonly type: 'integer';
  readonly min: number;
  readonly max: number;
  readonly column?: ValueColumn;
}

export interface BooleanField {
  readonly name: string;
  readonly type: 'boolean';
  readonly column?: ValueColumn;
}

/** A non-negative JSON number with at most `scale` decimals, decoded to integer units. */
export interface DecimalField {
  readonly name: string;
  readonly type: 'decimal';
  readonly scale: number;
}

export type FieldSpec = StringField | DateField | IntegerField | BooleanField | DecimalField;

type ValueOf<T extends ColumnType> = T extends 'integer' | 'decimal' ? number : T extends 'boolean' ? boolean : string;

/** The decoded record of a field list: one readonly property per field, typed by its JSON type. */
export type RecordOf<Fields extends readonly FieldSpec[]> = {
  readonly [F in Fields[number] as F['name']]: ValueOf<F['type']>;
};

type ArrayOf<F extends FieldSpec> = F extends BooleanField ? Uint8Array : Int32Array;

/** The batch columns of a field list: one typed array per field that declares a column. */
export type ColumnsOf<Fields extends readonly FieldSpec[]> = {
  readonly [F in Fields[number] as F extends { readonly column: { readonly name: infer N extends string } } ? N : never]: ArrayOf<F>;
};

export const EVENT_FIELDS = [
  { name: 'event_id', type: 'string' },
  { name: 'user_id', type: 'string', column: { name: 'user', dictionary: 'user', lookup: 'find' } },
  { name: 'artist_id', type: 'string', column: { name: 'artist', dictionary: 'artist', lookup: 'find' } },
  { name: 'genre', type: 'string', column: { name: 'genre', dictionary: 'genre', lookup: 'intern' } },
  { name: 'region', type: 'string', column: { name: 'region', dictionary: 'region', lookup: 'intern' } },
  { name: 'duration_sec', type: 'integer', min: 0, max: 0x7fffffff, column: { name: 'duration' } },
  { name: 'completed', type: 'boolean', column: { name: 'completed' } },
  { name: 'device', type: 'string', column: { name: 'device', dictionary: 'device', lookup: 'intern' } },
  { name: 'event_date', type: 'date', column: { name: 'day', dictionary: 'day', lookup: 'intern' } },
] as const satisfies readonly FieldSpec[];

export const SUBSCRIPTION_FIELDS = [
  { name: 'user_id', type: 'string' },
  { name: 'plan', type: 'string' },
  { name: 'monthly_price', type: 'decimal', scale: PRICE_SCALE },
  { name: 'country', type: 'string' },
] as const satisfies readonly FieldSpec[];

export const AD_RATE_FIELDS = [
  { name: 'ad_genre', type: 'string' },
  { name: 'ad_device', type: 'string' },
  { name: 'cpm', type: 'decimal', scale: CPM_SCALE },
] as const satisfies readonly FieldSpec[];

export const PAYOUT_FIELDS = [
  { name: 'artist_id', type: 'string' },
  { name: 'per_stream_rate', type: 'decimal', scale: PAYOUT_SCALE },
  { name: 'label_type', type: 'string' },
] as const satisfies readonly FieldSpec[];

export interface TableSchema {
  readonly name: TableName;
  readonly key: readonly string[];
  /** Each field's type by name, for readers of untyped formats (CSV). */
  readonly columns: Readonly<Record<string, ColumnType>>;
}

export type TableName = 'events' | 'subscriptions' | 'ad_rates' | 'payouts';
export type DimensionName = Exclude<TableName, 'events'>;

function table(name: TableName, key: readonly string[], fields: readonly FieldSpec[]): TableSchema {
  const columns = Object.freeze(Object.fromEntries(fields.map((f) => [f.name, f.type])));
  return Object.freeze({ name, key, columns });
}

export const EVENTS = table('events', ['event_id'], EVENT_FIELDS);
export const SUBSCRIPTIONS = table('subscriptions', ['user_id'], SUBSCRIPTION_FIELDS);
export const AD_RATES = table('ad_rates', ['ad_genre', 'ad_device'], AD_RATE_FIELDS);
export const PAYOUTS = table('payouts', ['artist_id'], PAYOUT_FIELDS);

export const SCHEMAS: Readonly<Record<TableName, TableSchema>> = {
  events: EVENTS,
  subscriptions: SUBSCRIPTIONS,
  ad_rates: AD_RATES,
  payouts: PAYOUTS,
};

export const TABLE_NAMES: readonly TableName[] = ['subscriptions', 'ad_rates', 'payouts', 'events'];
export const DIMENSION_NAMES: readonly DimensionName[] = ['subscriptions', 'ad_rates', 'payouts'];
