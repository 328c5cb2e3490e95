import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/cli/thousands.ts';

describe('thousands', () => {
  it('writes what toLocaleString("en-US") writes for the integer', () => {
    const values = [0, 1, -1, 12, 999, 1_000, -1_000, 12_345, 999_999, 1_000_000, 123_456_789, -987_654_321, 2 ** 53 - 1];
    for (let i = 0; i < 2_000; i++) values.push(Math.round((Math.random() - 0.3) * 10 ** (1 + (i % 14))));
    for (const n of values) expect(thousands(n), String(n)).toBe((n + 0).toLocaleString('en-US'));
  });

  it('rounds first, as the summary and progress lines did, and never writes -0', () => {
    expect(thousands(1234.5)).toBe('1,235');
    expect(thousands(999.4)).toBe('999');
    expect(thousands(-0.2)).toBe('0');
    expect(thousands(Number.NaN)).toBe('NaN');
  });
});
