/**
 * A growable set of dense non-negative integers: exact distinct counts at one bit per user, and
 * O(1) insertion that reports whether the member is new.
 */
export class Bitset {
  private words: Uint32Array;
  private members = 0;

  constructor(initialBits = 1024) {
    this.words = new Uint32Array(Math.max(1, (initialBits + 31) >>> 5));
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
    for (const word of set.words) members += popcount(word);
    set.members = members;
    return set;
  }

  private grow(word: number): void {
    let length = this.words.length * 2;
    while (length <= word) length *= 2;
    const words = new Uint32Array(length);
    words.set(this.words);
    this.words = words;
  }
}

function popcount(word: number): number {
  let w = word - ((word >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
