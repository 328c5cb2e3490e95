import kafkajs from 'kafkajs';
import { readCheckpoint } from '../checkpoint/checkpoint-file.ts';
import { Checkpointer } from '../checkpoint/checkpointer.ts';
import type { KafkaConfig } from '../config.ts';
import { createKafka } from '../kafka/kafka-client.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import type { Pipeline } from '../pipeline.ts';
import type { DeadLetterSink } from '../../topology/ports.ts';
import { KafkaDeadLetters } from '../sources/kafka-dead-letters.ts';
import { KafkaSource } from '../sources/kafka-source.ts';

/** The Kafka side of `run --source kafka`: source, dead-letter topic, checkpoint restore and writes. */
export class KafkaRun {
  readonly source: KafkaSource;
  readonly deadLetters: KafkaDeadLetters;
  private readonly producer: kafkajs.Producer;
  private producerReady: Promise<void> | null = null;
  private checkpointer: Checkpointer | null = null;
  private readonly restored: ReturnType<typeof readCheckpoint>;

  constructor(
    private readonly config: KafkaConfig,
    options: { once: boolean; batchSize: number; fileDeadLetters: DeadLetterSink; log: (line: string) => void },
  ) {
    this.restored = readCheckpoint(config.checkpoint, config.groupId, config.topics.events);
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
      log: options.log,
      security: config.security,
    });
    this.producer = createKafka(config.brokers, 'streampulse-dead-letters', undefined, config.security).producer({ allowAutoTopicCreation: false });
    const send = this.producer.send.bind(this.producer);
    // connect on first use: the broker may still be coming up when the pipeline starts
    this.producer.send = async (record) => {
      this.producerReady ??= this.producer.connect();
      await this.producerReady;
      return send(record);
    };
    this.deadLetters = new KafkaDeadLetters(this.producer, config.topics.deadLetters, options.fileDeadLetters);
  }

  /** Restores the checkpointed state (if any) and starts checkpointing this pipeline. */
  attach(pipeline: Pipeline, metrics: PrometheusMetrics, log: (line: string) => void): void {
    if (this.restored !== null) pipeline.importState(this.restored.state);
    metrics.observeConsumerLag(() => this.source.describe());
    metrics.observeCheckpointAge(() => this.checkpointer?.stats.lastWrittenAt ?? null);
    this.checkpointer = new Checkpointer(pipeline, {
      onWritten: (seconds) => {
        metrics.checkpointSeconds.observe(seconds);
        metrics.checkpoints.inc();
      },
      path: this.config.checkpoint,
      group: this.config.groupId,
      topic: this.config.topics.events,
      intervalMs: this.config.checkpointIntervalMs,
      offsets: () => this.source.positions(),
      flushBefore: () => this.deadLetters.flush(),
      log,
    });
  }

  /** Between batches. */
  afterBatch(): void {
    this.checkpointer?.maybeCheckpoint();
  }

  /** A final checkpoint, then everything disconnected. */
  async close(): Promise<void> {
    await this.source.stop();
    await this.checkpointer?.checkpointNow();
    if (this.producerReady !== null) await this.producer.disconnect().catch(() => {});
  }
}
