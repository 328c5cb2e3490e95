import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ensureDataset } from '../../src/cli/ensure-dataset.ts';
import { DEFAULTS } from '../../src/config.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { LocalBroker } from '../../src/kafka/local-broker.ts';
import { disagreements } from './agreement.ts';
import { renderChart, type ScalingSeries } from './chart.ts';
import { measure, type Measured } from './process-tree.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/streampulse.js');
const SPARK_PYTHON = join(ROOT, 'bench/spark/.venv/bin/python');
const log = (line: string): void => void process.stderr.write(line + '\n');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface EngineResult {
  readonly engine: string;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly eventsPerSecond: number;
  readonly agrees: boolean;
  readonly problems: readonly string[];
}

/** The notebook's layout (one folder per table, DATE event_date, money as DOUBLE) for Spark. */
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

function check(m: Measured, what: string): void {
  if (m.status !== 0) throw new Error(`${what} failed (exit ${m.status}):\n${m.stderr.slice(-2000)}`);
}

function reportsOf(path: string): Reports {
  return (JSON.parse(readFileSync(path, 'utf8')) as { reports: Reports }).reports;
}

async function streampulse(dir: string, work: string, strategy: string): Promise<{ m: Measured; reports: Reports }> {
  const out = join(work, `${strategy}.json`);
  const m = await measure(process.execPath, [BIN, 'run', '--input', dir, '--format', 'ndjson', '--strategy', strategy, '--once', '--port', '0', '--no-progress', '--no-dead-letters', '--print-rows', '1', '--report-json', out]);
  check(m, `StreamPulse ${strategy}`);
  return { m, reports: reportsOf(out) };
}

async function duckdb(dir: string, work: string): Promise<{ m: Measured; reports: Reports }> {
  const out = join(work, 'duckdb.json');
  const m = await measure(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/compare/duckdb-engine.ts'), dir, 'ndjson', out]);
  check(m, 'DuckDB');
  return { m, reports: reportsOf(out) };
}

async function kafka(dir: string, work: string): Promise<{ m: Measured; reports: Reports } | string> {
  let broker: LocalBroker;
  try {
    broker = await LocalBroker.start({ log });
  } catch (error) {
    return `Kafka skipped: the local broker did not start (${(error as Error).message.split('\n')[0]})`;
  }
  try {
    const prefix = ['--brokers', broker.brokers, '--topic-prefix', 'compare.'];
    const produced = await measure(process.execPath, [BIN, 'produce', '--input', dir, '--format', 'ndjson', '--no-progress', ...prefix]);
    check(produced, 'produce');
    const out = join(work, 'kafka.json');
    const consumed = await measure(process.execPath, [BIN, 'run', '--source', 'kafka', ...prefix, '--once', '--port', '0', '--no-progress', '--no-dead-letters', '--print-rows', '1', '--report-json', out]);
    check(consumed, 'run --source kafka');
    const m: Measured = { ...consumed, seconds: produced.seconds + consumed.seconds, peakRssMb: Math.max(produced.peakRssMb, consumed.peakRssMb) };
    return { m, reports: reportsOf(out) };
  } finally {
    await broker.stop();
  }
}

async function spark(revenueData: string, work: string, mode: 'baseline' | 'optimized'): Promise<{ m: Measured; reports: Reports } | string> {
  if (!existsSync(SPARK_PYTHON)) return `Spark ${mode} skipped: no PySpark environment (run \`npm run bench:setup\`)`;
  const out = join(work, `spark-${mode}.json`);
  if (mode === 'baseline') log('the Spark baseline takes minutes…');
  const m = await measure(SPARK_PYTHON, [join(ROOT, 'bench/spark/notebook_pipeline.py'), '--input', revenueData, '--mode', mode, '--out', out], { echo: true });
  check(m, `Spark ${mode}`);
  return { m, reports: reportsOf(out) };
}

export async function runCompare(quick: boolean): Promise<number> {
  const events = quick ? 60_000 : DEFAULTS.events;
  const dir = await ensureDataset(DEFAULTS.dataDir, { seed: DEFAULTS.seed, events, users: DEFAULTS.users, artists: DEFAULTS.artists }, true);
  const work = mkdtempSync(join(tmpdir(), 'streampulse-compare-'));
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  log(`comparing engines on ${fmt(events)} events (seed ${DEFAULTS.seed}) — ${machine}`);
  try {
    const revenueData = await ensureParquet(dir);
    const skipped: string[] = [];
    const runs: { engine: string; run: () => Promise<{ m: Measured; reports: Reports } | string>; tolerance: number }[] = [
      { engine: 'StreamPulse cached', run: () => streampulse(dir, work, 'cached'), tolerance: 0 },
      { engine: 'StreamPulse naive', run: () => streampulse(dir, work, 'naive'), tolerance: 0 },
      { engine: 'StreamPulse via Kafka', run: () => kafka(dir, work), tolerance: 0 },
      { engine: 'DuckDB SQL', run: () => duckdb(dir, work), tolerance: 0 },
    ];
    if (quick) skipped.push('Spark skipped in --quick mode');
    else {
      runs.push({ engine: 'Spark baseline', run: () => spark(revenueData, work, 'baseline'), tolerance: 1e-6 });
      runs.push({ engine: 'Spark optimized', run: () => spark(revenueData, work, 'optimized'), tolerance: 1e-6 });
    }
    const results: EngineResult[] = [];
    let reference: Reports | null = null;
    for (const { engine, run, tolerance } of runs) {
      log(`running ${engine}…`);
      const outcome = await run();
      if (typeof outcome === 'string') {
        skipped.push(outcome);
        log(outcome);
        continue;
      }
      reference ??= outcome.reports;
      const problems = disagreements(reference, outcome.reports, tolerance);
      results.push({ engine, seconds: outcome.m.seconds, peakRssMb: outcome.m.peakRssMb, eventsPerSecond: events / outcome.m.seconds, agrees: problems.length === 0, problems });
    }
    const cachedSeconds = results[0].seconds;
    console.table(
      results.map((r) => ({
        engine: r.engine,
        'wall s': r.seconds.toFixed(2),
        'events/s': fmt(r.eventsPerSecond),
        'peak RSS MB': r.peakRssMb.toFixed(0),
        'time vs cached': `${(r.seconds / cachedSeconds).toFixed(2)}×`,
        agrees: r.agrees ? 'yes' : `NO (${r.problems.length})`,
      })),
    );
    for (const line of skipped) console.log(line);

    const sizes = quick ? [20_000, 60_000, 300_000] : [100_000, 600_000, 3_000_000];
    const scaling: ScalingSeries[] = [
      { engine: 'StreamPulse cached', points: [] },
      { engine: 'DuckDB SQL', points: [] },
    ];
    const scalingRows: Record<string, unknown>[] = [];
    for (const size of sizes) {
      const users = size >= 3_000_000 ? 500_000 : DEFAULTS.users;
      log(`scaling: ${fmt(size)} events, ${fmt(users)} users…`);
      const sized = await ensureDataset(DEFAULTS.dataDir, { seed: DEFAULTS.seed, events: size, users, artists: DEFAULTS.artists }, true);
      const cached = await streampulse(sized, work, 'cached');
      const sql = await duckdb(sized, work);
      const problems = disagreements(cached.reports, sql.reports, 0);
      (scaling[0].points as { events: number; seconds: number }[]).push({ events: size, seconds: cached.m.seconds });
      (scaling[1].points as { events: number; seconds: number }[]).push({ events: size, seconds: sql.m.seconds });
      scalingRows.push({
        events: fmt(size),
        users: fmt(users),
        'cached s': cached.m.seconds.toFixed(2),
        'cached MB': cached.m.peakRssMb.toFixed(0),
        'DuckDB s': sql.m.seconds.toFixed(2),
        'DuckDB MB': sql.m.peakRssMb.toFixed(0),
        agree: problems.length === 0 ? 'yes' : 'NO',
      });
      if (problems.length > 0) results.push({ engine: `DuckDB at ${size}`, seconds: sql.m.seconds, peakRssMb: sql.m.peakRssMb, eventsPerSecond: size / sql.m.seconds, agrees: false, problems });
    }
    console.table(scalingRows);

    const date = new Date().toISOString().slice(0, 10);
    const resultsDir = join(ROOT, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    const name = `${date}${quick ? '-quick' : ''}`;
    writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify({ date, machine, events, engines: results, skipped, scaling: scalingRows }, null, 2) + '\n');
    const svg = renderChart(results.map((r) => ({ engine: r.engine, eventsPerSecond: r.eventsPerSecond })), events, scaling, `${fmt(events)} events, seed ${DEFAULTS.seed}; ${machine}; ${date}`);
    writeFileSync(join(resultsDir, `${name}.svg`), svg);
    console.log(`\nwrote bench/results/${name}.json and bench/results/${name}.svg`);
    const failed = results.filter((r) => !r.agrees);
    for (const r of failed) console.log(`DISAGREEMENT ${r.engine}: ${r.problems.slice(0, 5).join('; ')}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
