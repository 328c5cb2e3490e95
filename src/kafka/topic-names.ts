import type { DimensionName } from '../domain/records/schema.ts';
import { UsageError } from '../errors.ts';

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
