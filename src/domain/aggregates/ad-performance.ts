import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import { compareText, type AdPerformanceRow } from '../reports/report-rows.ts';
import type { Aggregate } from './aggregate.ts';
import { PairIndex } from './pair-index.ts';
import { replaceAll, type PairState } from './state.ts';

/** (device, genre) → Σ cpm/1000 and impressions (one per counted event). */
export class AdPerformance implements Aggregate<'ad_performance'> {
  readonly name = 'ad_performance';
  private pairs = new PairIndex();
  private readonly impressions: number[] = [];
  private readonly adUnits: number[] = [];

  add(b: EnrichedBatch): void {
    const { pairs, impressions, adUnits } = this;
    for (let i = 0; i < b.count; i++) {
      const slot = pairs.slot(b.device[i], b.genre[i]);
      if (slot === impressions.length) {
        impressions.push(0);
        adUnits.push(0);
      }
      impressions[slot]++;
      adUnits[slot] += b.cpmUnits[i];
    }
  }

  rows(dicts: Dictionaries): AdPerformanceRow[] {
    const rows: AdPerformanceRow[] = [];
    for (let slot = 0; slot < this.impressions.length; slot++) {
      rows.push({
        device: dicts.device.value(this.pairs.first(slot)),
        genre: dicts.genre.value(this.pairs.second(slot)),
        total_ad_rev: unitsToNumber(this.adUnits[slot], AD_REVENUE_SCALE),
        impressions: this.impressions[slot],
      });
    }
    return rows.sort((x, y) => compareText(x.device, y.device) || compareText(x.genre, y.genre));
  }

  stateBytes(): number {
    return this.impressions.length * 32;
  }

  exportState(): { pairs: PairState; impressions: number[]; adUnits: number[] } {
    return { pairs: this.pairs.toState(), impressions: [...this.impressions], adUnits: [...this.adUnits] };
  }

  importState(state: ReturnType<AdPerformance['exportState']>): void {
    this.pairs = PairIndex.fromState(state.pairs);
    replaceAll(this.impressions, state.impressions);
    replaceAll(this.adUnits, state.adUnits);
  }
}
