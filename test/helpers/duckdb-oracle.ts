/**
 * An independent oracle for the six reports: DuckDB runs the notebook's inner joins and
 * aggregations in SQL (test/helpers/six-reports.sql) over the four NDJSON files, or over the
 * bench's Parquet copy. Money stays DECIMAL end to end (no DOUBLE sums) and each DECIMAL result
 * becomes a JS number with one division, so the figures are the exact decimals the pipeline
 * promises.
 */
import { DuckDBDecimalValue, DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { readSixReportsSql, type SqlSource } from './six-reports-sql.ts';

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

/** The six reports of the dataset in `dir` (its NDJSON files by default), computed by DuckDB. */
export async function computeReportsWithDuckDB(dir: string, options: { source?: SqlSource; threads?: number } = {}): Promise<Reports> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(options.threads ?? 2) });
  const db = await instance.connect();
  const sql = readSixReportsSql(dir, options.source ?? 'ndjson');
  try {
    await db.run(sql.setup);
    return {
      genre_revenue: (await rows(db, sql.reports.genre_revenue)).map((r) => ({
        genre: text(r.genre),
        total_ad_rev: decimalToNumber(r.total_ad_rev),
        unique_listeners: integer(r.unique_listeners),
      })),
      regional_breakdown: (await rows(db, sql.reports.regional_breakdown)).map((r) => ({
        region: text(r.region),
        country: text(r.country),
        streams: integer(r.streams),
        ad_rev: decimalToNumber(r.ad_rev),
      })),
      subscription_analysis: (await rows(db, sql.reports.subscription_analysis)).map((r) => ({
        plan: text(r.plan),
        users: integer(r.users),
        total_streams: integer(r.total_streams),
        // avg = Σ duration / count as one double division of exact integers
        avg_duration: integer(r.duration_sum) / integer(r.total_streams),
      })),
      ad_performance: (await rows(db, sql.reports.ad_performance)).map((r) => ({
        device: text(r.device),
        genre: text(r.genre),
        total_ad_rev: decimalToNumber(r.total_ad_rev),
        impressions: integer(r.impressions),
      })),
      artist_payouts: (await rows(db, sql.reports.artist_payouts)).map((r) => ({
        artist_id: text(r.artist_id),
        label_type: text(r.label_type),
        total_payout: decimalToNumber(r.total_payout),
        total_streams: integer(r.total_streams),
      })),
      daily_summary: (await rows(db, sql.reports.daily_summary)).map((r) => ({
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
