import { canRetry, StateStoreError, InternalError, StreamPulseError } from '../errors.ts';
import { withAdmin } from '../kafka/kafka-client.ts';
import type { KafkaSecurity } from '../kafka/security.ts';
import { ensureStateTopic, stateTopic, type TopicConfig } from '../kafka/topics.ts';
import { Cluster } from '../kafka/wire/cluster.ts';
import { WireProducer } from '../kafka/wire/producer.ts';
import { KafkaConnectionError, KafkaProtocolError, RecordBatchFormatError } from '../kafka/wire/protocol-error.ts';
import type { LogFn } from '../log/logger.ts';
import { CHUNK_BYTES, chunkKey, encodeState, type PartitionStateRecord, type RestoredPartitionState } from './state-encoding.ts';
import { StateLog } from './state-log.ts';
import { readCompactedTopic } from './state-topic-reader.ts';
import { produceChunks, produceManifest, produceTombstones } from './state-writer.ts';

export interface StateReadStats {
  readonly partitions: number;
  /** Record batch bytes fetched from the state topic. */
  readonly bytes: number;
  readonly records: number;
  readonly seconds: number;
}

export interface StateWriteStats {
  readonly partition: number;
  readonly step: number;
  /** Bytes of the gzipped state. */
  readonly bytes: number;
  readonly chunks: number;
  readonly seconds: number;
}

export interface PartitionStateStoreOptions {
  readonly brokers: readonly string[];
  readonly topics: TopicConfig;
  readonly group: string;
  readonly log: LogFn;
  readonly security?: KafkaSecurity;
  /** How long connecting and each read or write may keep failing before it gives up. */
  readonly timeoutMs?: number;
  readonly chunkBytes?: number;
  /** Called after every read of the state topic (restore time and bytes). */
  readonly onRead?: (stats: StateReadStats) => void;
  /** Called after every acknowledged write (state-topic write time). */
  readonly onWrite?: (stats: StateWriteStats) => void;
}

/** What the store knows the topic holds for a partition: its latest step and its live chunk keys. */
interface Written {
  readonly step: number | undefined;
  readonly chunkKeys: ReadonlySet<string>;
  /** Why its latest manifest cannot be read: the partition is not written over a damaged state. */
  readonly broken?: StreamPulseError;
}

const WIRE_ERRORS = [KafkaProtocolError, KafkaConnectionError, RecordBatchFormatError];

/** A wire or broker failure, as the store's own error; StreamPulse errors other than the wire's pass as they are. */
function storeError(action: string, error: unknown): StreamPulseError {
  if (error instanceof StreamPulseError && !WIRE_ERRORS.some((type) => error instanceof type)) return error;
  return new StateStoreError(`${action}: ${(error as Error).message}`, { cause: error, canRetry: canRetry(error) });
}

/**
 * Each events partition's state and next offset in the group's compacted state topic, so that a
 * partition moves to another instance with its state and losing an instance's folder loses
 * nothing. A write is chunks, then a manifest naming them with the offset, then tombstones for the
 * chunks it replaces (state-writer.ts); a read folds the topic as compaction would (state-log.ts).
 * Reads and writes run one at a time, so the store's view of each partition's last step (from its
 * own writes and from every read) is never raced.
 */
export class PartitionStateStore {
  private readonly cluster: Cluster;
  private producer: WireProducer | null = null;
  private readonly written = new Map<number, Written>();
  /** Whether a read has filled `written` for every partition the topic holds. */
  private scanned = false;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly options: PartitionStateStoreOptions,
    readonly topic: string,
  ) {
    this.cluster = new Cluster({ brokers: options.brokers, clientId: 'streampulse-state', security: options.security });
  }

  /** Creates the group's state topic when missing (compacted, one partition) and opens a store on it. */
  static async open(options: PartitionStateStoreOptions): Promise<PartitionStateStore> {
    const topic = stateTopic(options.topics, options.group);
    const created = await withAdmin(options.brokers, 'streampulse-state-admin', options.log, (admin) => ensureStateTopic(admin, topic), options.timeoutMs, options.security);
    if (created) options.log(`created state topic ${topic}`, { topic });
    return new PartitionStateStore(options, topic);
  }

  /**
   * Saves one partition's state and offset; resolves once all of it is acknowledged. `step` must
   * be above the partition's last step in the topic (InternalError otherwise: two writers, or a
   * step not carried over from the restored state).
   */
  write(partition: number, record: PartitionStateRecord): Promise<void> {
    return this.serially(() => this.writeNow(partition, record));
  }

  /** Every partition's latest state, read from the topic's start to its end offset at the call. */
  readAll(): Promise<Map<number, RestoredPartitionState>> {
    return this.serially(() => this.readNow(null));
  }

  /** The latest state of `partitions` (those the topic holds). */
  read(partitions: readonly number[]): Promise<Map<number, RestoredPartitionState>> {
    return this.serially(() => this.readNow(new Set(partitions)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue.catch(() => {});
    this.producer?.close();
    this.producer = null;
    this.cluster.close();
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new InternalError(`the state store of ${this.topic} is closed`));
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** `report` false for the scan a first write makes to learn the steps: not a restore. */
  private async readNow(only: ReadonlySet<number> | null, report = true): Promise<Map<number, RestoredPartitionState>> {
    const started = performance.now();
    const log = new StateLog();
    let read;
    try {
      read = await readCompactedTopic(this.cluster, this.topic, (record) => log.apply(record), this.options.timeoutMs);
    } catch (error) {
      throw storeError(`reading state topic ${this.topic}`, error);
    }
    this.remember(log);
    const states = new Map<number, RestoredPartitionState>();
    for (const partition of log.partitions()) {
      if (only !== null && !only.has(partition)) continue;
      states.set(partition, (await log.restore(partition)) as RestoredPartitionState);
    }
    if (report) this.options.onRead?.({ partitions: states.size, bytes: read.bytes, records: read.records, seconds: (performance.now() - started) / 1000 });
    return states;
  }

  /** What the topic holds per partition, replacing what the store knew: the topic is the truth. */
  private remember(log: StateLog): void {
    this.written.clear();
    for (const partition of log.knownPartitions()) {
      const chunkKeys = new Set(log.chunkKeys(partition));
      try {
        this.written.set(partition, { step: log.step(partition), chunkKeys });
      } catch (error) {
        this.written.set(partition, { step: undefined, chunkKeys, broken: error as StreamPulseError });
      }
    }
    this.scanned = true;
  }

  private async writeNow(partition: number, record: PartitionStateRecord): Promise<void> {
    const started = performance.now();
    if (!Number.isSafeInteger(partition) || partition < 0) throw new InternalError(`state written for partition ${partition}, not a partition number`);
    if (!this.scanned) await this.readNow(new Set(), false);
    const before: Written = this.written.get(partition) ?? { step: undefined, chunkKeys: new Set<string>() };
    if (before.broken !== undefined) throw before.broken;
    if (before.step !== undefined && !(record.step > before.step)) {
      throw new InternalError(`state step ${record.step} of partition ${partition} is not above step ${before.step}, the last one in ${this.topic}`);
    }
    const encoded = await encodeState(partition, record, new Date(), this.options.chunkBytes ?? CHUNK_BYTES);
    const fresh = encoded.chunks.map((_, i) => chunkKey(partition, record.step, i));
    // the new keys are live from the first append on: a failed write leaves them for the next to delete
    const live = new Set([...before.chunkKeys, ...fresh]);
    this.written.set(partition, { step: before.step, chunkKeys: live });
    const producer = await this.connectedProducer();
    try {
      await produceChunks(producer, this.topic, partition, encoded);
      await produceManifest(producer, this.topic, partition, encoded);
      this.written.set(partition, { step: record.step, chunkKeys: live });
      const stale = [...live].filter((key) => !fresh.includes(key));
      await produceTombstones(producer, this.topic, stale);
      this.written.set(partition, { step: record.step, chunkKeys: new Set(fresh) });
    } catch (error) {
      // a failed producer stays failed: the next write starts a new one (a new producer id)
      producer.close();
      if (this.producer === producer) this.producer = null;
      throw storeError(`writing the state of partition ${partition} to ${this.topic}`, error);
    }
    const seconds = (performance.now() - started) / 1000;
    this.options.onWrite?.({ partition, step: record.step, bytes: encoded.manifest.bytes, chunks: encoded.chunks.length, seconds });
  }

  private async connectedProducer(): Promise<WireProducer> {
    if (this.producer !== null) return this.producer;
    const producer = new WireProducer({ cluster: this.cluster, codec: 'none', lingerMs: 1, deliveryTimeoutMs: this.options.timeoutMs ?? 120_000, log: this.options.log });
    try {
      await producer.connect();
    } catch (error) {
      throw storeError(`connecting a producer for ${this.topic}`, error);
    }
    this.producer = producer;
    return producer;
  }
}
