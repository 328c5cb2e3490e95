import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { streampulse, type EngineRun } from './engines.ts';
import { startReportClients, type ClientsOutcome } from './report-clients.ts';
import { lineSplitter, reportsUrlOf } from './run-output.ts';
import { percentile } from './stats.ts';

export interface LatencyRun {
  readonly run: EngineRun;
  readonly clients: number;
  /** Each client's time from one request's start to the next's (0: a closed loop). */
  readonly intervalMs: number;
  readonly outcome: ClientsOutcome;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly reports: Reports;
}

/**
 * A StreamPulse replay with `clients` concurrent /reports clients, each polling every
 * `intervalMs` (0: as fast as answers come): they start as soon as the log says the server
 * listens (before dimensions load and the replay starts) and run until the process exits.
 */
export async function latencyRun(dir: string, out: string, workers: number | null, clients: number, intervalMs: number): Promise<LatencyRun> {
  let load: ReturnType<typeof startReportClients> | null = null;
  const onStderr = lineSplitter((line) => {
    const url = load === null ? reportsUrlOf(line) : null;
    if (url !== null) load = startReportClients(url, clients, intervalMs);
  });
  let run: EngineRun | null = null;
  let failure: unknown = null;
  try {
    run = await streampulse(dir, { engine: `StreamPulse with ${clients} /reports clients`, out, workers, measure: { onStderr } });
  } catch (error) {
    failure = error;
  }
  const outcome = await (load as ReturnType<typeof startReportClients> | null)?.stop();
  if (run === null) throw failure;
  if (outcome === undefined) throw new Error('StreamPulse with /reports clients: no "serving live reports on …" line on its stderr');
  const latencies = outcome.latenciesMs;
  const maxMs = latencies.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  return { run, clients, intervalMs, outcome, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies.length > 0 ? maxMs : Number.NaN, reports: run.reports };
}
