import type { ApiCall } from '../connection.ts';

export interface SaslHandshakeResult {
  readonly error: number;
  /** The mechanisms the listener has enabled. */
  readonly mechanisms: readonly string[];
}

/**
 * SaslHandshake v1: names the mechanism; the tokens then travel in SaslAuthenticate requests
 * (v0 would send them as raw frames). The caller decides what an error means.
 */
export function saslHandshake(mechanism: string): ApiCall<SaslHandshakeResult> {
  return {
    apiKey: 17,
    version: 1,
    encode: (w) => {
      w.string(mechanism);
    },
    decode: (r) => ({ error: r.int16(), mechanisms: r.array((x) => x.string()) }),
  };
}
