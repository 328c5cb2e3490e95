import { describe, expect, it } from 'vitest';
import {
  AD_REVENUE_SCALE,
  CPM_SCALE,
  formatUnits,
  numberToUnits,
  parseDecimalUnits,
  PAYOUT_SCALE,
  PRICE_SCALE,
  unitsToNumber,
} from '../../src/domain/records/fixed-point.ts';

describe('parseDecimalUnits', () => {
  it.each([
    ['9.99', 2, 999],
    ['9.99', 4, 99900],
    ['0.0030', 4, 30],
    ['0.003', 6, 3000],
    ['14.99', 4, 149900],
    ['0', 2, 0],
    ['0.00', 2, 0],
    ['007.50', 2, 750],
    ['1e-7', 7, 1],
    ['1e-7', 8, 10],
    ['1E+2', 0, 100],
    ['5e-2', 4, 500],
    ['0.5e-1', 2, 5],
    ['1.2300000', 2, 123],
    ['1e-400', 2, null],
    ['0e-400', 2, 0],
    ['9007199254740991', 0, 9007199254740991],
    ['90071992547409.91', 2, 9007199254740991],
  ] as const)('%s at scale %i is %s', (text, scale, units) => {
    expect(parseDecimalUnits(text, scale)).toBe(units);
  });

  it.each([
    ['1e-7', 4, 'more decimals than the scale'],
    ['0.00301', 4, 'more decimals than the scale'],
    ['9.999', 2, 'more decimals than the scale'],
    ['-1', 2, 'negative'],
    ['-0.5', 2, 'negative'],
    ['9007199254740992', 0, 'beyond 2^53 - 1'],
    ['90071992547409.92', 2, 'beyond 2^53 - 1'],
    ['1e400', 2, 'far beyond 2^53'],
    ['', 2, 'empty'],
    ['.5', 2, 'no integer digits'],
    ['5.', 2, 'no fraction digits'],
    ['+1', 2, 'a sign'],
    [' 1', 2, 'spaces'],
    ['1,5', 2, 'a comma'],
    ['0x10', 2, 'hex'],
    ['NaN', 2, 'NaN'],
    ['Infinity', 2, 'Infinity'],
  ] as const)('%s at scale %i is rejected (%s)', (text, scale, _why) => {
    expect(parseDecimalUnits(text, scale)).toBeNull();
  });

  // BUG (src/domain/records/fixed-point.ts:26): the doc promises null for values that do not fit,
  // but a huge exponent makes padEnd throw "RangeError: Invalid string length" instead.
  it('returns null (does not throw) for an exponent far beyond any safe integer', () => {
    expect(() => parseDecimalUnits('1e999999999', 2)).not.toThrow();
    expect(parseDecimalUnits('1e999999999', 2)).toBeNull();
  });
});

describe('numberToUnits', () => {
  it('reads JSON numbers by their shortest decimal, never by binary drift', () => {
    expect(numberToUnits(9.99, 2)).toBe(999);
    expect(numberToUnits(4.99, PRICE_SCALE)).toBe(49900);
    expect(numberToUnits(1.15, CPM_SCALE)).toBe(11500);
    expect(numberToUnits(0.0035, PAYOUT_SCALE)).toBe(3500);
    expect(numberToUnits(0.003, 4)).toBe(30);
    expect(numberToUnits(1e-7, 7)).toBe(1);
    expect(numberToUnits(0, 4)).toBe(0);
    expect(numberToUnits(-0, 4)).toBe(0);
    expect(numberToUnits(1e21, 0)).toBeNull();
  });

  it('rejects too many decimals, negatives and non-finite values', () => {
    expect(numberToUnits(1e-7, 4)).toBeNull();
    expect(numberToUnits(0.1 + 0.2, 4)).toBeNull();
    expect(numberToUnits(9.99999, PRICE_SCALE)).toBeNull();
    expect(numberToUnits(-9.99, 2)).toBeNull();
    expect(numberToUnits(Number.NaN, 2)).toBeNull();
    expect(numberToUnits(Number.POSITIVE_INFINITY, 2)).toBeNull();
  });
});

describe('unitsToNumber and formatUnits', () => {
  it('convert with one division, equal to the decimal literal', () => {
    expect(unitsToNumber(999, 2)).toBe(9.99);
    expect(unitsToNumber(11500, AD_REVENUE_SCALE)).toBe(0.00115);
    expect(unitsToNumber(1, 7)).toBe(1e-7);
    expect(unitsToNumber(123456789012, 7)).toBe(12345.6789012);
    expect(unitsToNumber(0, 4)).toBe(0);
  });

  it('sums of units stay exact where float sums drift', () => {
    let float = 0;
    let units = 0;
    for (let i = 0; i < 10; i++) {
      float += 0.1;
      units += numberToUnits(0.1, 4) ?? Number.NaN;
    }
    expect(float).not.toBe(1);
    expect(unitsToNumber(units, 4)).toBe(1);
  });

  it.each([
    [999, 2, '9.99'],
    [30, 4, '0.003'],
    [12345, 0, '12345'],
    [0, 4, '0'],
    [100, 2, '1'],
    [1, 7, '0.0000001'],
    [-5, 2, '-0.05'],
    [-12345, 2, '-123.45'],
    [9007199254740991, 6, '9007199254.740991'],
  ] as const)('formatUnits(%i, %i) is %s', (units, scale, text) => {
    expect(formatUnits(units, scale)).toBe(text);
  });

  it('round-trips formatUnits through parseDecimalUnits', () => {
    for (const units of [0, 1, 9, 10, 99, 100, 123456, 999999999, 9007199254740991]) {
      for (const scale of [0, 2, 4, 6, 7]) expect(parseDecimalUnits(formatUnits(units, scale), scale)).toBe(units);
    }
  });
});
