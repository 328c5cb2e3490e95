import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { disagreements } from './agreement.ts';
import { log, type EngineRun } from './engines.ts';
import { median } from './stats.ts';

/**
 * Pairs of the target's two runs in a full compare. One run of each engine, minutes apart, put
 * the ratio anywhere from 1.47× to 1.66× on the same build (stop 21's run against the same
 * commands timed in turn): the machine's speed drifts by more than a change is worth.
 */
export const RATIO_PAIRS = 7;

export interface PairedRatio {
  readonly ours: string;
  readonly theirs: string;
  /** Median over pairs of StreamPulse's seconds / DuckDB's seconds, each pair run back to back. */
  readonly ratio: number;
  readonly ratios: readonly number[];
  readonly streampulseSeconds: number;
  readonly duckdbSeconds: number;
  readonly streampulseCpuSeconds: number;
  readonly duckdbCpuSeconds: number;
  /** Disagreements of any paired run with the reference reports. */
  readonly problems: readonly string[];
}

export interface RatioEngine {
  readonly engine: string;
  readonly run: () => Promise<EngineRun>;
}

/**
 * The whole-process ratio the first target judges, measured as paired runs: StreamPulse then
 * DuckDB, back to back, `pairs` times, the ratio taken within each pair and its median reported,
 * as a paired benchmark does. Every run's reports are checked against the reference too.
 */
export async function pairedRatio(ours: RatioEngine, theirs: RatioEngine, pairs: number, reference: Reports): Promise<PairedRatio> {
  const rows: { ours: EngineRun; theirs: EngineRun }[] = [];
  const problems: string[] = [];
  for (let pair = 1; pair <= pairs; pair++) {
    log(`ratio, pair ${pair} of ${pairs}: ${ours.engine}, then ${theirs.engine}…`);
    const a = await ours.run();
    const b = await theirs.run();
    problems.push(...disagreements(reference, a.reports, 0).map((p) => `${ours.engine}: ${p}`), ...disagreements(reference, b.reports, 0).map((p) => `${theirs.engine}: ${p}`));
    rows.push({ ours: a, theirs: b });
  }
  const ratios = rows.map((r) => r.ours.m.seconds / r.theirs.m.seconds);
  return {
    ours: ours.engine,
    theirs: theirs.engine,
    ratio: median(ratios),
    ratios,
    streampulseSeconds: median(rows.map((r) => r.ours.m.seconds)),
    duckdbSeconds: median(rows.map((r) => r.theirs.m.seconds)),
    streampulseCpuSeconds: median(rows.map((r) => r.ours.m.cpuSeconds)),
    duckdbCpuSeconds: median(rows.map((r) => r.theirs.m.cpuSeconds)),
    problems,
  };
}

/** The table row of a paired ratio, as the terminal and the results file show it. */
export function pairedRatioRow(paired: PairedRatio): Record<string, string | number> {
  return {
    pairs: paired.ratios.length,
    [`${paired.ours} s`]: paired.streampulseSeconds.toFixed(3),
    [`${paired.theirs} s`]: paired.duckdbSeconds.toFixed(3),
    'CPU s (ours / theirs)': `${paired.streampulseCpuSeconds.toFixed(2)} / ${paired.duckdbCpuSeconds.toFixed(2)}`,
    'ratio (median)': `${paired.ratio.toFixed(2)}×`,
    ratios: paired.ratios.map((r) => r.toFixed(2)).join(' '),
    agree: paired.problems.length === 0 ? 'yes' : 'NO',
  };
}
