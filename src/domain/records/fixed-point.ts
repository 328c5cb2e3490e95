/**
 * Money as integers. A decimal like 3.40 is held as 34000 units at scale 4, so sums are exact in
 * any order as long as they stay below 2^53 (at scale 7, ~900 million dollars).
 */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

const DECIMAL = /^(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a non-negative decimal string into units at `scale`. Returns null when it is malformed,
 * has non-zero digits beyond `scale`, or does not fit a safe integer.
 */
export function parseDecimalUnits(text: string, scale: number): number | null {
  const m = DECIMAL.exec(text);
  if (m === null) return null;
  let digits = m[1] + (m[2] ?? '');
  let point = m[1].length;
  if (m[3] !== undefined) point += Number(m[3]);
  // digits with the decimal point after `point` digits; shift so that `scale` digits follow it
  const wantLength = point + scale;
  if (wantLength < 0 || /^0*$/.test(digits)) return /^0*$/.test(digits) ? 0 : null;
  // beyond 2^53 in any case: answer before building a huge string from a huge exponent
  if (wantLength - (digits.length - digits.replace(/^0+/, '').length) > 16) return null;
  if (digits.length > wantLength) {
    if (!/^0*$/.test(digits.slice(wantLength))) return null;
    digits = digits.slice(0, wantLength);
  } else {
    digits = digits.padEnd(wantLength, '0');
  }
  const units = digits === '' ? 0 : Number(digits);
  return Number.isSafeInteger(units) ? units : null;
}

/**
 * A JSON number as units at `scale`. String(n) is the shortest decimal that round-trips to the
 * same double, so 9.99 parses as 999 cents and never as 998.9999….
 */
export function numberToUnits(value: number, scale: number): number | null {
  if (!Number.isFinite(value) || value < 0) return null;
  return parseDecimalUnits(String(value), scale);
}

/** Units at `scale` back to a JS number: one correctly rounded division, so equal units give equal numbers. */
export function unitsToNumber(units: number, scale: number): number {
  return units / POW10[scale];
}

/** Exact decimal text of units at `scale`, trailing zeros trimmed (`1234.5`, `0.003`). */
export function formatUnits(units: number, scale: number): string {
  const negative = units < 0;
  const text = String(Math.abs(units)).padStart(scale + 1, '0');
  const whole = text.slice(0, text.length - scale);
  const fraction = text.slice(text.length - scale).replace(/0+$/, '');
  return (negative ? '-' : '') + (fraction === '' ? whole : `${whole}.${fraction}`);
}

/** Scales used across StreamPulse; ad revenue per event is cpm / 1000, so 3 more digits. */
export const CPM_SCALE = 4;
export const AD_REVENUE_SCALE = CPM_SCALE + 3;
export const PAYOUT_SCALE = 6;
export const PRICE_SCALE = 4;
