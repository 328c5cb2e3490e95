import { describe, expect, it } from 'vitest';
import { FNV_OFFSET, FNV_PRIME, HASH_MASK } from '../../../src/domain/byte-index.ts';
import { createDictionaries } from '../../../src/domain/dictionary.ts';
import { NO_SUBSCRIPTION, SubscriptionStore } from '../../../src/domain/dimensions/subscription-store.ts';
import { decodeSubscription, type SubscriptionRecord } from '../../../src/domain/records/dimension-records.ts';

const enc = new TextEncoder();

/** What the reports must see for a row: the reference decoder's plan and country. */
function expected(row: string): { plan: string; country: string } {
  const record = decodeSubscription(row) as SubscriptionRecord;
  return { plan: record.plan, country: record.country };
}

function fixture(cacheSize = 4) {
  const dicts = createDictionaries();
  const store = new SubscriptionStore(dicts, { cacheSize });
  /** A row through the load's fast path, or (when the scanner leaves it) the reference path. */
  const load = (row: string): void => {
    const bytes = enc.encode(row);
    if (store.putScanned(bytes, 0, bytes.length)) return;
    const record = decodeSubscription(row) as SubscriptionRecord;
    store.put(dicts.user.intern(record.user_id), bytes, 0, bytes.length);
  };
  const read = (userId: string): { plan: string; country: string } | undefined => {
    const row = store.get(dicts.user.idOf(userId));
    return row === NO_SUBSCRIPTION ? undefined : { plan: dicts.plan.value(store.planOf(row)), country: dicts.country.value(store.countryOf(row)) };
  };
  return { dicts, store, load, read };
}

// the scanner reads the first; the escape and the spacing send the second and third to the decoder
const SCANNED = '{"user_id":"U1","plan":"family","monthly_price":14.99,"country":"DE"}';
const ESCAPED = '{"user_id":"U2","plan":"stu\\u0064ent","monthly_price":4.99,"country":"FR"}';
const SPACED = '{ "user_id" : "U3" , "plan" : "premium" , "monthly_price" : 9.99 , "country" : "\\u0055S" }';

describe('SubscriptionStore', () => {
  it('misses, then hits, with the reference decoder’s plan and country, whichever path loaded the row', () => {
    const { store, load, read } = fixture();
    for (const row of [SCANNED, ESCAPED, SPACED]) load(row);
    for (const [user, row] of [['U1', SCANNED], ['U2', ESCAPED], ['U3', SPACED]] as const) {
      expect(read(user)).toEqual(expected(row));
      expect(read(user)).toEqual(expected(row));
    }
    expect(store.counters).toMatchObject({ hits: 3, misses: 3 });
    expect(read('nobody')).toBeUndefined();
  });

  it('a replaced row is what later reads see, cached or not, on either path', () => {
    const { load, read, store } = fixture(1);
    load(SCANNED);
    expect(read('U1')?.plan).toBe('family');
    // scanned over scanned, while cached
    load(SCANNED.replace('family', 'duo'));
    expect(read('U1')?.plan).toBe('duo');
    // decoded over scanned: the ids the first load kept must not outlive its row
    load(SCANNED.replace('"plan":"family"', '"plan" : "stu\\u0064ent"'));
    expect(read('U1')).toEqual({ plan: 'student', country: 'DE' });
    // evicted, then read again from the store
    load(ESCAPED);
    expect(read('U2')?.plan).toBe('student');
    expect(read('U1')).toEqual({ plan: 'student', country: 'DE' });
    // scanned over decoded
    load(ESCAPED.replace('stu\\u0064ent', 'premium'));
    expect(read('U2')).toEqual({ plan: 'premium', country: 'FR' });
    expect(store.size).toBe(2);
    expect(store.counters.evictions).toBeGreaterThan(0);
  });

  it('keeps every row across growth and compaction of its arena', () => {
    const { load, read, store } = fixture(8);
    const plans = ['free', 'individual', 'duo', 'family', 'student'];
    for (let round = 0; round < 4; round++) {
      for (let u = 0; u < 3_000; u++) load(`{"user_id":"U${u}","plan":"${plans[(u + round) % plans.length]}","monthly_price":1.5,"country":"C${u % 7}"}`);
    }
    expect(store.size).toBe(3_000);
    for (let u = 0; u < 3_000; u += 7) expect(read(`U${u}`)).toEqual({ plan: plans[(u + 3) % plans.length], country: `C${u % 7}` });
  });
  it('an image adopted by another store (its dictionaries too) reads every row the same, with a cold cache', () => {
    const { store, load, dicts } = fixture(8);
    for (const row of [SCANNED, ESCAPED, SPACED]) load(row);
    for (let u = 10; u < 2_000; u++) load(`{"user_id":"U${u}","plan":"p${u % 5}","monthly_price":1.5,"country":"C${u % 7}"}`);
    load(SCANNED.replace('family', 'duo'));
    const image = store.image();
    const other = fixture(8);
    other.store.adopt(image);
    expect(other.store.size).toBe(store.size);
    expect(other.dicts.user.toState()).toEqual(dicts.user.toState());
    expect(other.read('U1')).toEqual({ plan: 'duo', country: 'DE' });
    expect(other.read('U2')).toEqual(expected(ESCAPED));
    expect(other.read('U3')).toEqual(expected(SPACED));
    for (let u = 10; u < 2_000; u += 13) expect(other.read(`U${u}`)).toEqual({ plan: `p${u % 5}`, country: `C${u % 7}` });
    expect(other.store.counters.hits).toBe(0);
    // rows put after: each store its own, the image unchanged
    other.load(SCANNED.replace('family', 'student'));
    load(ESCAPED.replace('stu\\u0064ent', 'premium'));
    expect(other.read('U1')?.plan).toBe('student');
    expect(other.read('U2')).toEqual(expected(ESCAPED));
    expect(fixture().store.size).toBe(0);
    const again = fixture(8);
    again.store.adopt(image);
    expect(again.read('U1')?.plan).toBe('duo');
    expect(() => again.store.adopt({ ...image, rowPlan: image.rowPlan.subarray(1) })).toThrow(/columns of another length/);
  });

  it('hands a big table over as it is, in shared memory, and what its owner writes after never shows in the image', () => {
    const { store, load, dicts } = fixture(8);
    const users = 60_000;
    store.expect(users, users * 80);
    for (let u = 0; u < users; u++) load(`{"user_id":"U${u}","plan":"p${u % 5}","monthly_price":1.5,"country":"C${u % 7}"}`);
    const image = store.image();
    const own = store as unknown as { arena: Uint8Array };
    expect(image.arena.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(image.arena.buffer).toBe(own.arena.buffer);
    expect(image.users.byBytes.slots.buffer).toBeInstanceOf(SharedArrayBuffer);
    // the owner goes on: a row replaced, new users
    load('{"user_id":"U1","plan":"changed","monthly_price":1.5,"country":"XX"}');
    for (let u = users; u < users + 100; u++) load(`{"user_id":"U${u}","plan":"new","monthly_price":1.5,"country":"C1"}`);
    expect(own.arena.buffer).not.toBe(image.arena.buffer);
    const other = fixture(8);
    other.store.adopt(image);
    expect(other.store.size).toBe(users);
    expect(other.dicts.user.size).toBe(users);
    expect(other.read('U1')).toEqual({ plan: 'p1', country: 'C1' });
    const key = enc.encode(`U${users + 5}`);
    let hash = FNV_OFFSET;
    for (const c of key) hash = Math.imul(hash ^ c, FNV_PRIME);
    expect(other.dicts.user.idOfBytes(hash & HASH_MASK, key, 0, key.length)).toBe(-1);
    expect(dicts.user.idOfBytes(hash & HASH_MASK, key, 0, key.length)).toBe(users + 5);
    for (let u = 0; u < users; u += 997) expect(other.read(`U${u}`)).toEqual({ plan: u === 1 ? 'p1' : `p${u % 5}`, country: `C${u % 7}` });
  });
});
