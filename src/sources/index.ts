import type { RunConfig } from '../config.ts';
import type { LogFn } from '../log/logger.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { DeadLetterLog } from './dead-letter-log.ts';
import { FileSource } from './file-source.ts';
import type { Source } from './source.ts';

export type { ProgressScale, Source, SourceOutcome } from './source.ts';

export interface SourceDeps {
  readonly metrics: PrometheusMetrics;
  readonly log: LogFn;
  /** The dead-letter file log, which every source writes to (a Kafka run besides its topic). */
  readonly fileDeadLetters: DeadLetterLog;
}

/** The run's dead-letter file (and /dead-letters), which names the topic that holds whole records when there is one. */
export function openDeadLetterLog(config: RunConfig, log: LogFn, metrics: PrometheusMetrics): DeadLetterLog {
  return new DeadLetterLog(config.deadLetters, config.kafka?.topics.deadLetters ?? null, log, (letters) => metrics.deadLettersUnwritten.inc(letters));
}

/** What every log line of a run says about where its records come from. */
export function sourceLogContext(config: RunConfig): Record<string, string> {
  return config.kafka === null ? { source: 'file' } : { source: 'kafka', group: config.kafka.groupId, topic: config.kafka.topics.events };
}

/**
 * The source a run's flags ask for, ready to attach to a pipeline. Kafka: the checkpoint is
 * validated before the credentials are tried, and both before anything connects; a bad one fails
 * the run in one line. Files: the dataset is generated first when no --input is given.
 */
export async function openSource(config: RunConfig, deps: SourceDeps): Promise<Source> {
  if (config.kafka !== null) {
    // loaded only for a Kafka run: a file replay starts without kafkajs and the wire client
    const [{ KafkaRunSource }, { checkCredentials }] = await Promise.all([import('./kafka-run-source.ts'), import('../kafka/credentials-check.ts')]);
    const source = new KafkaRunSource(config.kafka, { ...deps, once: config.once, batchSize: config.batchSize, strategies: config.strategies, discardCheckpoint: config.discardCheckpoint });
    await checkCredentials(config.kafka.brokers, config.kafka.security);
    return source;
  }
  return FileSource.open({
    input: config.input,
    generate: config.generate,
    dataDir: config.dataDir,
    format: config.format,
    batchSize: config.batchSize,
    maxRecordBytes: config.maxRecordBytes,
    allowEmpty: config.allowEmpty,
    showProgress: config.progress,
    deadLetters: deps.fileDeadLetters,
    log: deps.log,
  });
}
