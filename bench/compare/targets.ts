/** Issue 12's targets, judged from one compare run's figures. */
export interface TargetFigures {
  readonly events: number;
  /**
   * Whole-process seconds of StreamPulse with all workers over those of the fastest DuckDB on
   * NDJSON: the median of the ratios of `ratioPairs` pairs run back to back (null: no DuckDB ran).
   */
  readonly ratio: number | null;
  readonly ratioPairs: number;
  readonly p99Ms: number;
  readonly answers: number;
  readonly clients: number;
  /** How often each client polls. */
  readonly pollMs: number;
  /** (rate without clients − rate with) / rate without. */
  readonly slowdown: number;
  readonly helpMs: number;
  readonly peakRssMb: number;
  /** null when only one StreamPulse layout ran (no --workers). */
  readonly workersIdentical: boolean | null;
  readonly equalsDuckDB: boolean | null;
  /** How the "all workers" runs were made, e.g. "--workers 2". */
  readonly workersLabel: string;
  /** A query's merge of the published partials (p50 ms), and the users they span. */
  readonly mergeMs: number;
  readonly mergeUsers: number;
}

export interface Target {
  readonly pass: boolean;
  readonly line: string;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function judgeTargets(f: TargetFigures): Target[] {
  const targets: Target[] = [];
  const add = (pass: boolean, line: string): void => void targets.push({ pass, line: `${pass ? 'PASS' : 'FAIL'}  ${line}` });
  if (f.ratio === null) add(false, `${fmt(f.events)} NDJSON whole process vs DuckDB: no DuckDB figure`);
  else {
    const pairs = f.ratioPairs === 1 ? 'one pair' : `median of ${f.ratioPairs} pairs`;
    add(f.ratio <= 1.5, `${fmt(f.events)} NDJSON whole process (${f.workersLabel}): ${f.ratio.toFixed(2)}× DuckDB's time, ${pairs} (target ≤ 1.5×, aim ≤ 1.0×${f.ratio <= 1 ? ': met' : ''})`);
  }
  add(f.answers > 0 && f.p99Ms <= 10, `/reports p99 with ${f.clients} clients polling every ${f.pollMs} ms during the replay: ${f.p99Ms.toFixed(2)} ms over ${fmt(f.answers)} answers (target ≤ 10 ms)`);
  add(f.mergeMs <= 2, `merging the published partials for a query, six reports at ${fmt(f.mergeUsers)} users: ${f.mergeMs.toFixed(2)} ms (p50; target ≤ 2 ms)`);
  add(f.slowdown <= 0.1, `ingest slowed by the ${f.clients} clients (median of paired runs): ${(f.slowdown * 100).toFixed(1)}% (target ≤ 10%)`);
  add(f.helpMs <= 150, `--help whole process, median of 10: ${f.helpMs.toFixed(0)} ms (target ≤ 150 ms)`);
  add(f.peakRssMb <= 400, `peak RSS with all workers (${f.workersLabel}): ${f.peakRssMb.toFixed(0)} MB (target ≤ 400 MB)`);
  if (f.workersIdentical === null) add(false, 'reports with 1 and N workers: not compared (this build has no --workers)');
  else add(f.workersIdentical, `reports with 1 and N workers: ${f.workersIdentical ? 'identical' : 'DIFFER'}`);
  if (f.equalsDuckDB === null) add(false, 'reports equal to DuckDB: no DuckDB ran');
  else add(f.equalsDuckDB, `reports equal to DuckDB's (every DuckDB engine and input): ${f.equalsDuckDB ? 'yes' : 'NO'}`);
  return targets;
}
