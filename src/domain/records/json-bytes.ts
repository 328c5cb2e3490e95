/**
 * JSON syntax at the byte level, shared by the scanners that read records straight from bytes
 * (the event scanner and the dimensions' field scanner): the structural bytes, and the ends of
 * the tokens they skip or check the way JSON.parse would.
 */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const OPEN = 0x7b;
export const CLOSE = 0x7d;

// Buffer's own latin1 decoder reads any Uint8Array, with no Buffer view allocated per value
const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

/** The text of bytes [start, end) read as latin1: exactly the text of the plain ASCII the scanners accept. */
export function latin1Text(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(bytes, start, end);
}

export function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index of the closing quote of a plain string (no escapes, controls or non-ASCII) starting at p, or -1. */
export function plainStringEnd(b: Uint8Array, p: number, end: number): number {
  for (; p < end; p++) {
    const c = b[p];
    if (c === QUOTE) return p;
    if (c < 0x20 || c === BACKSLASH || c >= 0x80) return -1;
  }
  return -1;
}

/** End of a JSON number token starting at p per the JSON grammar, or -1 when malformed. */
export function numberEnd(b: Uint8Array, p: number, end: number): number {
  if (p < end && b[p] === 0x2d) p++;
  if (p >= end) return -1;
  if (b[p] === 0x30) p++;
  else if (b[p] >= 0x31 && b[p] <= 0x39) while (p < end && b[p] >= 0x30 && b[p] <= 0x39) p++;
  else return -1;
  if (p < end && b[p] === 0x2e) {
    p++;
    const digits = p;
    while (p < end && b[p] >= 0x30 && b[p] <= 0x39) p++;
    if (p === digits) return -1;
  }
  if (p < end && (b[p] === 0x65 || b[p] === 0x45)) {
    p++;
    if (p < end && (b[p] === 0x2b || b[p] === 0x2d)) p++;
    const digits = p;
    while (p < end && b[p] >= 0x30 && b[p] <= 0x39) p++;
    if (p === digits) return -1;
  }
  return p;
}

/** End of the literal `word` (true, false, null) at p, or -1. */
export function literalEnd(b: Uint8Array, p: number, end: number, word: string): number {
  if (p + word.length > end) return -1;
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word.charCodeAt(i)) return -1;
  return p + word.length;
}
