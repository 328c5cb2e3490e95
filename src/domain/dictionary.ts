import { InternalError } from '../errors.ts';
import { ByteIndex, FNV_OFFSET, FNV_PRIME, HASH_MASK, type ByteIndexImage } from './byte-index.ts';

const latin1 = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

/** A dictionary as it stands, to be adopted by another thread's (see Dictionary.image). */
export interface DictionaryImage {
  /** Every value in id order. */
  readonly values: readonly string[];
  readonly byBytes: ByteIndexImage;
}

/**
 * Dictionary encoding: each distinct string gets a dense integer id in order of first sight, so
 * aggregates index arrays and bitsets instead of hashing strings per event. Ids are stable for the
 * life of the process; dictionaries grow with distinct values (users, groups), never with events.
 *
 * Every plain value (printable ASCII without quote or backslash: what the event scanner reads
 * straight from bytes) is also indexed by its bytes when interned, so the scanner finds a user
 * the dimensions named without building a string, even the first time the user listens.
 */
export class Dictionary {
  private ids = new Map<string, number>();
  /** Values from this id on were interned from bytes and are not in `ids` yet (see internPlain). */
  private mappedUpTo = 0;
  private values: string[] = [];
  private readonly byBytes = new ByteIndex();
  private scratch = new Uint8Array(64);

  get size(): number {
    return this.values.length;
  }

  /** Room for `values` in all, indexed by bytes, without growing on the way. */
  reserve(values: number): void {
    this.byBytes.reserve(values);
  }

  /** The id of `value`, or -1 when it was never interned. */
  idOf(value: string): number {
    this.mapAll();
    const id = this.ids.get(value);
    return id === undefined ? -1 : id;
  }

  /**
   * The id of the plain value in bytes [start, end), hashed with fnv1a to `hash`, or -1 when it was
   * never interned: idOf without a string.
   */
  idOfBytes(hash: number, bytes: Uint8Array, start: number, end: number): number {
    return this.byBytes.get(hash, bytes, start, end);
  }

  intern(value: string): number {
    this.mapAll();
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
      this.mappedUpTo = this.values.length;
      this.indexBytes(value, id);
    }
    return id;
  }

  /**
   * intern() for a plain value in bytes [start, end) (printable ASCII, no quote or backslash, as
   * the scanners read them): found by its bytes, and when new indexed by them as they are. It is
   * put in the by-string map only when a string lookup next needs it, so loading 100,000 users
   * from a subscription file costs no Map insertion while only the scanners look them up.
   */
  internPlain(bytes: Uint8Array, start: number, end: number): number {
    let hash = FNV_OFFSET;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
    hash &= HASH_MASK;
    const found = this.byBytes.get(hash, bytes, start, end);
    if (found >= 0) return found;
    const id = this.values.length;
    this.values.push(latin1.call(bytes, start, end));
    this.byBytes.set(hash, bytes, start, end, id);
    return id;
  }

  /** Puts the values interned from bytes since into the by-string map. */
  private mapAll(): void {
    for (; this.mappedUpTo < this.values.length; this.mappedUpTo++) this.ids.set(this.values[this.mappedUpTo], this.mappedUpTo);
  }

  value(id: number): string {
    return this.values[id];
  }

  /** The values from id `start` on, in id order: what a shard publishes as its dictionary grows. */
  valuesFrom(start: number): string[] {
    return this.values.slice(start);
  }

  /** A value the scanner could not read as plain bytes is never looked up that way: not indexed. */
  private indexBytes(value: string, id: number): void {
    if (value.length > this.scratch.length) this.scratch = new Uint8Array(value.length * 2);
    const bytes = this.scratch;
    let hash = FNV_OFFSET;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) return;
      bytes[i] = c;
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    this.byBytes.set(hash & HASH_MASK, bytes, 0, value.length, id);
  }

  /** The dictionary as it stands: values, and their byte index in shared memory. */
  image(): DictionaryImage {
    return { values: [...this.values], byBytes: this.byBytes.image() };
  }

  /**
   * Becomes a copy of `image`, the same value under every id. Only over nothing the image does not
   * hold: an empty dictionary, or an earlier image of the one it was taken from (which only grows).
   */
  adopt(image: DictionaryImage): void {
    const held = this.values.length;
    if (held > image.values.length || (held > 0 && this.values[held - 1] !== image.values[held - 1])) throw new InternalError(`a dictionary of ${held} values cannot adopt an image of ${image.values.length} that does not begin with them`);
    this.values = [...image.values];
    this.ids = new Map();
    this.mappedUpTo = 0;
    this.byBytes.adopt(image.byBytes);
  }

  /** Every value in id order: the checkpoint form. */
  toState(): string[] {
    return [...this.values];
  }

  /** Restores ids exactly; only into an empty dictionary, before anything was interned. */
  importState(values: readonly string[]): void {
    if (this.values.length > 0) throw new InternalError('a dictionary can only be restored while empty');
    for (const value of values) this.intern(value);
  }
}

/** The dictionaries every stage shares: one per identifier or category column. */
export interface Dictionaries {
  readonly user: Dictionary;
  readonly artist: Dictionary;
  readonly genre: Dictionary;
  readonly region: Dictionary;
  readonly device: Dictionary;
  readonly day: Dictionary;
  readonly plan: Dictionary;
  readonly country: Dictionary;
  readonly label: Dictionary;
}

export function createDictionaries(): Dictionaries {
  return {
    user: new Dictionary(),
    artist: new Dictionary(),
    genre: new Dictionary(),
    region: new Dictionary(),
    device: new Dictionary(),
    day: new Dictionary(),
    plan: new Dictionary(),
    country: new Dictionary(),
    label: new Dictionary(),
  };
}
