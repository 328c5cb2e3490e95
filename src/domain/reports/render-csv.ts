import { REPORT_COLUMNS, type ReportName } from './report-rows.ts';

function csvField(value: unknown): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV with a header row, columns in the report's documented order. */
export function renderCsv(name: ReportName, rows: readonly object[]): string {
  const columns = REPORT_COLUMNS[name];
  const lines = [columns.join(',')];
  for (const row of rows as readonly Record<string, unknown>[]) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}
