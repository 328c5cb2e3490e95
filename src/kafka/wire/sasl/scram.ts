import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { KafkaAuthError } from '../../../errors.ts';
import type { SaslClient } from './mechanism.ts';

export type ScramHash = 'sha1' | 'sha256' | 'sha512';

const NAMES: Record<ScramHash, string> = { sha1: 'SCRAM-SHA-1', sha256: 'SCRAM-SHA-256', sha512: 'SCRAM-SHA-512' };
const KEY_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32, sha512: 64 };
/** Kafka's own floor (and RFC 7677's recommendation): fewer iterations means a server downgrading us. */
const MIN_ITERATIONS = 4096;
/** "n,," base64: no channel binding, no authzid. */
const GS2_HEADER_B64 = Buffer.from('n,,').toString('base64');

/** RFC 5802's saslname: "=" and "," escaped. */
function saslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0], part.slice(2));
  }
  return out;
}

/**
 * SCRAM (RFC 5802, RFC 7677 for SHA-256; Kafka adds SHA-512): client-first with a fresh nonce,
 * client-final with the proof from PBKDF2(password, salt, iterations), then the server's
 * signature checked, so a server that does not know the password is refused too.
 */
export class ScramClient implements SaslClient {
  readonly name: string;
  private readonly clientFirstBare: string;
  private serverSignature: Buffer | null = null;
  private done = false;

  constructor(
    private readonly hash: ScramHash,
    username: string,
    private readonly password: string,
    private readonly nonce = randomBytes(24).toString('base64'),
  ) {
    this.name = NAMES[hash];
    this.clientFirstBare = `n=${saslName(username)},r=${nonce}`;
  }

  first(): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`, 'utf8');
  }

  next(serverToken: Buffer): Buffer | null {
    if (this.serverSignature === null) return Buffer.from(this.clientFinal(serverToken.toString('utf8')), 'utf8');
    if (!this.done) this.verifyServerFinal(serverToken.toString('utf8'));
    return null;
  }

  /** The client-final message for the server-first one; remembers the signature the server must send. */
  clientFinal(serverFirst: string): string {
    const fields = attributes(serverFirst);
    if (fields.has('m')) throw this.refused('the server wants a SCRAM extension this client does not know');
    const nonce = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (nonce === undefined || !nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) throw this.refused("the server's nonce does not extend the client's");
    if (salt === undefined || salt === '') throw this.refused('the server sent no salt');
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS) throw this.refused(`the server asked for ${fields.get('i')} iterations (at least ${MIN_ITERATIONS} are required)`);
    const withoutProof = `c=${GS2_HEADER_B64},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const salted = pbkdf2Sync(this.password, Buffer.from(salt, 'base64'), iterations, KEY_BYTES[this.hash], this.hash);
    const clientKey = this.hmac(salted, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const signature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
    this.serverSignature = this.hmac(this.hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final message: it proves the server holds this user's credentials. */
  verifyServerFinal(serverFinal: string): void {
    const fields = attributes(serverFinal);
    if (fields.has('e')) throw this.refused(`the server refused: ${fields.get('e')}`);
    const verifier = Buffer.from(fields.get('v') ?? '', 'base64');
    const expected = this.serverSignature;
    if (expected === null || verifier.length !== expected.length || !timingSafeEqual(verifier, expected)) throw this.refused("the server's signature does not match: it does not know this user's credentials");
    this.done = true;
  }

  private hmac(key: Buffer, text: string): Buffer {
    return createHmac(this.hash, key).update(text, 'utf8').digest();
  }

  private refused(why: string): KafkaAuthError {
    return new KafkaAuthError(`${this.name} authentication failed: ${why}`);
  }
}
