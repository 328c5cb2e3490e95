import { InternalError } from '../../errors.ts';
import { BACKSLASH, CLOSE, COLON, COMMA, isSpace, latin1Text, literalEnd, numberEnd, OPEN, plainStringEnd, QUOTE } from './json-bytes.ts';
import { compiledFunction, plainStringCode, prefixCode } from './scan-code.ts';
import type { FieldSpec, RecordOf } from './schema.ts';

/**
 * A byte-level reader for the common shape of a dimension row, driven by a table's field
 * declarations: one flat JSON object of plain ASCII strings and plain decimals. It accepts only
 * what JSON.parse plus the reference decoder (field-decoder.ts) accept and reads it the same way;
 * anything else (escapes, non-ASCII, exponents, negatives, duplicate keys, nested values, any
 * error) answers false and the reference decoder takes the row, so its verdict stays final.
 */
const KIND_STRING = 0;
const KIND_DECIMAL = 1;
/** Types no dimension declares today (integers, booleans, dates): such a row takes the reference path. */
const KIND_UNSCANNED = 2;

/**
 * Digits a decimal may span, integer part plus `scale`: below 10^15 its units are exact in a
 * double, and a decimal of at most 15 significant digits is what String(JSON.parse(text)) gives
 * back, so the reference decoder reads exactly these digits.
 */
const MAX_UNIT_DIGITS = 15;
const POW10 = Array.from({ length: MAX_UNIT_DIGITS + 1 }, (_, i) => 10 ** i);

const enc = new TextEncoder();

export class FieldScanner<const Specs extends readonly FieldSpec[]> {
  /** Per field (declaration index), after a successful scan: its string value's bytes [start, end). */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Per decimal field, after a successful scan: its value in units of the field's scale. */
  readonly units: Float64Array;
  private readonly keys: readonly Uint8Array[];
  private readonly kinds: Uint8Array;
  private readonly scales: Uint8Array;
  private readonly allFields: number;
  /** Keys told apart by length and first byte: first[(length << 7) | byte] is the first candidate, next chains the rest. */
  private readonly first: Int8Array;
  private readonly next: Int8Array;
  private readonly maxKeyLength: number;

  /**
   * Reads row bytes [start, end) into starts/ends/units; false when the reference decoder must
   * judge the row. The common spelling (every declared field once, in declaration order, no
   * spaces, no extra fields) is read by code compiled from the declarations (see compileScan),
   * without scanAny's key lookups and whitespace; any other spelling is scanAny's to read.
   */
  readonly scan: (b: Uint8Array, start: number, end: number) => boolean;

  constructor(readonly specs: Specs) {
    const count = specs.length;
    if (count === 0 || count > 31) throw new InternalError('the field scanner reads 1 to 31 declared fields');
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    this.units = new Float64Array(count);
    this.keys = specs.map((f) => enc.encode(f.name));
    this.kinds = Uint8Array.from(specs, (f: FieldSpec) => (f.type === 'string' ? KIND_STRING : f.type === 'decimal' && f.scale <= MAX_UNIT_DIGITS ? KIND_DECIMAL : KIND_UNSCANNED));
    this.scales = Uint8Array.from(specs, (f: FieldSpec) => (f.type === 'decimal' ? Math.min(f.scale, MAX_UNIT_DIGITS) : 0));
    this.allFields = 2 ** count - 1;
    const prefixes = specs.map((f, field) => enc.encode(`${field === 0 ? '{' : ','}${JSON.stringify(f.name)}:`));
    this.scan = compileScan(prefixes, this.kinds, FieldScanner.prototype.scanAny, FieldScanner.prototype.decimalEnd);
    this.maxKeyLength = Math.max(0, ...this.keys.map((k) => k.length));
    this.first = new Int8Array((this.maxKeyLength + 1) << 7).fill(-1);
    this.next = new Int8Array(count).fill(-1);
    for (let field = count - 1; field >= 0; field--) {
      const key = this.keys[field];
      if (key.length === 0 || key.some((c) => c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH)) {
        throw new InternalError(`${specs[field].name}: the field scanner reads plain ASCII keys only`);
      }
      const slot = (key.length << 7) | key[0];
      this.next[field] = this.first[slot];
      this.first[slot] = field;
    }
  }

  /** Any spelling JSON.parse reads as one flat object of the declared fields; the compiled scan's fallback (passed to compileScan). */
  private scanAny(b: Uint8Array, start: number, end: number): boolean {
    const kinds = this.kinds;
    const starts = this.starts;
    const ends = this.ends;
    let p = start;
    while (p < end && isSpace(b[p])) p++;
    if (p >= end || b[p] !== OPEN) return false;
    p++;
    let seen = 0;
    for (;;) {
      while (p < end && isSpace(b[p])) p++;
      if (p >= end || b[p] !== QUOTE) return false;
      const keyStart = ++p;
      p = plainStringEnd(b, p, end);
      if (p < 0) return false;
      const field = this.fieldOf(b, keyStart, p);
      p++;
      while (p < end && isSpace(b[p])) p++;
      if (p >= end || b[p] !== COLON) return false;
      p++;
      while (p < end && isSpace(b[p])) p++;
      if (p >= end) return false;
      const c = b[p];
      if (field >= 0) {
        const bit = 1 << field;
        // JSON.parse keeps the last of duplicate keys: rare enough to leave to the reference
        if ((seen & bit) !== 0) return false;
        seen |= bit;
        const kind = kinds[field];
        if (kind === KIND_STRING) {
          if (c !== QUOTE) return false;
          const valueStart = ++p;
          p = plainStringEnd(b, p, end);
          if (p <= valueStart) return false;
          starts[field] = valueStart;
          ends[field] = p;
          p++;
        } else if (kind === KIND_DECIMAL) {
          p = this.decimalEnd(field, b, p, end);
          if (p < 0) return false;
        } else return false;
      } else if (c === QUOTE) {
        p = plainStringEnd(b, p + 1, end);
        if (p < 0) return false;
        p++;
      } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
        p = literalEnd(b, p, end, c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null');
        if (p < 0) return false;
      } else {
        // an extra numeric field; objects and arrays in extra fields take the reference path
        p = numberEnd(b, p, end);
        if (p < 0) return false;
      }
      while (p < end && isSpace(b[p])) p++;
      if (p >= end) return false;
      if (b[p] === COMMA) {
        p++;
        continue;
      }
      if (b[p] !== CLOSE) return false;
      p++;
      break;
    }
    while (p < end && isSpace(b[p])) p++;
    return p === end && seen === this.allFields;
  }

  /**
   * A plain non-negative decimal (digits, optional fraction, no exponent) at p into units[field];
   * the end of its token, or -1 for anything the reference should judge (including every value it
   * rejects: digits beyond the scale, too large for exact units).
   */
  private decimalEnd(field: number, b: Uint8Array, p: number, end: number): number {
    const scale = this.scales[field];
    const intStart = p;
    let value = 0;
    if (p < end && b[p] === 0x30) p++;
    else while (p < end && b[p] >= 0x30 && b[p] <= 0x39) value = value * 10 + (b[p++] - 0x30);
    const intDigits = p - intStart;
    if (intDigits === 0 || intDigits + scale > MAX_UNIT_DIGITS) return -1;
    let taken = 0;
    if (p < end && b[p] === 0x2e) {
      p++;
      const fracStart = p;
      for (; p < end && b[p] >= 0x30 && b[p] <= 0x39; p++) {
        if (taken < scale) {
          value = value * 10 + (b[p] - 0x30);
          taken++;
        } else if (b[p] !== 0x30) return -1;
      }
      if (p === fracStart) return -1;
    }
    if (p < end && (b[p] === 0x65 || b[p] === 0x45)) return -1;
    this.units[field] = value * POW10[scale - taken];
    return p;
  }

  /** Which declared field the key bytes [start, end) name, or -1. */
  private fieldOf(b: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length === 0 || length > this.maxKeyLength) return -1;
    for (let field = this.first[(length << 7) | b[start]]; field >= 0; field = this.next[field]) {
      const key = this.keys[field];
      let i = 1;
      while (i < length && key[i] === b[start + i]) i++;
      if (i === length) return field;
    }
    return -1;
  }

  /** The index of a declared field by name. */
  fieldIndex(name: Specs[number]['name']): number {
    return this.specs.findIndex((f) => f.name === name);
  }

  /** A string field of the last row scanned, as a string (the bytes are plain ASCII, so latin1 is exact). */
  text(b: Uint8Array, field: number): string {
    return latin1Text(b, this.starts[field], this.ends[field]);
  }

  /** The last row scanned as the reference decoder's record: strings, and decimals as units. */
  record(b: Uint8Array): RecordOf<Specs> {
    const record: Record<string, string | number> = {};
    for (let field = 0; field < this.specs.length; field++) {
      record[this.specs[field].name] = this.kinds[field] === KIND_STRING ? this.text(b, field) : this.units[field];
    }
    return record as RecordOf<Specs>;
  }
}

type Scan = (this: FieldScanner<readonly FieldSpec[]>, b: Uint8Array, start: number, end: number) => boolean;
type ScanAny = Scan;
type DecimalEnd = (this: FieldScanner<readonly FieldSpec[]>, field: number, b: Uint8Array, p: number, end: number) => number;

/**
 * One scan function per declaration, however many scanners read it (every table load makes its
 * own): a new function would start cold, its feedback and optimized code not shared with the last.
 * Each table's code calls its own, so no call site sees two (V8 undid code that had seen one).
 */
const compiled = new Map<string, Scan>();

/**
 * A scanner's scan for the declarations: the common spelling as straight-line code, one block per
 * field (its prefix, `{"name":` first and `,"name":` after, compared byte by byte against
 * constants, then its value), and scanAny for any other. Driven by per-field tables instead (a
 * loop over the prefixes, a kind per field), the same reading of 100,000 subscription rows took
 * ~1.3× as long.
 */
function compileScan(prefixes: readonly Uint8Array[], kinds: Uint8Array, scanAny: ScanAny, decimalEnd: DecimalEnd): Scan {
  const body = ['let p = start, c = 0, from = 0;'];
  prefixes.forEach((prefix, field) => {
    body.push(prefixCode(prefix, 0));
    if (kinds[field] === KIND_STRING) body.push(plainStringCode(false), `starts[${field}] = from;`, `ends[${field}] = p;`, 'p++;');
    else if (kinds[field] === KIND_DECIMAL) body.push(`p = decimalEnd.call(scanner, ${field}, b, p, end);`, 'if (p < 0) return false;');
    else body.push('return false;');
  });
  body.push(`return p + 1 === end && b[p] === ${CLOSE};`);
  const source = [
    'const declared = (scanner, starts, ends, b, start, end) => {',
    ...body,
    '};',
    'return function scan(b, start, end) {',
    '  return declared(this, this.starts, this.ends, b, start, end) || scanAny.call(this, b, start, end);',
    '};',
  ].join('\n');
  let scan = compiled.get(source);
  if (scan === undefined) {
    const make = compiledFunction(['scanAny', 'decimalEnd'], source) as ((scanAny: ScanAny, decimalEnd: DecimalEnd) => Scan) | null;
    scan =
      make?.(scanAny, decimalEnd) ??
      function scan(b, start, end) {
        return scanAny.call(this, b, start, end);
      };
    compiled.set(source, scan);
  }
  return scan;
}
