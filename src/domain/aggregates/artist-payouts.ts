import { PAYOUT_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import { compareText, type ArtistPayoutRow } from '../reports/report-rows.ts';
import type { Aggregate } from './aggregate.ts';
import { PairIndex } from './pair-index.ts';
import { replaceAll, type PairState } from './state.ts';

export const TOP_ARTISTS = 100;

/**
 * (artist_id, label_type) → Σ per_stream_rate and streams; the report is the top 100 by payout,
 * ties by artist_id then label_type ascending so equal payouts always list the same way. All
 * groups are kept (they grow with artists, not events), so the top 100 stays exact as rates move.
 */
export class ArtistPayouts implements Aggregate<'artist_payouts'> {
  readonly name = 'artist_payouts';
  private pairs = new PairIndex();
  private readonly streams: number[] = [];
  private readonly rateUnits: number[] = [];

  add(b: EnrichedBatch): void {
    const { pairs, streams, rateUnits } = this;
    for (let i = 0; i < b.count; i++) {
      const slot = pairs.slot(b.artist[i], b.label[i]);
      if (slot === streams.length) {
        streams.push(0);
        rateUnits.push(0);
      }
      streams[slot]++;
      rateUnits[slot] += b.rateUnits[i];
    }
  }

  rows(dicts: Dictionaries): ArtistPayoutRow[] {
    const { pairs, rateUnits } = this;
    const slots = Array.from({ length: this.streams.length }, (_, slot) => slot);
    const artistOf = (slot: number): string => dicts.artist.value(pairs.first(slot));
    const labelOf = (slot: number): string => dicts.label.value(pairs.second(slot));
    slots.sort(
      (x, y) =>
        rateUnits[y] - rateUnits[x] || compareText(artistOf(x), artistOf(y)) || compareText(labelOf(x), labelOf(y)),
    );
    return slots.slice(0, TOP_ARTISTS).map((slot) => ({
      artist_id: artistOf(slot),
      label_type: labelOf(slot),
      total_payout: unitsToNumber(rateUnits[slot], PAYOUT_SCALE),
      total_streams: this.streams[slot],
    }));
  }

  stateBytes(): number {
    return this.streams.length * 40;
  }

  exportState(): { pairs: PairState; streams: number[]; rateUnits: number[] } {
    return { pairs: this.pairs.toState(), streams: [...this.streams], rateUnits: [...this.rateUnits] };
  }

  importState(state: ReturnType<ArtistPayouts['exportState']>): void {
    this.pairs = PairIndex.fromState(state.pairs);
    replaceAll(this.streams, state.streams);
    replaceAll(this.rateUnits, state.rateUnits);
  }
}
