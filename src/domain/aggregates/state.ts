import { Bitset } from './bitset.ts';
import { PairIndex } from './pair-index.ts';

/** Helpers for aggregates' checkpoint state: plain arrays, bitsets as base64, pair indexes. */
export function replaceAll<T>(target: T[], source: readonly T[]): void {
  target.length = 0;
  for (const value of source) target.push(value);
}

export function bitsetsToState(sets: readonly Bitset[]): string[] {
  return sets.map((set) => set.toState());
}

export function bitsetsFromState(target: Bitset[], state: readonly string[]): void {
  replaceAll(target, state.map((s) => Bitset.fromState(s)));
}

export type PairState = ReturnType<PairIndex['toState']>;
