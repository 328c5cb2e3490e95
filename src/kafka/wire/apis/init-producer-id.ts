import type { ApiCall } from '../connection.ts';
import { KafkaProtocolError } from '../protocol-error.ts';

export interface ProducerIdentity {
  readonly producerId: number;
  readonly epoch: number;
}

/** InitProducerId v1 without a transactional id: the identity an idempotent producer stamps on its batches. */
export function initProducerId(): ApiCall<ProducerIdentity> {
  return {
    apiKey: 22,
    version: 1,
    encode: (w) => {
      w.string(null).int32(60_000);
    },
    decode: (r) => {
      r.int32();
      const error = r.int16();
      if (error !== 0) throw new KafkaProtocolError(error, 'InitProducerId');
      return { producerId: r.int64(), epoch: r.int16() };
    },
  };
}
