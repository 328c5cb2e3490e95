import type { LogFn } from '../log/logger.ts';
import kafkajs from 'kafkajs';
import { loadCheckpoint } from '../checkpoint/checkpoint-file.ts';
import { Checkpointer } from '../checkpoint/checkpointer.ts';
import type { KafkaConfig } from '../config.ts';
import { createKafka, withAdmin } from '../kafka/kafka-client.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, maxMessageBytes } from '../kafka/topics.ts';
import type { PartitionOf } from '../domain/partitioned-reports.ts';
import type { Strategy } from '../domain/run-progress.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import type { Pipeline } from '../pipeline.ts';
import type { DeadLetterSink, SourceItem } from '../../topology/ports.ts';
import { KafkaDeadLetters } from './kafka-dead-letters.ts';
import { KafkaSource } from './kafka-source.ts';
import type { ProgressScale, Source, SourceOutcome } from './source.ts';
import type { SourceHealth } from './source-health.ts';

export interface KafkaRunSourceOptions {
  readonly once: boolean;
  readonly batchSize: number;
  /** The dead-letter file log: every dead letter also goes there. */
  readonly fileDeadLetters: DeadLetterSink;
  readonly metrics: PrometheusMetrics;
  readonly log: LogFn;
  readonly strategies: readonly Strategy[];
  readonly discardCheckpoint: boolean;
}

/**
 * `run --source kafka`: the Kafka source with what a run around it needs, its dead-letter topic
 * and its checkpoint (restored at attach, written between batches and at close).
 */
export class KafkaRunSource implements Source {
  readonly deadLetters: KafkaDeadLetters;
  /** A run follows its topic until a signal: what it folded by then, checkpointed, is its result. */
  readonly reportsWhenStopped = true;
  /** Event batches come one topic partition each (origin `topic/partition`): the partition is the unit of state. */
  readonly partitionOf: PartitionOf;
  readonly progress: ProgressScale = {
    unit: 'events',
    // what is left to read at the first batch, on top of what is already folded (restored)
    total: (first) => this.reader.describe().lag + first.eventsRead,
    value: (p) => p.eventsRead,
  };
  private readonly reader: KafkaSource;
  private readonly producer: kafkajs.Producer;
  private producerReady: Promise<void> | null = null;
  private checkpointer: Checkpointer | null = null;
  private readonly restored: ReturnType<typeof loadCheckpoint>;

  constructor(
    private readonly config: KafkaConfig,
    private readonly options: KafkaRunSourceOptions,
  ) {
    const prefix = `${config.topics.events}/`;
    this.partitionOf = (batch) => batch.origin.slice(prefix.length);
    // validated (or moved aside) before anything connects: a bad checkpoint fails the run in one line
    this.restored = loadCheckpoint(config.checkpoint, { group: config.groupId, topic: config.topics.events, strategies: options.strategies, discard: options.discardCheckpoint, log: options.log });
    if (this.restored !== null) {
      options.log(`resuming from checkpoint ${config.checkpoint} (${this.restored.writtenAt}): offsets ${JSON.stringify(this.restored.offsets)}`);
    }
    this.reader = new KafkaSource({
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
  attach(pipeline: Pipeline): void {
    const { metrics, log } = this.options;
    if (this.restored !== null) pipeline.importState(this.restored.state);
    metrics.observeConsumerLag(() => this.reader.describe());
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
      offsets: () => this.reader.positions(),
      folded: () => this.reader.foldedCounts(),
      flushBefore: () => this.deadLetters.flush(),
      deadLettersUnwritten: () => (this.restored?.deadLettersUnwritten ?? 0) + this.deadLetters.unwritten,
      log,
    });
  }

  items(): AsyncIterable<SourceItem> {
    return this.reader;
  }

  /** Between batches, where state and offsets are in step: a checkpoint when one is due. */
  afterBatch(): void {
    if (this.reader.started) this.checkpointer?.maybeCheckpoint();
  }

  describe(): ReturnType<KafkaSource['describe']> {
    return this.reader.describe();
  }

  health(): SourceHealth {
    return this.reader.health();
  }

  get finished(): boolean {
    return this.reader.finished;
  }

  /** The batch in hand is still folded (and checkpointed at close); the queue takes no more. */
  stop(): void {
    void this.reader.stop();
  }

  /**
   * Stops the source, then writes a final checkpoint, unless the source never reached the events
   * topic (nothing was folded: an empty checkpoint would only hide the earlier one) or the run
   * failed inside the pipeline (a batch may be half folded: the last periodic checkpoint, taken
   * between batches, stays). A source's own failure leaves state and offsets in step.
   */
  async close(runFailure: unknown): Promise<SourceOutcome> {
    await this.reader.stop();
    const neverStarted = !this.reader.started;
    const consistent = runFailure === null || runFailure === this.reader.failed;
    const checkpointed = neverStarted || !consistent || (await this.checkpointer?.checkpointNow()) !== false;
    // sends still in flight are waited for (and counted if lost) before the producer goes
    await this.deadLetters.flush();
    if (this.producerReady !== null) await this.producer.disconnect().catch(() => {});
    const unwritten = this.deadLetters.unwritten;
    return { checkpointed, neverStarted, deadLettersUnwritten: unwritten > 0 ? { count: unwritten, to: this.config.topics.deadLetters } : null, emptyRun: null };
  }
}
