import type { ApiCall } from '../connection.ts';
import { KafkaProtocolError } from '../protocol-error.ts';

export interface FetchPartition {
  readonly partition: number;
  readonly offset: number;
}

export interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly error: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Record batches as a view into the response frame; the last one may be cut short. */
  readonly records: Buffer | null;
}

export interface FetchOptions {
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly partitionMaxBytes: number;
}

/** Fetch v11 without fetch sessions (every request names its partitions). */
export function fetch(requests: ReadonlyMap<string, readonly FetchPartition[]>, options: FetchOptions): ApiCall<FetchedPartition[]> {
  return {
    apiKey: 1,
    version: 11,
    encode: (w) => {
      w.int32(-1).int32(options.maxWaitMs).int32(options.minBytes).int32(options.maxBytes).int8(0).int32(0).int32(-1);
      w.array([...requests], (x, [topic, partitions]) => {
        x.string(topic);
        x.array(partitions, (y, p) => {
          y.int32(p.partition).int32(-1).int64(p.offset).int64(-1).int32(options.partitionMaxBytes);
        });
      });
      w.int32(0);
      w.string('');
    },
    decode: (r) => {
      r.int32();
      const error = r.int16();
      if (error !== 0) throw new KafkaProtocolError(error, 'Fetch');
      r.int32();
      const results: FetchedPartition[] = [];
      r.array((x) => {
        const topic = x.string();
        x.array((p) => {
          const partition = p.int32();
          const partitionError = p.int16();
          const highWatermark = p.int64();
          p.int64();
          const logStartOffset = p.int64();
          p.array((a) => {
            a.int64();
            a.int64();
          });
          p.int32();
          results.push({ topic, partition, error: partitionError, highWatermark, logStartOffset, records: p.bytes() });
        });
      });
      return results;
    },
  };
}
