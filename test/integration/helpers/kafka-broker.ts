import { randomUUID } from 'node:crypto';
import { LocalBroker } from '../../../src/kafka/local-broker.ts';
import { withAdmin } from '../../../src/kafka/kafka-client.ts';
import { defaultTopics, type TopicConfig } from '../../../src/kafka/topics.ts';
import { PartitionStateStore, type RestoredPartitionState } from '../../../src/state/index.ts';

export interface TestBroker {
  readonly brokers: string;
  readonly kind: 'env' | 'testcontainers' | 'local';
  stop(): Promise<void>;
}

const log = (line: string): void => void process.stderr.write(`[kafka] ${line}\n`);

async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * A real broker for a test file: KAFKA_BROKERS when set; else a Kafka container when a container
 * runtime answers; else the repo's local launcher (Kafka's jars from Maven Central). Never a
 * mock, and never a silent skip: if none can be had, the test fails with the reason.
 */
export async function obtainBroker(): Promise<TestBroker> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv !== undefined && fromEnv !== '') return { brokers: fromEnv, kind: 'env', stop: async () => {} };
  if (await containerRuntimeAnswers()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().start();
    return { brokers: `${container.getHost()}:${container.getMappedPort(9093)}`, kind: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  const broker = await LocalBroker.start({ log });
  return { brokers: broker.brokers, kind: 'local', stop: () => broker.stop() };
}

/** A topic prefix no other test uses, and the topic names under it. */
export function uniqueTopics(name: string, partitions = 6): TopicConfig & { prefix: string } {
  const prefix = `${name}-${randomUUID().slice(0, 8)}.`;
  return { ...defaultTopics({ partitions }, prefix), prefix };
}

export async function deleteTopics(brokers: string, topics: TopicConfig): Promise<void> {
  await withAdmin(
    [brokers],
    'streampulse-test-cleanup',
    log,
    async (admin) => {
      const existing = await admin.listTopics();
      // with the state topic of every group that read the events topic (`<events>.<group>.state`)
      const states = existing.filter((t) => t.startsWith(`${topics.events}.`) && t.endsWith('.state'));
      const names = [topics.events, topics.subscriptions, topics.adRates, topics.payouts, topics.deadLetters].filter((t) => existing.includes(t)).concat(states);
      if (names.length > 0) await admin.deleteTopics({ topics: names });
    },
    20_000,
  );
}

/** Every partition's saved state in a group's state topic, read as another instance would. */
export async function readSavedStates(brokers: string, topics: TopicConfig, group: string): Promise<Map<number, RestoredPartitionState>> {
  const store = await PartitionStateStore.open({ brokers: [brokers], topics, group, log, timeoutMs: 30_000 });
  try {
    return await store.readAll();
  } finally {
    await store.close();
  }
}
