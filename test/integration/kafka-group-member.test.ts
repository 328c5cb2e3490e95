import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMissingTopics } from '../../src/kafka/topics.ts';
import { Cluster, GroupMember, type Assignment } from '../../src/kafka/wire/index.ts';
import { until } from '../helpers/until.ts';
import { deleteTopics, obtainBroker, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';

let broker: TestBroker;
const topics = uniqueTopics('group');

beforeAll(async () => {
  broker = await obtainBroker();
  await createMissingTopics([broker.brokers], topics, () => {});
}, 300_000);

afterAll(async () => {
  if (broker !== undefined) {
    await deleteTopics(broker.brokers, topics).catch(() => {});
    await broker.stop();
  }
});

/** A member that records its current partitions of the events topic (none while rebalancing). */
function member(name: string, groupId: string, sessionTimeoutMs = 6_000): { member: GroupMember; owned: () => number[]; cluster: Cluster; fatal: Error[] } {
  const cluster = new Cluster({ brokers: [broker.brokers], clientId: name });
  let owned: number[] = [];
  const fatal: Error[] = [];
  const m = new GroupMember({
    cluster,
    groupId,
    topics: [topics.events],
    sessionTimeoutMs,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 300,
    onAssigned: (assignment: Assignment) => void (owned = [...(assignment.get(topics.events) ?? [])].sort((a, b) => a - b)),
    onRevoked: () => void (owned = []),
    onFatal: (error) => void fatal.push(error),
    log: () => {},
  });
  return { member: m, owned: () => owned, cluster, fatal };
}

describe('consumer group membership (real broker)', () => {
  it('splits the partitions between two members, and gives them all to the one left when the other leaves', async () => {
    const groupId = `g-${topics.prefix}`;
    const a = member('a', groupId);
    const b = member('b', groupId);
    try {
      a.member.start();
      await until('a owns all six partitions', () => a.owned().length === 6, 30_000);
      b.member.start();
      // the range assignor gives each of two members three contiguous partitions
      await until('a and b own three each', () => a.owned().length === 3 && b.owned().length === 3, 30_000);
      expect([...a.owned(), ...b.owned()].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
      await b.member.stop();
      await until('a owns all six again', () => a.owned().length === 6, 15_000);
      expect(a.owned()).toEqual([0, 1, 2, 3, 4, 5]);
      expect([...a.fatal, ...b.fatal]).toEqual([]);
    } finally {
      await a.member.stop();
      await b.member.stop();
      a.cluster.close();
      b.cluster.close();
    }
  }, 90_000);

  it('stops with onFatal on an error joining again cannot mend, instead of retrying forever', async () => {
    // the broker's group.min.session.timeout.ms is 6 s: a 1 s session is INVALID_SESSION_TIMEOUT
    const c = member('c', `g-fatal-${topics.prefix}`, 1_000);
    try {
      c.member.start();
      await until('c reported a fatal error', () => c.fatal.length > 0, 15_000);
      expect(c.fatal[0].message).toMatch(/INVALID_SESSION_TIMEOUT/);
      expect(c.owned()).toEqual([]);
    } finally {
      await c.member.stop();
      c.cluster.close();
    }
  }, 30_000);
});
