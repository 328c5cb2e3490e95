import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { disagreements } from './agreement.ts';
import { log, streampulse } from './engines.ts';
import { latencyRun, type LatencyRun } from './latency-run.ts';
import { median, percentile } from './stats.ts';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const CLIENTS = 4;
/**
 * How often each target client polls: 100 times a second, a hundred times the live page's rate
 * (it polls every second). Clients polling as fast as answers come are measured too, but on a
 * machine of 2 cores such clients spend the CPU the ingest needs, so what they slow measures the
 * clients as much as the server.
 */
export const POLL_MS = 10;

/**
 * Pairs (a replay without clients, then one with) in a full run. One pair's slowdown is a
 * difference of two rates that each drift by several percent: 28 pairs run back to back on one
 * build spread from -10% to 27%, so the median of nine, not five, is what can tell 10% from 7%.
 */
export const PAIRS = 9;

export interface QueryLoad {
  /** Table rows: the paced clients, the closed loop, and the main-thread pipeline under it. */
  readonly rows: readonly Record<string, string | number>[];
  /** The target figures: the paced clients' answers pooled over every pair. */
  readonly p99Ms: number;
  readonly answers: number;
  /** Median over pairs of (rate without clients − rate with) / rate without. */
  readonly slowdown: number;
  readonly peakRssMb: number;
  readonly problems: readonly string[];
}

const rateOf = (r: { replayEventsPerSecond?: number; m: { seconds: number } }, events: number): number => r.replayEventsPerSecond ?? events / r.m.seconds;

/** This process's CPU while the clients ran (they, and the harness reading /proc), per answer: what the instrument takes from the cores it measures. */
function clientCpu(runs: readonly LatencyRun[]): string {
  const ms = runs.reduce((sum, l) => sum + l.outcome.clientCpuMs, 0);
  const answers = runs.reduce((sum, l) => sum + l.outcome.latenciesMs.length + l.outcome.otherStatuses, 0);
  return `${fmt(ms)} ms (${(ms / Math.max(1, answers)).toFixed(2)} an answer)`;
}

function row(run: string, l: LatencyRun, latencies: readonly number[], extra: Record<string, string>, agrees: boolean): Record<string, string | number> {
  return {
    run,
    clients: `${l.clients}, ${l.intervalMs === 0 ? 'closed loop' : `every ${l.intervalMs} ms`}`,
    answers: latencies.length,
    'p50 ms': percentile(latencies, 50).toFixed(2),
    'p99 ms': percentile(latencies, 99).toFixed(2),
    'max ms': latencies.reduce((a, b) => Math.max(a, b), 0).toFixed(2),
    ...extra,
    'non-200 / cut at close': `${l.outcome.otherStatuses} / ${l.outcome.failures}`,
    agrees: agrees ? 'yes' : 'NO',
  };
}

/**
 * Queries during full-speed ingest. The slowdown is measured in pairs, a replay without clients
 * then one with them, and its median taken: the machine's speed drifts between runs by more
 * than the clients cost, so rates from runs minutes apart would measure the drift.
 */
export async function queryLoad(dir: string, out: (name: string) => string, workers: number | null, label: string, withInThread: boolean, reference: Reports, events: number, pairs: number): Promise<QueryLoad> {
  const problems: string[] = [];
  const paced: LatencyRun[] = [];
  const slowdowns: number[] = [];
  const rates: { without: number; with: number }[] = [];
  let peakRssMb = 0;
  for (let pair = 1; pair <= pairs; pair++) {
    log(`query load, pair ${pair} of ${pairs}: ${label} without clients, then with ${CLIENTS} polling every ${POLL_MS} ms…`);
    const alone = await streampulse(dir, { engine: `StreamPulse ${label}`, out: out(`alone-${pair}`), workers });
    const loaded = await latencyRun(dir, out(`paced-${pair}`), workers, CLIENTS, POLL_MS);
    problems.push(...disagreements(reference, alone.reports, 0), ...disagreements(reference, loaded.reports, 0));
    const without = rateOf(alone, events);
    const withClients = rateOf(loaded.run, events);
    rates.push({ without, with: withClients });
    slowdowns.push((without - withClients) / without);
    peakRssMb = Math.max(peakRssMb, alone.m.peakRssMb, loaded.run.m.peakRssMb);
    paced.push(loaded);
  }
  const pooled = paced.flatMap((l) => l.outcome.latenciesMs);
  const slowdown = median(slowdowns);
  const rows = [
    row(`StreamPulse ${label}, ${fmt(events)} events (${pairs} pairs)`, paced[0], pooled, {
      'ingest events/s without': rates.map((r) => fmt(r.without)).join(' / '),
      'ingest events/s with': rates.map((r) => fmt(r.with)).join(' / '),
      slowdown: `${(slowdown * 100).toFixed(1)}% (median of ${slowdowns.map((s) => `${(s * 100).toFixed(1)}%`).join(', ')})`,
      'bench CPU': clientCpu(paced),
    }, problems.length === 0),
  ];
  log(`query load: ${label} with ${CLIENTS} clients in a closed loop…`);
  const saturating = await latencyRun(dir, out('closed-loop'), workers, CLIENTS, 0);
  const saturatingRate = rateOf(saturating.run, events);
  const pairedWithout = median(rates.map((r) => r.without));
  rows.push(
    row(`StreamPulse ${label}, ${fmt(events)} events`, saturating, saturating.outcome.latenciesMs, {
      'ingest events/s without': `${fmt(pairedWithout)} (the pairs' median)`,
      'ingest events/s with': fmt(saturatingRate),
      slowdown: `${(((pairedWithout - saturatingRate) / pairedWithout) * 100).toFixed(1)}% (not paired)`,
      'bench CPU': clientCpu([saturating]),
    }, disagreements(reference, saturating.reports, 0).length === 0),
  );
  if (withInThread) {
    // the same closed loop against the main-thread pipeline, where a query waits for the batch in progress
    log(`query load: --workers 0 with ${CLIENTS} clients in a closed loop…`);
    const inThread = await latencyRun(dir, out('closed-loop-0'), 0, CLIENTS, 0);
    rows.push(
      row(`StreamPulse --workers 0 (folds on the main thread), ${fmt(events)} events`, inThread, inThread.outcome.latenciesMs, {
        'ingest events/s without': '-',
        'ingest events/s with': fmt(rateOf(inThread.run, events)),
        slowdown: '-',
        'bench CPU': clientCpu([inThread]),
      }, disagreements(reference, inThread.reports, 0).length === 0),
    );
  }
  return { rows, p99Ms: percentile(pooled, 99), answers: pooled.length, slowdown, peakRssMb, problems };
}
