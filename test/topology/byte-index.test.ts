/** ByteIndex, the scanner's byte-keyed hash table: agrees with a Map through growth and collisions. */
import { describe, expect, it } from 'vitest';
import { createDictionaries } from '../../src/domain/dictionary.ts';
import { rawBatchFromLines } from '../../src/domain/records/raw-batch.ts';
import { ByteIndex, fnv1a } from '../../src/domain/byte-index.ts';
import { decodeEventBatch } from '../../topology/operators/decode-events.ts';
import { createEventScanner } from '../../topology/event-scanner.ts';

const enc = new TextEncoder();

describe('ByteIndex', () => {
  it('finds every key after many rehashes, and nothing else', () => {
    const index = new ByteIndex();
    const keys = Array.from({ length: 50_000 }, (_, i) => `USR-${String(i).padStart(6, '0')}`);
    keys.forEach((key, i) => {
      const bytes = enc.encode(key);
      index.set(fnv1a(bytes, 0, bytes.length), bytes, 0, bytes.length, i * 3);
    });
    expect(index.size).toBe(keys.length);
    keys.forEach((key, i) => {
      const bytes = enc.encode(`xx${key}yy`);
      expect(index.get(fnv1a(bytes, 2, bytes.length - 2), bytes, 2, bytes.length - 2)).toBe(i * 3);
    });
    for (const missing of ['USR-050000', 'USR-00000', 'USR-0000000', '', 'usr-000001']) {
      const bytes = enc.encode(missing);
      expect(index.get(fnv1a(bytes, 0, bytes.length), bytes, 0, bytes.length)).toBe(-1);
    }
  });

  it('tells apart keys whose hashes collide (same hash, same or other length)', () => {
    const index = new ByteIndex();
    // lengths on both sides of the 16 bytes a slot holds inline, and one far past the first pool
    const keys = ['a', 'b', 'ab', 'ba', 'abc', 'cba', '', 'p'.repeat(15) + 'q', 'p'.repeat(16), 'p'.repeat(16) + 'q', 'p'.repeat(17), 'x'.repeat(70_000)];
    // every key stored under the same hash: only the bytes can tell them apart
    keys.forEach((key, i) => {
      const bytes = enc.encode(key);
      index.set(12345, bytes, 0, bytes.length, i);
    });
    keys.forEach((key, i) => {
      const bytes = enc.encode(key);
      expect(index.get(12345, bytes, 0, bytes.length)).toBe(i);
    });
    for (const missing of ['ac', 'p'.repeat(15) + 'r', 'p'.repeat(16) + 'r', 'x'.repeat(69_999) + 'y']) {
      const other = enc.encode(missing);
      expect(index.get(12345, other, 0, other.length)).toBe(-1);
    }
    const other = enc.encode('ac');
    expect(index.get(0x3fffffff, other, 0, other.length)).toBe(-1);
  });

  it('getOrSet finds a key held, or adds it in the same probe, through rehashes, collisions and an adopted image', () => {
    const index = new ByteIndex();
    const keys = Array.from({ length: 20_000 }, (_, i) => (i % 5 === 0 ? `long-key-past-sixteen-bytes-${i}` : `U${i}`));
    keys.forEach((key, i) => {
      const bytes = enc.encode(key);
      // every fourth key under one colliding hash
      const hash = i % 4 === 0 ? 999 : fnv1a(bytes, 0, bytes.length);
      expect(index.getOrSet(hash, bytes, 0, bytes.length, i)).toBe(-1);
      expect(index.getOrSet(hash, bytes, 0, bytes.length, -5)).toBe(i);
    });
    expect(index.size).toBe(keys.length);
    const adopted = new ByteIndex();
    adopted.adopt(index.image());
    const fresh = enc.encode('new-one');
    const hash = fnv1a(fresh, 0, fresh.length);
    expect(adopted.getOrSet(hash, fresh, 0, fresh.length, 77)).toBe(-1);
    expect(adopted.get(hash, fresh, 0, fresh.length)).toBe(77);
    // the image adopted, and the index it came from, never see a key added after it
    expect(index.get(hash, fresh, 0, fresh.length)).toBe(-1);
    keys.forEach((key, i) => {
      const bytes = enc.encode(key);
      const h = i % 4 === 0 ? 999 : fnv1a(bytes, 0, bytes.length);
      expect(adopted.get(h, bytes, 0, bytes.length)).toBe(i);
    });
  });

  it('hash 0 and the largest 30-bit hash are ordinary keys', () => {
    const index = new ByteIndex();
    const a = enc.encode('zero');
    const b = enc.encode('max');
    index.set(0, a, 0, a.length, 7);
    index.set(0x3fffffff, b, 0, b.length, 8);
    expect(index.get(0, a, 0, a.length)).toBe(7);
    expect(index.get(0x3fffffff, b, 0, b.length)).toBe(8);
  });
});

describe('scanner lookups at scale', () => {
  it('maps 40,000 distinct users and 2,000 artists to their dictionary ids', () => {
    const dicts = createDictionaries();
    const users = Array.from({ length: 40_000 }, (_, i) => `USR-${String(i + 1).padStart(6, '0')}`);
    const artists = Array.from({ length: 2_000 }, (_, i) => `ART-${String(i + 1).padStart(5, '0')}`);
    // interned in a scrambled order so ids differ from the numbers in the names
    for (let i = 0; i < users.length; i++) dicts.user.intern(users[(i * 7919) % users.length]);
    for (let i = 0; i < artists.length; i++) dicts.artist.intern(artists[(i * 977) % artists.length]);
    const scanner = createEventScanner(dicts);
    const line = (u: number): string =>
      JSON.stringify({ event_id: `E${u}`, user_id: users[u % users.length], artist_id: artists[u % artists.length], genre: 'Pop', region: 'Europe', duration_sec: u % 300, completed: u % 2 === 0, device: 'tv', event_date: '2024-05-05' });
    for (let pass = 0; pass < 2; pass++) {
      const lines = Array.from({ length: users.length + 500 }, (_, u) => line(u));
      const batch = decodeEventBatch(rawBatchFromLines(lines), dicts, scanner);
      expect(batch.count).toBe(lines.length);
      const wrong: number[] = [];
      for (let u = 0; u < lines.length; u++) {
        if (batch.user[u] !== dicts.user.idOf(users[u % users.length]) || batch.artist[u] !== dicts.artist.idOf(artists[u % artists.length])) wrong.push(u);
        if (batch.duration[u] !== u % 300 || batch.completed[u] !== (u % 2 === 0 ? 1 : 0)) wrong.push(u);
      }
      expect(wrong).toEqual([]);
    }
  });
  it('an image is a shared copy another index adopts whole, and neither sees the other\'s later keys', () => {
    const source = new ByteIndex();
    const key = (k: string): [number, Uint8Array, number, number] => {
      const bytes = enc.encode(k);
      return [fnv1a(bytes, 0, bytes.length), bytes, 0, bytes.length];
    };
    for (let i = 0; i < 5_000; i++) source.set(...key(`K${i}`), i);
    const image = source.image();
    expect(image.slots.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(image.pool.buffer).toBeInstanceOf(SharedArrayBuffer);
    const adopter = new ByteIndex();
    adopter.set(...key('gone'), 1);
    adopter.adopt(image);
    expect(adopter.size).toBe(5_000);
    for (let i = 0; i < 5_000; i += 7) expect(adopter.get(...key(`K${i}`))).toBe(i);
    expect(adopter.get(...key('gone'))).toBe(-1);
    // the adopter grows past the image (rehashing), the source goes on: the image is written by neither
    const slots = image.slots.slice();
    for (let i = 5_000; i < 20_000; i++) adopter.set(...key(`K${i}`), i);
    source.set(...key('only-source'), 9);
    expect(image.slots).toEqual(slots);
    expect(adopter.get(...key('K19999'))).toBe(19_999);
    expect(adopter.get(...key('only-source'))).toBe(-1);
    expect(source.get(...key('K19999'))).toBe(-1);
    expect(() => new ByteIndex().adopt({ ...image, slots: new Int32Array(24) })).toThrow(/not one/);
  });
});
