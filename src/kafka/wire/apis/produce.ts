import type { ApiCall } from '../connection.ts';

export interface ProducePartition {
  readonly partition: number;
  /** One encoded record batch. */
  readonly records: Buffer;
}

export interface ProducePartitionResult {
  readonly topic: string;
  readonly partition: number;
  readonly error: number;
  readonly baseOffset: number;
}

/** Produce v7, acks=all: each partition's batch is attached to the request, not copied into it. */
export function produce(topic: string, partitions: readonly ProducePartition[], timeoutMs: number): ApiCall<ProducePartitionResult[]> {
  return {
    apiKey: 0,
    version: 7,
    encode: (w) => {
      w.string(null).int16(-1).int32(timeoutMs);
      w.int32(1).string(topic);
      w.array(partitions, (x, p) => {
        x.int32(p.partition).int32(p.records.length).attach(p.records);
      });
    },
    decode: (r) => {
      const results: ProducePartitionResult[] = [];
      r.array((x) => {
        const name = x.string();
        x.array((p) => {
          results.push({ topic: name, partition: p.int32(), error: p.int16(), baseOffset: p.int64() });
          p.int64();
          p.int64();
        });
      });
      return results;
    },
  };
}
