import type { LogFn } from '../../log/logger.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { initProducerId, type ProducerIdentity } from './apis/init-producer-id.ts';
import { produce, type ProducePartitionResult } from './apis/produce.ts';
import type { Cluster } from './cluster.ts';
import type { Codec } from './compression.ts';
import type { Connection } from './connection.ts';
import { isRetriable, KafkaConnectionError, KafkaErrorCode, KafkaProtocolError, needsRefresh } from './protocol-error.ts';
import { BATCH_HEADER_BYTES, RecordBatchBuilder, recordSize } from './record-batch.ts';

export interface ProducerOptions {
  readonly cluster: Cluster;
  /** Largest record batch; the broker's default message.max.bytes is 1 MB. */
  readonly batchBytes?: number;
  /** How long a batch that is not full waits for more records before it is sent. */
  readonly lingerMs?: number;
  /** Requests in flight per broker: at most 5 keeps idempotent ordering (the broker tracks 5). */
  readonly maxInFlight?: number;
  readonly codec?: Codec;
  /** Appended but unacknowledged bytes above which `ready()` waits. */
  readonly bufferBytes?: number;
  /** How long a batch may keep failing with retriable errors before the producer gives up. */
  readonly deliveryTimeoutMs?: number;
  readonly log?: LogFn;
}

interface SealedBatch {
  readonly records: Buffer;
  readonly count: number;
  readonly baseSequence: number;
  readonly appendedBytes: number;
  /** performance.now() of the first send; 0 until sent. */
  firstSentAt: number;
}

/** One topic-partition's queue: the open batch, sealed batches in sequence order, retries. */
interface PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  open: RecordBatchBuilder | null;
  openedAt: number;
  readonly sealed: SealedBatch[];
  inFlight: number;
  /** Answered with a retriable error; resent in sequence order once nothing is in flight. */
  readonly failed: SealedBatch[];
  nextSequence: number;
  retryAt: number;
  /**
   * Whether the broker has acknowledged a batch of this partition from this producer. Until then
   * one batch at a time: a broker without state for the producer accepts a first batch at any
   * sequence (KIP-360), so a later batch could land before a first one that failed on a
   * transient error (a new topic's leader still settling), and the first could then never follow.
   */
  confirmed: boolean;
}

/**
 * An idempotent producer (acks=all) over the wire protocol. Records are encoded straight into the
 * record batch of their partition, so no per-record object outlives `append`; full batches are
 * sealed with the partition's next sequence number and sent, up to `maxInFlight` requests per
 * broker. A batch answered with a retriable error (or lost with its connection) is resent with its
 * original sequence, after every later batch of its partition has been answered and in order, so
 * the broker's sequence check drops anything written twice and keeps the partition's order.
 */
export class WireProducer {
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly batchBytes: number;
  private readonly lingerMs: number;
  private readonly maxInFlight: number;
  private readonly codec: Codec;
  private readonly bufferBytes: number;
  private readonly deliveryTimeoutMs: number;
  private identity: ProducerIdentity | null = null;
  private buffered = 0;
  private fatal: Error | null = null;
  private lingerTimer: NodeJS.Timeout | null = null;
  private readonly pumping = new Set<number>();
  private readonly waiters: (() => void)[] = [];
  private unreachableLogged = false;
  /** When a leader was first found unreachable since the last acknowledged batch. */
  private unreachableSince: number | null = null;
  /** Records acknowledged by the brokers. */
  acked = 0;

  constructor(private readonly options: ProducerOptions) {
    this.batchBytes = options.batchBytes ?? 1_000_000;
    this.lingerMs = options.lingerMs ?? 5;
    this.maxInFlight = Math.min(options.maxInFlight ?? 5, 5);
    this.codec = options.codec ?? 'none';
    this.bufferBytes = options.bufferBytes ?? 64 << 20;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
  }

  /** Gets the producer id and epoch that make retries idempotent. */
  async connect(): Promise<void> {
    const started = Date.now();
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      try {
        this.identity = await this.options.cluster.sendToAny(initProducerId());
        return;
      } catch (error) {
        if (!isRetriable(error) || Date.now() - started > this.deliveryTimeoutMs) throw error;
        await sleep(delay);
      }
    }
  }

  /** Appends one record to its partition's batch; a null key or value (a tombstone) is stored as null. */
  append(topic: string, partition: number, key: Uint8Array | null, keyStart: number, keyEnd: number, value: Uint8Array | null, valueStart: number, valueEnd: number): void {
    if (this.fatal !== null) throw this.fatal;
    const queue = this.queue(topic, partition);
    let open = queue.open;
    const before = open === null ? 0 : open.bytes;
    if (open !== null && open.tryAppend(key, keyStart, keyEnd, value, valueStart, valueEnd)) {
      this.buffered += open.bytes - before;
      return;
    }
    if (open !== null) this.seal(queue);
    const size = BATCH_HEADER_BYTES + recordSize(0, key === null ? -1 : keyEnd - keyStart, value === null ? -1 : valueEnd - valueStart);
    open = queue.open = new RecordBatchBuilder(Math.max(this.batchBytes, size), Date.now());
    queue.openedAt = performance.now();
    open.tryAppend(key, keyStart, keyEnd, value, valueStart, valueEnd);
    this.buffered += open.bytes;
    this.lingerTimer ??= setTimeout(() => this.onLinger(), this.lingerMs);
  }

  /** Resolves when the unacknowledged bytes are below the buffer limit; rejects once the producer has failed. */
  ready(): Promise<void> {
    if (this.fatal !== null) return Promise.reject(this.fatal);
    if (this.buffered < this.bufferBytes) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push(() => (this.fatal !== null ? reject(this.fatal) : resolve())));
  }

  /** Sends every open batch and resolves when everything appended so far is acknowledged. */
  async flush(): Promise<void> {
    for (const queue of this.queues.values()) if (queue.open !== null && queue.open.count > 0) this.seal(queue);
    this.schedule();
    while (this.buffered > 0) {
      if (this.fatal !== null) throw this.fatal;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.fatal !== null) throw this.fatal;
  }

  close(): void {
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.fail(new KafkaConnectionError('the producer was closed'));
  }

  private queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { topic, partition, open: null, openedAt: 0, sealed: [], inFlight: 0, failed: [], nextSequence: 0, retryAt: 0, confirmed: false };
      this.queues.set(key, queue);
    }
    return queue;
  }

  private seal(queue: PartitionQueue): void {
    const open = queue.open as RecordBatchBuilder;
    queue.open = null;
    if (this.identity === null) throw new KafkaConnectionError('the producer is not connected');
    const records = open.seal(this.identity.producerId, this.identity.epoch, queue.nextSequence, this.codec);
    queue.sealed.push({ records, count: open.count, baseSequence: queue.nextSequence, appendedBytes: open.bytes, firstSentAt: 0 });
    queue.nextSequence = (queue.nextSequence + open.count) % 0x80000000;
    this.schedule();
  }

  private onLinger(): void {
    this.lingerTimer = null;
    const now = performance.now();
    let pending = false;
    for (const queue of this.queues.values()) {
      if (queue.open === null || queue.open.count === 0) continue;
      if (now - queue.openedAt >= this.lingerMs) this.seal(queue);
      else pending = true;
    }
    if (pending) this.lingerTimer = setTimeout(() => this.onLinger(), this.lingerMs);
  }

  /** Whether a partition has a batch to send now: not waiting for its failed batches or its retry time. */
  private static sendable(queue: PartitionQueue, now: number): boolean {
    return queue.sealed.length > 0 && queue.failed.length === 0 && queue.retryAt <= now;
  }

  /** Starts a send loop for every broker that leads a partition with something to send. */
  private schedule(): void {
    if (this.fatal !== null) return;
    const now = performance.now();
    const brokers = new Set<number>();
    let refresh = false;
    for (const queue of this.queues.values()) {
      if (!WireProducer.sendable(queue, now)) continue;
      const leader = this.options.cluster.leaderOf(queue.topic, queue.partition);
      if (leader < 0) refresh = true;
      else brokers.add(leader);
    }
    if (refresh) void this.refreshAndSchedule();
    for (const broker of brokers) if (!this.pumping.has(broker)) void this.pump(broker);
  }

  private async refreshAndSchedule(): Promise<void> {
    const topics = [...new Set([...this.queues.values()].map((q) => q.topic))];
    try {
      await this.options.cluster.refresh(topics);
    } catch (error) {
      if (!isRetriable(error)) return this.fail(error as Error);
      await sleep(250);
    }
    this.schedule();
  }

  private async pump(broker: number): Promise<void> {
    this.pumping.add(broker);
    try {
      let connection: Connection;
      try {
        connection = await this.options.cluster.connectionTo(broker);
      } catch (error) {
        this.unreachable(broker, error as Error);
        return;
      }
      while (connection.inFlight < this.maxInFlight && !connection.closed) {
        const request = this.collect(broker);
        if (request === null) break;
        this.dispatch(connection, request.topic, request.batches);
      }
    } finally {
      this.pumping.delete(broker);
    }
  }

  /** The next request for `broker`: one sealed batch from each ready partition of one topic. */
  private collect(broker: number): { topic: string; batches: { queue: PartitionQueue; batch: SealedBatch }[] } | null {
    const now = performance.now();
    let topic: string | null = null;
    let bytes = 0;
    const batches: { queue: PartitionQueue; batch: SealedBatch }[] = [];
    for (const queue of this.queues.values()) {
      if (!WireProducer.sendable(queue, now) || queue.inFlight >= (queue.confirmed ? this.maxInFlight : 1)) continue;
      if (this.options.cluster.leaderOf(queue.topic, queue.partition) !== broker) continue;
      if (topic !== null && queue.topic !== topic) continue;
      if (bytes > 0 && bytes + queue.sealed[0].records.length > 16 << 20) break;
      topic = queue.topic;
      const batch = queue.sealed.shift() as SealedBatch;
      batch.firstSentAt ||= now;
      batches.push({ queue, batch });
      queue.inFlight++;
      bytes += batch.records.length;
    }
    return topic === null ? null : { topic, batches };
  }

  private dispatch(connection: Connection, topic: string, batches: { queue: PartitionQueue; batch: SealedBatch }[]): void {
    const request = produce(topic, batches.map(({ queue, batch }) => ({ partition: queue.partition, records: batch.records })), 30_000);
    connection.send(request).then(
      (results) => {
        const byPartition = new Map<number, ProducePartitionResult>(results.map((r) => [r.partition, r]));
        for (const { queue, batch } of batches) this.answered(queue, batch, byPartition.get(queue.partition)?.error ?? -1);
        this.schedule();
      },
      (error: Error) => {
        for (const { queue, batch } of batches) this.answered(queue, batch, -1, error);
        this.schedule();
      },
    );
  }

  private answered(queue: PartitionQueue, batch: SealedBatch, code: number, connectionError?: Error): void {
    queue.inFlight--;
    if (code === KafkaErrorCode.None || code === KafkaErrorCode.DuplicateSequence) {
      queue.confirmed = true;
      this.acked += batch.count;
      this.release(batch);
      this.unreachableLogged = false;
      this.unreachableSince = null;
    } else {
      const error = connectionError ?? new KafkaProtocolError(code, `producing to ${queue.topic}/${queue.partition}`);
      // a later batch of a partition whose earlier batch failed is out of sequence by design
      const retriable = isRetriable(error) || (code === KafkaErrorCode.OutOfOrderSequence && queue.failed.length > 0);
      if (!retriable) return this.fail(error);
      if (performance.now() - batch.firstSentAt > this.deliveryTimeoutMs) {
        return this.fail(new KafkaConnectionError(`gave up producing to ${queue.topic}/${queue.partition} after ${this.deliveryTimeoutMs} ms: ${error.message}`, { cause: error }));
      }
      queue.failed.push(batch);
      if (needsRefresh(error)) void this.refreshAndSchedule();
    }
    if (queue.inFlight === 0 && queue.failed.length > 0) {
      queue.failed.sort((a, b) => a.baseSequence - b.baseSequence);
      queue.sealed.unshift(...queue.failed.splice(0));
      queue.retryAt = performance.now() + 100;
      setTimeout(() => this.schedule(), 110);
    }
  }

  private unreachable(broker: number, error: Error): void {
    if (!this.unreachableLogged) {
      this.options.log?.(`Kafka broker ${broker} is not answering (${error.message}); retrying with backoff…`, { broker, level: 'warn' });
      this.unreachableLogged = true;
    }
    // counted from the first failure, not from a batch's first send: a broker down from the start
    // never lets a batch be sent at all
    this.unreachableSince ??= performance.now();
    if (performance.now() - this.unreachableSince > this.deliveryTimeoutMs) {
      return this.fail(new KafkaConnectionError(`gave up producing after ${this.deliveryTimeoutMs} ms: ${error.message}`, { cause: error }));
    }
    setTimeout(() => void this.refreshAndSchedule(), 500);
  }

  private release(batch: SealedBatch): void {
    this.buffered -= batch.appendedBytes;
    this.wake();
  }

  private fail(error: Error): void {
    this.fatal ??= error;
    this.wake();
  }

  private wake(): void {
    if (this.buffered >= this.bufferBytes && this.fatal === null) return;
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
