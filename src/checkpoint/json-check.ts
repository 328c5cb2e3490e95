import { CheckpointError } from '../errors.ts';

/**
 * Small checks over parsed JSON that name the first problem with its JSON path
 * (`offsets["3"]`, `state.reports.cached[0].adUnits[5]`): the message a user can act on.
 */
export type Json = Record<string, unknown>;

export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function problem(path: string, expected: string, value: unknown): CheckpointError {
  return new CheckpointError(`${path === '' ? 'the file' : path} must be ${expected}, got ${describeValue(value)}`);
}

export function object(value: unknown, path: string, keys: { required: readonly string[]; optional?: readonly string[] }): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw problem(path, 'a JSON object', value);
  const record = value as Json;
  for (const key of keys.required) if (!(key in record)) throw problem(at(path, key), 'present', undefined);
  const known = new Set([...keys.required, ...(keys.optional ?? [])]);
  for (const key of Object.keys(record)) if (!known.has(key)) throw new CheckpointError(`${at(path, key)} is not a field of this checkpoint format`);
  return record;
}

/** A plain object whose keys are free (partitions, strategies); values checked by the caller. */
export function map(value: unknown, path: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw problem(path, 'a JSON object', value);
  return value as Json;
}

export function array(value: unknown, path: string, length?: number): unknown[] {
  if (!Array.isArray(value)) throw problem(path, length === undefined ? 'an array' : `an array of ${length}`, value);
  if (length !== undefined && value.length !== length) throw problem(path, `an array of ${length}`, value);
  return value;
}

export function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw problem(path, 'a string', value);
  return value;
}

/** A safe integer in [min, max]. */
export function integer(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const expected = min === 0 && max === Number.MAX_SAFE_INTEGER ? 'a non-negative integer' : max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
    throw problem(path, expected, value);
  }
  return value;
}

/** An array of safe integers in [0, below), optionally of a given length. */
export function integers(value: unknown, path: string, options: { length?: number; below?: number; belowWhat?: string } = {}): number[] {
  const list = array(value, path, options.length);
  for (let i = 0; i < list.length; i++) {
    const n = list[i];
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && (options.below === undefined || n < options.below)) continue;
    if (options.below !== undefined && typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) {
      throw problem(at(path, i), `below ${options.below} (${options.belowWhat ?? 'the dictionary size'})`, n);
    }
    integer(n, at(path, i));
  }
  return list as number[];
}
