import type { LogFn } from '../log/logger.ts';
import kafkajs from 'kafkajs';
import type { KafkaConfig } from '../config.ts';
import { createKafka, withAdmin } from '../kafka/kafka-client.ts';
import { DEFAULT_MAX_MESSAGE_BYTES, maxMessageBytes } from '../kafka/topics.ts';
import type { PartitionOf } from '../domain/partitioned-reports.ts';
import type { Strategy } from '../domain/run-progress.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import type { LivePipeline } from '../live-pipeline.ts';
import { Pipeline } from '../pipeline.ts';
import { InternalError } from '../errors.ts';
import { PartitionStateStore } from '../state/index.ts';
import type { DeadLetterSink, SourceItem } from '../../topology/ports.ts';
import type { GroupQuery } from '../http/group-reports.ts';
import { pipelinePartials, shardPartials, type HeldPosition } from '../peers/index.ts';
import { createDictionaries } from '../domain/dictionary.ts';
import { ShardedPipeline } from '../workers/index.ts';
import { pipelineHost, shardHost, type PartitionHost } from './partition-host.ts';
import { KafkaDeadLetters } from './kafka-dead-letters.ts';
import { KafkaSource } from './kafka-source.ts';
import { PartitionStateKeeper, type KeptSource } from './partition-state-keeper.ts';
import type { ProgressScale, Source, SourceOutcome } from './source.ts';
import type { SourceHealth } from './source-health.ts';

/** How long a query waits for a peer's partitions before naming them missing. */
const PEER_TIMEOUT_MS = 2_000;

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
 * and each partition's state in the group's state topic (restored on assignment, written on
 * revocation, between batches and at close). Nothing is kept in the data folder.
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
  private groupQuery: GroupQuery | undefined;
  private readonly producer: kafkajs.Producer;
  private producerReady: Promise<void> | null = null;
  private keeper: PartitionStateKeeper | null = null;
  private store: Promise<PartitionStateStore> | null = null;
  private ticker: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: KafkaConfig,
    private readonly options: KafkaRunSourceOptions,
  ) {
    const prefix = `${config.topics.events}/`;
    this.partitionOf = (batch) => batch.origin.slice(prefix.length);
    this.reader = new KafkaSource({
      brokers: config.brokers,
      topics: config.topics,
      groupId: config.groupId,
      once: options.once,
      batchSize: options.batchSize,
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

  /** Opens the state topic on first use (the group's first assignment). */
  private openStore(): Promise<PartitionStateStore> {
    const { config } = this;
    const { metrics, log } = this.options;
    this.store ??= PartitionStateStore.open({
      brokers: config.brokers,
      topics: config.topics,
      group: config.groupId,
      log,
      security: config.security,
      timeoutMs: config.connectTimeoutMs,
      onRead: (stats) => {
        metrics.stateRestoreSeconds.observe(stats.seconds);
        metrics.stateRestoreBytes.inc(stats.bytes);
        log(`restored ${stats.partitions} partition states: ${stats.bytes} bytes in ${stats.seconds.toFixed(3)} s`);
      },
      onWrite: (stats) => {
        metrics.checkpointSeconds.observe(stats.seconds);
        metrics.checkpoints.inc();
      },
    }).catch((error: unknown) => {
      this.store = null;
      throw error;
    });
    return this.store;
  }

  /** What /reports and /partials need to answer for the whole group (after attach). */
  get group(): GroupQuery | undefined {
    return this.groupQuery;
  }

  /** The URL peers reach this instance at: carried by its group membership. */
  advertise(url: string): void {
    this.reader.advertise(url);
  }

  /**
   * Each partition's state moves in and out of the pipeline through the state topic: this
   * thread's, or the shards' (each partition on one shard, changed and saved in order with its
   * batches).
   */
  attach(live: LivePipeline): void {
    const { metrics, log } = this.options;
    metrics.observeConsumerLag(() => this.reader.describe());
    metrics.observeCheckpointAge(() => this.keeper?.lastWrittenAt ?? null);
    metrics.observePartitionsOwned(() => this.reader.held().size);
    const held = (): ReadonlyMap<number, HeldPosition> => this.reader.held();
    let host: PartitionHost;
    let source: KeptSource = this.reader;
    if (live instanceof Pipeline) {
      host = pipelineHost(live);
      // the snapshot and the positions are read between batches, both as of the last batch folded
      this.groupQuery = { partials: pipelinePartials(live, held), owners: () => this.reader.ownersView(), timeoutMs: PEER_TIMEOUT_MS, dicts: live.dims.dicts, localPoints: held };
    } else if (live instanceof ShardedPipeline && live.partitions !== null) {
      const partitions = live.partitions;
      host = shardHost(partitions, this.config.topics.events);
      // a state is saved from what was dealt to its shard, whatever is still queued there: any moment will do
      const reader = this.reader;
      source = { position: (p) => reader.position(p), idle: true, whenIdle: () => reader.whenIdle() };
      this.groupQuery = { partials: shardPartials(partitions, held, (p) => reader.position(p)), owners: () => this.reader.ownersView(), timeoutMs: PEER_TIMEOUT_MS, dicts: createDictionaries(), localPoints: () => renderedPoints(live, held()) };
    } else {
      throw new InternalError('a Kafka run needs a pipeline whose partitions can move: this thread\'s, or shards given the partition of each batch');
    }
    // nothing held until the group assigns partitions: an instance shows only what it owns, and
    // answers for the rest of the group by asking the owners
    // (a shard that fails here fails the run through its own listener)
    void Promise.resolve(host.hold([])).catch(() => {});
    this.keeper = new PartitionStateKeeper({
      store: () => this.openStore(),
      host,
      source,
      topic: this.config.topics.events,
      deadLetters: this.deadLetters,
      intervalMs: this.config.checkpointIntervalMs,
      discard: this.options.discardCheckpoint,
      log,
    });
    this.reader.handOverWith(this.keeper);
    const keeper = this.keeper;
    this.ticker = setInterval(() => {
      if (this.reader.started) keeper.tick();
    }, this.config.checkpointIntervalMs);
    this.ticker.unref();
  }

  items(): AsyncIterable<SourceItem> {
    return this.reader;
  }

  /** Between batches, where state and offsets are in step: the changed partitions' states when a write is due. */
  afterBatch(): void {
    if (this.reader.started) this.keeper?.maybeWrite();
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

  /** The batch in hand is still folded (and its partition's state written at close); the queue takes no more. */
  stop(): void {
    void this.reader.stop();
  }

  /**
   * Stops the source, which gives up its partitions (writing their states) as it leaves the
   * group, then writes what is still owned, unless the source never reached the events topic
   * (nothing was folded) or the run failed inside the pipeline (a batch may be half folded: the
   * last states written, taken between batches, stay). A source's own failure leaves state and
   * offsets in step.
   */
  async close(runFailure: unknown): Promise<SourceOutcome> {
    const consistent = runFailure === null || runFailure === this.reader.failed;
    if (!consistent) this.keeper?.freeze();
    if (this.ticker !== null) clearInterval(this.ticker);
    await this.reader.stop();
    const neverStarted = !this.reader.started;
    const checkpointed = neverStarted || !consistent || (await this.keeper?.close()) !== false;
    if (this.store !== null) await (await this.store.catch(() => null))?.close();
    // sends still in flight are waited for (and counted if lost) before the producer goes
    await this.deadLetters.flush();
    if (this.producerReady !== null) await this.producer.disconnect().catch(() => {});
    const unwritten = this.deadLetters.unwritten;
    return { checkpointed, neverStarted, deadLettersUnwritten: unwritten > 0 ? { count: unwritten, to: this.config.topics.deadLetters } : null, emptyRun: null };
  }
}

/**
 * Every partition the sharded pipeline's latest render shows, with where it stands in it (the
 * last batch folded, or the point it was restored at), and its end as the source last saw it.
 */
function renderedPoints(pipeline: ShardedPipeline, held: ReadonlyMap<number, HeldPosition>): Map<number, HeldPosition> {
  const points = new Map<number, HeldPosition>();
  for (const { partition, position } of pipeline.progress.view().shards ?? []) {
    const p = Number(partition);
    points.set(p, { offset: position === null ? 0 : position.seq + 1, end: held.get(p)?.end ?? 0 });
  }
  return points;
}
