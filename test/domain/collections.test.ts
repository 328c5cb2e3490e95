/** Bitset, PairIndex and Dictionary: the small structures every aggregate is built on. */
import { describe, expect, it } from 'vitest';
import { Bitset } from '../../src/domain/aggregates/bitset.ts';
import { PairIndex } from '../../src/domain/aggregates/pair-index.ts';
import { fnv1a } from '../../src/domain/byte-index.ts';
import { createDictionaries, Dictionary } from '../../src/domain/dictionary.ts';

describe('Bitset', () => {
  it('counts distinct members and says when one is new', () => {
    const set = new Bitset(8);
    expect(set.size).toBe(0);
    expect(set.add(3)).toBe(true);
    expect(set.add(3)).toBe(false);
    expect(set.add(0)).toBe(true);
    expect(set.size).toBe(2);
    expect(set.has(3)).toBe(true);
    expect(set.has(2)).toBe(false);
  });

  it('handles bit 31 of a word (the sign bit) and grows far past its initial size', () => {
    const set = new Bitset(1);
    const members = [31, 63, 32, 0, 1_000_003, 4096, 31];
    const added = members.map((n) => set.add(n));
    expect(added).toEqual([true, true, true, true, true, true, false]);
    expect(set.size).toBe(6);
    for (const n of members) expect(set.has(n)).toBe(true);
    for (const n of [30, 33, 62, 1_000_002, 1_000_004, 5_000_000]) expect(set.has(n)).toBe(false);
    expect(set.byteLength).toBeGreaterThanOrEqual(Math.ceil(1_000_004 / 8));
  });

  it('matches a Set on a seeded random sequence', () => {
    const set = new Bitset();
    const reference = new Set<number>();
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const n = x % 70_000;
      expect(set.add(n)).toBe(!reference.has(n));
      reference.add(n);
    }
    expect(set.size).toBe(reference.size);
  });
});

describe('PairIndex', () => {
  it('gives dense slots in order of first sight and the same slot for the same pair', () => {
    const index = new PairIndex();
    expect(index.slot(5, 2)).toBe(0);
    expect(index.slot(0, 0)).toBe(1);
    expect(index.slot(5, 0)).toBe(2);
    expect(index.slot(5, 2)).toBe(0);
    expect(index.slot(2, 5)).toBe(3);
    expect(index.slot(5, 1)).toBe(4);
    expect(index.slot(5, 0)).toBe(2);
    expect(index.size).toBe(5);
    expect([0, 1, 2, 3, 4].map((s) => [index.first(s), index.second(s)])).toEqual([
      [5, 2],
      [0, 0],
      [5, 0],
      [2, 5],
      [5, 1],
    ]);
  });

  it('matches a Map on many pairs', () => {
    const index = new PairIndex();
    const reference = new Map<string, number>();
    for (let a = 0; a < 60; a += 7) {
      for (let b = 90; b >= 0; b -= 3) {
        const key = `${a},${b}`;
        if (!reference.has(key)) reference.set(key, reference.size);
        expect(index.slot(a, b)).toBe(reference.get(key));
      }
    }
    expect(index.size).toBe(reference.size);
  });

  it('keeps every slot through growth in both directions and for pairs too wide for its table', () => {
    const index = new PairIndex();
    const reference = new Map<string, number>();
    // wide firsts and seconds (past the flat table) interleaved with small ones that re-lay it
    const pairs: [number, number][] = [[100, 0], [0, 1], [100, 0], [7, 40], [100, 0]];
    for (let i = 0; i < 400; i++) pairs.push([(i * 37) % 61, (i * 11) % 300], [i % 5 === 0 ? 3_000_000 + i : i, i % 7 === 0 ? 2 ** 30 + i : i % 3]);
    for (const round of [0, 1]) {
      for (const [a, b] of round === 0 ? pairs : [...pairs].reverse()) {
        const key = `${a},${b}`;
        if (!reference.has(key)) reference.set(key, reference.size);
        expect(index.slot(a, b)).toBe(reference.get(key));
      }
    }
    expect(index.size).toBe(reference.size);
    for (const [key, slot] of reference) expect(`${index.first(slot)},${index.second(slot)}`).toBe(key);
  });

  it('refuses a negative id instead of giving it a slot', () => {
    expect(() => new PairIndex().slot(-1, 0)).toThrow(/never negative/);
    expect(() => new PairIndex().slot(0, -1)).toThrow(/never negative/);
  });
});

describe('Dictionary', () => {
  it('interns values to dense ids in order of first sight', () => {
    const dict = new Dictionary();
    expect(dict.idOf('Pop')).toBe(-1);
    expect(dict.intern('Pop')).toBe(0);
    expect(dict.intern('Rock')).toBe(1);
    expect(dict.intern('Pop')).toBe(0);
    expect(dict.idOf('Rock')).toBe(1);
    expect(dict.idOf('rock')).toBe(-1);
    expect(dict.value(1)).toBe('Rock');
    expect(dict.size).toBe(2);
  });

  it('keeps distinct values that only differ subtly apart, and accepts any text', () => {
    const dict = new Dictionary();
    const values = ['', ' ', 'Pop', 'Pop ', 'pop', 'Électro', 'E\u0301lectro', '__proto__', 'constructor', 'a\u0000b'];
    const ids = values.map((v) => dict.intern(v));
    expect(ids).toEqual(values.map((_, i) => i));
    values.forEach((v, i) => {
      expect(dict.idOf(v)).toBe(i);
      expect(dict.value(i)).toBe(v);
    });
  });

  it('finds by bytes exactly the plain values it interned or restored, with the same ids', () => {
    const dict = new Dictionary();
    const plain = ['USR-000001', 'Pop', 'x'.repeat(40), 'a\u007fb', 'North America'];
    const other = ['Électro', 'a"b', 'a\\b', 'a\u0000b', 'tab\there'];
    dict.importState(['restored-1', 'USR-000002']);
    for (const v of [...plain, ...other]) dict.intern(v);
    const byBytes = (v: string): number => {
      const bytes = Buffer.from(`[${v}]`, 'latin1');
      return dict.idOfBytes(fnv1a(bytes, 1, bytes.length - 1), bytes, 1, bytes.length - 1);
    };
    for (const v of ['restored-1', 'USR-000002', ...plain]) expect(byBytes(v)).toBe(dict.idOf(v));
    // never read as plain bytes by the scanner, so never indexed by them
    for (const v of other) expect(byBytes(v)).toBe(-1);
    for (const v of ['USR-000003', 'pop', 'x'.repeat(39), 'USR-00000']) expect(byBytes(v)).toBe(-1);
  });

  it('interns plain values from bytes with the ids intern() would give, found afterwards by string and by bytes', () => {
    const dict = new Dictionary();
    const row = Buffer.from('{"user_id":"USR-000001"}{"user_id":"USR-000002"}', 'latin1');
    const first = dict.internPlain(row, 12, 22);
    expect(dict.intern('Pop')).toBe(1);
    const second = dict.internPlain(row, 36, 46);
    expect([first, second]).toEqual([0, 2]);
    // a later row for the same user, and the same value interned as a string, keep their id
    expect(dict.internPlain(Buffer.from('USR-000001'), 0, 10)).toBe(0);
    expect(dict.intern('USR-000002')).toBe(2);
    expect(dict.idOf('USR-000001')).toBe(0);
    expect(dict.value(2)).toBe('USR-000002');
    expect(dict.size).toBe(3);
    expect(dict.toState()).toEqual(['USR-000001', 'Pop', 'USR-000002']);
    const bytes = Buffer.from('USR-000002');
    expect(dict.idOfBytes(fnv1a(bytes, 0, bytes.length), bytes, 0, bytes.length)).toBe(2);
  });

  it('adopts an image: the same value under every id, found by string and by bytes, growing on its own', () => {
    const source = new Dictionary();
    const row = Buffer.from('USR-000001USR-000002', 'latin1');
    source.internPlain(row, 0, 10);
    source.intern('Électro');
    source.internPlain(row, 10, 20);
    const image = source.image();
    // only the value interned as a string crosses as one; the others are bytes in shared memory
    expect([...image.strings]).toEqual([[1, 'Électro']]);
    expect(image.text.buffer).toBeInstanceOf(SharedArrayBuffer);
    const adopter = new Dictionary();
    adopter.adopt(image);
    expect(adopter.toState()).toEqual(['USR-000001', 'Électro', 'USR-000002']);
    expect(adopter.idOf('USR-000002')).toBe(2);
    expect(adopter.idOf('Électro')).toBe(1);
    const bytes = Buffer.from('USR-000002');
    expect(adopter.idOfBytes(fnv1a(bytes, 0, bytes.length), bytes, 0, bytes.length)).toBe(2);
    expect(adopter.intern('USR-000003')).toBe(3);
    expect(source.idOf('USR-000003')).toBe(-1);
    // a later image of the same dictionary may be adopted over an earlier one; another may not
    source.intern('Pop');
    const before = new Dictionary();
    before.adopt(image);
    before.adopt(source.image());
    expect(before.toState()).toEqual(['USR-000001', 'Électro', 'USR-000002', 'Pop']);
    const other = new Dictionary();
    other.intern('somebody else');
    expect(() => other.adopt(image)).toThrow(/does not begin with them/);
    expect(() => adopter.adopt(image)).toThrow(/does not begin with them/);
    // the same last value is not enough: every value held must be the image's under its id
    const twoHeld = new Dictionary();
    twoHeld.internPlain(Buffer.from('USR-000009'), 0, 10);
    twoHeld.intern('Électro');
    expect(() => twoHeld.adopt(image)).toThrow(/does not begin with them/);
  });

  it('createDictionaries gives one independent dictionary per column', () => {
    const dicts = createDictionaries();
    expect(Object.keys(dicts).sort()).toEqual(['artist', 'country', 'day', 'device', 'genre', 'label', 'plan', 'region', 'user']);
    dicts.genre.intern('Pop');
    expect(dicts.device.idOf('Pop')).toBe(-1);
    expect(new Set(Object.values(dicts)).size).toBe(9);
  });
});
