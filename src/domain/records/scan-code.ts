import { FNV_OFFSET, FNV_PRIME } from '../byte-index.ts';
import { BACKSLASH, QUOTE } from './json-bytes.ts';

/*
 * Pieces of JavaScript source for the scanners compiled from a table's field declarations (the
 * event scanner's and the dimension rows' common spelling): straight-line code with every byte of
 * a prefix and every bound written in as a number. They read `b` (the bytes), `end`, and move `p`;
 * `c`, `from` and `h` are the caller's locals. Only numbers from a declaration go into the source.
 */

/** The bytes of `prefix` at p (none of them past `end`, and one byte more after them), then p past it; else `return false`. */
export function prefixCode(prefix: Uint8Array, roomAfter: 0 | 1): string {
  const compares = Array.from(prefix, (byte, i) => `b[p + ${i}] !== ${byte}`).join(' || ');
  return [`if (p + ${prefix.length} ${roomAfter === 1 ? '>=' : '>'} end || ${compares}) return false;`, `p += ${prefix.length};`].join('\n');
}

/**
 * A plain string (no escapes, controls or non-ASCII, not empty) from its opening quote at p:
 * `from` at its first byte, p at its closing quote; hashed with fnv1a into `h` (not yet masked)
 * when `hashed`. Anything else: `return false`.
 */
export function plainStringCode(hashed: boolean): string {
  return [
    `if (p >= end || b[p] !== ${QUOTE}) return false;`,
    'from = ++p;',
    ...(hashed ? [`h = ${FNV_OFFSET};`] : []),
    'for (;; p++) {',
    '  if (p >= end) return false;',
    '  c = b[p];',
    `  if (c === ${QUOTE}) break;`,
    `  if (c < 0x20 || c === ${BACKSLASH} || c >= 0x80) return false;`,
    ...(hashed ? [`  h = Math.imul(h ^ c, ${FNV_PRIME});`] : []),
    '}',
    'if (p === from) return false;',
  ].join('\n');
}

/**
 * The function of `params` and `body`, or null where code may not be generated from strings
 * (node --disallow-code-generation-from-strings): the scanner then reads every record with its
 * general, table-driven reading, which accepts the common spelling too.
 */
export function compiledFunction(params: readonly string[], body: string): ((...args: never[]) => unknown) | null {
  try {
    return new Function(...params, body) as (...args: never[]) => unknown;
  } catch (error) {
    if (error instanceof EvalError) return null;
    throw error;
  }
}
