import { Reader, Writer } from './codec.ts';

/** topic → partitions */
export type Assignment = Map<string, number[]>;

/** ConsumerProtocolSubscription v0: the topics a member wants, and opaque user data. */
export function encodeSubscription(topics: readonly string[], userData: Buffer | null = null): Buffer {
  const w = new Writer(64);
  w.int16(0).array(topics, (x, topic) => x.string(topic)).bytes(userData);
  return Buffer.from(w.result());
}

export function decodeSubscription(bytes: Buffer): { topics: string[]; userData: Buffer | null } {
  const r = new Reader(bytes);
  r.int16();
  const topics = r.array((x) => x.string());
  return { topics, userData: r.remaining >= 4 ? r.bytes() : null };
}

/** ConsumerProtocolAssignment v0, with opaque user data (null unless given). */
export function encodeAssignment(assignment: Assignment, userData: Buffer | null = null): Buffer {
  const w = new Writer(64);
  w.int16(0).array([...assignment], (x, [topic, partitions]) => {
    x.string(topic).array(partitions, (y, p) => y.int32(p));
  });
  w.bytes(userData);
  return Buffer.from(w.result());
}

export function decodeAssignment(bytes: Buffer): Assignment {
  return readAssignment(bytes).assignment;
}

/** The assignment and its user data; an empty message (a member left out of the sync) has neither. */
export function readAssignment(bytes: Buffer): { assignment: Assignment; userData: Buffer | null } {
  const assignment: Assignment = new Map();
  if (bytes.length === 0) return { assignment, userData: null };
  const r = new Reader(bytes);
  r.int16();
  r.array((x) => assignment.set(x.string(), x.array((y) => y.int32())));
  return { assignment, userData: r.remaining >= 4 ? r.bytes() : null };
}

/** Who holds a partition, and the HTTP address it serves (null when it advertised none). */
export interface PartitionOwner {
  readonly memberId: string;
  readonly url: string | null;
}

/** topic → partition → owner, for every partition of every topic the group subscribes to. */
export type PartitionOwners = ReadonlyMap<string, ReadonlyMap<number, PartitionOwner>>;

/** The whole group as its leader assigned it, sent to every member in its assignment's user data. */
export interface GroupPicture {
  readonly generationId: number;
  readonly owners: PartitionOwners;
}

/**
 * Marks StreamPulse's user data, so that another client's (a Java consumer's, a sticky assignor's)
 * is never read as ours: without the mark a member simply advertised nothing.
 */
const USER_DATA_MAGIC = 'streampulse';

/** A member's subscription user data: the URL its peers reach it at. */
export function encodeMemberData(url: string | null): Buffer {
  const w = new Writer(64);
  w.int16(0).string(USER_DATA_MAGIC).string(url);
  return Buffer.from(w.result());
}

/** The advertised URL in a member's subscription user data; null for none or another client's data. */
export function decodeMemberUrl(userData: Buffer | null): string | null {
  return readOurs(userData, (r) => r.nullableString());
}

/** The leader's picture, one entry per member with its URL and partitions. */
export function encodeGroupPicture(generationId: number, members: readonly { memberId: string; url: string | null; assignment: Assignment }[]): Buffer {
  const w = new Writer(256);
  w.int16(0).string(USER_DATA_MAGIC).int32(generationId);
  w.array(members, (x, m) => {
    x.string(m.memberId).string(m.url);
    x.array([...m.assignment], (y, [topic, partitions]) => y.string(topic).array(partitions, (z, p) => z.int32(p)));
  });
  return Buffer.from(w.result());
}

/** The picture in an assignment's user data; null when the leader is not StreamPulse (or sent none). */
export function decodeGroupPicture(userData: Buffer | null): GroupPicture | null {
  return readOurs(userData, (r) => {
    const generationId = r.int32();
    const owners = new Map<string, Map<number, PartitionOwner>>();
    r.array((x) => {
      const owner: PartitionOwner = { memberId: x.string(), url: x.nullableString() };
      x.array((y) => {
        const topic = y.string();
        const partitions = owners.get(topic) ?? new Map<number, PartitionOwner>();
        owners.set(topic, partitions);
        for (const p of y.array((z) => z.int32())) partitions.set(p, owner);
      });
    });
    return { generationId, owners };
  });
}

/** Reads version 0 of StreamPulse's user data after its mark; anything else (or truncated) is null. */
function readOurs<T>(userData: Buffer | null, read: (r: Reader) => T): T | null {
  if (userData === null || userData.length < 2) return null;
  try {
    const r = new Reader(userData);
    if (r.int16() !== 0 || r.nullableString() !== USER_DATA_MAGIC) return null;
    return read(r);
  } catch {
    // a RangeError from a short buffer: not our data after all
    return null;
  }
}

/**
 * The range assignor, as Kafka's own: per topic, members that subscribe to it sorted by id, each
 * given a contiguous run of partitions, the first ones one more when they do not divide evenly.
 */
export function rangeAssign(members: readonly { memberId: string; topics: readonly string[] }[], partitionsOf: ReadonlyMap<string, number>): Map<string, Assignment> {
  const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  for (const [topic, count] of partitionsOf) {
    const subscribers = members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId).sort();
    const each = Math.floor(count / Math.max(subscribers.length, 1));
    const extra = count % Math.max(subscribers.length, 1);
    let next = 0;
    subscribers.forEach((memberId, i) => {
      const n = each + (i < extra ? 1 : 0);
      const partitions = Array.from({ length: n }, (_, k) => next + k);
      next += n;
      if (n > 0) (result.get(memberId) as Assignment).set(topic, partitions);
    });
  }
  return result;
}
