import type { LogFn } from '../log/logger.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Admin } from 'kafkajs';
import type { DimensionName } from '../domain/records/schema.ts';
import { UsageError } from '../errors.ts';
import { withAdmin } from './kafka-client.ts';
import type { KafkaSecurity } from './security.ts';

export interface TopicConfig {
  readonly events: string;
  readonly subscriptions: string;
  readonly adRates: string;
  readonly payouts: string;
  readonly deadLetters: string;
  /** Partitions of the events topic (and of subscriptions, keyed by the same user_id). */
  readonly partitions: number;
}

/** Topic names: the defaults, each behind `prefix` (for several pipelines on one cluster). */
export function defaultTopics(overrides: Partial<TopicConfig> = {}, prefix = ''): TopicConfig {
  const events = overrides.events ?? `${prefix}listening-events`;
  return {
    events,
    subscriptions: overrides.subscriptions ?? `${prefix}subscriptions`,
    adRates: overrides.adRates ?? `${prefix}ad-rates`,
    payouts: overrides.payouts ?? `${prefix}artist-payouts`,
    deadLetters: overrides.deadLetters ?? `${events}.dlq`,
    partitions: overrides.partitions ?? 6,
  };
}

export function dimensionTopic(topics: TopicConfig, table: DimensionName): string {
  return table === 'subscriptions' ? topics.subscriptions : table === 'ad_rates' ? topics.adRates : topics.payouts;
}

export function tableOfTopic(topics: TopicConfig, topic: string): DimensionName | undefined {
  if (topic === topics.subscriptions) return 'subscriptions';
  if (topic === topics.adRates) return 'ad_rates';
  if (topic === topics.payouts) return 'payouts';
  return undefined;
}

/**
 * Creates the topics that are missing: events keyed by user_id over `partitions` partitions; the
 * dimension topics compacted (the latest row per key is the table); the dead-letter topic.
 */
export async function ensureTopics(admin: Admin, topics: TopicConfig): Promise<string[]> {
  // a topic just created may not be in every broker's metadata yet (UNKNOWN_TOPIC_OR_PARTITION
  // while waiting for its leaders): kafkajs marks that retriable, so the round is tried again
  for (let attempt = 1; ; attempt++) {
    try {
      return await createMissing(admin, topics);
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || attempt >= 10) throw error;
      await sleep(250 * attempt);
    }
  }
}

async function createMissing(admin: Admin, topics: TopicConfig): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const compacted = [{ name: 'cleanup.policy', value: 'compact' }];
  const wanted = [
    { topic: topics.events, numPartitions: topics.partitions },
    { topic: topics.subscriptions, numPartitions: topics.partitions, configEntries: compacted },
    { topic: topics.adRates, numPartitions: 1, configEntries: compacted },
    { topic: topics.payouts, numPartitions: 1, configEntries: compacted },
    { topic: topics.deadLetters, numPartitions: 1 },
  ].filter((t) => !existing.has(t.topic));
  if (wanted.length > 0) await admin.createTopics({ topics: wanted, waitForLeaders: true });
  return wanted.map((t) => t.topic);
}

/** Connects (waiting for a broker that is not up yet), creates the missing topics and logs which. */
export async function createMissingTopics(brokers: readonly string[], topics: TopicConfig, log: LogFn, timeoutMs?: number, security?: KafkaSecurity): Promise<void> {
  const created = await withAdmin(brokers, 'streampulse-admin', log, (admin) => ensureTopics(admin, topics), timeoutMs, security);
  if (created.length > 0) log(`created topics ${created.join(', ')}`);
}

/** Kafka's default max.message.bytes (1 MiB plus a batch header): used when a topic's cannot be read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** The largest record batch `topic` accepts (its max.message.bytes). */
export async function maxMessageBytes(admin: Admin, topic: string): Promise<number> {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    includeSynonyms: false,
  });
  const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES;
}

/** Kafka's rule for topic names: these characters, at most 249 of them. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * The compacted topic holding each events partition's state for consumer group `group`, named
 * after the events topic (so it follows --topic-prefix). A group id Kafka cannot put in a topic
 * name is refused rather than rewritten, since two rewritten ids could name the same topic.
 */
export function stateTopic(topics: TopicConfig, group: string): string {
  const name = `${topics.events}.${group}.state`;
  if (!TOPIC_NAME.test(name)) throw new UsageError(`the state topic of group "${group}" would be "${name}", which is not a valid Kafka topic name (letters, digits, '.', '_' and '-', at most 249)`);
  return name;
}

/** Creates `topic` as a state topic when missing: compacted, one partition. True when it was created. */
export async function ensureStateTopic(admin: Admin, topic: string): Promise<boolean> {
  if ((await admin.listTopics()).includes(topic)) return false;
  const configEntries = [{ name: 'cleanup.policy', value: 'compact' }];
  return admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true });
}
