import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ensureDataset } from '../../src/cli/ensure-dataset.ts';
import { DEFAULTS } from '../../src/config.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { disagreements } from './agreement.ts';
import { renderChart } from './chart.ts';
import { BIN, duckdbNode, duckdbPython, hasWorkersFlag, kafka, log, ROOT, spark, streampulse, type EngineRun } from './engines.ts';
import { mergeCostInChild } from './merge-cost.ts';
import { CLIENTS, PAIRS, POLL_MS, queryLoad } from './query-load.ts';
import { pairedRatio, pairedRatioRow, RATIO_PAIRS, type RatioEngine } from './ratio-pairs.ts';
import { scalingTable } from './scaling.ts';
import { engineEnv, REMOVED_FROM_ENV } from './process-tree.ts';
import { median } from './stats.ts';
import { judgeTargets } from './targets.ts';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export type Kind = 'duckdb-ndjson' | 'duckdb' | 'streampulse-1' | 'streampulse-n' | 'other';

export interface EngineResult {
  readonly engine: string;
  readonly kind: Kind;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
  readonly eventsPerSecond: number;
  readonly replayEventsPerSecond?: number;
  readonly agrees: boolean;
  readonly problems: readonly string[];
}

/** The notebook's layout (one folder per table, DATE event_date, money as DOUBLE) for Spark and DuckDB. */
async function ensureParquet(dir: string): Promise<string> {
  const out = join(dir, 'parquet');
  if (existsSync(join(out, '.complete'))) return out;
  log('writing the Parquet copy (notebook layout)…');
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const src = (t: string): string => `read_json('${join(dir, t)}.ndjson', format='newline_delimited')`;
  const tables: Record<string, string> = {
    events: `SELECT * REPLACE (CAST(event_date AS DATE) AS event_date) FROM ${src('events')}`,
    subscriptions: `SELECT user_id, plan, CAST(monthly_price AS DOUBLE) AS monthly_price, country FROM ${src('subscriptions')}`,
    ad_rates: `SELECT ad_genre, ad_device, CAST(cpm AS DOUBLE) AS cpm FROM ${src('ad_rates')}`,
    payouts: `SELECT artist_id, CAST(per_stream_rate AS DOUBLE) AS per_stream_rate, label_type FROM ${src('payouts')}`,
  };
  for (const [table, sql] of Object.entries(tables)) {
    mkdirSync(join(out, table), { recursive: true });
    await db.run(`COPY (${sql}) TO '${join(out, table, 'part-00000.snappy.parquet')}' (FORMAT parquet, COMPRESSION snappy)`);
  }
  db.closeSync();
  writeFileSync(join(out, '.complete'), '');
  return out;
}

/** Median whole-process milliseconds of `streampulse --help` over 10 runs. */
function helpMilliseconds(): number {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const help = spawnSync(process.execPath, [BIN, '--help'], { stdio: 'ignore', env: engineEnv() });
    times.push(performance.now() - started);
    if (help.status !== 0) throw new Error(`streampulse --help exited ${help.status}`);
  }
  return median(times);
}

export async function runCompare(quick: boolean): Promise<number> {
  const events = quick ? 60_000 : DEFAULTS.events;
  const dir = await ensureDataset(DEFAULTS.dataDir, { seed: DEFAULTS.seed, events, users: DEFAULTS.users, artists: DEFAULTS.artists }, true);
  const work = mkdtempSync(join(tmpdir(), 'streampulse-compare-'));
  const cores = cpus().length;
  const machine = `${cores} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const workersFlag = hasWorkersFlag();
  const many = workersFlag ? cores : null;
  const manyLabel = workersFlag ? `--workers ${cores}` : 'without --workers (this build has no such flag)';
  log(`comparing engines on ${fmt(events)} events (seed ${DEFAULTS.seed}) — ${machine}`);
  const removed = REMOVED_FROM_ENV.filter((name) => process.env[name] !== undefined);
  if (removed.length > 0) log(`every engine runs without ${removed.join(', ')} (set here; see REMOVED_FROM_ENV in bench/compare/process-tree.ts)`);
  try {
    const revenueData = await ensureParquet(dir);
    log('timing `streampulse --help` (median of 10)…');
    const helpMs = helpMilliseconds();
    const out = (name: string): string => join(work, `${name.replace(/\W+/g, '-')}.json`);
    const skipped: string[] = [];
    const runs: { engine: string; kind: Kind; run: () => Promise<EngineRun | string>; tolerance: number }[] = [];
    const add = (engine: string, kind: Kind, run: (o: string) => Promise<EngineRun | string>, tolerance = 0): void =>
      void runs.push({ engine, kind, run: () => run(out(engine)), tolerance });
    if (workersFlag) {
      add('StreamPulse --workers 1', 'streampulse-1', (o) => streampulse(dir, { engine: 'StreamPulse --workers 1', out: o, workers: 1 }));
      add(`StreamPulse --workers ${cores}`, 'streampulse-n', (o) => streampulse(dir, { engine: `StreamPulse --workers ${cores}`, out: o, workers: cores }));
    } else {
      add('StreamPulse (no --workers yet)', 'streampulse-n', (o) => streampulse(dir, { engine: 'StreamPulse', out: o, workers: null }));
    }
    add('DuckDB Python ndjson', 'duckdb-ndjson', (o) => duckdbPython(dir, 'ndjson', o));
    add('DuckDB Node ndjson', 'duckdb-ndjson', (o) => duckdbNode(dir, 'ndjson', o));
    add('DuckDB Python parquet', 'duckdb', (o) => duckdbPython(dir, 'parquet', o));
    add('DuckDB Node parquet', 'duckdb', (o) => duckdbNode(dir, 'parquet', o));
    add('StreamPulse via Kafka', 'other', (o) => kafka(dir, o));
    if (quick) skipped.push('StreamPulse naive and Spark skipped in --quick mode');
    else {
      add('StreamPulse naive', 'other', (o) => streampulse(dir, { engine: 'StreamPulse naive', out: o, workers: null, strategy: 'naive' }));
      add('Spark baseline', 'other', (o) => spark(revenueData, o, 'baseline'), 1e-6);
      add('Spark optimized', 'other', (o) => spark(revenueData, o, 'optimized'), 1e-6);
    }

    const results: EngineResult[] = [];
    let reference: Reports | null = null;
    for (const { engine, kind, run, tolerance } of runs) {
      log(`running ${engine}…`);
      const outcome = await run();
      if (typeof outcome === 'string') {
        skipped.push(outcome);
        log(outcome);
        continue;
      }
      log(`  ${engine}: ${outcome.m.seconds.toFixed(2)} s`);
      reference ??= outcome.reports;
      const problems = disagreements(reference, outcome.reports, tolerance);
      const { seconds, cpuSeconds, peakRssMb } = outcome.m;
      results.push({ engine, kind, seconds, cpuSeconds, peakRssMb, eventsPerSecond: events / seconds, replayEventsPerSecond: outcome.replayEventsPerSecond, agrees: problems.length === 0, problems });
    }
    const fastest = results.filter((r) => r.kind === 'duckdb-ndjson').reduce<EngineResult | undefined>((best, r) => (best === undefined || r.seconds < best.seconds ? r : best), undefined);
    const fastestDuckDB = fastest?.seconds ?? null;
    console.table(
      results.map((r) => ({
        engine: r.engine,
        'wall s': r.seconds.toFixed(2),
        'CPU s': r.cpuSeconds.toFixed(2),
        'peak RSS MB': r.peakRssMb.toFixed(0),
        'events/s': fmt(r.eventsPerSecond),
        'vs DuckDB ndjson': fastestDuckDB === null ? '-' : `${(r.seconds / fastestDuckDB).toFixed(2)}×`,
        agrees: r.agrees ? 'yes' : `NO (${r.problems.length})`,
      })),
    );
    for (const line of skipped) console.log(line);

    const manyRow = results.find((r) => r.kind === 'streampulse-n') as EngineResult;
    const oneRow = results.find((r) => r.kind === 'streampulse-1');
    // both engines already ran once above: their runs are taken again, as they were added
    const again = (engine: string): RatioEngine => ({ engine, run: async () => (await (runs.find((r) => r.engine === engine) as (typeof runs)[number]).run()) as EngineRun });
    const paired = fastest === undefined ? null : await pairedRatio(again(manyRow.engine), again(fastest.engine), quick ? 1 : RATIO_PAIRS, reference as Reports);
    const ratioRow = paired === null ? null : pairedRatioRow(paired);
    if (ratioRow !== null) console.table([ratioRow]);
    if (paired !== null && paired.problems.length > 0) {
      results.push({ engine: 'paired ratio runs', kind: 'other', seconds: 0, cpuSeconds: 0, peakRssMb: 0, eventsPerSecond: 0, agrees: false, problems: paired.problems });
    }
    const load = await queryLoad(dir, out, many, manyLabel, workersFlag, reference as Reports, events, quick ? 1 : PAIRS);
    console.table(load.rows);
    if (load.problems.length > 0) {
      results.push({ engine: 'StreamPulse with /reports clients', kind: 'other', seconds: 0, cpuSeconds: 0, peakRssMb: load.peakRssMb, eventsPerSecond: 0, agrees: false, problems: load.problems });
    }
    console.log(`--help: ${helpMs.toFixed(0)} ms whole process (median of 10)`);
    log('merge cost (a process of its own): two shards publishing, a query after each publish…');
    const merge = await mergeCostInChild(dir);
    const mergeRow = {
      users: fmt(merge.users),
      publishes: merge.publishes,
      'publish taken p50 ms': merge.acceptP50Ms.toFixed(2),
      'publish taken max ms': merge.acceptMaxMs.toFixed(2),
      'merge p50 ms': merge.mergeP50Ms.toFixed(2),
      'merge p99 ms': merge.mergeP99Ms.toFixed(2),
      'merge max ms': merge.mergeMaxMs.toFixed(2),
      'with rows + JSON p50 ms': merge.queryP50Ms.toFixed(2),
      'with rows + JSON p99 ms': merge.queryP99Ms.toFixed(2),
    };
    console.table([mergeRow]);

    const scaling = await scalingTable(quick, work, many, manyLabel);
    results.push(...scaling.failures);

    const targets = judgeTargets({
      events,
      ratio: paired?.ratio ?? null,
      ratioPairs: paired?.ratios.length ?? 0,
      p99Ms: load.p99Ms,
      answers: load.answers,
      clients: CLIENTS,
      slowdown: load.slowdown,
      pollMs: POLL_MS,
      helpMs,
      peakRssMb: Math.max(manyRow.peakRssMb, load.peakRssMb),
      // the reference is the 1-worker run when there is one
      workersIdentical: oneRow === undefined ? null : manyRow.agrees && load.problems.length === 0,
      equalsDuckDB: results.some((r) => r.kind.startsWith('duckdb')) ? results.filter((r) => r.kind.startsWith('duckdb')).every((r) => r.agrees) : null,
      workersLabel: manyLabel,
      mergeMs: merge.mergeP50Ms,
      mergeUsers: merge.users,
    });
    console.log('');
    for (const t of targets) console.log(t.line);

    const date = new Date().toISOString().slice(0, 10);
    const resultsDir = join(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const name = `${date}${quick ? '-quick' : ''}`;
    const record = { date, machine, removedFromEnv: removed, events, workers: manyLabel, engines: results, skipped, ratio: ratioRow, latency: load.rows, merge: mergeRow, helpMs, scaling: scaling.rows, targets: targets.map((t) => t.line) };
    writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(record, null, 2) + '\n');
    const svg = renderChart(results.map((r) => ({ engine: r.engine, eventsPerSecond: r.eventsPerSecond })), events, scaling.series, `${fmt(events)} events, seed ${DEFAULTS.seed}; ${machine}; ${date}`);
    writeFileSync(join(resultsDir, `${name}.svg`), svg);
    console.log(`\nwrote bench/results/${name}.json and bench/results/${name}.svg`);
    const failed = results.filter((r) => !r.agrees);
    for (const r of failed) console.log(`DISAGREEMENT ${r.engine}: ${r.problems.slice(0, 5).join('; ')}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
