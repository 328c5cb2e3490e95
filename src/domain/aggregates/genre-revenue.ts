import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import { compareText, type GenreRevenueRow } from '../reports/report-rows.ts';
import type { Aggregate } from './aggregate.ts';
import { Bitset } from './bitset.ts';
import { bitsetsFromState, bitsetsToState, replaceAll } from './state.ts';

/** genre → Σ cpm/1000 and exact distinct listeners. */
export class GenreRevenue implements Aggregate<'genre_revenue'> {
  readonly name = 'genre_revenue';
  private readonly adUnits: number[] = [];
  private readonly listeners: Bitset[] = [];

  add(b: EnrichedBatch): void {
    const { adUnits, listeners } = this;
    for (let i = 0; i < b.count; i++) {
      const genre = b.genre[i];
      while (adUnits.length <= genre) {
        adUnits.push(0);
        listeners.push(new Bitset());
      }
      adUnits[genre] += b.cpmUnits[i];
      listeners[genre].add(b.user[i]);
    }
  }

  rows(dicts: Dictionaries): GenreRevenueRow[] {
    const rows: GenreRevenueRow[] = [];
    for (let genre = 0; genre < this.adUnits.length; genre++) {
      if (this.listeners[genre].size === 0) continue;
      rows.push({
        genre: dicts.genre.value(genre),
        total_ad_rev: unitsToNumber(this.adUnits[genre], AD_REVENUE_SCALE),
        unique_listeners: this.listeners[genre].size,
      });
    }
    return rows.sort((x, y) => compareText(x.genre, y.genre));
  }

  stateBytes(): number {
    return this.listeners.reduce((sum, set) => sum + set.byteLength + 8, 0);
  }

  exportState(): { adUnits: number[]; listeners: string[] } {
    return { adUnits: [...this.adUnits], listeners: bitsetsToState(this.listeners) };
  }

  importState(state: ReturnType<GenreRevenue['exportState']>): void {
    replaceAll(this.adUnits, state.adUnits);
    bitsetsFromState(this.listeners, state.listeners);
  }
}
