import { LRUCache } from 'lru-cache';
import type { Dictionaries } from '../dictionary.ts';
import { decodeSubscription, type SubscriptionRecord } from '../records/dimension-records.ts';
import { Rejection } from '../records/rejection.ts';

/** A subscription decoded down to what the reports use: dictionary ids. */
export interface CachedSubscription {
  readonly plan: number;
  readonly country: number;
}

export interface SubscriptionStoreOptions {
  /** How many decoded rows the LRU cache holds. */
  readonly cacheSize: number;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  evictions: number;
}

/**
 * Subscriptions keyed by user_id, stored serialized as they arrived (like a changelog-backed state
 * store), read through an LRU cache of decoded rows. Every access goes through the key, so the
 * store can later be split by `partitionOf(user_id)` (key-partition.ts, Kafka's own partitioner)
 * without changing its callers.
 */
export class SubscriptionStore {
  private readonly rawByUser: (string | undefined)[] = [];
  private readonly cache: LRUCache<number, CachedSubscription>;
  private rows = 0;
  readonly counters: CacheCounters = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    private readonly dicts: Dictionaries,
    options: SubscriptionStoreOptions,
  ) {
    this.cache = new LRUCache<number, CachedSubscription>({
      max: options.cacheSize,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.counters.evictions++;
      },
    });
  }

  get size(): number {
    return this.rows;
  }

  get cacheEntries(): number {
    return this.cache.size;
  }

  /** Stores a validated row; a replaced row is dropped from the cache so later events see it. */
  put(record: SubscriptionRecord, raw: string): void {
    const user = this.dicts.user.intern(record.user_id);
    while (this.rawByUser.length <= user) this.rawByUser.push(undefined);
    if (this.rawByUser[user] === undefined) this.rows++;
    this.rawByUser[user] = raw;
    this.cache.delete(user);
  }

  /** The cached path: decoded row by user dictionary id, or undefined when the user has no row. */
  get(user: number): CachedSubscription | undefined {
    if (user < 0) return undefined;
    const hit = this.cache.get(user);
    if (hit !== undefined) {
      this.counters.hits++;
      return hit;
    }
    this.counters.misses++;
    const raw = this.rawByUser[user];
    if (raw === undefined) return undefined;
    const record = decodeSubscription(raw) as SubscriptionRecord;
    const row: CachedSubscription = {
      plan: this.dicts.plan.intern(record.plan),
      country: this.dicts.country.intern(record.country),
    };
    this.cache.set(user, row);
    return row;
  }

  /** The naive path: the serialized row by user_id, decoded in full on every call, no cache. */
  lookupUncached(userId: string): SubscriptionRecord | undefined {
    const user = this.dicts.user.idOf(userId);
    const raw = user >= 0 ? this.rawByUser[user] : undefined;
    if (raw === undefined) return undefined;
    const record = decodeSubscription(raw);
    return record instanceof Rejection ? undefined : record;
  }
}
