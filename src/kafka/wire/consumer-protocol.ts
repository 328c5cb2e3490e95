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

/** ConsumerProtocolAssignment v0. */
export function encodeAssignment(assignment: Assignment): Buffer {
  const w = new Writer(64);
  w.int16(0).array([...assignment], (x, [topic, partitions]) => {
    x.string(topic).array(partitions, (y, p) => y.int32(p));
  });
  w.bytes(null);
  return Buffer.from(w.result());
}

export function decodeAssignment(bytes: Buffer): Assignment {
  const assignment: Assignment = new Map();
  if (bytes.length === 0) return assignment;
  const r = new Reader(bytes);
  r.int16();
  r.array((x) => assignment.set(x.string(), x.array((y) => y.int32())));
  return assignment;
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
