import type { Dictionaries } from '../dictionary.ts';
import { adRateKey, decodeAdRate, type AdRateRecord } from '../records/dimension-records.ts';
import { Rejection } from '../records/rejection.ts';

const ABSENT = -1;

/**
 * Ad rates (48 rows in the reference data) as a broadcast table: a dense genre × device array of
 * cpm units, so the cached path joins with two array reads. The serialized rows are kept too,
 * because the naive strategy re-reads and re-decodes them for every lookup, as the notebook's
 * non-broadcast join does.
 */
export class AdRateTable {
  private readonly cpmByGenre: number[][] = [];
  private readonly rawByKey = new Map<string, string>();

  constructor(private readonly dicts: Dictionaries) {}

  get size(): number {
    return this.rawByKey.size;
  }

  put(record: AdRateRecord, raw: string): void {
    const genre = this.dicts.genre.intern(record.ad_genre);
    const device = this.dicts.device.intern(record.ad_device);
    let row = this.cpmByGenre[genre];
    if (row === undefined) {
      for (let g = this.cpmByGenre.length; g <= genre; g++) this.cpmByGenre.push([]);
      row = this.cpmByGenre[genre];
    }
    for (let d = row.length; d <= device; d++) row.push(ABSENT);
    row[device] = record.cpmUnits;
    this.rawByKey.set(adRateKey(record.ad_genre, record.ad_device), raw);
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
