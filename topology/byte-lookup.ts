import { ByteIndex } from '../src/domain/byte-index.ts';
import type { Dictionary } from '../src/domain/dictionary.ts';
import { isCalendarDate } from '../src/domain/records/calendar-date.ts';

/**
 * The text of plain ASCII bytes (only such values reach a lookup). Short values, ids and
 * categories, are built char by char, which costs less than a Buffer view plus a decode.
 */
function asciiText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 24) return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/**
 * Dictionary lookups by bytes. Ids come straight from the dictionary's own byte index; only a
 * value it lacks builds a string, once, to be interned ('intern' columns). A 'find' miss stays
 * -1 and is asked again next time: its dimension row may still arrive. Dates are checked once per
 * distinct value and the verdict kept here, since a dictionary entry does not prove a date.
 */
export class ByteLookup {
  private readonly dates = new ByteIndex();
  constructor(
    private readonly dict: Dictionary,
    private readonly find: boolean,
    private readonly date: boolean,
  ) {}

  id(hash: number, bytes: Uint8Array, start: number, end: number): number {
    if (this.date) return this.dateId(hash, bytes, start, end);
    const id = this.dict.idOfBytes(hash, bytes, start, end);
    if (id >= 0 || this.find) return id;
    return this.dict.intern(asciiText(bytes, start, end));
  }

  /** The date's id, or -1 when the value is not a calendar date. */
  private dateId(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const known = this.dates.get(hash, bytes, start, end);
    if (known >= 0) return known;
    const text = asciiText(bytes, start, end);
    if (!isCalendarDate(text)) return -1;
    const id = this.find ? this.dict.idOf(text) : this.dict.intern(text);
    if (id >= 0) this.dates.set(hash, bytes, start, end, id);
    return id;
  }
}
