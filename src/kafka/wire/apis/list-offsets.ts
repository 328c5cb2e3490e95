import type { ApiCall } from '../connection.ts';

export const LATEST = -1;
export const EARLIEST = -2;

export interface OffsetResult {
  readonly topic: string;
  readonly partition: number;
  readonly error: number;
  readonly offset: number;
}

/** ListOffsets v4 (read committed is irrelevant without transactions): one timestamp per partition. */
export function listOffsets(topic: string, partitions: readonly number[], timestamp: number): ApiCall<OffsetResult[]> {
  return {
    apiKey: 2,
    version: 4,
    encode: (w) => {
      w.int32(-1).int8(0);
      w.int32(1).string(topic);
      w.array(partitions, (x, partition) => {
        x.int32(partition).int32(-1).int64(timestamp);
      });
    },
    decode: (r) => {
      r.int32();
      const results: OffsetResult[] = [];
      r.array((x) => {
        const name = x.string();
        x.array((p) => {
          const partition = p.int32();
          const error = p.int16();
          p.int64();
          results.push({ topic: name, partition, error, offset: p.int64() });
          p.int32();
        });
      });
      return results;
    },
  };
}
