import type { Dictionaries } from '../dictionary.ts';
import { decodePayout, type PayoutRecord } from '../records/dimension-records.ts';
import { Rejection } from '../records/rejection.ts';

const ABSENT = -1;

/**
 * Artist payout rates (5,000 rows in the reference data) as a broadcast table indexed by the
 * artist's dictionary id. Serialized rows are kept for the naive strategy's per-lookup decode.
 */
export class PayoutTable {
  private readonly rateUnitsByArtist: number[] = [];
  private readonly labelByArtist: number[] = [];
  private readonly rawByArtist = new Map<string, string>();

  constructor(private readonly dicts: Dictionaries) {}

  get size(): number {
    return this.rawByArtist.size;
  }

  put(record: PayoutRecord, raw: string): void {
    const artist = this.dicts.artist.intern(record.artist_id);
    for (let a = this.rateUnitsByArtist.length; a <= artist; a++) {
      this.rateUnitsByArtist.push(ABSENT);
      this.labelByArtist.push(ABSENT);
    }
    this.rateUnitsByArtist[artist] = record.rateUnits;
    this.labelByArtist[artist] = this.dicts.label.intern(record.label_type);
    this.rawByArtist.set(record.artist_id, raw);
  }

  /** Rate units for an artist id, or -1 when the artist has no payout row. */
  rateUnits(artist: number): number {
    return artist < 0 || artist >= this.rateUnitsByArtist.length ? ABSENT : this.rateUnitsByArtist[artist];
  }

  label(artist: number): number {
    return this.labelByArtist[artist];
  }

  lookupUncached(artistId: string): PayoutRecord | undefined {
    const raw = this.rawByArtist.get(artistId);
    if (raw === undefined) return undefined;
    const record = decodePayout(raw);
    return record instanceof Rejection ? undefined : record;
  }
}
