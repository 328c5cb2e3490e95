import { describe, expect, it } from 'vitest';
import { REPORT_NAMES } from '../../src/domain/reports/report-rows.ts';
import { readSixReportsSql, sixReportsSql } from '../helpers/six-reports-sql.ts';

describe('sixReportsSql', () => {
  it('puts the chosen source before the setup and leaves the other source out', () => {
    const template = ['-- preamble', '-- @source a', 'VIEW A;', '-- @source b', 'VIEW B;', '-- @setup t', 'TABLE T;', ...REPORT_NAMES.flatMap((n) => [`-- @report ${n}`, `SELECT '${n}';`])].join('\n');
    const sql = sixReportsSql(template, '/d', 'a' as 'ndjson');
    expect(sql.setup).toBe('VIEW A;\nTABLE T;');
    expect(sql.reports.daily_summary).toBe("SELECT 'daily_summary';");
  });

  it('puts the folder inside SQL string literals with its quotes doubled', () => {
    const sql = readSixReportsSql("/data/o'brien", 'parquet');
    expect(sql.setup).toContain("read_parquet('/data/o''brien/parquet/events/*.parquet')");
    expect(sql.setup).not.toContain('{{DIR}}');
    expect(sql.setup).not.toContain('.ndjson');
  });

  it('has every report, and fails naming a missing section', () => {
    expect(Object.keys(readSixReportsSql('/d', 'ndjson').reports)).toEqual([...REPORT_NAMES]);
    expect(() => sixReportsSql('-- @source ndjson\nX;', '/d', 'ndjson')).toThrow(/no "-- @report genre_revenue" section/);
  });
});
