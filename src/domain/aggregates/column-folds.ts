import type { Bitset } from './bitset.ts';

/*
 * The per-measure loops, one function per kind and value type: every aggregate runs them, and a
 * loop that sees only one kind of array stays monomorphic, where one shared loop would not.
 */
export function addCounts(counts: number[], slots: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) counts[slots[i]]++;
}

export function addSums(sums: number[], slots: Int32Array, values: Int32Array | Float64Array, n: number): void {
  if (values instanceof Float64Array) addFloatSums(sums, slots, values, n);
  else addIntSums(sums, slots, values, n);
}

function addFloatSums(sums: number[], slots: Int32Array, values: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) sums[slots[i]] += values[i];
}

function addIntSums(sums: number[], slots: Int32Array, values: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) sums[slots[i]] += values[i];
}

/**
 * A count or sum column holding `values`, its array of doubles from the start: a sum outgrows the
 * small integers mid-run, and the array's change of kind then undid the code adding into it.
 */
export function numberColumn(values: readonly number[]): number[] {
  const column = [0.5];
  column.pop();
  for (const value of values) column.push(value);
  return column;
}

export function addDistinct(sets: Bitset[], slots: Int32Array, users: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) sets[slots[i]].add(users[i]);
}
