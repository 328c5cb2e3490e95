import type { ApiCall } from '../connection.ts';

export interface SaslAuthenticateResult {
  readonly error: number;
  readonly message: string | null;
  readonly authBytes: Buffer;
}

/**
 * SaslAuthenticate v1 (Kafka 2.2+; v2 only adds the flexible encoding): one token of the SASL
 * exchange out, the server's token back.
 */
export function saslAuthenticate(token: Uint8Array): ApiCall<SaslAuthenticateResult> {
  return {
    apiKey: 36,
    version: 1,
    encode: (w) => {
      w.bytes(token);
    },
    decode: (r) => {
      const error = r.int16();
      const message = r.nullableString();
      const authBytes = Buffer.from(r.bytes() ?? Buffer.alloc(0));
      r.int64(); // session lifetime: StreamPulse does not re-authenticate, the broker closes and it reconnects
      return { error, message, authBytes };
    },
  };
}
