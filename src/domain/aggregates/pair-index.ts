import { InternalError } from '../../errors.ts';

/**
 * Maps a pair of dictionary ids (region × country, device × genre, artist × label) to a dense slot
 * number. Both sides are open sets, so the table grows on demand instead of assuming a size.
 *
 * The slots live in one flat Int32Array indexed by (a << shift) | b, where 2^shift covers every
 * second id seen: a hit is one shift, one bounds check and one typed-array read, which matters
 * because every event asks once per aggregate. The ids here are categories and artists, so the
 * table stays small (rows × the next power of two above the largest second id); pairs that would
 * grow it past MAX_TABLE go to nested maps instead, so a wide key costs speed, never memory.
 */
const EMPTY = -1;
const MAX_TABLE = 1 << 22;

export class PairIndex {
  private table = new Int32Array(16).fill(EMPTY);
  private shift = 0;
  /** How many first ids the table has rows for: table.length / 2^shift. */
  private rows = 16;
  private readonly firsts: number[] = [];
  private readonly seconds: number[] = [];
  private readonly overflow = new Map<number, Map<number, number>>();

  get size(): number {
    return this.firsts.length;
  }

  /** The slot of (a, b), created when new. */
  slot(a: number, b: number): number {
    if (b >>> this.shift === 0 && a >>> 0 < this.rows) {
      const slot = this.table[(a << this.shift) | b];
      if (slot !== EMPTY) return slot;
    }
    return this.create(a, b);
  }

  toState(): { firsts: number[]; seconds: number[] } {
    return { firsts: [...this.firsts], seconds: [...this.seconds] };
  }

  static fromState(state: { firsts: readonly number[]; seconds: readonly number[] }): PairIndex {
    const index = new PairIndex();
    state.firsts.forEach((a, i) => index.slot(a, state.seconds[i]));
    return index;
  }

  first(slot: number): number {
    return this.firsts[slot];
  }

  second(slot: number): number {
    return this.seconds[slot];
  }

  private create(a: number, b: number): number {
    if (a < 0 || b < 0) throw new InternalError(`pair (${a}, ${b}): dictionary ids are never negative`);
    const wide = this.overflow.get(a)?.get(b);
    if (wide !== undefined) return wide;
    const created = this.firsts.length;
    let shift = this.shift;
    while (b >>> shift !== 0) shift++;
    // in doubles, so a wide pair cannot overflow int32 before it is sent to the maps
    const rows = Math.max(a + 1, this.rows);
    if (rows * 2 ** shift > MAX_TABLE) {
      let row = this.overflow.get(a);
      if (row === undefined) this.overflow.set(a, (row = new Map()));
      row.set(b, created);
    } else {
      if (shift !== this.shift || rows > this.rows) this.resize(shift, rows);
      this.table[(a << shift) | b] = created;
    }
    this.firsts.push(a);
    this.seconds.push(b);
    return created;
  }

  /** Re-lays the table for 2^shift columns and at least `rows` rows (doubling, to amortize). */
  private resize(shift: number, rows: number): void {
    let length = this.table.length;
    while (length < rows * 2 ** shift) length *= 2;
    const table = new Int32Array(Math.min(length, MAX_TABLE)).fill(EMPTY);
    for (let s = 0; s < this.firsts.length; s++) {
      const a = this.firsts[s];
      const b = this.seconds[s];
      if (this.overflow.get(a)?.get(b) !== s) table[(a << shift) | b] = s;
    }
    this.table = table;
    this.shift = shift;
    this.rows = table.length >>> shift;
  }
}
