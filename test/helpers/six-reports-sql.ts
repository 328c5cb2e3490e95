import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPORT_NAMES, type ReportName } from '../../src/domain/reports/report-rows.ts';

/** The one SQL file of the six reports, read by the oracle and by both DuckDB bench engines. */
export const SIX_REPORTS_SQL = join(import.meta.dirname, 'six-reports.sql');

export type SqlSource = 'ndjson' | 'parquet';

export interface SixReportsSql {
  /** The chosen source's views, then the shared setup: run once, in order. */
  readonly setup: string;
  readonly reports: Readonly<Record<ReportName, string>>;
}

const HEADER = /^-- @(source|setup|report) (\S+)\s*$/;

/**
 * The statements for the dataset in `dir` read as `source`: the file's sections (`-- @<kind>
 * <name>` lines) with {{DIR}} replaced by the folder as the inside of a SQL string literal.
 * bench/compare/duckdb_reports.py reads the same file the same way.
 */
export function sixReportsSql(template: string, dir: string, source: SqlSource): SixReportsSql {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of template.split('\n')) {
    const header = HEADER.exec(line);
    if (header !== null) sections.set(`${header[1]} ${header[2]}`, (current = []));
    else current?.push(line);
  }
  const literal = dir.replace(/'/g, "''");
  const section = (key: string): string => {
    const lines = sections.get(key);
    if (lines === undefined) throw new Error(`${SIX_REPORTS_SQL} has no "-- @${key}" section`);
    return lines.join('\n').replaceAll('{{DIR}}', literal).trim();
  };
  const setup = [section(`source ${source}`), ...[...sections.keys()].filter((k) => k.startsWith('setup ')).map(section)].join('\n');
  const reports = Object.fromEntries(REPORT_NAMES.map((name) => [name, section(`report ${name}`)])) as Record<ReportName, string>;
  return { setup, reports };
}

export function readSixReportsSql(dir: string, source: SqlSource): SixReportsSql {
  return sixReportsSql(readFileSync(SIX_REPORTS_SQL, 'utf8'), dir, source);
}
