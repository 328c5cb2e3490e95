/**
 * An open-addressing hash table from byte strings to integers. The event scanner looks values up
 * straight from the input bytes, so the hot path allocates no JS string per field.
 */
export class ByteIndex {
  private pool = new Uint8Array(1 << 16);
  private poolLength = 0;
  private table = new Int32Array(1 << 10).fill(-1);
  private offsets: number[] = [];
  private lengths: number[] = [];
  private hashes: number[] = [];
  private values: number[] = [];

  get size(): number {
    return this.values.length;
  }

  /** The value stored for bytes [start, end) whose FNV-1a hash is `hash`, or -1. */
  get(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const mask = this.table.length - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot];
      if (entry < 0) return -1;
      if (this.hashes[entry] !== hash || this.lengths[entry] !== length) continue;
      const offset = this.offsets[entry];
      let i = 0;
      while (i < length && this.pool[offset + i] === bytes[start + i]) i++;
      if (i === length) return this.values[entry];
    }
  }

  set(hash: number, bytes: Uint8Array, start: number, end: number, value: number): void {
    if ((this.values.length + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const length = end - start;
    while (this.poolLength + length > this.pool.length) {
      const pool = new Uint8Array(this.pool.length * 2);
      pool.set(this.pool);
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(start, end), this.poolLength);
    const entry = this.values.length;
    this.offsets.push(this.poolLength);
    this.lengths.push(length);
    this.hashes.push(hash);
    this.values.push(value);
    this.poolLength += length;
    this.insert(entry);
  }

  private insert(entry: number): void {
    const mask = this.table.length - 1;
    let slot = this.hashes[entry] & mask;
    while (this.table[slot] >= 0) slot = (slot + 1) & mask;
    this.table[slot] = entry;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size).fill(-1);
    for (let entry = 0; entry < this.values.length; entry++) this.insert(entry);
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
