import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import { compareText, type RegionalBreakdownRow } from '../reports/report-rows.ts';
import type { Aggregate } from './aggregate.ts';
import { PairIndex } from './pair-index.ts';
import { replaceAll, type PairState } from './state.ts';

/** (region, country) → streams and Σ cpm/1000. */
export class RegionalBreakdown implements Aggregate<'regional_breakdown'> {
  readonly name = 'regional_breakdown';
  private pairs = new PairIndex();
  private readonly streams: number[] = [];
  private readonly adUnits: number[] = [];

  add(b: EnrichedBatch): void {
    const { pairs, streams, adUnits } = this;
    for (let i = 0; i < b.count; i++) {
      const slot = pairs.slot(b.region[i], b.country[i]);
      if (slot === streams.length) {
        streams.push(0);
        adUnits.push(0);
      }
      streams[slot]++;
      adUnits[slot] += b.cpmUnits[i];
    }
  }

  rows(dicts: Dictionaries): RegionalBreakdownRow[] {
    const rows: RegionalBreakdownRow[] = [];
    for (let slot = 0; slot < this.streams.length; slot++) {
      rows.push({
        region: dicts.region.value(this.pairs.first(slot)),
        country: dicts.country.value(this.pairs.second(slot)),
        streams: this.streams[slot],
        ad_rev: unitsToNumber(this.adUnits[slot], AD_REVENUE_SCALE),
      });
    }
    return rows.sort((x, y) => compareText(x.region, y.region) || compareText(x.country, y.country));
  }

  stateBytes(): number {
    return this.streams.length * 32;
  }

  exportState(): { pairs: PairState; streams: number[]; adUnits: number[] } {
    return { pairs: this.pairs.toState(), streams: [...this.streams], adUnits: [...this.adUnits] };
  }

  importState(state: ReturnType<RegionalBreakdown['exportState']>): void {
    this.pairs = PairIndex.fromState(state.pairs);
    replaceAll(this.streams, state.streams);
    replaceAll(this.adUnits, state.adUnits);
  }
}
