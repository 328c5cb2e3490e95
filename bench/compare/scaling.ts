import { DEFAULTS } from '../../src/config.ts';
import { ensureDataset } from '../../src/cli/ensure-dataset.ts';
import { join } from 'node:path';
import { disagreements } from './agreement.ts';
import type { ScalingSeries } from './chart.ts';
import { duckdbNode, duckdbPython, hasPythonDuckDB, log, streampulse, type EngineRun } from './engines.ts';
import type { EngineResult } from './index.ts';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * StreamPulse with all workers against DuckDB (Python when set up, else Node) on NDJSON at three
 * sizes (the largest with 500,000 users): a row per size, the chart's series, and a result for
 * every size where they disagree.
 */
export async function scalingTable(quick: boolean, work: string, workers: number | null, workersLabel: string): Promise<{ rows: Record<string, unknown>[]; series: ScalingSeries[]; failures: EngineResult[] }> {
  const sizes = quick ? [20_000, 60_000, 300_000] : [100_000, 600_000, 3_000_000];
  const python = hasPythonDuckDB();
  const duckdbName = python ? 'DuckDB Python ndjson' : 'DuckDB Node ndjson';
  const series: { engine: string; points: { events: number; seconds: number }[] }[] = [
    { engine: `StreamPulse ${workersLabel.startsWith('--') ? workersLabel : ''}`.trim(), points: [] },
    { engine: duckdbName, points: [] },
  ];
  const rows: Record<string, unknown>[] = [];
  const failures: EngineResult[] = [];
  for (const size of sizes) {
    const users = size >= 3_000_000 ? 500_000 : DEFAULTS.users;
    log(`scaling: ${fmt(size)} events, ${fmt(users)} users…`);
    const dir = await ensureDataset(DEFAULTS.dataDir, { seed: DEFAULTS.seed, events: size, users, artists: DEFAULTS.artists }, true);
    const ours = await streampulse(dir, { engine: `StreamPulse at ${fmt(size)}`, out: join(work, `scaling-sp-${size}.json`), workers });
    const out = join(work, `scaling-duckdb-${size}.json`);
    const sql = (python ? await duckdbPython(dir, 'ndjson', out) : await duckdbNode(dir, 'ndjson', out)) as EngineRun;
    const problems = disagreements(ours.reports, sql.reports, 0);
    series[0].points.push({ events: size, seconds: ours.m.seconds });
    series[1].points.push({ events: size, seconds: sql.m.seconds });
    rows.push({
      events: fmt(size),
      users: fmt(users),
      'StreamPulse s': ours.m.seconds.toFixed(2),
      'StreamPulse MB': ours.m.peakRssMb.toFixed(0),
      [`${duckdbName} s`]: sql.m.seconds.toFixed(2),
      [`${duckdbName} MB`]: sql.m.peakRssMb.toFixed(0),
      'time vs DuckDB': `${(ours.m.seconds / sql.m.seconds).toFixed(2)}×`,
      agree: problems.length === 0 ? 'yes' : 'NO',
    });
    if (problems.length > 0) failures.push({ engine: `${duckdbName} at ${fmt(size)}`, kind: 'other', seconds: sql.m.seconds, cpuSeconds: sql.m.cpuSeconds, peakRssMb: sql.m.peakRssMb, eventsPerSecond: size / sql.m.seconds, agrees: false, problems });
  }
  console.table(rows);
  return { rows, series, failures };
}
