import type { LogFn } from '../log/logger.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Admin } from 'kafkajs';
import { withAdmin } from './kafka-client.ts';
import type { KafkaSecurity } from './security.ts';
import type { TopicConfig } from './topic-names.ts';

// the names are their own module so configuration can compute them without loading kafkajs
export { defaultTopics, dimensionTopic, stateTopic, tableOfTopic, type TopicConfig } from './topic-names.ts';

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

/** Creates `topic` as a state topic when missing: compacted, one partition. True when it was created. */
export async function ensureStateTopic(admin: Admin, topic: string): Promise<boolean> {
  if ((await admin.listTopics()).includes(topic)) return false;
  const configEntries = [{ name: 'cleanup.policy', value: 'compact' }];
  return admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true });
}
