import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Writer } from '../../../src/kafka/wire/codec.ts';
import {
  decodeAssignment,
  decodeGroupPicture,
  decodeMemberUrl,
  decodeSubscription,
  encodeAssignment,
  encodeGroupPicture,
  encodeMemberData,
  encodeSubscription,
  rangeAssign,
  readAssignment,
  type Assignment,
  type PartitionOwners,
} from '../../../src/kafka/wire/consumer-protocol.ts';

/** member → topic → partitions, as plain objects for readable expectations. */
function plain(result: Map<string, Assignment>): Record<string, Record<string, number[]>> {
  return Object.fromEntries([...result].map(([member, assignment]) => [member, Object.fromEntries(assignment)]));
}

const member = (memberId: string, ...topics: string[]): { memberId: string; topics: string[] } => ({ memberId, topics });

describe('subscription (ConsumerProtocolSubscription v0)', () => {
  it('round-trips topics and user data', () => {
    const userData = Buffer.from([1, 2, 3, 0xff]);
    const decoded = decodeSubscription(encodeSubscription(['events', 'päyouts'], userData));
    expect(decoded.topics).toEqual(['events', 'päyouts']);
    expect(decoded.userData).toEqual(userData);
  });

  it('round-trips null user data and no topics', () => {
    expect(decodeSubscription(encodeSubscription(['a']))).toEqual({ topics: ['a'], userData: null });
    expect(decodeSubscription(encodeSubscription([]))).toEqual({ topics: [], userData: null });
  });

  it('has the spec layout: int16 version 0, int32-count array of int16-length strings, int32-length user data', () => {
    expect(encodeSubscription(['ab'], Buffer.from([9])).toString('hex')).toBe('0000' + '00000001' + '0002' + '6162' + '00000001' + '09');
    expect(encodeSubscription([]).toString('hex')).toBe('0000' + '00000000' + 'ffffffff');
  });

  it('reads what an independent client (kafkajs) encodes, and the reverse', () => {
    const theirs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t1', 't2'], userData: Buffer.from('ud') });
    expect(decodeSubscription(theirs)).toEqual({ topics: ['t1', 't2'], userData: Buffer.from('ud') });
    const ours = encodeSubscription(['x', 'y'], Buffer.from('me'));
    expect(AssignerProtocol.MemberMetadata.decode(ours)).toEqual({ version: 0, topics: ['x', 'y'], userData: Buffer.from('me') });
  });

  it('reads the v0 fields of a newer (v1) subscription with owned partitions after them', () => {
    const w = new Writer();
    w.int16(1)
      .array(['events'], (x, t) => x.string(t))
      .bytes(Buffer.from('u'))
      .array([{ topic: 'events', partitions: [0, 3] }], (x, o) => x.string(o.topic).array(o.partitions, (y, p) => y.int32(p)));
    expect(decodeSubscription(w.result())).toEqual({ topics: ['events'], userData: Buffer.from('u') });
  });
});

describe('assignment (ConsumerProtocolAssignment v0)', () => {
  it('round-trips topics and partitions in order', () => {
    const assignment: Assignment = new Map([
      ['events', [0, 2, 4, 6]],
      ['ad_rates', [1]],
      ['empty', []],
    ]);
    const decoded = decodeAssignment(encodeAssignment(assignment));
    expect([...decoded]).toEqual([...assignment]);
  });

  it('has the spec layout with null user data', () => {
    expect(encodeAssignment(new Map([['t', [1, 2]]])).toString('hex')).toBe('0000' + '00000001' + '0001' + '74' + '00000002' + '00000001' + '00000002' + 'ffffffff');
  });

  it('decodes an empty assignment (no bytes) to no partitions', () => {
    expect(decodeAssignment(Buffer.alloc(0)).size).toBe(0);
    expect(decodeAssignment(encodeAssignment(new Map())).size).toBe(0);
  });

  it('reads what an independent client (kafkajs) encodes, and the reverse', () => {
    const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { a: [0, 1], b: [5] }, userData: Buffer.alloc(0) });
    expect(Object.fromEntries(decodeAssignment(theirs))).toEqual({ a: [0, 1], b: [5] });
    const ours = encodeAssignment(new Map([['events', [3, 4]]]));
    const decoded = AssignerProtocol.MemberAssignment.decode(ours);
    expect(decoded?.assignment).toEqual({ events: [3, 4] });
    expect(decoded?.version).toBe(0);
  });
});

/** topic → partition → "memberId url", as plain objects for readable expectations. */
function plainOwners(owners: PartitionOwners): Record<string, Record<number, string>> {
  return Object.fromEntries([...owners].map(([topic, partitions]) => [topic, Object.fromEntries([...partitions].map(([p, o]) => [p, `${o.memberId} ${o.url}`]))]));
}

describe('StreamPulse user data (advertised URLs and the partition owners)', () => {
  it('carries a member URL through its subscription, as another client (kafkajs) reads it too', () => {
    const subscription = encodeSubscription(['events'], encodeMemberData('http://10.0.0.7:8081'));
    expect(decodeMemberUrl(decodeSubscription(subscription).userData)).toBe('http://10.0.0.7:8081');
    expect(AssignerProtocol.MemberMetadata.decode(subscription)?.topics).toEqual(['events']);
    expect(decodeMemberUrl(encodeMemberData(null))).toBeNull();
  });

  it('reads no URL from a member with no user data or another client’s (a Java or kafkajs consumer)', () => {
    expect(decodeMemberUrl(decodeSubscription(encodeSubscription(['events'])).userData)).toBeNull();
    const kafkajs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['events'], userData: Buffer.alloc(0) });
    expect(decodeMemberUrl(decodeSubscription(kafkajs).userData)).toBeNull();
    for (const other of [Buffer.from([0, 0, 0, 3, 1, 2]), Buffer.from([0, 0, 0, 11]), Buffer.from('streampulse'), Buffer.from([0])]) expect(decodeMemberUrl(other)).toBeNull();
    // our mark cut short is not ours either
    expect(decodeMemberUrl(encodeMemberData('http://a:1').subarray(0, 9))).toBeNull();
  });

  it('round-trips the whole picture: every partition of every topic to its owner, and the generation', () => {
    const picture = encodeGroupPicture(17, [
      { memberId: 'a-1', url: 'http://a:8080', assignment: new Map([['events', [0, 1, 2]], ['other', [1]]]) },
      { memberId: 'b-2', url: null, assignment: new Map([['events', [3, 4, 5]], ['other', [0]]]) },
      { memberId: 'c-3', url: 'https://c.example:443/sp', assignment: new Map() },
    ]);
    const decoded = decodeGroupPicture(picture);
    expect(decoded?.generationId).toBe(17);
    expect(plainOwners(decoded?.owners ?? new Map())).toEqual({
      events: { 0: 'a-1 http://a:8080', 1: 'a-1 http://a:8080', 2: 'a-1 http://a:8080', 3: 'b-2 null', 4: 'b-2 null', 5: 'b-2 null' },
      other: { 0: 'b-2 null', 1: 'a-1 http://a:8080' },
    });
  });

  it('travels in the assignment’s user data, leaving the assignment as it was (for us and for kafkajs)', () => {
    const picture = encodeGroupPicture(3, [{ memberId: 'm', url: 'http://m:1', assignment: new Map([['events', [0, 1]]]) }]);
    const bytes = encodeAssignment(new Map([['events', [0, 1]]]), picture);
    expect(Object.fromEntries(decodeAssignment(bytes))).toEqual({ events: [0, 1] });
    const { assignment, userData } = readAssignment(bytes);
    expect(Object.fromEntries(assignment)).toEqual({ events: [0, 1] });
    expect(userData).toEqual(picture);
    expect(AssignerProtocol.MemberAssignment.decode(bytes)?.assignment).toEqual({ events: [0, 1] });
  });

  it('gives no picture for an assignment from a leader that is not StreamPulse', () => {
    expect(decodeGroupPicture(readAssignment(encodeAssignment(new Map([['events', [0]]]))).userData)).toBeNull();
    const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { events: [0] }, userData: Buffer.from('xyz') });
    expect(decodeGroupPicture(readAssignment(theirs).userData)).toBeNull();
    expect(readAssignment(Buffer.alloc(0)).userData).toBeNull();
  });
});

describe('rangeAssign (Kafka RangeAssignor)', () => {
  it('splits 6 partitions over 2 members into [0,1,2] and [3,4,5]', () => {
    const result = rangeAssign([member('m1', 't'), member('m2', 't')], new Map([['t', 6]]));
    expect(plain(result)).toEqual({ m1: { t: [0, 1, 2] }, m2: { t: [3, 4, 5] } });
  });

  it('gives the first members one more when partitions do not divide evenly: 7 over 3', () => {
    const result = rangeAssign([member('a', 't'), member('b', 't'), member('c', 't')], new Map([['t', 7]]));
    expect(plain(result)).toEqual({ a: { t: [0, 1, 2] }, b: { t: [3, 4] }, c: { t: [5, 6] } });
  });

  it('matches the RangeAssignor documentation example: 2 consumers, 2 topics of 3 partitions', () => {
    const result = rangeAssign(
      [member('C0', 't0', 't1'), member('C1', 't0', 't1')],
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    );
    expect(plain(result)).toEqual({ C0: { t0: [0, 1], t1: [0, 1] }, C1: { t0: [2], t1: [2] } });
  });

  it('sorts members by id whatever the input order (lexicographically, as Java compares strings)', () => {
    const members = [member('consumer-9', 't'), member('consumer-2', 't'), member('consumer-10', 't')];
    const expected = { 'consumer-10': { t: [0, 1] }, 'consumer-2': { t: [2] }, 'consumer-9': { t: [3] } };
    expect(plain(rangeAssign(members, new Map([['t', 4]])))).toEqual(expected);
    expect(plain(rangeAssign([...members].reverse(), new Map([['t', 4]])))).toEqual(expected);
  });

  it('leaves members beyond the partition count with nothing', () => {
    const result = rangeAssign([member('d', 't'), member('c', 't'), member('b', 't'), member('a', 't')], new Map([['t', 2]]));
    expect(plain(result)).toEqual({ a: { t: [0] }, b: { t: [1] }, c: {}, d: {} });
  });

  it('gives a topic only to the members subscribed to it', () => {
    const result = rangeAssign(
      [member('a', 'events'), member('b', 'events', 'payouts'), member('c', 'payouts')],
      new Map([
        ['events', 4],
        ['payouts', 3],
        ['nobody', 5],
      ]),
    );
    expect(plain(result)).toEqual({ a: { events: [0, 1] }, b: { events: [2, 3], payouts: [0, 1] }, c: { payouts: [2] } });
  });

  it('assigns every partition exactly once, in contiguous runs differing by at most one', () => {
    for (let members = 1; members <= 7; members++) {
      for (let partitions = 0; partitions <= 20; partitions++) {
        const ids = Array.from({ length: members }, (_, i) => `m${String.fromCharCode(97 + ((i * 3) % members))}${i}`);
        const result = rangeAssign(
          ids.map((id) => member(id, 't')),
          new Map([['t', partitions]]),
        );
        const sorted = [...ids].sort();
        const runs = sorted.map((id) => result.get(id)?.get('t') ?? []);
        expect(runs.flat()).toEqual(Array.from({ length: partitions }, (_, p) => p));
        const sizes = runs.map((r) => r.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect([...sizes].sort((x, y) => y - x)).toEqual(sizes); // larger runs first
      }
    }
  });
});
