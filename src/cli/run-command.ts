import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunConfig } from '../config.ts';
import { IncompleteRunError, IoError } from '../errors.ts';
import { createLogger, logFn } from '../log/logger.ts';
import { REPORT_NAMES, renderTable } from '../domain/reports/index.ts';
import { startReportServer } from '../http/report-server.ts';
import { checkCredentials } from '../kafka/credentials-check.ts';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { registerReportGauges } from '../metrics/report-gauges.ts';
import { Pipeline, type ReportSnapshot } from '../pipeline.ts';
import { DeadLetterLog } from '../sources/dead-letter-log.ts';
import { readInputLayout, resolveInputDir } from '../sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { EmptyRunCheck } from './empty-run-check.ts';
import { ensureDataset } from './ensure-dataset.ts';
import { KafkaRun } from './kafka-run.ts';
import { preflightRun } from './preflight.ts';
import { Progress } from './progress.ts';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

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
  const rejected = w.rejected_total > 0 ? `, ${fmt(w.rejected_total)} rejected (see ${deadLetterFile ?? '/dead-letters'})` : '';
  const counted = config.strategies.map((s) => `${s}: ${fmt(w.strategies[s]?.counted ?? 0)} counted`).join(', ');
  out.write(
    `\nreplayed ${fmt(w.events_read)} events in ${eventSeconds.toFixed(2)} s: ${fmt(w.events_read / Math.max(eventSeconds, 1e-9))} events/s` +
      ` (${counted}${rejected}; total ${totalSeconds.toFixed(2)} s with dimensions)\n`,
  );
}

function writeReportJson(path: string, pipeline: Pipeline, config: RunConfig): void {
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
 */
export async function runCommand(config: RunConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  // every line says where it comes from: the source, and for Kafka the group and topic
  const log = logFn(logger.child(config.kafka === null ? { source: 'file' } : { source: 'kafka', group: config.kafka.groupId, topic: config.kafka.topics.events }));
  await preflightRun(config);
  const metrics = new PrometheusMetrics();
  const fileDeadLetters = new DeadLetterLog(config.deadLetters, config.kafka?.topics.deadLetters ?? null, log, (letters) => metrics.deadLettersUnwritten.inc(letters));
  // the checkpoint is validated (KafkaRun's constructor) before anything connects
  const kafka = config.kafka === null ? null : new KafkaRun(config.kafka, { once: config.once, batchSize: config.batchSize, fileDeadLetters, metrics, log, strategies: config.strategies, discardCheckpoint: config.discardCheckpoint });
  if (config.kafka !== null) await checkCredentials(config.kafka.brokers, config.kafka.security);
  let items: AsyncIterable<SourceItem>;
  let progressTotal = (): number => config.generate?.events ?? 0;
  let progressValue = (p: { eventsRead: number; bytes?: number }): number => p.eventsRead;
  let unit = 'events';
  if (kafka !== null) {
    items = kafka.source;
    progressTotal = () => kafka.source.describe().lag;
  } else {
    const layout = await resolveInputDir(config.input ?? (await ensureDataset(config.dataDir, config.generate!, config.progress, log)), config.format);
    items = readInputLayout(layout, config.batchSize, config.maxRecordBytes);
    if (layout.events.format !== 'parquet') {
      progressTotal = () => layout.events.bytes;
      progressValue = (p) => p.bytes ?? 0;
      unit = 'bytes';
    }
  }
  const pipeline = new Pipeline({
    strategies: config.strategies,
    cacheSize: config.cacheSize,
    metrics,
    deadLetters: kafka?.deadLetters ?? fileDeadLetters,
    describeSource: kafka === null ? undefined : () => kafka.source.describe(),
  });
  kafka?.attach(pipeline, metrics, log);
  // file runs only: Kafka's dimension topics may legitimately still be empty at start
  const emptyCheck = kafka === null && !config.allowEmpty ? new EmptyRunCheck(pipeline) : null;
  if (emptyCheck !== null) items = emptyCheck.guard(items);
  registerReportGauges(metrics.registry, pipeline);
  const server = await startReportServer({ host: config.host, port: config.port, allowHosts: config.allowHosts, pipeline, metrics, deadLetters: fileDeadLetters, health: kafka === null ? undefined : () => kafka.source.health(), log: logFn(logger.child({ component: 'http' })) });
  log(`serving live reports on ${server.url}/reports (strategy ${config.strategies.join(' + ')})`);

  const signal = waitForSignal();
  let stopped: string | null = null;
  void signal.promise.then((name) => {
    stopped = name;
    log(`${name}: stopping after the current batch`);
    void kafka?.source.stop();
  });
  const progress = new Progress(config.progress, process.stderr, log);
  let eventsStarted = 0;
  const started = performance.now();
  const run = pipeline.run(items, (p) => {
    if (eventsStarted === 0) {
      eventsStarted = performance.now();
      progress.start('replaying events', progressTotal() + (kafka === null ? 0 : p.eventsRead), unit);
    }
    progress.update(progressValue({ eventsRead: p.eventsRead, bytes: p.position.bytes }));
    kafka?.afterBatch();
  });
  // a file replay stops at once on a signal; a Kafka run drains the batch in hand and checkpoints
  let failure: unknown = null;
  let replayed = false;
  await (kafka === null ? Promise.race([run.then(() => void (replayed = true)), signal.promise]) : run).catch((error: unknown) => void (failure = error));
  const exhausted = kafka === null ? replayed : kafka.source.finished;
  progress.stop();
  const finished = performance.now();
  const outcome = await kafka?.close(failure);
  const shutdown = async (): Promise<void> => {
    signal.dispose();
    await server.close();
  };
  if (failure !== null) {
    await shutdown();
    throw failure;
  }
  if (outcome?.neverStarted === true) {
    await shutdown();
    throw new IncompleteRunError('stopped before the Kafka source reached the events topic: nothing was read, no checkpoint was written');
  }
  if (!stopped || kafka !== null) {
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
  const empty = stopped ? null : (emptyCheck?.verdict() ?? null);
  if (empty !== null) {
    await shutdown();
    throw empty;
  }
  if (!config.once && !stopped) {
    out.write(`serving ${server.url}/reports until Ctrl-C\n`);
    await signal.promise;
  }
  await shutdown();
  const lost = [
    ...(outcome !== undefined && !outcome.checkpointed ? ['the final checkpoint could not be written'] : []),
    ...(outcome !== undefined && outcome.deadLettersUnwritten > 0 ? [`${fmt(outcome.deadLettersUnwritten)} dead letters could not be written to ${config.kafka?.topics.deadLetters}`] : []),
    ...(fileDeadLetters.unwritten > 0 ? [`${fmt(fileDeadLetters.unwritten)} dead letters could not be appended to ${fileDeadLetters.path}`] : []),
  ];
  // a --once run was asked for the whole input: stopped short of it, it did not do its job
  const cut = config.once && stopped !== null && !exhausted ? `stopped by ${stopped} before the input was exhausted` : null;
  if (cut !== null || lost.length > 0) throw new IncompleteRunError(cut === null ? `the run finished, but ${lost.join(' and ')}` : [cut, ...lost].join('; '));
}
