import { REPORT_COLUMNS, type ReportName } from './report-rows.ts';

function cell(value: unknown): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(15)));
  return String(value);
}

/**
 * A plain-text table for the terminal. `limit` caps the rows printed (0 prints all) and says how
 * many were left out, so a 336-day report does not flood the screen.
 */
export function renderTable(name: ReportName, rows: readonly object[], limit = 0): string {
  const columns = REPORT_COLUMNS[name];
  const all = rows as readonly Record<string, unknown>[];
  const shown = limit > 0 ? all.slice(0, limit) : all;
  const cells = shown.map((row) => columns.map((c) => cell(row[c])));
  const numeric = columns.map((_, i) => shown.length > 0 && shown.every((row) => typeof row[columns[i]] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: readonly string[]): string =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [`${name} (${all.length} rows)`, line(columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells) out.push(line(r));
  if (shown.length < all.length) out.push(`… ${all.length - shown.length} more rows`);
  return out.join('\n');
}
