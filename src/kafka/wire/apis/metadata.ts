import type { ApiCall } from '../connection.ts';

export interface BrokerAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface PartitionMetadata {
  readonly error: number;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
}

export interface TopicMetadata {
  readonly error: number;
  readonly name: string;
  readonly partitions: PartitionMetadata[];
}

export interface ClusterMetadata {
  readonly brokers: BrokerAddress[];
  readonly controllerId: number;
  readonly topics: TopicMetadata[];
}

/** Metadata v8; `topics` null asks for every topic. Never creates a topic. */
export function metadata(topics: readonly string[] | null): ApiCall<ClusterMetadata> {
  return {
    apiKey: 3,
    version: 8,
    encode: (w) => {
      w.array(topics, (x, name) => x.string(name));
      w.bool(false).bool(false).bool(false);
    },
    decode: (r) => {
      r.int32();
      const brokers = r.array((x) => {
        const broker = { nodeId: x.int32(), host: x.string(), port: x.int32() };
        x.nullableString();
        return broker;
      });
      r.nullableString();
      const controllerId = r.int32();
      const topicList = r.array((x) => {
        const error = x.int16();
        const name = x.string();
        x.bool();
        const partitions = x.array((p) => {
          const partition = { error: p.int16(), partition: p.int32(), leader: p.int32(), leaderEpoch: p.int32() };
          p.array((q) => q.int32());
          p.array((q) => q.int32());
          p.array((q) => q.int32());
          return partition;
        });
        x.int32();
        return { error, name, partitions: partitions.sort((a, b) => a.partition - b.partition) };
      });
      return { brokers, controllerId, topics: topicList };
    },
  };
}
