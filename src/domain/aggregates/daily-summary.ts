import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import { compareText, type DailySummaryRow } from '../reports/report-rows.ts';
import type { Aggregate } from './aggregate.ts';
import { Bitset } from './bitset.ts';
import { bitsetsFromState, bitsetsToState, replaceAll } from './state.ts';

/** event_date → streams, Σ cpm/1000 and exact distinct users, ascending by date. */
export class DailySummary implements Aggregate<'daily_summary'> {
  readonly name = 'daily_summary';
  private readonly streams: number[] = [];
  private readonly adUnits: number[] = [];
  private readonly users: Bitset[] = [];

  add(b: EnrichedBatch): void {
    const { streams, adUnits, users } = this;
    for (let i = 0; i < b.count; i++) {
      const day = b.day[i];
      while (streams.length <= day) {
        streams.push(0);
        adUnits.push(0);
        users.push(new Bitset());
      }
      streams[day]++;
      adUnits[day] += b.cpmUnits[i];
      users[day].add(b.user[i]);
    }
  }

  rows(dicts: Dictionaries): DailySummaryRow[] {
    const rows: DailySummaryRow[] = [];
    for (let day = 0; day < this.streams.length; day++) {
      if (this.streams[day] === 0) continue;
      rows.push({
        event_date: dicts.day.value(day),
        streams: this.streams[day],
        ad_rev: unitsToNumber(this.adUnits[day], AD_REVENUE_SCALE),
        unique_users: this.users[day].size,
      });
    }
    // ISO yyyy-MM-dd sorts chronologically as text
    return rows.sort((x, y) => compareText(x.event_date, y.event_date));
  }

  stateBytes(): number {
    return this.users.reduce((sum, set) => sum + set.byteLength + 16, 0);
  }

  exportState(): { streams: number[]; adUnits: number[]; users: string[] } {
    return { streams: [...this.streams], adUnits: [...this.adUnits], users: bitsetsToState(this.users) };
  }

  importState(state: ReturnType<DailySummary['exportState']>): void {
    replaceAll(this.streams, state.streams);
    replaceAll(this.adUnits, state.adUnits);
    bitsetsFromState(this.users, state.users);
  }
}
