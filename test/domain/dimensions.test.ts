/** The three dimension tables: broadcast arrays, the LRU-cached subscription store, upserts. */
import { describe, expect, it } from 'vitest';
import { AdRateTable, applyDimensionBatch, createDimensions, NO_SUBSCRIPTION, PayoutTable, SubscriptionStore } from '../../src/domain/dimensions/index.ts';
import { createDictionaries, type Dictionaries } from '../../src/domain/dictionary.ts';
import { decodeAdRate, decodePayout, decodeSubscription, type AdRateRecord, type PayoutRecord, type SubscriptionRecord } from '../../src/domain/records/dimension-records.ts';
import { rawBatchFromLines } from '../../src/domain/records/raw-batch.ts';
import { Rejection } from '../../src/domain/records/rejection.ts';

function decoded<T>(value: T | Rejection): T {
  if (value instanceof Rejection) throw new Error(`unexpected rejection: ${value.detail}`);
  return value;
}

/** Stores a subscription row as applyDimensionBatch does for a row the reference decoder accepted. */
function putSub(store: SubscriptionStore, dicts: Dictionaries, user_id: string, plan: string, country = 'US', monthly_price = 9.99): void {
  const bytes = new TextEncoder().encode(JSON.stringify({ user_id, plan, monthly_price, country }));
  const record: SubscriptionRecord = decoded(decodeSubscription(new TextDecoder().decode(bytes)));
  store.put(dicts.user.intern(record.user_id), bytes, 0, bytes.length);
}

describe('SubscriptionStore', () => {
  it('respects the LRU bound and counts hits, misses and evictions', () => {
    const dicts = createDictionaries();
    const store = new SubscriptionStore(dicts, { cacheSize: 2 });
    for (const u of ['U1', 'U2', 'U3']) putSub(store, dicts, u, 'free');
    const [u1, u2, u3] = ['U1', 'U2', 'U3'].map((u) => dicts.user.idOf(u));
    expect(store.size).toBe(3);
    const planOf = (user: number): string | undefined => {
      const row = store.get(user);
      return row === NO_SUBSCRIPTION ? undefined : dicts.plan.value(store.planOf(row));
    };
    const free = 'free';
    expect(planOf(u1)).toBe(free); // miss
    expect(planOf(u2)).toBe(free); // miss
    expect(planOf(u1)).toBe(free); // hit: U1 is now the most recent
    expect(planOf(u3)).toBe(free); // miss, evicts U2 (least recently used)
    expect(store.counters).toEqual({ hits: 1, misses: 3, evictions: 1 });
    expect(planOf(u1)).toBe(free); // hit: U2, not U1, was evicted
    expect(planOf(u2)).toBe(free); // miss, evicts U3
    expect(planOf(u1)).toBe(free); // hit
    expect(store.counters).toEqual({ hits: 3, misses: 4, evictions: 2 });
    expect(store.cacheEntries).toBe(2);
  });

  it('has no row for unknown users', () => {
    const dicts = createDictionaries();
    const store = new SubscriptionStore(dicts, { cacheSize: 4 });
    expect(store.get(-1)).toBe(NO_SUBSCRIPTION);
    expect(store.get(dicts.user.intern('NEVER-PUT'))).toBe(NO_SUBSCRIPTION);
    expect(store.lookupUncached('NOBODY')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('a put replaces the row: later gets (cached or not) see the new plan and country', () => {
    const dicts = createDictionaries();
    const store = new SubscriptionStore(dicts, { cacheSize: 4 });
    const names = (user: number): [string, string] | undefined => {
      const row = store.get(user);
      return row === NO_SUBSCRIPTION ? undefined : [dicts.plan.value(store.planOf(row)), dicts.country.value(store.countryOf(row))];
    };
    putSub(store, dicts, 'U1', 'free', 'US');
    const u1 = dicts.user.idOf('U1');
    expect(names(u1)).toEqual(['free', 'US']);
    expect(names(u1)).toEqual(['free', 'US']); // now from the cache
    expect(store.counters).toMatchObject({ hits: 1, misses: 1 });
    putSub(store, dicts, 'U1', 'family', 'DE', 14.99);
    expect(store.size).toBe(1);
    expect(names(u1)).toEqual(['family', 'DE']);
    expect(store.lookupUncached('U1')).toEqual({ user_id: 'U1', plan: 'family', monthlyPriceUnits: 149900, country: 'DE' });
    // replacing drops the cache entry; that is not an eviction
    expect(store.counters).toEqual({ hits: 1, misses: 2, evictions: 0 });
  });
});

describe('AdRateTable', () => {
  const rate = (ad_genre: string, ad_device: string, cpm: number): [AdRateRecord, string] => {
    const raw = JSON.stringify({ ad_genre, ad_device, cpm });
    return [decoded(decodeAdRate(raw)), raw];
  };

  it('joins on genre and device together, -1 when absent', () => {
    const dicts = createDictionaries();
    const table = new AdRateTable(dicts);
    table.put(...rate('Pop', 'mobile', 2));
    table.put(...rate('Rock', 'tv', 7.99));
    const g = (name: string): number => dicts.genre.intern(name);
    const d = (name: string): number => dicts.device.intern(name);
    expect(table.cpmUnits(g('Pop'), d('mobile'))).toBe(20000);
    expect(table.cpmUnits(g('Rock'), d('tv'))).toBe(79900);
    expect(table.cpmUnits(g('Pop'), d('tv'))).toBe(-1);
    expect(table.cpmUnits(g('Rock'), d('mobile'))).toBe(-1);
    expect(table.cpmUnits(g('Polka'), d('mobile'))).toBe(-1);
    expect(table.cpmUnits(g('Pop'), d('hologram'))).toBe(-1);
    expect(table.size).toBe(2);
    expect(table.lookupUncached('Rock', 'tv')).toEqual({ ad_genre: 'Rock', ad_device: 'tv', cpmUnits: 79900 });
    expect(table.lookupUncached('Rock', 'mobile')).toBeUndefined();
  });

  it('a later row for the same pair replaces the cpm', () => {
    const dicts = createDictionaries();
    const table = new AdRateTable(dicts);
    table.put(...rate('Pop', 'mobile', 2));
    table.put(...rate('Pop', 'mobile', 3.5));
    expect(table.size).toBe(1);
    expect(table.cpmUnits(dicts.genre.idOf('Pop'), dicts.device.idOf('mobile'))).toBe(35000);
    expect(table.lookupUncached('Pop', 'mobile')?.cpmUnits).toBe(35000);
  });

  it('a zero cpm is a rate (counted), not a missing one', () => {
    const dicts = createDictionaries();
    const table = new AdRateTable(dicts);
    table.put(...rate('Pop', 'car', 0));
    expect(table.cpmUnits(dicts.genre.idOf('Pop'), dicts.device.idOf('car'))).toBe(0);
  });
});

describe('PayoutTable', () => {
  const payout = (artist_id: string, per_stream_rate: number, label_type: string): [PayoutRecord, string] => {
    const raw = JSON.stringify({ artist_id, per_stream_rate, label_type });
    return [decoded(decodePayout(raw)), raw];
  };

  it('indexes rates and labels by artist id; -1 for unknown artists', () => {
    const dicts = createDictionaries();
    const table = new PayoutTable(dicts);
    table.put(...payout('ART-2', 0.0035, 'major'));
    table.put(...payout('ART-1', 0.008, 'indie'));
    const a2 = dicts.artist.idOf('ART-2');
    expect(table.rateUnits(a2)).toBe(3500);
    expect(dicts.label.value(table.label(a2))).toBe('major');
    expect(table.rateUnits(dicts.artist.idOf('ART-1'))).toBe(8000);
    expect(table.rateUnits(-1)).toBe(-1);
    expect(table.rateUnits(99)).toBe(-1);
    expect(table.size).toBe(2);
    expect(table.lookupUncached('ART-2')).toEqual({ artist_id: 'ART-2', rateUnits: 3500, label_type: 'major' });
    expect(table.lookupUncached('ART-3')).toBeUndefined();
  });

  it('a later row replaces rate and label', () => {
    const dicts = createDictionaries();
    const table = new PayoutTable(dicts);
    table.put(...payout('ART-1', 0.003, 'indie'));
    table.put(...payout('ART-1', 0.0071, 'unsigned'));
    const a1 = dicts.artist.idOf('ART-1');
    expect(table.size).toBe(1);
    expect(table.rateUnits(a1)).toBe(7100);
    expect(dicts.label.value(table.label(a1))).toBe('unsigned');
  });
});

describe('applyDimensionBatch', () => {
  it('upserts valid rows in order and dead-letters invalid ones with origin and line', () => {
    const dims = createDimensions({ cacheSize: 8 });
    const lines = [
      JSON.stringify({ user_id: 'U1', plan: 'free', monthly_price: 0, country: 'US' }),
      JSON.stringify({ user_id: 'U2', plan: 'student', monthly_price: 4.99999, country: 'IN' }),
      'not json',
      JSON.stringify({ user_id: 'U1', plan: 'individual', monthly_price: 9.99, country: 'UK' }),
    ];
    const result = applyDimensionBatch(dims, 'subscriptions', rawBatchFromLines(lines, 'subs.ndjson', 10));
    expect(result.applied).toBe(2);
    expect(result.rejected.map((l) => [l.table, l.origin, l.seq, l.reason, l.raw])).toEqual([
      ['subscriptions', 'subs.ndjson', 11, 'bad_value', lines[1]],
      ['subscriptions', 'subs.ndjson', 12, 'not_json', 'not json'],
    ]);
    expect(dims.subscriptions.size).toBe(1);
    expect(dims.subscriptions.lookupUncached('U1')?.plan).toBe('individual');
    expect(dims.subscriptions.lookupUncached('U2')).toBeUndefined();
  });
});
