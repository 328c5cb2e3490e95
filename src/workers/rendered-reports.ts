import { ReportSet } from '../domain/aggregates/index.ts';
import { createDictionaries } from '../domain/dictionary.ts';
import type { Strategy } from '../domain/run-progress.ts';
import type { Reports } from '../domain/reports/report-rows.ts';
import { InternalError } from '../errors.ts';
import type { Merger } from './merger.ts';
import type { Rendered } from './shard-protocol.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The main thread's side of the merger's renders: the latest one's JSON as it came (what /reports
 * sends), its rows parsed once when something needs them as objects (the summary, the gauges),
 * and before the first render the reports of no events.
 */
export class RenderedReports {
  private readonly empty: Rendered;
  private parsed: { generation: number; reports: Map<Strategy, Reports> } = { generation: -1, reports: new Map() };

  constructor(
    strategies: readonly Strategy[],
    private readonly merger: Merger,
  ) {
    const none = new ReportSet().snapshot(createDictionaries());
    const json: Partial<Record<Strategy, Uint8Array>> = {};
    for (const strategy of strategies) json[strategy] = encoder.encode(JSON.stringify(none));
    this.empty = { type: 'rendered', generation: 0, final: false, at: 0, partitions: [], cost: {}, json, planAdRevenue: {} };
  }

  private get latest(): Rendered {
    return this.merger.rendered ?? this.empty;
  }

  json(strategy: Strategy): Uint8Array {
    const json = this.latest.json[strategy];
    if (json === undefined) throw new InternalError(`strategy ${strategy} is not rendered`);
    return json;
  }

  reports(strategy: Strategy): Reports {
    const latest = this.latest;
    if (this.parsed.generation !== latest.generation) this.parsed = { generation: latest.generation, reports: new Map() };
    let reports = this.parsed.reports.get(strategy);
    if (reports === undefined) {
      reports = JSON.parse(decoder.decode(this.json(strategy))) as Reports;
      this.parsed.reports.set(strategy, reports);
    }
    return reports;
  }

  /** Counts the publishes the latest render took in (0 before the first). */
  get generation(): number {
    return this.latest.generation;
  }

  /** When the latest render was made, null before the first. */
  get at(): number | null {
    return this.latest === this.empty ? null : this.latest.at;
  }

  partitions(): Rendered['partitions'] {
    return this.latest.partitions;
  }

  cost(): Rendered['cost'] {
    return this.latest.cost;
  }

  planAdRevenue(strategy: Strategy): readonly (readonly [string, number])[] {
    return this.latest.planAdRevenue[strategy] ?? [];
  }
}

