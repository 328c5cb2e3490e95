import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunConfig } from '../config.ts';
import { IncompleteRunError, IoError } from '../errors.ts';
import { createLogger, logFn } from '../log/logger.ts';
import { REPORT_NAMES, renderTable } from '../domain/reports/index.ts';
import { answerOnce } from '../http/first-answer.ts';
import { startReportServer } from '../http/report-server.ts';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { registerReportGauges } from '../metrics/report-gauges.ts';
import type { LivePipeline } from '../live-pipeline.ts';
import type { ReportSnapshot } from '../pipeline.ts';
import { ShardedPipeline, type Shard } from '../workers/index.ts';
import { openDeadLetterLog, openSource, sourceLogContext } from '../sources/index.ts';
import { preflightRun } from './preflight.ts';
import { Progress } from './progress.ts';
import { thousands } from './thousands.ts';


function waitForSignal(): { promise: Promise<string>; dispose: () => void } {
  let dispose = (): void => {};
  const promise = new Promise<string>((resolve) => {
    const onSignal = (signal: string): void => resolve(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    dispose = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  });
  return { promise, dispose };
}

function printSummary(out: NodeJS.WritableStream, config: RunConfig, snapshot: ReportSnapshot, eventSeconds: number, totalSeconds: number, deadLetterFile: string | null): void {
  const w = snapshot.progress;
  for (const name of REPORT_NAMES) out.write(`\n${renderTable(name, snapshot.reports[name], config.printRows)}\n`);
  const rejected = w.rejected_total > 0 ? `, ${thousands(w.rejected_total)} rejected (see ${deadLetterFile ?? '/dead-letters'})` : '';
  const counted = config.strategies.map((s) => `${s}: ${thousands(w.strategies[s]?.counted ?? 0)} counted`).join(', ');
  out.write(
    // a run that only restored saved states folded no batch: it has no rate to give
    `\nreplayed ${thousands(w.events_read)} events in ${eventSeconds.toFixed(2)} s: ${eventSeconds > 0 ? `${thousands(w.events_read / eventSeconds)} events/s` : 'no batch folded in this run'}` +
      ` (${counted}${rejected}; total ${totalSeconds.toFixed(2)} s with dimensions)\n`,
  );
}

function writeReportJson(path: string, pipeline: LivePipeline, config: RunConfig): void {
  const snapshot = pipeline.snapshot();
  mkdirSync(dirname(path), { recursive: true });
  const body: Record<string, unknown> = { reports: snapshot.reports, progress: snapshot.progress };
  if (config.strategies.length > 1) body.strategies = Object.fromEntries(config.strategies.map((s) => [s, pipeline.snapshot(s).reports]));
  try {
    writeFileSync(path, JSON.stringify(body, null, 2) + '\n');
  } catch (error) {
    throw new IoError(`--report-json ${path}: cannot write the report (${(error as Error).message})`, { cause: error });
  }
}

/**
 * `streampulse run`: replay files (or follow Kafka) through the topology while serving live
 * snapshots, then print the reports; with --once exit, otherwise keep serving until a signal.
 * Both sources are driven alike: everything that differs between them is behind `Source`.
 */
export async function runCommand(config: RunConfig, out: NodeJS.WritableStream = process.stdout, shards?: readonly Shard[]): Promise<void> {
  try {
    await run(config, out, shards);
  } finally {
    // shards started ahead of a run that failed before taking them end here (taken ones end with it)
    // (in the background: a finished run does not wait for threads to wind down)
    for (const shard of shards ?? []) void shard.terminate().catch(() => {});
  }
}

async function run(config: RunConfig, out: NodeJS.WritableStream, shards: readonly Shard[] | undefined): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  // every line says where it comes from: the source, and for Kafka the group and topic
  const log = logFn(logger.child(sourceLogContext(config)));
  await preflightRun(config);
  const metrics = new PrometheusMetrics();
  const fileDeadLetters = openDeadLetterLog(config, log, metrics);
  const source = await openSource(config, { metrics, log, fileDeadLetters });
  // on worker threads: a file replay's shards are a partition each; a Kafka run's partitions live
  // on the shards, numbered alike modulo their count, and move between instances through them
  // (see KafkaRunSource.attach); --workers 0 folds on this thread
  const common = { strategies: config.strategies, cacheSize: config.cacheSize, metrics, deadLetters: source.deadLetters, describeSource: () => source.describe() };
  const pipeline: LivePipeline =
    config.workers > 0
      ? new ShardedPipeline({ ...common, workers: config.workers, ...(shards === undefined ? {} : { shards }), ...(config.source === 'kafka' && source.partitionOf !== undefined ? { partitionOf: source.partitionOf } : {}) })
      : // the topology is loaded here only when it folds here: the shards load their own
        new (await import('../pipeline.ts')).Pipeline({ ...common, partitionOf: source.partitionOf });
  source.attach(pipeline);
  registerReportGauges(metrics.registry, pipeline);
  const server = await startReportServer({ host: config.host, port: config.port, allowHosts: config.allowHosts, pipeline, metrics, deadLetters: fileDeadLetters, health: () => source.health(), group: source.group, log: logFn(logger.child({ component: 'http' })) }).catch(async (error: unknown) => {
    // the shards were started ahead of the run that now never comes
    await pipeline.dispose?.();
    throw error;
  });
  source.advertise?.(config.advertise ?? server.url);
  // answered once before the run says it serves, so no client's first answer waits for the HTTP
  // path's first run (a group's /reports asks the other instances: /health stands in for it there)
  await answerOnce(server.url, source.group === undefined ? '/reports' : '/health');
  // no client asked: a run nobody queries renders at the idle pace (1.3% of a replay's wall time
  // at 100 ms renders through it, 14 pairs)
  pipeline.forgetQueries?.();
  log(`serving live reports on ${server.url}/reports (strategy ${config.strategies.join(' + ')})`);

  const signal = waitForSignal();
  let stopped: string | null = null;
  void signal.promise.then((name) => {
    stopped = name;
    log(`${name}: stopping after the current batch`);
    source.stop();
  });
  const progress = new Progress(config.progress, process.stderr, log);
  let eventsStarted = 0;
  const started = performance.now();
  let failure: unknown = null;
  await pipeline
    .run(source.items(), (p) => {
      if (eventsStarted === 0) {
        eventsStarted = p.eventsSince ?? performance.now();
        progress.start('replaying events', source.progress.total(p), source.progress.unit);
      }
      progress.update(source.progress.value(p));
      source.afterBatch();
    })
    .catch((error: unknown) => void (failure = error));
  const exhausted = source.finished;
  progress.stop();
  const finished = performance.now();
  const outcome = await source.close(failure);
  const shutdown = async (): Promise<void> => {
    signal.dispose();
    await server.close();
    // the source is closed: nothing asks the pipeline's threads for anything more; each is waited
    // for, since a thread writes its code cache as it exits (cached-bundle.ts), and the process
    // exiting first cut that write: every later run then compiled the thread's code again
    await pipeline.dispose?.();
  };
  if (failure !== null) {
    await shutdown();
    throw failure;
  }
  if (outcome.neverStarted) {
    await shutdown();
    throw new IncompleteRunError('stopped before the Kafka source reached the events topic: nothing was read, no checkpoint was written');
  }
  if (!stopped || source.reportsWhenStopped) {
    printSummary(out, config, pipeline.snapshot(), (finished - (eventsStarted || finished)) / 1000, (finished - started) / 1000, fileDeadLetters.path);
    if (config.reportJson !== null) {
      try {
        writeReportJson(config.reportJson, pipeline, config);
      } catch (error) {
        await shutdown();
        throw error;
      }
    }
  }
  if (outcome.emptyRun !== null) {
    await shutdown();
    throw outcome.emptyRun;
  }
  if (!config.once && !stopped) {
    out.write(`serving ${server.url}/reports until Ctrl-C\n`);
    await signal.promise;
  }
  await shutdown();
  const unwritten = outcome.deadLettersUnwritten;
  const lost = [
    ...(outcome.checkpointed ? [] : ['the final checkpoint could not be written']),
    ...(unwritten === null ? [] : [`${thousands(unwritten.count)} dead letters could not be written to ${unwritten.to}`]),
    ...(fileDeadLetters.unwritten > 0 ? [`${thousands(fileDeadLetters.unwritten)} dead letters could not be appended to ${fileDeadLetters.path}`] : []),
  ];
  // a --once run was asked for the whole input: stopped short of it, it did not do its job
  const cut = config.once && stopped !== null && !exhausted ? `stopped by ${stopped} before the input was exhausted` : null;
  if (cut !== null || lost.length > 0) throw new IncompleteRunError(cut === null ? `the run finished, but ${lost.join(' and ')}` : [cut, ...lost].join('; '));
}
