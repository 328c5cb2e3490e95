/**
 * The notebook's data contract: table names, column names and column types. Readers use the
 * types to turn untyped formats (CSV) into JSON records; decoders validate against them.
 */
export type ColumnType = 'string' | 'integer' | 'decimal' | 'boolean' | 'date';

export interface TableSchema {
  readonly name: TableName;
  readonly key: readonly string[];
  readonly columns: Readonly<Record<string, ColumnType>>;
}

export type TableName = 'events' | 'subscriptions' | 'ad_rates' | 'payouts';
export type DimensionName = Exclude<TableName, 'events'>;

export const EVENTS: TableSchema = {
  name: 'events',
  key: ['event_id'],
  columns: {
    event_id: 'string',
    user_id: 'string',
    artist_id: 'string',
    genre: 'string',
    region: 'string',
    duration_sec: 'integer',
    completed: 'boolean',
    device: 'string',
    event_date: 'date',
  },
};

export const SUBSCRIPTIONS: TableSchema = {
  name: 'subscriptions',
  key: ['user_id'],
  columns: { user_id: 'string', plan: 'string', monthly_price: 'decimal', country: 'string' },
};

export const AD_RATES: TableSchema = {
  name: 'ad_rates',
  key: ['ad_genre', 'ad_device'],
  columns: { ad_genre: 'string', ad_device: 'string', cpm: 'decimal' },
};

export const PAYOUTS: TableSchema = {
  name: 'payouts',
  key: ['artist_id'],
  columns: { artist_id: 'string', per_stream_rate: 'decimal', label_type: 'string' },
};

export const SCHEMAS: Readonly<Record<TableName, TableSchema>> = {
  events: EVENTS,
  subscriptions: SUBSCRIPTIONS,
  ad_rates: AD_RATES,
  payouts: PAYOUTS,
};

export const TABLE_NAMES: readonly TableName[] = ['subscriptions', 'ad_rates', 'payouts', 'events'];
export const DIMENSION_NAMES: readonly DimensionName[] = ['subscriptions', 'ad_rates', 'payouts'];
