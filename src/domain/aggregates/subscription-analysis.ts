import type { Dictionaries } from '../dictionary.ts';
import { AD_REVENUE_SCALE, unitsToNumber } from '../records/fixed-point.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import { compareText, type SubscriptionAnalysisRow } from '../reports/report-rows.ts';
import type { Aggregate } from './aggregate.ts';
import { Bitset } from './bitset.ts';
import { bitsetsFromState, bitsetsToState, replaceAll } from './state.ts';

/** plan → distinct users, streams and mean duration (an exact integer sum divided once). */
export class SubscriptionAnalysis implements Aggregate<'subscription_analysis'> {
  readonly name = 'subscription_analysis';
  private readonly users: Bitset[] = [];
  private readonly streams: number[] = [];
  private readonly durationSum: number[] = [];
  /** Not a report column: feeds the per-plan ad revenue gauge. */
  private readonly adUnits: number[] = [];

  add(b: EnrichedBatch): void {
    const { users, streams, durationSum } = this;
    for (let i = 0; i < b.count; i++) {
      const plan = b.plan[i];
      while (streams.length <= plan) {
        users.push(new Bitset());
        streams.push(0);
        durationSum.push(0);
        this.adUnits.push(0);
      }
      users[plan].add(b.user[i]);
      streams[plan]++;
      durationSum[plan] += b.duration[i];
      this.adUnits[plan] += b.cpmUnits[i];
    }
  }

  rows(dicts: Dictionaries): SubscriptionAnalysisRow[] {
    const rows: SubscriptionAnalysisRow[] = [];
    for (let plan = 0; plan < this.streams.length; plan++) {
      if (this.streams[plan] === 0) continue;
      rows.push({
        plan: dicts.plan.value(plan),
        users: this.users[plan].size,
        total_streams: this.streams[plan],
        avg_duration: this.durationSum[plan] / this.streams[plan],
      });
    }
    return rows.sort((x, y) => compareText(x.plan, y.plan));
  }

  stateBytes(): number {
    return this.users.reduce((sum, set) => sum + set.byteLength + 16, 0);
  }

  /** Ad revenue per plan, exact units converted once. */
  adRevenueByPlan(dicts: Dictionaries): Map<string, number> {
    const out = new Map<string, number>();
    for (let plan = 0; plan < this.streams.length; plan++) {
      if (this.streams[plan] > 0) out.set(dicts.plan.value(plan), unitsToNumber(this.adUnits[plan], AD_REVENUE_SCALE));
    }
    return out;
  }

  exportState(): { users: string[]; streams: number[]; durationSum: number[]; adUnits: number[] } {
    return { users: bitsetsToState(this.users), streams: [...this.streams], durationSum: [...this.durationSum], adUnits: [...this.adUnits] };
  }

  importState(state: ReturnType<SubscriptionAnalysis['exportState']>): void {
    bitsetsFromState(this.users, state.users);
    replaceAll(this.streams, state.streams);
    replaceAll(this.durationSum, state.durationSum);
    replaceAll(this.adUnits, state.adUnits ?? state.streams.map(() => 0));
  }
}
