import { InternalError } from '../errors.ts';
import { latin1Text } from './records/json-bytes.ts';
import { ByteIndex, FNV_OFFSET, FNV_PRIME, HASH_MASK, type ByteIndexImage } from './byte-index.ts';
import { grownCopy, shared } from './typed-copy.ts';

/** What follows each value in the digest. */
const NEWLINE = 0x0a;

/**
 * A dictionary as it stands, to be adopted by another thread's (see Dictionary.image): values
 * interned from bytes as those bytes, in shared memory, so 100,000 users cross threads as three
 * typed arrays instead of 100,000 strings cloned into every shard.
 */
export interface DictionaryImage {
  readonly size: number;
  /** The values held as strings (not interned from bytes), by id. */
  readonly strings: ReadonlyMap<number, string>;
  /** Value bytes; a value interned from bytes is text[textStart[id], textEnd[id]). */
  readonly text: Uint8Array;
  readonly textStart: Int32Array;
  readonly textEnd: Int32Array;
  readonly byBytes: ByteIndexImage;
  /** Dictionary.digest of the values held. */
  readonly digest: number;
}

/** A value's text in an image. */
function imageValue(image: DictionaryImage, id: number): string {
  return image.strings.get(id) ?? latin1Text(image.text, image.textStart[id], image.textEnd[id]);
}

/**
 * Dictionary encoding: each distinct string gets a dense integer id in order of first sight, so
 * aggregates index arrays and bitsets instead of hashing strings per event. Ids are stable for the
 * life of the process; dictionaries grow with distinct values (users, groups), never with events.
 *
 * Every plain value (printable ASCII without quote or backslash: what the event scanner reads
 * straight from bytes) is also indexed by its bytes when interned, so the scanner finds a user
 * the dimensions named without building a string, even the first time the user listens. A value
 * interned from bytes is kept as bytes, its string made only when asked for: a shard's 100,000
 * users are ids to it, and strings it never reads are only work for the collector.
 */
export class Dictionary {
  private ids = new Map<string, number>();
  /** Values from this id on were interned from bytes and are not in `ids` yet (see internPlain). */
  private mappedUpTo = 0;
  /**
   * By id: the value's string, or undefined while it is held only as bytes in `text`. Holey from
   * the start, as adopt() makes it: a dictionary filled by interning and one adopted then share
   * one array shape, so code that has seen one is not undone by the other ("wrong map").
   */
  private values: (string | undefined)[] = new Array(0);
  private text: Uint8Array = new Uint8Array(1 << 10);
  private textLength = 0;
  /** By id: where its bytes are in `text`, or -1 for a value interned as a string. */
  private textStart: Int32Array = new Int32Array(1 << 6);
  private textEnd: Int32Array = new Int32Array(1 << 6);
  private readonly byBytes = new ByteIndex();
  private scratch = new Uint8Array(64);
  private running = FNV_OFFSET;

  get size(): number {
    return this.values.length;
  }

  /**
   * FNV-1a (32 bits) over every value in id order, each its char codes and then a newline: the
   * same for a value held as bytes or as a string. Kept as values are interned (the bytes are in
   * hand then), so a shard states its numbering of 100,000 users without reading them again.
   */
  get digest(): number {
    return this.running >>> 0;
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
      this.room(id, 0);
      this.values.push(value);
      this.textStart[id] = -1;
      this.ids.set(value, id);
      this.mappedUpTo = this.values.length;
      this.indexBytes(value, id);
      let digest = this.running;
      for (let i = 0; i < value.length; i++) digest = Math.imul(digest ^ value.charCodeAt(i), FNV_PRIME);
      this.running = Math.imul(digest ^ NEWLINE, FNV_PRIME);
    }
    return id;
  }

  /**
   * intern() for a plain value in bytes [start, end) (printable ASCII, no quote or backslash, as
   * the scanners read them): found by its bytes, and when new indexed and kept by them as they
   * are. It is put in the by-string map only when a string lookup next needs it, so loading
   * 100,000 users from a subscription file costs no Map insertion and no string.
   */
  internPlain(bytes: Uint8Array, start: number, end: number): number {
    let hash = FNV_OFFSET;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
    hash &= HASH_MASK;
    const id = this.values.length;
    // indexed in the probe that finds it new
    const found = this.byBytes.getOrSet(hash, bytes, start, end, id);
    if (found >= 0) return found;
    const length = end - start;
    this.room(id, length);
    const text = this.text;
    const at = this.textLength;
    let digest = this.running;
    for (let i = 0; i < length; i++) {
      const c = bytes[start + i];
      text[at + i] = c;
      digest = Math.imul(digest ^ c, FNV_PRIME);
    }
    this.running = Math.imul(digest ^ NEWLINE, FNV_PRIME);
    this.textStart[id] = at;
    this.textEnd[id] = at + length;
    this.textLength = at + length;
    this.values.push(undefined);
    return id;
  }

  /** Room for id `id` and `length` more value bytes. */
  private room(id: number, length: number): void {
    if (id >= this.textStart.length) {
      const size = this.textStart.length * 2;
      this.textStart = grownCopy(this.textStart, size);
      this.textEnd = grownCopy(this.textEnd, size);
    }
    if (this.textLength + length > this.text.length) {
      let size = this.text.length * 2;
      while (this.textLength + length > size) size *= 2;
      this.text = grownCopy(this.text.subarray(0, this.textLength), size);
    }
  }

  /** Puts the values interned from bytes since into the by-string map. */
  private mapAll(): void {
    for (; this.mappedUpTo < this.values.length; this.mappedUpTo++) this.ids.set(this.value(this.mappedUpTo), this.mappedUpTo);
  }

  value(id: number): string {
    const value = this.values[id];
    if (value !== undefined) return value;
    const made = latin1Text(this.text, this.textStart[id], this.textEnd[id]);
    this.values[id] = made;
    return made;
  }

  /** The values from id `start` on, in id order: what a shard publishes as its dictionary grows. */
  valuesFrom(start: number): string[] {
    const values: string[] = [];
    for (let id = start; id < this.values.length; id++) values.push(this.value(id));
    return values;
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

  /** The dictionary as it stands (see DictionaryImage). */
  image(): DictionaryImage {
    const size = this.values.length;
    const strings = new Map<number, string>();
    for (let id = 0; id < size; id++) if (this.textStart[id] < 0) strings.set(id, this.values[id] as string);
    return {
      size,
      strings,
      // ids and bytes are only ever added past what the image holds: its views never change
      text: shared(this.text.subarray(0, this.textLength)),
      textStart: shared(this.textStart.subarray(0, size)),
      textEnd: shared(this.textEnd.subarray(0, size)),
      byBytes: this.byBytes.image(),
      digest: this.digest,
    };
  }

  /**
   * Becomes `image`, the same value under every id, never writing it (its arrays are read in
   * place until this dictionary grows). Only over nothing the image does not hold: an empty
   * dictionary, or an earlier image of the one it was taken from (which only grows).
   */
  adopt(image: DictionaryImage): void {
    const held = this.values.length;
    if (held > image.size || !this.begins(image, held)) throw new InternalError(`a dictionary of ${held} values cannot adopt an image of ${image.size} that does not begin with them`);
    const values = new Array<string | undefined>(image.size).fill(undefined);
    for (const [id, value] of image.strings) values[id] = value;
    this.values = values;
    // read where they are, never written: each array is exactly full, so the first value interned
    // here grows it into a copy (room()); small ones are copied at once, at the sizes room() grows from
    const borrow = image.size >= 1 << 6 && image.text.length >= 1 << 10;
    this.textStart = borrow ? image.textStart : grownCopy(image.textStart, 1 << 6);
    this.textEnd = borrow ? image.textEnd : grownCopy(image.textEnd, 1 << 6);
    this.text = borrow ? image.text : grownCopy(image.text, 1 << 10);
    this.textLength = image.text.length;
    this.ids = new Map();
    this.mappedUpTo = 0;
    this.byBytes.adopt(image.byBytes);
    this.running = image.digest;
  }

  /** True when the image holds this dictionary's first `held` values under the same ids (bytes compared as bytes, no string made). */
  private begins(image: DictionaryImage, held: number): boolean {
    for (let id = 0; id < held; id++) {
      const mine = this.textStart[id];
      const theirs = image.textStart[id];
      if (mine >= 0 && theirs >= 0) {
        const length = this.textEnd[id] - mine;
        if (image.textEnd[id] - theirs !== length) return false;
        for (let i = 0; i < length; i++) if (this.text[mine + i] !== image.text[theirs + i]) return false;
      } else if (this.value(id) !== imageValue(image, id)) return false;
    }
    return true;
  }

  /** Every value in id order: the checkpoint form. */
  toState(): string[] {
    return this.valuesFrom(0);
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
