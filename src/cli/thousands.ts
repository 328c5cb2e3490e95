/**
 * A number rounded to an integer with commas between thousands, as `toLocaleString('en-US')`
 * writes it, without its cost: the first locale-aware call loads ICU's number formatting, which
 * took 185 ms at the end of every run (the summary line), more than the final merge.
 */
export function thousands(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = String(Math.abs(Math.round(n)));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = digits.slice(Math.max(0, end - 3), end) + (out === '' ? '' : ',' + out);
  return Math.round(n) < 0 ? '-' + out : out;
}
