/**
 * Maps a pair of dictionary ids (region × country, device × genre, artist × label) to a dense slot
 * number. Both sides are open sets, so rows grow on demand instead of assuming a size.
 */
export class PairIndex {
  private readonly slotsByFirst: number[][] = [];
  private readonly firsts: number[] = [];
  private readonly seconds: number[] = [];

  get size(): number {
    return this.firsts.length;
  }

  /** The slot of (a, b), created when new; `onNew` lets the caller grow its own columns. */
  slot(a: number, b: number): number {
    let row = this.slotsByFirst[a];
    if (row === undefined) {
      for (let i = this.slotsByFirst.length; i <= a; i++) this.slotsByFirst.push([]);
      row = this.slotsByFirst[a];
    }
    const slot = row[b];
    if (slot !== undefined && slot >= 0) return slot;
    for (let i = row.length; i < b; i++) row.push(-1);
    const created = this.firsts.length;
    row[b] = created;
    this.firsts.push(a);
    this.seconds.push(b);
    return created;
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
}
