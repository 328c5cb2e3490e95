import { LRUCache } from 'lru-cache';
import type { Dictionaries, DictionaryImage } from '../dictionary.ts';
import { allocate, grownCopy, shared } from '../typed-copy.ts';
import { InternalError } from '../../errors.ts';
import { decodeSubscription, subscriptionOf, type SubscriptionRecord } from '../records/dimension-records.ts';
import { FieldScanner } from '../records/field-scanner.ts';
import { Rejection } from '../records/rejection.ts';
import { SUBSCRIPTION_FIELDS } from '../records/schema.ts';
import { PairIndex } from '../aggregates/pair-index.ts';
import { ByteInterner } from './byte-interner.ts';

/**
 * A subscription decoded down to what the reports use: the dense id of its (plan, country) pair
 * of dictionary ids, read back with planOf and countryOf; -1 when the user has no row. A small
 * integer rather than an object, so the cache holds no object per user and a miss allocates none.
 */
export type CachedSubscription = number;
export const NO_SUBSCRIPTION = -1;

export interface SubscriptionStoreOptions {
  /** How many decoded rows the LRU cache holds. */
  readonly cacheSize: number;
}

/**
 * A loaded subscription table with the dictionaries it fills (users, plans, countries), in shared
 * memory: what one thread loads once and every shard adopts, instead of each loading the file.
 */
export interface SubscriptionImage {
  readonly users: DictionaryImage;
  readonly plans: DictionaryImage;
  readonly countries: DictionaryImage;
  readonly rows: number;
  readonly liveBytes: number;
  readonly arena: Uint8Array;
  /** Per user id, as SubscriptionStore keeps them. */
  readonly rowStart: Float64Array;
  readonly rowLength: Int32Array;
  readonly rowPlan: Int32Array;
  readonly rowCountry: Int32Array;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  evictions: number;
}

// the same decoding as recordText, so a stored row reads back exactly as it arrived
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
/** Rows up to this long are copied byte by byte: cheaper than a subarray view per row. */
const SHORT_ROW = 256;

/**
 * Subscriptions keyed by user_id, stored serialized as they arrived (like a changelog-backed state
 * store), read through an LRU cache of decoded rows. Each row's bytes are copied into one growing
 * arena, so loading decodes no text. A row the field scanner validates at load also keeps the
 * dictionary ids of its plan and country, which the scan has just found: a cache miss then builds
 * the cached row from them instead of scanning the row again (each shard misses once per user it
 * sees, 95,000 times in 300,000 events at 100,000 users). Any other row is decoded from its bytes
 * on a miss. Every access goes through the key, so the store can later be split by
 * `partitionOf(user_id)` (key-partition.ts, Kafka's own partitioner) without changing its callers.
 */
export class SubscriptionStore {
  private arena: Uint8Array = new Uint8Array(1 << 16);
  private arenaLength = 0;
  /** Bytes of the rows currently stored; the rest of the arena holds replaced rows until a compaction. */
  private liveBytes = 0;
  /** Per user dictionary id: where its row starts in the arena, and its length (0: no row). */
  private rowStart: Float64Array = new Float64Array(1 << 10);
  private rowLength: Int32Array = new Int32Array(1 << 10);
  /** Per user: the plan's and country's dictionary ids as the load's scan found them; -1 when the row must be decoded on a miss. */
  private rowPlan: Int32Array = new Int32Array(1 << 10);
  private rowCountry: Int32Array = new Int32Array(1 << 10);
  /** The columns and arena are an adopted image's, read in place until a row is put (copy on write). */
  private borrowed = false;
  private readonly cache: LRUCache<number, CachedSubscription>;
  /** The (plan, country) pairs cached rows name: a handful, however many users. */
  private readonly pairs = new PairIndex();
  private readonly scanner = new FieldScanner(SUBSCRIPTION_FIELDS);
  private readonly userField = this.scanner.fieldIndex('user_id');
  private readonly planField = this.scanner.fieldIndex('plan');
  private readonly countryField = this.scanner.fieldIndex('country');
  private readonly plans: ByteInterner;
  private readonly countries: ByteInterner;
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
    this.plans = new ByteInterner(dicts.plan);
    this.countries = new ByteInterner(dicts.country);
  }

  get size(): number {
    return this.rows;
  }

  get cacheEntries(): number {
    return this.cache.size;
  }

  /**
   * Validates and stores the row bytes [start, end) when the field scanner settles them; false
   * (nothing stored) when the reference decoder must judge the row.
   */
  putScanned(bytes: Uint8Array, start: number, end: number): boolean {
    const scanner = this.scanner;
    if (!scanner.scan(bytes, start, end)) return false;
    const user = this.dicts.user.internPlain(bytes, scanner.starts[this.userField], scanner.ends[this.userField]);
    const plan = this.plans.id(bytes, scanner.starts[this.planField], scanner.ends[this.planField]);
    this.put(user, bytes, start, end, plan, this.countries.id(bytes, scanner.starts[this.countryField], scanner.ends[this.countryField]));
    return true;
  }

  /**
   * Stores a validated row's bytes under its user's id, with its plan's and country's ids when the
   * caller has them (-1: decoded from the bytes on a miss); a replaced row is dropped from the
   * cache so later events see it.
   */
  put(user: number, bytes: Uint8Array, start: number, end: number, plan = -1, country = -1): void {
    if (this.borrowed) this.own();
    const length = end - start;
    if (user >= this.rowLength.length || this.arenaLength + length > this.arena.length) this.reserve(user, length);
    const old = this.rowLength[user];
    if (old === 0) this.rows++;
    else {
      this.liveBytes -= old;
      this.cache.delete(user);
    }
    const at = this.arenaLength;
    const arena = this.arena;
    if (length <= SHORT_ROW) for (let i = 0; i < length; i++) arena[at + i] = bytes[start + i];
    else arena.set(bytes.subarray(start, end), at);
    this.rowStart[user] = at;
    this.rowLength[user] = length;
    this.rowPlan[user] = plan;
    this.rowCountry[user] = country;
    this.arenaLength += length;
    this.liveBytes += length;
  }

  /**
   * The table and its dictionaries as they stand (see SubscriptionImage): its own arena and
   * columns when they are in shared memory already, so the table is handed over without a copy;
   * a row put here from now on then copies them first (as on an adopted image).
   */
  image(): SubscriptionImage {
    const users = this.dicts.user.size;
    const image: SubscriptionImage = {
      users: this.dicts.user.image(),
      plans: this.dicts.plan.image(),
      countries: this.dicts.country.image(),
      rows: this.rows,
      liveBytes: this.liveBytes,
      arena: shared(this.arena.subarray(0, this.arenaLength)),
      rowStart: shared(this.rowStart.subarray(0, users)),
      rowLength: shared(this.rowLength.subarray(0, users)),
      rowPlan: shared(this.rowPlan.subarray(0, users)),
      rowCountry: shared(this.rowCountry.subarray(0, users)),
    };
    const own = [this.arena, this.rowStart, this.rowLength, this.rowPlan, this.rowCountry];
    const views = [image.arena, image.rowStart, image.rowLength, image.rowPlan, image.rowCountry];
    this.borrowed ||= views.some((view, i) => view.buffer === own[i].buffer);
    return image;
  }

  /**
   * Becomes a copy of `image`, its dictionaries included: every user, plan and country under the
   * same id as where it was loaded. Only over what an earlier image of the same load gave, or
   * nothing (Dictionary.adopt checks); the cache starts over, so no row replaced since is served.
   */
  adopt(image: SubscriptionImage): void {
    const users = image.users.size;
    if ([image.rowStart, image.rowLength, image.rowPlan, image.rowCountry].some((column) => column.length !== users)) throw new InternalError(`a subscription image of ${users} users has columns of another length`);
    this.dicts.user.adopt(image.users);
    this.dicts.plan.adopt(image.plans);
    this.dicts.country.adopt(image.countries);
    // read where they are: the first row put here copies them (own()), so the image is never written
    this.rowStart = image.rowStart;
    this.rowLength = image.rowLength;
    this.rowPlan = image.rowPlan;
    this.rowCountry = image.rowCountry;
    this.arena = image.arena;
    this.borrowed = true;
    this.arenaLength = image.arena.length;
    this.rows = image.rows;
    this.liveBytes = image.liveBytes;
    this.cache.clear();
  }

  /** The cached path: decoded row by user dictionary id, or NO_SUBSCRIPTION when the user has no row. */
  get(user: number): CachedSubscription {
    if (user < 0) return NO_SUBSCRIPTION;
    const hit = this.cache.get(user);
    if (hit !== undefined) {
      this.counters.hits++;
      return hit;
    }
    this.counters.misses++;
    if (user >= this.rowLength.length || this.rowLength[user] === 0) return NO_SUBSCRIPTION;
    const plan = this.rowPlan[user];
    const row = plan >= 0 ? this.pairs.slot(plan, this.rowCountry[user]) : this.decode(user);
    this.cache.set(user, row);
    return row;
  }

  /** The plan's dictionary id of a cached row. */
  planOf(row: CachedSubscription): number {
    return this.pairs.first(row);
  }

  /** The country's dictionary id of a cached row. */
  countryOf(row: CachedSubscription): number {
    return this.pairs.second(row);
  }

  /** A row's cached form from its bytes: the field scanner's reading, or the reference decoder's. */
  private decode(user: number): CachedSubscription {
    const start = this.rowStart[user];
    const end = start + this.rowLength[user];
    const arena = this.arena;
    const scanner = this.scanner;
    if (scanner.scan(arena, start, end)) {
      const plan = this.plans.id(arena, scanner.starts[this.planField], scanner.ends[this.planField]);
      return this.pairs.slot(plan, this.countries.id(arena, scanner.starts[this.countryField], scanner.ends[this.countryField]));
    }
    const record = decodeSubscription(decoder.decode(arena.subarray(start, end))) as SubscriptionRecord;
    return this.pairs.slot(this.dicts.plan.intern(record.plan), this.dicts.country.intern(record.country));
  }

  /** The naive path: the serialized row by user_id, decoded in full on every call, no cache. */
  lookupUncached(userId: string): SubscriptionRecord | undefined {
    const user = this.dicts.user.idOf(userId);
    if (user < 0 || user >= this.rowLength.length || this.rowLength[user] === 0) return undefined;
    const start = this.rowStart[user];
    const end = start + this.rowLength[user];
    if (this.scanner.scan(this.arena, start, end)) return subscriptionOf(this.scanner.record(this.arena));
    const record = decodeSubscription(decoder.decode(this.arena.subarray(start, end)));
    return record instanceof Rejection ? undefined : record;
  }

  /**
   * Room for `rows` rows of `bytes` in all, the users' dictionary included, so loading a table of
   * known size grows nothing row by row (each doubling copies and rehashes everything held).
   */
  expect(rows: number, bytes: number): void {
    if (this.borrowed) this.own();
    this.dicts.user.reserve(rows);
    const slots = this.dicts.user.size + rows;
    if (slots > this.rowLength.length) this.reserve(slots - 1, 0);
    if (this.arenaLength + bytes > this.arena.length) {
      const arena = allocate(Uint8Array, this.arenaLength + bytes);
      arena.set(this.arena.subarray(0, this.arenaLength));
      this.arena = arena;
    }
  }

  /** The adopted image's columns and arena copied into this thread's memory, before any is written. */
  private own(): void {
    this.rowStart = grownCopy(this.rowStart, 1 << 10);
    this.rowLength = grownCopy(this.rowLength, 1 << 10);
    this.rowPlan = grownCopy(this.rowPlan, 1 << 10);
    this.rowCountry = grownCopy(this.rowCountry, 1 << 10);
    this.arena = grownCopy(this.arena, 1 << 16);
    this.borrowed = false;
  }

  /** Room for user's slot and `length` more arena bytes: grows, or compacts once replaced rows are half the arena. */
  private reserve(user: number, length: number): void {
    if (user >= this.rowLength.length) {
      const size = Math.max(this.rowLength.length * 2, user + 1);
      this.rowStart = grownCopy(this.rowStart, size);
      this.rowLength = grownCopy(this.rowLength, size);
      this.rowPlan = grownCopy(this.rowPlan, size);
      this.rowCountry = grownCopy(this.rowCountry, size);
    }
    if (this.arenaLength + length <= this.arena.length) return;
    const size = Math.max(this.arena.length, 2 * (this.liveBytes + length));
    const arena = allocate(Uint8Array, size);
    if ((this.arenaLength - this.liveBytes) * 2 <= this.arenaLength) {
      arena.set(this.arena.subarray(0, this.arenaLength));
    } else {
      let at = 0;
      for (let u = 0; u < this.rowLength.length; u++) {
        const rowLength = this.rowLength[u];
        if (rowLength === 0) continue;
        arena.set(this.arena.subarray(this.rowStart[u], this.rowStart[u] + rowLength), at);
        this.rowStart[u] = at;
        at += rowLength;
      }
      this.arenaLength = at;
    }
    this.arena = arena;
  }
}
