import type { Dictionaries } from '../dictionary.ts';
import { latin1Text } from '../records/json-bytes.ts';
import { decodePayout, type PayoutRecord } from '../records/dimension-records.ts';
import { FieldScanner } from '../records/field-scanner.ts';
import { Rejection } from '../records/rejection.ts';
import { PAYOUT_FIELDS } from '../records/schema.ts';

const ABSENT = -1;

/** A payout table as it stands, for another thread's to adopt (ids are its dictionaries'). */
export interface PayoutImage {
  readonly rateUnitsByArtist: readonly number[];
  readonly labelByArtist: readonly number[];
  readonly rawByArtist: readonly (string | undefined)[];
  readonly rows: number;
}

/**
 * Artist payout rates (5,000 rows in the reference data) as a broadcast table indexed by the
 * artist's dictionary id. Serialized rows are kept for the naive strategy's per-lookup decode.
 */
export class PayoutTable {
  private readonly rateUnitsByArtist: number[] = [];
  private readonly labelByArtist: number[] = [];
  /** By artist id: the row as it arrived, or undefined for an artist with no payout row. */
  private readonly rawByArtist: (string | undefined)[] = [];
  private rows = 0;
  private readonly scanner = new FieldScanner(PAYOUT_FIELDS);
  private readonly artistField = this.scanner.fieldIndex('artist_id');
  private readonly rateField = this.scanner.fieldIndex('per_stream_rate');
  private readonly labelField = this.scanner.fieldIndex('label_type');

  constructor(private readonly dicts: Dictionaries) {}

  get size(): number {
    return this.rows;
  }

  /**
   * The row in bytes [start, end), read by the field scanner and stored with no string but its own
   * text (kept for the naive strategy): ids from the bytes, as the events' scanner finds them.
   * False when the scanner cannot read it: the reference decoder judges the row (put).
   */
  putScanned(bytes: Uint8Array, start: number, end: number): boolean {
    const scanner = this.scanner;
    if (!scanner.scan(bytes, start, end)) return false;
    const artist = this.dicts.artist.internPlain(bytes, scanner.starts[this.artistField], scanner.ends[this.artistField]);
    const label = this.dicts.label.internPlain(bytes, scanner.starts[this.labelField], scanner.ends[this.labelField]);
    // the scanner reads plain ASCII only: latin1 is the row's exact text
    this.store(artist, scanner.units[this.rateField], label, latin1Text(bytes, start, end));
    return true;
  }

  put(record: PayoutRecord, raw: string): void {
    this.store(this.dicts.artist.intern(record.artist_id), record.rateUnits, this.dicts.label.intern(record.label_type), raw);
  }

  private store(artist: number, rateUnits: number, label: number, raw: string): void {
    for (let a = this.rateUnitsByArtist.length; a <= artist; a++) {
      this.rateUnitsByArtist.push(ABSENT);
      this.labelByArtist.push(ABSENT);
      this.rawByArtist.push(undefined);
    }
    if (this.rawByArtist[artist] === undefined) this.rows++;
    this.rateUnitsByArtist[artist] = rateUnits;
    this.labelByArtist[artist] = label;
    this.rawByArtist[artist] = raw;
  }

  image(): PayoutImage {
    return { rateUnitsByArtist: [...this.rateUnitsByArtist], labelByArtist: [...this.labelByArtist], rawByArtist: [...this.rawByArtist], rows: this.rows };
  }

  /** Becomes a copy of `image`, whatever it held; the artist and label dictionaries are adopted with it (small-table-image.ts). */
  adopt(image: PayoutImage): void {
    const artists = image.rawByArtist.length;
    this.rateUnitsByArtist.length = 0;
    this.labelByArtist.length = 0;
    this.rawByArtist.length = 0;
    for (let a = 0; a < artists; a++) {
      this.rateUnitsByArtist.push(image.rateUnitsByArtist[a]);
      this.labelByArtist.push(image.labelByArtist[a]);
      this.rawByArtist.push(image.rawByArtist[a]);
    }
    this.rows = image.rows;
  }

  /** Rate units for an artist id, or -1 when the artist has no payout row. */
  rateUnits(artist: number): number {
    return artist < 0 || artist >= this.rateUnitsByArtist.length ? ABSENT : this.rateUnitsByArtist[artist];
  }

  label(artist: number): number {
    return this.labelByArtist[artist];
  }

  lookupUncached(artistId: string): PayoutRecord | undefined {
    const artist = this.dicts.artist.idOf(artistId);
    const raw = artist < 0 ? undefined : this.rawByArtist[artist];
    if (raw === undefined) return undefined;
    const record = decodePayout(raw);
    return record instanceof Rejection ? undefined : record;
  }
}
