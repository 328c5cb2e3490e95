import type { LogFn } from '../log/logger.ts';
import kafkajs from 'kafkajs';
import { loadCheckpoint } from '../checkpoint/checkpoint-file.ts';
import { Checkpointer } from '../checkpoint/checkpointer.ts';
import type { KafkaConfig } from '../config.ts';
import { createKafka, withAdmin } from '../kafka/kafka-client.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, maxMessageBytes } from '../kafka/topics.ts';
import type { Strategy } from '../domain/run-progress.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import type { Pipeline } from '../pipeline.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';
import { KafkaDeadLetters } from '../sources/kafka-dead-letters.ts';
import { KafkaSource } from '../sources/kafka-source.ts';

/** What a Kafka run leaves behind when it closes. */
export interface KafkaRunOutcome {
  /** False when the final checkpoint was due and could not be written. */
  readonly checkpointed: boolean;
  /** True when the source never reached the events topic (nothing to checkpoint: none written). */
  readonly neverStarted: boolean;
  readonly deadLettersUnwritten: number;
}

/** The Kafka side of `run --source kafka`: source, dead-letter topic, checkpoint restore and writes. */
export class KafkaRun {
  readonly source: KafkaSource;
  readonly deadLetters: KafkaDeadLetters;
  private readonly producer: kafkajs.Producer;
  private producerReady: Promise<void> | null = null;
  private checkpointer: Checkpointer | null = null;
  private readonly restored: ReturnType<typeof loadCheckpoint>;

  constructor(
    private readonly config: KafkaConfig,
    options: { once: boolean; batchSize: number; fileDeadLetters: DeadLetterSink; metrics: PrometheusMetrics; log: LogFn; strategies: readonly Strategy[]; discardCheckpoint: boolean },
  ) {
    // validated (or moved aside) before anything connects: a bad checkpoint fails the run in one line
    this.restored = loadCheckpoint(config.checkpoint, { group: config.groupId, topic: config.topics.events, strategies: options.strategies, discard: options.discardCheckpoint, log: options.log });
    if (this.restored !== null) {
      options.log(`resuming from checkpoint ${config.checkpoint} (${this.restored.writtenAt}): offsets ${JSON.stringify(this.restored.offsets)}`);
    }
    this.source = new KafkaSource({
      brokers: config.brokers,
      topics: config.topics,
      groupId: config.groupId,
      once: options.once,
      batchSize: options.batchSize,
      startOffsets: this.restored?.offsets,
      startFolded: this.restored?.folded,
      connectTimeoutMs: config.connectTimeoutMs,
      log: options.log,
      security: config.security,
    });
    this.producer = createKafka(config.brokers, 'streampulse-dead-letters', undefined, config.security).producer({ allowAutoTopicCreation: false });
    const topic = config.topics.deadLetters;
    this.deadLetters = new KafkaDeadLetters({
      producer: { send: async (record) => (await this.connectProducer(), this.producer.send(record)) },
      topic,
      maxMessageBytes: () =>
        withAdmin(config.brokers, 'streampulse-dead-letters', options.log, (admin) => maxMessageBytes(admin, topic), config.connectTimeoutMs, config.security).catch(() => DEFAULT_MAX_MESSAGE_BYTES),
      also: options.fileDeadLetters,
      log: options.log,
      onUnwritten: (letters) => options.metrics.deadLettersUnwritten.inc(letters),
    });
  }

  /** Connects on first use (the broker may still be coming up), and again after a failed connect. */
  private connectProducer(): Promise<void> {
    this.producerReady ??= this.producer.connect().catch((error: Error) => {
      this.producerReady = null;
      throw error;
    });
    return this.producerReady;
  }

  /** Restores the checkpointed state (if any) and starts checkpointing this pipeline. */
  attach(pipeline: Pipeline, metrics: PrometheusMetrics, log: LogFn): void {
    if (this.restored !== null) pipeline.importState(this.restored.state);
    metrics.observeConsumerLag(() => this.source.describe());
    metrics.observeCheckpointAge(() => this.checkpointer?.stats.lastWrittenAt ?? null);
    this.checkpointer = new Checkpointer(pipeline, {
      onWritten: (seconds) => {
        metrics.checkpointSeconds.observe(seconds);
        metrics.checkpoints.inc();
      },
      path: this.config.checkpoint,
      previous: this.restored,
      group: this.config.groupId,
      topic: this.config.topics.events,
      intervalMs: this.config.checkpointIntervalMs,
      offsets: () => this.source.positions(),
      folded: () => this.source.foldedCounts(),
      flushBefore: () => this.deadLetters.flush(),
      deadLettersUnwritten: () => (this.restored?.deadLettersUnwritten ?? 0) + this.deadLetters.unwritten,
      log,
    });
  }

  /** Between batches. */
  afterBatch(): void {
    if (this.source.started) this.checkpointer?.maybeCheckpoint();
  }

  /**
   * Stops the source, then writes a final checkpoint, unless the source never reached the events
   * topic (nothing was folded: an empty checkpoint would only hide the earlier one) or the run
   * failed inside the pipeline (a batch may be half folded: the last periodic checkpoint, taken
   * between batches, stays). A source's own failure leaves state and offsets in step.
   */
  async close(runFailure: unknown = null): Promise<KafkaRunOutcome> {
    await this.source.stop();
    const neverStarted = !this.source.started;
    const consistent = runFailure === null || runFailure === this.source.failed;
    const checkpointed = neverStarted || !consistent || (await this.checkpointer?.checkpointNow()) !== false;
    // sends still in flight are waited for (and counted if lost) before the producer goes
    await this.deadLetters.flush();
    if (this.producerReady !== null) await this.producer.disconnect().catch(() => {});
    return { checkpointed, neverStarted, deadLettersUnwritten: this.deadLetters.unwritten };
  }
}
