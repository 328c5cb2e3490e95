/**
 * An open-addressing hash table from byte strings to integers. The event scanner looks values up
 * straight from the input bytes, so the hot path allocates no JS string per field. Each slot
 * holds [hash + 1, offset, length, value] side by side in one Int32Array, so a probe touches one
 * cache line plus the stored bytes: lookups are bound by memory latency at 100,000 users.
 */
const STRIDE = 4;

export class ByteIndex {
  private pool = new Uint8Array(1 << 16);
  private poolLength = 0;
  private slots = new Int32Array(STRIDE << 10);
  private mask = (1 << 10) - 1;
  private entries = 0;

  get size(): number {
    return this.entries;
  }

  /** The value stored for bytes [start, end) whose hash (from fnv1a) is `hash`, or -1. */
  get(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const slots = this.slots;
    const pool = this.pool;
    const tag = hash + 1;
    const length = end - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * STRIDE;
      const stored = slots[at];
      if (stored === 0) return -1;
      if (stored !== tag || slots[at + 2] !== length) continue;
      const offset = slots[at + 1];
      let i = 0;
      while (i < length && pool[offset + i] === bytes[start + i]) i++;
      if (i === length) return slots[at + 3];
    }
  }

  set(hash: number, bytes: Uint8Array, start: number, end: number, value: number): void {
    if ((this.entries + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const length = end - start;
    while (this.poolLength + length > this.pool.length) {
      const pool = new Uint8Array(this.pool.length * 2);
      pool.set(this.pool);
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(start, end), this.poolLength);
    this.insert(this.slots, this.mask, hash + 1, this.poolLength, length, value);
    this.poolLength += length;
    this.entries++;
  }

  private insert(slots: Int32Array, mask: number, tag: number, offset: number, length: number, value: number): void {
    let slot = (tag - 1) & mask;
    while (slots[slot * STRIDE] !== 0) slot = (slot + 1) & mask;
    const at = slot * STRIDE;
    slots[at] = tag;
    slots[at + 1] = offset;
    slots[at + 2] = length;
    slots[at + 3] = value;
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(size * STRIDE);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at] !== 0) this.insert(slots, mask, old[at], old[at + 1], old[at + 2], old[at + 3]);
    }
    this.slots = slots;
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
