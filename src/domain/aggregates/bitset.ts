import { grownCopy } from '../typed-copy.ts';

/**
 * The changed words of several sets, one after the other: set g's are [offsets[g], offsets[g+1])
 * of `index` (the word's position) and `words` (its whole value now).
 */
export interface SetChanges {
  readonly offsets: Int32Array;
  readonly index: Int32Array;
  readonly words: Int32Array;
}

/**
 * A growable set of dense non-negative integers: exact distinct counts at one bit per user, and
 * O(1) insertion that reports whether the member is new. Words (and marks) are Int32Array, not
 * Uint32Array: the bits are the same, and a word read is then always a small integer (32 bits in
 * Node's V8, built without pointer compression), where a Uint32 word with its top bit set is a
 * heap number in code not yet optimized: the merger's union of a run's sets, run once at its end,
 * allocated one per such word.
 */
export class Bitset {
  private words: Int32Array;
  private members = 0;
  /**
   * A bit per word, set when it changed since the last takeChanges(); `changed` lists those words
   * (the first `changedCount` of it), in an array kept from one publish to the next: a fresh one
   * each time grew again element by element over every publish interval.
   * Bits, not a byte per word: a day's marks (3,125 words at 100,000 users) then take 392 bytes, so
   * a new member's mark is no second cache miss beside its word's.
   */
  private marks: Int32Array;
  private changed = new Int32Array(8);
  private changedCount = 0;

  constructor(initialBits = 1024) {
    this.words = new Int32Array(Math.max(1, (initialBits + 31) >>> 5));
    this.marks = new Int32Array((this.words.length + 31) >>> 5);
  }

  get size(): number {
    return this.members;
  }

  /** Adds `n`; true when it was not a member yet. */
  add(n: number): boolean {
    const word = n >>> 5;
    if (word >= this.words.length) this.grow(word);
    const mask = 1 << (n & 31);
    const current = this.words[word];
    if ((current & mask) !== 0) return false;
    this.words[word] = current | mask;
    this.members++;
    const marked = this.marks[word >>> 5];
    const bit = 1 << (word & 31);
    if ((marked & bit) === 0) {
      this.marks[word >>> 5] = marked | bit;
      this.listChanged(word);
    }
    return true;
  }

  has(n: number): boolean {
    const word = n >>> 5;
    return word < this.words.length && (this.words[word] & (1 << (n & 31))) !== 0;
  }

  /** Adds every member of `other`: a union in place. */
  addAll(other: Bitset): void {
    if (other.words.length > this.words.length) this.grow(other.words.length - 1);
    const mine = this.words;
    const theirs = other.words;
    for (let w = 0; w < theirs.length; w++) {
      const added = theirs[w] & ~mine[w];
      if (added === 0) continue;
      mine[w] |= added;
      this.members += popcount(added);
      this.mark(w);
    }
  }

  /** Calls `fn` with every member, ascending. */
  forEach(fn: (n: number) => void): void {
    const words = this.words;
    for (let w = 0; w < words.length; w++) {
      let bits = words[w];
      while (bits !== 0) {
        const low = bits & -bits;
        fn((w << 5) + (31 - Math.clz32(low)));
        bits ^= low;
      }
    }
  }

  get byteLength(): number {
    return this.words.byteLength;
  }

  /** Checkpoint form: the words up to the last non-zero one, base64. */
  toState(): string {
    let end = this.words.length;
    while (end > 0 && this.words[end - 1] === 0) end--;
    return Buffer.from(this.words.buffer, this.words.byteOffset, end * 4).toString('base64');
  }

  static fromState(state: string): Bitset {
    const bytes = Buffer.from(state, 'base64');
    const set = new Bitset(Math.max(32, bytes.length * 8));
    new Uint8Array(set.words.buffer).set(bytes);
    let members = 0;
    for (let w = 0; w < set.words.length; w++) {
      if (set.words[w] === 0) continue;
      members += popcount(set.words[w]);
      set.mark(w);
    }
    set.members = members;
    return set;
  }

  /** How many words changed since the last takeChanges(). */
  get changedWords(): number {
    return this.changedCount;
  }

  /**
   * Writes the words changed since the last call, each with its whole current value, into
   * `index`/`words` from `at` on, and forgets them: what a shard publishes, so a publish costs
   * the members new since the previous one, not every member. Returns the position after them.
   */
  takeChanges(index: Int32Array, words: Int32Array, at: number): number {
    const changed = this.changed;
    for (let c = 0; c < this.changedCount; c++) {
      const w = changed[c];
      index[at] = w;
      words[at++] = this.words[w];
      this.marks[w >>> 5] = 0;
    }
    this.changedCount = 0;
    return at;
  }

  /**
   * Adds the members of changes[from, to): a union, word by word, with a set over the same ids.
   * What it adds is not tracked as this set's own changes: a merged set is read, never published.
   */
  addChanges(changes: SetChanges, from: number, to: number): void {
    const { index, words } = changes;
    let mine = this.words;
    let members = this.members;
    for (let i = from; i < to; i++) {
      const w = index[i];
      if (w >= mine.length) {
        this.grow(w);
        mine = this.words;
      }
      const added = words[i] & ~mine[w];
      if (added === 0) continue;
      mine[w] |= added;
      members += popcount(added);
    }
    this.members = members;
  }

  /** Marks every word holding a member as changed: the next takeChanges() gives the whole set, for a reader starting over. */
  markAll(): void {
    for (let w = 0; w < this.words.length; w++) if (this.words[w] !== 0) this.mark(w);
  }

  private mark(word: number): void {
    const bit = 1 << (word & 31);
    if ((this.marks[word >>> 5] & bit) !== 0) return;
    this.marks[word >>> 5] |= bit;
    this.listChanged(word);
  }

  private listChanged(word: number): void {
    if (this.changedCount === this.changed.length) this.changed = grownCopy(this.changed, this.changed.length * 2);
    this.changed[this.changedCount++] = word;
  }

  private grow(word: number): void {
    let length = this.words.length * 2;
    while (length <= word) length *= 2;
    this.words = grownCopy(this.words, length);
    this.marks = grownCopy(this.marks, (length + 31) >>> 5);
  }
}

/** The bits set in a 32-bit word (of either sign), all in 32-bit integer arithmetic. */
function popcount(word: number): number {
  let w = word - ((word >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
