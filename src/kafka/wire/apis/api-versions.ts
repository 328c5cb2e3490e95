import type { ApiCall } from '../connection.ts';
import { KafkaProtocolError } from '../protocol-error.ts';

export interface ApiRange {
  readonly min: number;
  readonly max: number;
}

/** ApiVersions v0: which request versions the broker speaks. */
export function apiVersions(): ApiCall<Map<number, ApiRange>> {
  return {
    apiKey: 18,
    version: 0,
    encode: () => {},
    decode: (r) => {
      const error = r.int16();
      if (error !== 0) throw new KafkaProtocolError(error, 'ApiVersions');
      const ranges = new Map<number, ApiRange>();
      r.array((x) => ranges.set(x.int16(), { min: x.int16(), max: x.int16() }));
      return ranges;
    },
  };
}
