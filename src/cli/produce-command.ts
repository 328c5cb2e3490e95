import { replayToKafka } from '../../producers/replay-producer.ts';
import type { ProduceConfig } from '../config.ts';
import { IncompleteRunError } from '../errors.ts';
import { createLogger, logFn } from '../log/logger.ts';
import { DeadLetterLog } from '../sources/dead-letter-log.ts';
import { resolveInputDir } from '../sources/input-dir.ts';
import { ensureDataset } from './ensure-dataset.ts';
import { preflightProduce } from './preflight.ts';
import { Progress } from './progress.ts';
import { thousands } from './thousands.ts';


/** `streampulse produce`: replay a directory into Kafka with progress and a closing summary. */
export async function produceCommand(config: ProduceConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const log = logFn(createLogger({ level: config.logLevel }).child({ source: 'producer', topic: config.kafka.topics.events }));
  await preflightProduce(config);
  const dir = config.input ?? (await ensureDataset(config.dataDir, config.generate!, config.progress, log));
  const layout = await resolveInputDir(dir, config.format);
  const progress = new Progress(config.progress, process.stderr, log);
  const deadLetters = new DeadLetterLog(config.deadLetters, null, log);
  let started = false;
  const summary = await replayToKafka({
    brokers: config.kafka.brokers,
    topics: config.kafka.topics,
    layout,
    batchSize: config.batchSize,
    rate: config.rate,
    compression: config.compression,
    only: config.only ?? undefined,
    connectTimeoutMs: config.kafka.connectTimeoutMs,
    maxRecordBytes: config.maxRecordBytes,
    deadLetters,
    security: config.kafka.security,
    log,
    onProgress: (events) => {
      if (!started) {
        started = true;
        progress.start(config.rate > 0 ? `producing events at ${thousands(config.rate)}/s` : 'producing events', config.generate?.events ?? 0, 'events');
      }
      progress.update(events);
    },
  });
  progress.stop();
  const rows = summary.dimensionRows;
  out.write(
    `produced ${thousands(summary.events)} events to ${config.kafka.topics.events} in ${summary.eventSeconds.toFixed(2)} s: ${thousands(summary.eventsPerSecond)} events/s, ` +
      `${(summary.bytes / 1e6).toFixed(1)} MB (after ${thousands(rows.subscriptions)} subscriptions, ${thousands(rows.ad_rates)} ad rates, ${thousands(rows.payouts)} payouts)` +
      (summary.rejected > 0 ? `; ${thousands(summary.rejected)} records the readers could not frame were not produced (see ${deadLetters.path ?? 'the log'})` : '') +
      '\n',
  );
  if (deadLetters.unwritten > 0) throw new IncompleteRunError(`the replay finished, but ${thousands(deadLetters.unwritten)} rejected records could not be appended to ${deadLetters.path}`);
}
