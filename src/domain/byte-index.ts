import { InternalError } from '../errors.ts';
import { allocate, grownCopy, shared } from './typed-copy.ts';

/**
 * An open-addressing hash table from byte strings to integers. The event scanner looks values up
 * straight from the input bytes, so the hot path allocates no JS string per field.
 *
 * Lookups are bound by memory latency at 100,000 users, so a probe should touch one cache line:
 * each slot is 32 bytes, [hash + 1, length, value, pool offset] then the key's first INLINE bytes,
 * and a key that fits (ids, categories, dates) is compared right there. Longer keys are compared
 * in the shared byte pool.
 */
const STRIDE = 8;
const INLINE = 16;
const INLINE_AT = 16;

/**
 * A ByteIndex as it stands, in shared memory: what one thread builds and others adopt (a table
 * loaded once for every shard). Never written once made; each adopter copies it.
 */
export interface ByteIndexImage {
  readonly slots: Int32Array;
  readonly pool: Uint8Array;
  readonly entries: number;
}

export class ByteIndex {
  private pool: Uint8Array = new Uint8Array(1 << 12);
  private poolLength = 0;
  private slots: Int32Array = new Int32Array(STRIDE << 10);
  private slotBytes = new Uint8Array(this.slots.buffer);
  private mask = (1 << 10) - 1;
  private entries = 0;
  /** The slots are an adopted image's, read in place until the first key is set (copy on write). */
  private borrowed = false;

  get size(): number {
    return this.entries;
  }

  /** The value stored for bytes [start, end) whose hash (from fnv1a) is `hash`, or -1. */
  get(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const at = this.probe(hash, bytes, start, end);
    return at >= 0 ? this.slots[at + 2] : -1;
  }

  /**
   * get(), and when the bytes are not held, set() to `value` in the same probe: -1 then (the key is
   * added), else the value already stored. What interning a new value costs is mostly this probe.
   */
  getOrSet(hash: number, bytes: Uint8Array, start: number, end: number, value: number): number {
    const at = this.probe(hash, bytes, start, end);
    if (at >= 0) return this.slots[at + 2];
    // the empty slot found is the key's unless the slots move first (a copy, or a larger table)
    if (this.borrowed || this.fullForOneMore()) this.set(hash, bytes, start, end, value);
    else this.store(-at - 1, hash + 1, bytes, start, end, value);
    return -1;
  }

  /** The word where the key's slot starts, or, when it is not held, -1 - the word of the empty slot that ends its probe. */
  private probe(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const slots = this.slots;
    const tag = hash + 1;
    const length = end - start;
    const mask = this.mask;
    // the step to the next slot runs before the first one too: run only on a collision, it had no
    // type feedback when V8 optimized a caller, and undid that code at the first collision after
    for (let slot = (hash - 1) & mask; ; ) {
      slot = (slot + 1) & mask;
      const at = slot * STRIDE;
      const stored = slots[at];
      if (stored === 0) return -1 - at;
      if (stored !== tag || slots[at + 1] !== length) continue;
      let i = 0;
      if (length <= INLINE) {
        const inline = this.slotBytes;
        const from = at * 4 + INLINE_AT;
        while (i < length && inline[from + i] === bytes[start + i]) i++;
      } else {
        const pool = this.pool;
        const offset = slots[at + 3];
        while (i < length && pool[offset + i] === bytes[start + i]) i++;
      }
      if (i === length) return at;
    }
  }

  set(hash: number, bytes: Uint8Array, start: number, end: number, value: number): void {
    if (this.borrowed) this.ownSlots();
    if (this.fullForOneMore()) this.rehash((this.mask + 1) * 2);
    const tag = hash + 1;
    const mask = this.mask;
    // the step runs before the first slot too, as in probe()
    let slot = (hash - 1) & mask;
    do slot = (slot + 1) & mask;
    while (this.slots[slot * STRIDE] !== 0);
    this.store(slot * STRIDE, tag, bytes, start, end, value);
  }

  /** Whether one more key would fill the slots past half (the table grows first). */
  private fullForOneMore(): boolean {
    return (this.entries + 1) * 2 > this.mask + 1;
  }

  /** The key's entry written into the empty slot at word `at`. */
  private store(at: number, tag: number, bytes: Uint8Array, start: number, end: number, value: number): void {
    const length = end - start;
    this.slots[at] = tag;
    this.slots[at + 1] = length;
    this.slots[at + 2] = value;
    if (length <= INLINE) {
      const from = at * 4 + INLINE_AT;
      for (let i = 0; i < length; i++) this.slotBytes[from + i] = bytes[start + i];
    } else {
      while (this.poolLength + length > this.pool.length) {
        const pool = new Uint8Array(Math.max(1 << 12, this.pool.length * 2));
        pool.set(this.pool);
        this.pool = pool;
      }
      this.pool.set(bytes.subarray(start, end), this.poolLength);
      this.slots[at + 3] = this.poolLength;
      this.poolLength += length;
    }
    this.entries++;
  }

  /** The index as it stands, in shared memory (see ByteIndexImage): its own slots when they are there already, written again only as a copy. */
  image(): ByteIndexImage {
    const slots = shared(this.slots);
    // a key set here from now on would show in the image: the next one copies the slots first
    if (slots === this.slots) this.borrowed = true;
    // the pool only grows past what the image holds
    return { slots, pool: shared(this.pool.subarray(0, this.poolLength)), entries: this.entries };
  }

  /**
   * Becomes `image`, whatever it held, never writing it: its slots and pool are read where they are
   * (every shard reads the one table, none copies 8 MB of it before its first event), and copied
   * at the first key set here; the pool is exactly full, so the first key it holds moves it too.
   */
  adopt(image: ByteIndexImage): void {
    const size = image.slots.length / STRIDE;
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0 || image.entries * 2 > size) throw new InternalError(`a byte index image of ${image.slots.length} slot words for ${image.entries} entries is not one`);
    this.slots = image.slots;
    this.slotBytes = new Uint8Array(image.slots.buffer, image.slots.byteOffset, image.slots.byteLength);
    this.borrowed = true;
    this.mask = size - 1;
    this.entries = image.entries;
    this.pool = image.pool;
    this.poolLength = image.pool.length;
  }

  /** The adopted slots copied into this thread's memory, before one is written. */
  private ownSlots(): void {
    this.slots = grownCopy(this.slots, this.slots.length);
    this.slotBytes = new Uint8Array(this.slots.buffer);
    this.borrowed = false;
  }

  /** Room for `entries` in all without a rehash on the way (a table's expected size). */
  reserve(entries: number): void {
    let size = this.mask + 1;
    while (entries * 2 > size) size *= 2;
    if (size > this.mask + 1) this.rehash(size);
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = allocate(Int32Array, size * STRIDE);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at] === 0) continue;
      let slot = (old[at] - 1) & mask;
      while (slots[slot * STRIDE] !== 0) slot = (slot + 1) & mask;
      // the whole slot moves, inline key bytes included
      const to = slot * STRIDE;
      for (let i = 0; i < STRIDE; i++) slots[to + i] = old[at + i];
    }
    this.slots = slots;
    this.slotBytes = new Uint8Array(slots.buffer);
    this.borrowed = false;
    this.mask = mask;
  }
}

export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 16777619;
/** Hashes are cut to 30 bits so V8 keeps them as small integers: no heap number per lookup. */
export const HASH_MASK = 0x3fffffff;

export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash & HASH_MASK;
}
