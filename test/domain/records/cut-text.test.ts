import { describe, expect, it } from 'vitest';
import { cutUtf8 } from '../../../src/domain/records/cut-text.ts';

describe('cutUtf8', () => {
  it('keeps a text that fits whole', () => {
    expect(cutUtf8('abc', 3)).toEqual({ text: 'abc', cut: false });
    expect(cutUtf8('ü'.repeat(10), 20)).toEqual({ text: 'ü'.repeat(10), cut: false });
  });

  it('cuts to the byte bound without splitting a character', () => {
    expect(cutUtf8('abcdef', 4)).toEqual({ text: 'abcd', cut: true });
    expect(cutUtf8('ü'.repeat(10), 5)).toEqual({ text: 'üü', cut: true });
    expect(cutUtf8('a€€', 6)).toEqual({ text: 'a€', cut: true });
    // a surrogate pair (4 bytes) goes whole or not at all
    expect(cutUtf8('a😀b', 4)).toEqual({ text: 'a', cut: true });
    expect(cutUtf8('a😀b', 5)).toEqual({ text: 'a😀', cut: true });
  });

  it('bounds the bytes of any text, however long', () => {
    const text = 'x😀ü€'.repeat(500_000);
    const { text: kept, cut } = cutUtf8(text, 1024);
    expect(cut).toBe(true);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(kept)).toBeGreaterThan(1024 - 4);
    expect(text.startsWith(kept)).toBe(true);
  });
});
