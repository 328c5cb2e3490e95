import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { RawBatchBuilder } from '../domain/records/raw-batch.ts';
import { connectAdmin, createKafka } from '../kafka/kafka-client.ts';
import { ensureTopics, tableOfTopic, type TopicConfig } from '../kafka/topics.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { HandOff } from './hand-off.ts';

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly topics: TopicConfig;
  readonly groupId: string;
  /** Stop once caught up with the events' end offsets seen at start. */
  readonly once: boolean;
  readonly batchSize: number;
  /** Next offset per events partition, from a checkpoint; absent partitions start at the beginning. */
  readonly startOffsets?: Readonly<Record<string, number>>;
  readonly log: (line: string) => void;
  readonly connectTimeoutMs?: number;
}

export interface PartitionPosition {
  readonly partition: number;
  /** Next offset to fold into the reports. */
  readonly offset: number;
  /** The partition's end offset when last asked. */
  readonly end: number;
  readonly lag: number;
}

const EMPTY = Buffer.alloc(0);
/**
 * A restarted instance rejoins its group only once the broker has given up on the instance that
 * died: a short session keeps that pause to seconds (the broker's minimum is 6 s).
 */
const SESSION_TIMEOUT_MS = 10_000;

/**
 * Reads the dimension topics to their end offsets first, then the events topic through a consumer
 * group, while still following the dimension topics. Offsets are tracked here, per partition, as
 * items are handed to the pipeline: a checkpoint taken between batches pairs the state with
 * exactly these offsets, and anything redelivered below them (after a rebalance or a broker
 * restart) is skipped, so nothing is counted twice.
 */
export class KafkaSource implements AsyncIterable<SourceItem> {
  private readonly kafka: Kafka;
  private admin: Admin | null = null;
  private readonly consumers: Consumer[] = [];
  private readonly handOff: HandOff<SourceItem>;
  /** `${topic}/${partition}` → next offset handed over. */
  private readonly next = new Map<string, number>();
  private readonly ends = new Map<number, number>();
  private stopEnds: Map<number, number> | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private dimensionsLoaded!: () => void;
  private readonly dimensionsReady = new Promise<void>((resolve) => (this.dimensionsLoaded = resolve));

  constructor(private readonly options: KafkaSourceOptions) {
    this.kafka = createKafka(options.brokers, 'streampulse');
    this.handOff = new HandOff<SourceItem>(() => this.caughtUp());
    for (const [partition, offset] of Object.entries(options.startOffsets ?? {})) this.next.set(`${options.topics.events}/${partition}`, offset);
  }

  [Symbol.asyncIterator](): AsyncIterator<SourceItem> {
    this.start().catch((error: Error) => {
      this.options.log(`Kafka source failed: ${error.message}`);
      this.handOff.close();
    });
    return this.handOff[Symbol.asyncIterator]();
  }

  /** Next offset per events partition of everything handed to the pipeline so far. */
  positions(): Record<string, number> {
    const prefix = `${this.options.topics.events}/`;
    const out: Record<string, number> = {};
    for (const [key, offset] of this.next) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = offset;
    return out;
  }

  describe(): { topic: string; partitions: PartitionPosition[]; lag: number } {
    const positions = this.positions();
    const partitions = [...this.ends.keys()].sort((a, b) => a - b).map((partition) => {
      const offset = positions[partition] ?? 0;
      const end = this.ends.get(partition) ?? 0;
      return { partition, offset, end, lag: Math.max(0, end - offset) };
    });
    return { topic: this.options.topics.events, partitions, lag: partitions.reduce((n, p) => n + p.lag, 0) };
  }

  async stop(): Promise<void> {
    if (this.lagTimer !== null) clearInterval(this.lagTimer);
    this.handOff.close();
    await Promise.all(this.consumers.map((c) => c.disconnect().catch(() => {})));
    await this.admin?.disconnect().catch(() => {});
  }

  private caughtUp(): boolean {
    if (this.stopEnds === null) return false;
    const positions = this.positions();
    for (const [partition, end] of this.stopEnds) if ((positions[partition] ?? 0) < end) return false;
    return true;
  }

  private async endOffsets(topic: string): Promise<Map<number, number>> {
    const offsets = await (this.admin as Admin).fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  private async start(): Promise<void> {
    const { topics, log } = this.options;
    this.admin = await connectAdmin(this.kafka, this.options.brokers, log, this.options.connectTimeoutMs);
    const created = await ensureTopics(this.admin, topics);
    if (created.length > 0) log(`created topics ${created.join(', ')}`);

    const dimensionTopics = [topics.subscriptions, topics.adRates, topics.payouts];
    const dimensionEnds = new Map<string, number>();
    for (const topic of dimensionTopics) for (const [p, end] of await this.endOffsets(topic)) dimensionEnds.set(`${topic}/${p}`, end);
    const dimensionsCaughtUp = (): boolean => [...dimensionEnds].every(([key, end]) => (this.next.get(key) ?? 0) >= end);
    if (dimensionsCaughtUp()) this.dimensionsLoaded();

    await this.consume(`${this.options.groupId}-dimensions-${randomUUID()}`, dimensionTopics, (payload) =>
      this.forward(payload, () => {
        if (dimensionsCaughtUp()) this.dimensionsLoaded();
      }),
    );
    await this.dimensionsReady;

    for (const [p, end] of await this.endOffsets(topics.events)) this.ends.set(p, end);
    if (this.options.once) this.stopEnds = new Map(this.ends);
    if (this.caughtUp()) {
      this.handOff.close();
      return;
    }
    this.lagTimer = setInterval(() => {
      this.endOffsets(topics.events).then(
        (ends) => ends.forEach((end, p) => this.ends.set(p, end)),
        () => {},
      );
    }, 2_000);
    this.lagTimer.unref();
    await this.consume(this.options.groupId, [topics.events], (payload) => this.forward(payload, () => {}));
  }

  private async consume(groupId: string, topicNames: readonly string[], eachBatch: (payload: EachBatchPayload) => Promise<void>): Promise<void> {
    const consumer = this.kafka.consumer({ groupId, maxBytes: 16 << 20, maxWaitTimeInMs: 200, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 1_000 });
    this.consumers.push(consumer);
    // offsets live in StreamPulse's checkpoints, not in the group: on every (re)join, resume
    // exactly where the reports are
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = this.next.get(`${topic}/${partition}`);
          if (offset !== undefined) consumer.seek({ topic, partition, offset: String(offset) });
        }
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.options.log(`Kafka consumer ${groupId} stopped on an error (${payload.error.message}); ${payload.restart ? 'restarting' : 'not restarting'}`);
    });
    await consumer.connect();
    for (const topic of topicNames) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch });
  }

  /** Hands a fetched batch to the pipeline in slices, skipping anything already folded in. */
  private async forward({ batch, heartbeat, isRunning, isStale }: EachBatchPayload, afterEach: () => void): Promise<void> {
    const { topic, partition } = batch;
    const key = `${topic}/${partition}`;
    const table = tableOfTopic(this.options.topics, topic);
    const messages = batch.messages;
    let i = 0;
    while (i < messages.length && isRunning() && !isStale()) {
      const builder = new RawBatchBuilder();
      let next = this.next.get(key) ?? 0;
      for (; i < messages.length && builder.count < this.options.batchSize; i++) {
        const offset = Number(messages[i].offset);
        if (offset < next) continue;
        const value = messages[i].value ?? EMPTY;
        builder.add(value, 0, value.length, offset);
        next = offset + 1;
      }
      if (builder.count === 0) continue;
      const raw = builder.build(key, { origin: key, seq: next - 1 });
      const item: SourceItem = table === undefined ? { kind: 'events', batch: raw } : { kind: 'dimension', table, batch: raw };
      const handedOffset = next;
      await this.handOff.push(item, () => {
        this.next.set(key, handedOffset);
        afterEach();
      });
      await heartbeat();
    }
  }
}
