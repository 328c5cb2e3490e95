/**
 * An independent oracle for the six reports: DuckDB runs the notebook's inner joins and
 * aggregations in SQL over the four NDJSON files. Money stays DECIMAL end to end (no DOUBLE sums)
 * and each DECIMAL result becomes a JS number with one division, so the figures are the exact
 * decimals the pipeline promises.
 */
import { join } from 'node:path';
import { DuckDBDecimalValue, DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { Reports } from '../../src/domain/reports/report-rows.ts';

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function readJson(dir: string, table: string, columns: Record<string, string>): string {
  const spec = Object.entries(columns)
    .map(([name, type]) => `${name}: '${type}'`)
    .join(', ');
  return `read_json(${sqlString(join(dir, `${table}.ndjson`))}, format = 'newline_delimited', columns = {${spec}})`;
}

/** Money columns are read as text and cast to DECIMAL, so no binary float is ever involved. */
function setupSql(dir: string): string {
  const events = readJson(dir, 'events', {
    event_id: 'VARCHAR',
    user_id: 'VARCHAR',
    artist_id: 'VARCHAR',
    genre: 'VARCHAR',
    region: 'VARCHAR',
    duration_sec: 'BIGINT',
    completed: 'BOOLEAN',
    device: 'VARCHAR',
    event_date: 'DATE',
  });
  const subscriptions = readJson(dir, 'subscriptions', { user_id: 'VARCHAR', plan: 'VARCHAR', monthly_price: 'VARCHAR', country: 'VARCHAR' });
  const adRates = readJson(dir, 'ad_rates', { ad_genre: 'VARCHAR', ad_device: 'VARCHAR', cpm: 'VARCHAR' });
  const payouts = readJson(dir, 'payouts', { artist_id: 'VARCHAR', per_stream_rate: 'VARCHAR', label_type: 'VARCHAR' });
  return `
    CREATE TEMP TABLE events AS SELECT * FROM ${events};
    CREATE TEMP TABLE subscriptions AS
      SELECT user_id, plan, CAST(monthly_price AS DECIMAL(18, 4)) AS monthly_price, country FROM ${subscriptions};
    CREATE TEMP TABLE ad_rates AS SELECT ad_genre, ad_device, CAST(cpm AS DECIMAL(18, 4)) AS cpm FROM ${adRates};
    CREATE TEMP TABLE payouts AS
      SELECT artist_id, CAST(per_stream_rate AS DECIMAL(18, 6)) AS per_stream_rate, label_type FROM ${payouts};
    -- the notebook's build_revenue(): events ⋈ subscriptions ⋈ ad_rates ⋈ payouts, all inner
    CREATE TEMP TABLE revenue AS
      SELECT e.*, s.plan, s.country, a.cpm, p.per_stream_rate, p.label_type,
             a.cpm * CAST('0.001' AS DECIMAL(4, 3)) AS ad_revenue,
             p.per_stream_rate AS stream_payout
      FROM events e
      JOIN subscriptions s ON e.user_id = s.user_id
      JOIN ad_rates a ON e.genre = a.ad_genre AND e.device = a.ad_device
      JOIN payouts p ON e.artist_id = p.artist_id;
  `;
}

// DuckDB's default collation compares UTF-8 bytes, i.e. code points; for the BMP-only text of
// these datasets that is the same order as JS code units.
const QUERIES = {
  genre_revenue: `
    SELECT genre, SUM(ad_revenue) AS total_ad_rev, COUNT(DISTINCT user_id) AS unique_listeners
    FROM revenue GROUP BY genre ORDER BY genre`,
  regional_breakdown: `
    SELECT region, country, COUNT(*) AS streams, SUM(ad_revenue) AS ad_rev
    FROM revenue GROUP BY region, country ORDER BY region, country`,
  subscription_analysis: `
    SELECT plan, COUNT(DISTINCT user_id) AS users, COUNT(*) AS total_streams, SUM(duration_sec) AS duration_sum
    FROM revenue GROUP BY plan ORDER BY plan`,
  ad_performance: `
    SELECT device, genre, SUM(ad_revenue) AS total_ad_rev, COUNT(*) AS impressions
    FROM revenue GROUP BY device, genre ORDER BY device, genre`,
  artist_payouts: `
    SELECT artist_id, label_type, SUM(stream_payout) AS total_payout, COUNT(*) AS total_streams
    FROM revenue GROUP BY artist_id, label_type
    ORDER BY total_payout DESC, artist_id ASC, label_type ASC LIMIT 100`,
  daily_summary: `
    SELECT CAST(event_date AS VARCHAR) AS event_date, COUNT(*) AS streams, SUM(ad_revenue) AS ad_rev,
           COUNT(DISTINCT user_id) AS unique_users
    FROM revenue GROUP BY event_date ORDER BY event_date`,
} as const;

/** An exact DECIMAL as a JS number: the unscaled integer divided by 10^scale, once. */
export function decimalToNumber(value: DuckDBValue): number {
  if (!(value instanceof DuckDBDecimalValue)) throw new Error(`expected a DECIMAL, got ${String(value)}`);
  if (value.value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`DECIMAL ${value.toString()} is beyond 2^53`);
  return Number(value.value) / 10 ** value.scale;
}

function integer(value: DuckDBValue): number {
  if (typeof value !== 'bigint' && typeof value !== 'number') throw new Error(`expected an integer, got ${String(value)}`);
  return Number(value);
}

function text(value: DuckDBValue): string {
  if (typeof value !== 'string') throw new Error(`expected text, got ${String(value)}`);
  return value;
}

type Row = Record<string, DuckDBValue>;

async function rows(db: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await db.runAndReadAll(sql)).getRowObjects();
}

/** The six reports of the NDJSON dataset in `dir`, computed by DuckDB. */
export async function computeReportsWithDuckDB(dir: string): Promise<Reports> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  try {
    await db.run(setupSql(dir));
    return {
      genre_revenue: (await rows(db, QUERIES.genre_revenue)).map((r) => ({
        genre: text(r.genre),
        total_ad_rev: decimalToNumber(r.total_ad_rev),
        unique_listeners: integer(r.unique_listeners),
      })),
      regional_breakdown: (await rows(db, QUERIES.regional_breakdown)).map((r) => ({
        region: text(r.region),
        country: text(r.country),
        streams: integer(r.streams),
        ad_rev: decimalToNumber(r.ad_rev),
      })),
      subscription_analysis: (await rows(db, QUERIES.subscription_analysis)).map((r) => ({
        plan: text(r.plan),
        users: integer(r.users),
        total_streams: integer(r.total_streams),
        // avg = Σ duration / count as one double division of exact integers
        avg_duration: integer(r.duration_sum) / integer(r.total_streams),
      })),
      ad_performance: (await rows(db, QUERIES.ad_performance)).map((r) => ({
        device: text(r.device),
        genre: text(r.genre),
        total_ad_rev: decimalToNumber(r.total_ad_rev),
        impressions: integer(r.impressions),
      })),
      artist_payouts: (await rows(db, QUERIES.artist_payouts)).map((r) => ({
        artist_id: text(r.artist_id),
        label_type: text(r.label_type),
        total_payout: decimalToNumber(r.total_payout),
        total_streams: integer(r.total_streams),
      })),
      daily_summary: (await rows(db, QUERIES.daily_summary)).map((r) => ({
        event_date: text(r.event_date),
        streams: integer(r.streams),
        ad_rev: decimalToNumber(r.ad_rev),
        unique_users: integer(r.unique_users),
      })),
    };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
