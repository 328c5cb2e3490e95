import { REPORT_COLUMNS, REPORT_NAMES, type Reports } from '../../src/domain/reports/report-rows.ts';

const FLOAT_COLUMNS = new Set(['total_ad_rev', 'ad_rev', 'avg_duration', 'total_payout']);

/**
 * Differences between an engine's reports and the reference: counts and keys exact, money and
 * averages within `tolerance` (Spark sums doubles; everything else here is exact). Rows are
 * matched by position: every engine sorts them the same documented way.
 */
export function disagreements(reference: Reports, other: Reports, tolerance: number): string[] {
  const problems: string[] = [];
  for (const name of REPORT_NAMES) {
    let a = reference[name] as unknown as readonly Record<string, unknown>[];
    let b = (other[name] ?? []) as unknown as readonly Record<string, unknown>[];
    if (name === 'artist_payouts') [a, b] = alignTopArtists(a, b, tolerance, problems);
    if (a.length !== b.length) {
      problems.push(`${name}: ${b.length} rows, expected ${a.length}`);
      continue;
    }
    for (let i = 0; i < a.length && problems.length < 20; i++) {
      for (const column of REPORT_COLUMNS[name]) {
        const x = a[i][column];
        const y = b[i][column];
        const same = FLOAT_COLUMNS.has(column) ? Math.abs(Number(x) - Number(y)) <= tolerance : String(x) === String(y);
        if (!same) problems.push(`${name}[${i}].${column}: ${String(y)}, expected ${String(x)}`);
      }
    }
  }
  return problems;
}

/**
 * Top-100 payouts from a double-summing engine may order equal totals differently, or cut a tie
 * at row 100 differently: rows are matched by (artist_id, label_type), and a row only one side
 * has is fine when its total ties the 100th within tolerance.
 */
function alignTopArtists(a: readonly Record<string, unknown>[], b: readonly Record<string, unknown>[], tolerance: number, problems: string[]): [Record<string, unknown>[], Record<string, unknown>[]] {
  const key = (row: Record<string, unknown>): string => `${String(row.artist_id)}\u0000${String(row.label_type)}`;
  const boundary = Number(a[a.length - 1]?.total_payout ?? 0);
  const inB = new Map(b.map((row) => [key(row), row]));
  const left: Record<string, unknown>[] = [];
  const right: Record<string, unknown>[] = [];
  for (const row of a) {
    const match = inB.get(key(row));
    inB.delete(key(row));
    if (match !== undefined) {
      left.push(row);
      right.push(match);
    } else if (Math.abs(Number(row.total_payout) - boundary) > tolerance) {
      problems.push(`artist_payouts: ${String(row.artist_id)} missing`);
    }
  }
  for (const row of inB.values()) {
    if (Math.abs(Number(row.total_payout) - boundary) > tolerance) problems.push(`artist_payouts: unexpected ${String(row.artist_id)}`);
  }
  return [left, right];
}
