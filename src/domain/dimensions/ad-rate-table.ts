import type { Dictionaries } from '../dictionary.ts';
import { latin1Text } from '../records/json-bytes.ts';
import { adRateKey, decodeAdRate, type AdRateRecord } from '../records/dimension-records.ts';
import { FieldScanner } from '../records/field-scanner.ts';
import { Rejection } from '../records/rejection.ts';
import { AD_RATE_FIELDS } from '../records/schema.ts';

const ABSENT = -1;

/** An ad-rate table as it stands, for another thread's to adopt (ids are its dictionaries'). */
export interface AdRateImage {
  readonly cpmByGenre: readonly (readonly number[])[];
  readonly rawByKey: readonly (readonly [string, string])[];
}

/**
 * Ad rates (48 rows in the reference data) as a broadcast table: a dense genre × device array of
 * cpm units, so the cached path joins with two array reads. The serialized rows are kept too,
 * because the naive strategy re-reads and re-decodes them for every lookup, as the notebook's
 * non-broadcast join does.
 */
export class AdRateTable {
  private readonly cpmByGenre: number[][] = [];
  private readonly rawByKey = new Map<string, string>();
  private readonly scanner = new FieldScanner(AD_RATE_FIELDS);
  private readonly genreField = this.scanner.fieldIndex('ad_genre');
  private readonly deviceField = this.scanner.fieldIndex('ad_device');
  private readonly cpmField = this.scanner.fieldIndex('cpm');

  constructor(private readonly dicts: Dictionaries) {}

  get size(): number {
    return this.rawByKey.size;
  }

  /**
   * The row in bytes [start, end), read by the field scanner, as payouts and subscriptions are:
   * false when the scanner cannot read it and the reference decoder judges the row (put).
   */
  putScanned(bytes: Uint8Array, start: number, end: number): boolean {
    const scanner = this.scanner;
    if (!scanner.scan(bytes, start, end)) return false;
    const { starts, ends } = scanner;
    const genre = this.dicts.genre.internPlain(bytes, starts[this.genreField], ends[this.genreField]);
    const device = this.dicts.device.internPlain(bytes, starts[this.deviceField], ends[this.deviceField]);
    // the scanner reads plain ASCII only: latin1 is the row's exact text
    const key = adRateKey(scanner.text(bytes, this.genreField), scanner.text(bytes, this.deviceField));
    this.store(genre, device, scanner.units[this.cpmField], key, latin1Text(bytes, start, end));
    return true;
  }

  put(record: AdRateRecord, raw: string): void {
    this.store(this.dicts.genre.intern(record.ad_genre), this.dicts.device.intern(record.ad_device), record.cpmUnits, adRateKey(record.ad_genre, record.ad_device), raw);
  }

  private store(genre: number, device: number, cpmUnits: number, key: string, raw: string): void {
    let row = this.cpmByGenre[genre];
    if (row === undefined) {
      for (let g = this.cpmByGenre.length; g <= genre; g++) this.cpmByGenre.push([]);
      row = this.cpmByGenre[genre];
    }
    for (let d = row.length; d <= device; d++) row.push(ABSENT);
    row[device] = cpmUnits;
    this.rawByKey.set(key, raw);
  }

  image(): AdRateImage {
    return { cpmByGenre: this.cpmByGenre.map((row) => [...row]), rawByKey: [...this.rawByKey] };
  }

  /** Becomes a copy of `image`, whatever it held; the genre and device dictionaries are adopted with it (small-table-image.ts). */
  adopt(image: AdRateImage): void {
    this.cpmByGenre.length = 0;
    for (const row of image.cpmByGenre) this.cpmByGenre.push([...row]);
    this.rawByKey.clear();
    for (const [key, raw] of image.rawByKey) this.rawByKey.set(key, raw);
  }

  /** cpm units for dictionary ids, or -1 when no rate exists (the inner join drops the event). */
  cpmUnits(genre: number, device: number): number {
    const row = this.cpmByGenre[genre];
    if (row === undefined) return ABSENT;
    const cpm = row[device];
    return cpm === undefined ? ABSENT : cpm;
  }

  /** The naive lookup: serialized row by string key, decoded on every call. */
  lookupUncached(genre: string, device: string): AdRateRecord | undefined {
    const raw = this.rawByKey.get(adRateKey(genre, device));
    if (raw === undefined) return undefined;
    const record = decodeAdRate(raw);
    return record instanceof Rejection ? undefined : record;
  }
}
