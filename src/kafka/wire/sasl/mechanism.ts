/**
 * One SASL mechanism's side of the exchange: the first token to send, then the answer to each
 * token the server returns, null once the exchange is complete (the server's last word checked).
 */
export interface SaslClient {
  /** The mechanism's IANA name, as SaslHandshake wants it. */
  readonly name: string;
  first(): Buffer;
  next(serverToken: Buffer): Buffer | null;
}
