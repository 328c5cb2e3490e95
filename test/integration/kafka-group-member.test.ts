import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMissingTopics } from '../../src/kafka/topics.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogFn } from '../../src/log/logger.ts';
import { Cluster, GroupMember, type Assignment, type PartitionOwners } from '../../src/kafka/wire/index.ts';
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

interface MemberOptions {
  readonly sessionTimeoutMs?: number;
  readonly rebalanceTimeoutMs?: number;
  readonly advertise?: string;
  /** Runs after the member's partitions are forgotten, before it rejoins or leaves. */
  readonly onRevoked?: () => Promise<void>;
  /** Shared by the members of a test: what happened, in the order it happened. */
  readonly journal?: string[];
  readonly log?: LogFn;
}

interface TestMember {
  readonly member: GroupMember;
  readonly owned: () => number[];
  /** The owners of the events topic's partitions from the last assignment: partition → "memberId url". */
  readonly owners: () => Map<number, string>;
  readonly cluster: Cluster;
  readonly fatal: Error[];
}

/** A member that records its current partitions of the events topic (none while rebalancing). */
function member(name: string, groupId: string, options: MemberOptions = {}): TestMember {
  const cluster = new Cluster({ brokers: [broker.brokers], clientId: name });
  let owned: number[] = [];
  let owners = new Map<number, string>();
  const fatal: Error[] = [];
  const m = new GroupMember({
    cluster,
    groupId,
    topics: [topics.events],
    sessionTimeoutMs: options.sessionTimeoutMs ?? 6_000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 10_000,
    heartbeatIntervalMs: 300,
    advertise: options.advertise,
    onAssigned: (assignment: Assignment, all: PartitionOwners) => {
      owned = [...(assignment.get(topics.events) ?? [])].sort((a, b) => a - b);
      owners = new Map([...(all.get(topics.events) ?? [])].map(([p, o]) => [p, `${o.memberId} ${o.url}`]));
      options.journal?.push(`${name} assigned ${owned.join(',')}`);
    },
    onRevoked: async ({ lost }) => {
      owned = [];
      options.journal?.push(`${name} revoking${lost ? ' (lost)' : ''}`);
      await options.onRevoked?.();
      options.journal?.push(`${name} revoked`);
    },
    onFatal: (error) => void fatal.push(error),
    log: options.log ?? (() => {}),
  });
  return { member: m, owned: () => owned, owners: () => owners, cluster, fatal };
}

/**
 * `a` joins alone and takes all six partitions, then `b` joins and the range assignor gives each
 * three contiguous partitions: the rebalance most tests here watch.
 */
async function joinInTurn(a: TestMember, b: TestMember): Promise<void> {
  a.member.start();
  await until('a owns all six partitions', () => a.owned().length === 6, 30_000);
  b.member.start();
  await until('a and b own three each', () => a.owned().length === 3 && b.owned().length === 3, 30_000);
}

/** Where `line` first appears in the journal; fails the test when it never did. */
function at(journal: readonly string[], line: string): number {
  const index = journal.indexOf(line);
  expect(index, `${line} in ${JSON.stringify(journal)}`).toBeGreaterThanOrEqual(0);
  return index;
}

async function stopAll(...members: TestMember[]): Promise<void> {
  for (const m of members) await m.member.stop();
  for (const m of members) m.cluster.close();
}

describe('consumer group membership (real broker)', () => {
  it('splits the partitions between two members, and gives them all to the one left when the other leaves', async () => {
    const groupId = `g-${topics.prefix}`;
    const a = member('a', groupId);
    const b = member('b', groupId);
    try {
      await joinInTurn(a, b);
      expect([...a.owned(), ...b.owned()].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
      await b.member.stop();
      await until('a owns all six again', () => a.owned().length === 6, 15_000);
      expect(a.owned()).toEqual([0, 1, 2, 3, 4, 5]);
      expect([...a.fatal, ...b.fatal]).toEqual([]);
    } finally {
      await stopAll(a, b);
    }
  }, 90_000);

  it('tells every member the URL each member advertised and who owns every partition', async () => {
    const groupId = `g-urls-${topics.prefix}`;
    const a = member('a', groupId, { advertise: 'http://a.test:8081' });
    const b = member('b', groupId, { advertise: 'https://b.test:9443/sp' });
    try {
      a.member.start();
      b.member.start();
      await until('a and b own three each and both know all six owners', () => a.owned().length === 3 && b.owned().length === 3 && a.owners().size === 6 && b.owners().size === 6, 30_000);
      // each partition's owner is the member that was given it, named with the URL it advertised
      const urlOf = (owner: string | undefined): string | undefined => owner?.split(' ')[1];
      for (const p of a.owned()) expect(urlOf(a.owners().get(p))).toBe('http://a.test:8081');
      for (const p of b.owned()) expect(urlOf(a.owners().get(p))).toBe('https://b.test:9443/sp');
      expect(new Set([...a.owners().values()]).size).toBe(2);
      // both hold the same picture
      expect(Object.fromEntries(b.owners())).toEqual(Object.fromEntries(a.owners()));
      expect([...a.owners().keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await stopAll(a, b);
    }
  }, 60_000);

  it('waits for a slow onRevoked before joining again: nobody gets a partition until it has resolved', async () => {
    const groupId = `g-slow-${topics.prefix}`;
    const journal: string[] = [];
    const a = member('a', groupId, { journal, onRevoked: () => sleep(2_000) });
    const b = member('b', groupId, { journal });
    try {
      await joinInTurn(a, b);
      const revoked = at(journal, 'a revoked');
      expect(at(journal, 'a revoking')).toBeLessThan(revoked);
      expect(at(journal, 'b assigned 3,4,5')).toBeGreaterThan(revoked);
      expect(at(journal, 'a assigned 0,1,2')).toBeGreaterThan(revoked);
      expect([...a.fatal, ...b.fatal]).toEqual([]);
    } finally {
      await stopAll(a, b);
    }
  }, 60_000);

  it('on stop, leaves the group only after onRevoked resolved; a rejecting onRevoked is logged and the member goes on', async () => {
    const groupId = `g-stop-${topics.prefix}`;
    const journal: string[] = [];
    const logged: string[] = [];
    const a = member('a', groupId, { journal, onRevoked: () => sleep(2_000) });
    const b = member('b', groupId, { journal, onRevoked: () => Promise.reject(new Error('state topic unwritable')), log: (line) => void logged.push(line) });
    try {
      a.member.start();
      b.member.start();
      await until('a and b own three each', () => a.owned().length === 3 && b.owned().length === 3, 30_000);
      journal.length = 0;
      await a.member.stop();
      journal.push('a stopped');
      await until('b owns all six', () => b.owned().length === 6, 15_000);
      expect(at(journal, 'a revoked')).toBeLessThan(at(journal, 'a stopped'));
      expect(at(journal, 'a revoked')).toBeLessThan(at(journal, 'b assigned 0,1,2,3,4,5'));
      // b's onRevoked rejected at that rebalance, yet b joined again and took every partition
      expect(at(journal, 'b revoking')).toBeLessThan(at(journal, 'b assigned 0,1,2,3,4,5'));
      expect(journal).not.toContain('b revoked');
      expect(logged.some((line) => line.includes('state topic unwritable'))).toBe(true);
      expect([...a.fatal, ...b.fatal]).toEqual([]);
    } finally {
      await stopAll(a, b);
    }
  }, 60_000);

  it('keeps its membership through a hand-over longer than the session, heartbeating meanwhile', async () => {
    const groupId = `g-long-${topics.prefix}`;
    const a = member('a', groupId, { onRevoked: () => sleep(8_000) });
    const b = member('b', groupId);
    try {
      a.member.start();
      await until('a owns all six partitions', () => a.owned().length === 6, 30_000);
      const before = a.owners().get(0)?.split(' ')[0];
      b.member.start();
      await until('a and b own three each', () => a.owned().length === 3 && b.owned().length === 3, 40_000);
      // the 6 s session would have expired during the 8 s onRevoked: a new member id would show it
      expect(a.owners().get(0)?.split(' ')[0]).toBe(before);
      expect([...a.fatal, ...b.fatal]).toEqual([]);
    } finally {
      await stopAll(a, b);
    }
  }, 60_000);

  it('goes on after the rebalance timeout when onRevoked never resolves, and says so', async () => {
    const groupId = `g-stuck-${topics.prefix}`;
    const journal: string[] = [];
    const logged: string[] = [];
    const a = member('a', groupId, { journal, rebalanceTimeoutMs: 3_000, onRevoked: () => new Promise(() => {}), log: (line) => void logged.push(line) });
    const b = member('b', groupId, { journal });
    try {
      await joinInTurn(a, b);
      expect(journal).not.toContain('a revoked');
      expect(logged.some((line) => line.includes('took over 3000 ms'))).toBe(true);
    } finally {
      // a's stop meets the same stuck onRevoked: it too ends after the bound
      await stopAll(a, b);
    }
  }, 60_000);

  it('stops with onFatal on an error joining again cannot mend, instead of retrying forever', async () => {
    // the broker's group.min.session.timeout.ms is 6 s: a 1 s session is INVALID_SESSION_TIMEOUT
    const c = member('c', `g-fatal-${topics.prefix}`, { sessionTimeoutMs: 1_000 });
    try {
      c.member.start();
      await until('c reported a fatal error', () => c.fatal.length > 0, 15_000);
      expect(c.fatal[0].message).toMatch(/INVALID_SESSION_TIMEOUT/);
      expect(c.owned()).toEqual([]);
    } finally {
      await stopAll(c);
    }
  }, 30_000);

  it('tells onRevoked the membership was lost when its session expired (so nothing is written over the new owner)', async () => {
    const groupId = `g-lost-${topics.prefix}`;
    const journal: string[] = [];
    const a = member('a', groupId, { journal });
    const b = member('b', groupId, { journal });
    try {
      await joinInTurn(a, b);
      expect(journal).toContain('a revoking');
      // a's event loop stalls past its 6 s session (a long GC, a SIGSTOP): the group moves on without it
      const stalled = Date.now() + 8_000;
      while (Date.now() < stalled) {
        // busy: no timer, no heartbeat
      }
      await until('a told it lost its partitions', () => journal.includes('a revoking (lost)'), 15_000);
      await until('a back in the group', () => a.owned().length + b.owned().length === 6 && a.owned().length > 0, 30_000);
    } finally {
      await a.member.stop();
      await b.member.stop();
      a.cluster.close();
      b.cluster.close();
    }
  }, 90_000);
});
