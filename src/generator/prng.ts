import { InternalError } from '../errors.ts';

/**
 * A small seeded PRNG: xoshiro128** (Blackman & Vigna) with its 128-bit state filled by
 * splitmix32. Written here rather than imported so a dataset generated from a seed stays
 * byte-identical forever: no library upgrade can change the sequence.
 */

const UINT32_RANGE = 0x1_0000_0000;
const GOLDEN_GAMMA = 0x9e3779b9;

/** splitmix32: turns consecutive counter values into well-mixed 32-bit words for seeding. */
function splitmix32(state: number): number {
  let z = state >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkUint32(name: string, value: number): number {
  // Negative int32 values are accepted as their two's-complement uint32 so `x | 0` seeds work.
  if (!Number.isInteger(value) || value < -0x8000_0000 || value >= UINT32_RANGE) {
    throw new InternalError(`${name} must be a 32-bit integer, got ${value}`);
  }
  return value >>> 0;
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * `stream` selects an independent sequence for the same seed, so separate tables can draw
   * from their own streams and one table's size never shifts another table's values.
   */
  constructor(seed: number, stream = 0) {
    let counter = (checkUint32('seed', seed) ^ Math.imul(checkUint32('stream', stream), 0x85ebca6b)) >>> 0;
    const next = (): number => {
      counter = (counter + GOLDEN_GAMMA) >>> 0;
      return splitmix32(counter);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // xoshiro's only forbidden state; splitmix32 is a bijection so this cannot happen, but be safe.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = GOLDEN_GAMMA;
  }

  /** A generator with an explicit xoshiro128** state, for checking against reference vectors. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Prng {
    const prng = new Prng(0);
    prng.s0 = s0 >>> 0;
    prng.s1 = s1 >>> 0;
    prng.s2 = s2 >>> 0;
    prng.s3 = s3 >>> 0;
    if ((prng.s0 | prng.s1 | prng.s2 | prng.s3) === 0) throw new InternalError('xoshiro128** state must not be all zero');
    return prng;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [lo, hi]; rejection sampling removes the modulo bias. */
  intInclusive(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
      throw new InternalError(`intInclusive needs integers lo <= hi, got ${lo}, ${hi}`);
    }
    const range = hi - lo + 1;
    if (range > UINT32_RANGE) throw new InternalError(`intInclusive range ${range} exceeds 2^32`);
    // Largest multiple of `range` not above 2^32: draws at or past it would favour small values.
    const limit = UINT32_RANGE - (UINT32_RANGE % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return lo + (x % range);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InternalError('pick from an empty list');
    return items[this.intInclusive(0, items.length - 1)];
  }

  /** The top bit: xoshiro128**'s high bits are its strongest. */
  bool(): boolean {
    return this.nextUint32() >= 0x8000_0000;
  }
}
