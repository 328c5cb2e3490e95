import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { LocalBroker } from '../../src/kafka/local-broker.ts';
import { SIX_REPORTS_SQL, type SqlSource } from '../../test/helpers/six-reports-sql.ts';
import { measure, type MeasureOptions, type Measured } from './process-tree.ts';
import { replayRateOf } from './run-output.ts';

/** Each engine of the comparison, as its own process over the same files, writing the six reports. */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/streampulse.js');
const PYTHON = join(ROOT, 'bench/spark/.venv/bin/python');
export const log = (line: string): void => void process.stderr.write(line + '\n');

export interface EngineRun {
  readonly m: Measured;
  readonly reports: Reports;
  /** The replay's own events/s, for StreamPulse runs that print it. */
  readonly replayEventsPerSecond?: number;
}

/** Measures one engine's process; throws naming the engine (with the tail of its stderr) unless it exits 0. */
async function run(engine: string, command: string, args: readonly string[], options?: MeasureOptions): Promise<Measured> {
  let m: Measured;
  try {
    m = await measure(command, args, options);
  } catch (error) {
    throw new Error(`${engine} did not start: ${command} (${(error as Error).message})`, { cause: error });
  }
  if (m.status !== 0) throw new Error(`${engine} failed (exit ${m.status}); its stderr ends:\n${m.stderr.slice(-2000)}`);
  return m;
}

function reportsOf(path: string, engine: string): Reports {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { reports: Reports }).reports;
  } catch (error) {
    throw new Error(`${engine} exited 0 but its reports ${path} are unreadable (${(error as Error).message})`);
  }
}

/** Whether this build's `run` has --workers (the lead adds it in parallel with this bench). */
export function hasWorkersFlag(): boolean {
  const help = spawnSync(process.execPath, [BIN, 'run', '--help'], { encoding: 'utf8' });
  return help.status === 0 && /--workers\b/.test(help.stdout);
}

export function hasPythonDuckDB(): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import duckdb'], { stdio: 'ignore' }).status === 0;
}

export interface StreamPulseOptions {
  readonly engine: string;
  readonly out: string;
  /** null: run without --workers. */
  readonly workers: number | null;
  readonly strategy?: string;
  readonly measure?: MeasureOptions;
}

export async function streampulse(dir: string, o: StreamPulseOptions): Promise<EngineRun> {
  const workers = o.workers === null ? [] : ['--workers', String(o.workers)];
  const strategy = o.strategy === undefined ? [] : ['--strategy', o.strategy];
  const args = [BIN, 'run', '--input', dir, '--format', 'ndjson', '--once', '--port', '0', '--no-progress', '--no-dead-letters', '--print-rows', '1', '--report-json', o.out, ...strategy, ...workers];
  const m = await run(o.engine, process.execPath, args, o.measure);
  return { m, reports: reportsOf(o.out, o.engine), replayEventsPerSecond: replayRateOf(m.stdout)?.eventsPerSecond };
}

export async function duckdbPython(dir: string, source: SqlSource, out: string): Promise<EngineRun | string> {
  const engine = `DuckDB Python ${source}`;
  if (!hasPythonDuckDB()) return `${engine} skipped: no duckdb in bench/spark/.venv (run \`npm run bench:setup -- --duckdb-only\`)`;
  const m = await run(engine, PYTHON, [join(ROOT, 'bench/compare/duckdb_reports.py'), SIX_REPORTS_SQL, dir, source, '2', out]);
  return { m, reports: reportsOf(out, engine) };
}

export async function duckdbNode(dir: string, source: SqlSource, out: string): Promise<EngineRun> {
  const engine = `DuckDB Node ${source}`;
  const m = await run(engine, process.execPath, ['--import', 'tsx', join(ROOT, 'bench/compare/duckdb-engine.ts'), dir, source, out]);
  return { m, reports: reportsOf(out, engine) };
}

export async function kafka(dir: string, out: string): Promise<EngineRun | string> {
  let broker: LocalBroker;
  try {
    broker = await LocalBroker.start({ log });
  } catch (error) {
    return `Kafka skipped: the local broker did not start (${(error as Error).message.split('\n')[0]})`;
  }
  try {
    const prefix = ['--brokers', broker.brokers, '--topic-prefix', 'compare.'];
    const produced = await run('StreamPulse produce (Kafka row)', process.execPath, [BIN, 'produce', '--input', dir, '--format', 'ndjson', '--no-progress', ...prefix]);
    const consumed = await run('StreamPulse run --source kafka', process.execPath, [BIN, 'run', '--source', 'kafka', ...prefix, '--once', '--port', '0', '--no-progress', '--no-dead-letters', '--print-rows', '1', '--report-json', out]);
    const m: Measured = {
      ...consumed,
      seconds: produced.seconds + consumed.seconds,
      cpuSeconds: produced.cpuSeconds + consumed.cpuSeconds,
      peakRssMb: Math.max(produced.peakRssMb, consumed.peakRssMb),
    };
    return { m, reports: reportsOf(out, 'StreamPulse via Kafka') };
  } finally {
    await broker.stop();
  }
}

export async function spark(revenueData: string, out: string, mode: 'baseline' | 'optimized'): Promise<EngineRun | string> {
  const engine = `Spark ${mode}`;
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import pyspark'], { stdio: 'ignore' }).status !== 0) return `${engine} skipped: no PySpark in bench/spark/.venv (run \`npm run bench:setup\`)`;
  if (mode === 'baseline') log('the Spark baseline takes minutes…');
  const m = await run(engine, PYTHON, [join(ROOT, 'bench/spark/notebook_pipeline.py'), '--input', revenueData, '--mode', mode, '--out', out], { echo: true });
  return { m, reports: reportsOf(out, engine) };
}
