import { createSecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { Secret } from './secret.ts';

/**
 * How StreamPulse authenticates to a secured Kafka cluster (SASL) and encrypts the connection
 * (TLS), built once from flags and environment like the rest of the configuration. Passwords and
 * keys are held as `Secret`s and come from the environment or from files, never from a flag (a
 * flag shows in `ps`).
 */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface SaslSettings {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: Secret;
}

export interface TlsSettings {
  /** PEM trust anchors; absent trusts Node's default CAs. */
  readonly ca?: string;
  /** PEM client certificate and key, for clusters that want mutual TLS. */
  readonly cert?: string;
  readonly key?: Secret;
}

export interface KafkaSecurity {
  readonly sasl: SaslSettings | null;
  readonly tls: TlsSettings | null;
}

export const NO_SECURITY: KafkaSecurity = Object.freeze({ sasl: null, tls: null });

export interface SecurityFlags {
  saslMechanism?: string;
  saslUsername?: string;
  saslUsernameFile?: string;
  saslPasswordFile?: string;
  ssl?: boolean;
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
}

function readSetting(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** A username or password file holds one line; its trailing newline is not part of the value. */
function readLine(path: string, flag: string): string {
  return readSetting(path, flag).replace(/\r?\n$/, '');
}

function envFlag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new UsageError(`${name} must be true or false, got ${JSON.stringify(text)}`);
}

const nonEmpty = (text: string | undefined): string | undefined => (text === undefined || text === '' ? undefined : text);

function buildSasl(flags: SecurityFlags, env: NodeJS.ProcessEnv): SaslSettings | null {
  const mechanism = (flags.saslMechanism ?? nonEmpty(env.KAFKA_SASL_MECHANISM))?.toLowerCase();
  if (mechanism === undefined) {
    if (flags.saslUsername !== undefined || flags.saslUsernameFile !== undefined || flags.saslPasswordFile !== undefined) {
      throw new UsageError('--sasl-username/--sasl-password-file need --sasl-mechanism (or KAFKA_SASL_MECHANISM)');
    }
    return null;
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new UsageError(`--sasl-mechanism must be one of ${SASL_MECHANISMS.join(', ')}, got ${JSON.stringify(mechanism)}`);
  }
  if (flags.saslUsername !== undefined && flags.saslUsernameFile !== undefined) throw new UsageError('--sasl-username and --sasl-username-file exclude each other');
  const username = flags.saslUsername ?? (flags.saslUsernameFile === undefined ? nonEmpty(env.KAFKA_SASL_USERNAME) : readLine(flags.saslUsernameFile, '--sasl-username-file'));
  if (username === undefined || username === '') throw new UsageError(`--sasl-mechanism ${mechanism} needs a user: --sasl-username, --sasl-username-file or KAFKA_SASL_USERNAME`);
  const password = flags.saslPasswordFile === undefined ? nonEmpty(env.KAFKA_SASL_PASSWORD) : readLine(flags.saslPasswordFile, '--sasl-password-file');
  if (password === undefined || password === '') throw new UsageError(`--sasl-mechanism ${mechanism} needs a password: --sasl-password-file or KAFKA_SASL_PASSWORD`);
  return Object.freeze({ mechanism: mechanism as SaslMechanism, username, password: new Secret(password) });
}

function buildTls(flags: SecurityFlags, env: NodeJS.ProcessEnv): TlsSettings | null {
  const ca = flags.sslCa ?? nonEmpty(env.KAFKA_SSL_CA);
  const cert = flags.sslCert ?? nonEmpty(env.KAFKA_SSL_CERT);
  const key = flags.sslKey ?? nonEmpty(env.KAFKA_SSL_KEY);
  const enabled = flags.ssl ?? envFlag(env, 'KAFKA_SSL') ?? false;
  if (!enabled) {
    if (ca !== undefined || cert !== undefined || key !== undefined) throw new UsageError('--ssl-ca/--ssl-cert/--ssl-key need --ssl (or KAFKA_SSL=true)');
    return null;
  }
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--ssl-cert and --ssl-key go together');
  const settings: { ca?: string; cert?: string; key?: Secret } = {};
  if (ca !== undefined) settings.ca = readSetting(ca, '--ssl-ca');
  if (cert !== undefined) settings.cert = readSetting(cert, '--ssl-cert');
  if (key !== undefined) settings.key = new Secret(readSetting(key, '--ssl-key'));
  if (settings.ca !== undefined && !settings.ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ssl-ca: ${ca} is not a PEM certificate`);
  try {
    // a key that does not match its certificate, or undecodable PEM, fails here in one line
    // rather than on every connection attempt until the connect timeout
    createSecureContext({ ca: settings.ca, cert: settings.cert, key: settings.key?.reveal() });
  } catch (error) {
    throw new UsageError(`--ssl-ca/--ssl-cert/--ssl-key: ${(error as Error).message.split('\n')[0]}`);
  }
  return Object.freeze(settings);
}

/** SASL and TLS settings from the --sasl-* / --ssl* flags, then KAFKA_SASL_* / KAFKA_SSL* environment variables. */
export function buildKafkaSecurity(flags: SecurityFlags, env: NodeJS.ProcessEnv): KafkaSecurity {
  return Object.freeze({ sasl: buildSasl(flags, env), tls: buildTls(flags, env) });
}

/** "scram-sha-256 as alice" — for error messages; never the password. */
export function describeSasl(sasl: SaslSettings): string {
  return `SASL ${sasl.mechanism.toUpperCase()} as ${JSON.stringify(sasl.username)}`;
}
