import type { ApiCall } from '../connection.ts';
import { KafkaProtocolError } from '../protocol-error.ts';
import type { BrokerAddress } from './metadata.ts';

/** The group coordination calls of the classic consumer group protocol, non-flexible versions. */

export function findCoordinator(groupId: string): ApiCall<BrokerAddress> {
  return {
    apiKey: 10,
    version: 2,
    encode: (w) => {
      w.string(groupId).int8(0);
    },
    decode: (r) => {
      r.int32();
      const error = r.int16();
      r.nullableString();
      if (error !== 0) throw new KafkaProtocolError(error, `FindCoordinator ${groupId}`);
      return { nodeId: r.int32(), host: r.string(), port: r.int32() };
    },
  };
}

export interface JoinGroupRequest {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly memberId: string;
  readonly protocols: readonly { name: string; metadata: Buffer }[];
}

export interface JoinGroupResult {
  readonly error: number;
  readonly generationId: number;
  readonly protocol: string;
  readonly leader: string;
  readonly memberId: string;
  readonly members: { memberId: string; metadata: Buffer }[];
}

export function joinGroup(request: JoinGroupRequest): ApiCall<JoinGroupResult> {
  return {
    apiKey: 11,
    version: 5,
    encode: (w) => {
      w.string(request.groupId).int32(request.sessionTimeoutMs).int32(request.rebalanceTimeoutMs).string(request.memberId).string(null).string('consumer');
      w.array(request.protocols, (x, p) => {
        x.string(p.name).bytes(p.metadata);
      });
    },
    decode: (r) => {
      r.int32();
      const error = r.int16();
      const generationId = r.int32();
      const protocol = r.string();
      const leader = r.string();
      const memberId = r.string();
      const members = r.array((x) => {
        const id = x.string();
        x.nullableString();
        return { memberId: id, metadata: Buffer.from(x.bytes() ?? Buffer.alloc(0)) };
      });
      return { error, generationId, protocol, leader, memberId, members };
    },
  };
}

export function syncGroup(groupId: string, generationId: number, memberId: string, assignments: readonly { memberId: string; assignment: Buffer }[]): ApiCall<{ error: number; assignment: Buffer }> {
  return {
    apiKey: 14,
    version: 3,
    encode: (w) => {
      w.string(groupId).int32(generationId).string(memberId).string(null);
      w.array(assignments, (x, a) => {
        x.string(a.memberId).bytes(a.assignment);
      });
    },
    decode: (r) => {
      r.int32();
      const error = r.int16();
      return { error, assignment: Buffer.from(r.bytes() ?? Buffer.alloc(0)) };
    },
  };
}

export function heartbeat(groupId: string, generationId: number, memberId: string): ApiCall<number> {
  return {
    apiKey: 12,
    version: 3,
    encode: (w) => {
      w.string(groupId).int32(generationId).string(memberId).string(null);
    },
    decode: (r) => {
      r.int32();
      return r.int16();
    },
  };
}

export function leaveGroup(groupId: string, memberId: string): ApiCall<number> {
  return {
    apiKey: 13,
    version: 3,
    encode: (w) => {
      w.string(groupId);
      w.int32(1).string(memberId).string(null);
    },
    decode: (r) => {
      r.int32();
      return r.int16();
    },
  };
}
