import type { LogFn } from '../log/logger.ts';
import kafkajs, { type Admin, type Kafka, type SASLOptions } from 'kafkajs';
import { KafkaAuthError, KafkaUnavailableError } from '../errors.ts';
import { describeSasl, NO_SECURITY, type KafkaSecurity } from './security.ts';

/**
 * The thin seam over kafkajs (little maintained, so kept behind this module and the source and
 * producer that use it). kafkajs' own logging is off: its connection errors repeat on every retry,
 * so StreamPulse logs one clear line of its own instead.
 */
export function createKafka(brokers: readonly string[], clientId: string, retries = 12, security: KafkaSecurity = NO_SECURITY): Kafka {
  const { sasl, tls } = security;
  return new kafkajs.Kafka({
    clientId,
    brokers: [...brokers],
    ssl: tls === null ? undefined : { ca: tls.ca, cert: tls.cert, key: tls.key?.reveal() },
    // kafkajs reads the password at each connection; the Secret stays closed everywhere else
    sasl: sasl === null ? undefined : ({ mechanism: sasl.mechanism, username: sasl.username, password: sasl.password.reveal() } as SASLOptions),
    logLevel: process.env.STREAMPULSE_KAFKA_LOG === 'debug' ? kafkajs.logLevel.DEBUG : kafkajs.logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 250, maxRetryTime: 5_000, retries },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether kafkajs failed because the broker refused the credentials (its error, or one it wraps). */
function refusedCredentials(error: unknown): boolean {
  for (let e = error as { name?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * Connects an admin client, retrying with exponential backoff (250 ms doubling to 5 s) until the
 * broker answers or `timeoutMs` passes. Logs one line when the broker is not there, not one per try.
 */
export async function connectAdmin(kafka: Kafka, brokers: readonly string[], log: LogFn, timeoutMs = Number.POSITIVE_INFINITY, security: KafkaSecurity = NO_SECURITY): Promise<Admin> {
  const started = Date.now();
  let delay = 250;
  let warned = false;
  // kafkajs retries connections inside its broker pool with the client's settings, so the
  // probing is done by a client that does not retry: this loop owns the backoff and the log line
  const probe = createKafka(brokers, 'streampulse-probe', 0, security);
  for (;;) {
    const admin = probe.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      await admin.disconnect();
      const connected = kafka.admin();
      await connected.connect();
      if (warned) log(`Kafka at ${brokers.join(',')} is answering after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return connected;
    } catch (error) {
      await admin.disconnect().catch(() => {});
      // the same credentials will be refused again: end here rather than retry forever
      if (refusedCredentials(error) && security.sasl !== null) throw new KafkaAuthError(`Kafka at ${brokers.join(',')} refused ${describeSasl(security.sasl)}: ${(error as Error).message}`);
      if (Date.now() - started + delay > timeoutMs) {
        throw new KafkaUnavailableError(`no Kafka broker at ${brokers.join(',')} answered within ${(timeoutMs / 1000).toFixed(1)} s (${(error as Error).message})`, { cause: error });
      }
      if (!warned) {
        log(`Kafka at ${brokers.join(',')} is not answering (${(error as Error).message}); retrying with backoff…`, { level: 'warn' });
        warned = true;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

/** Runs `use` with an admin client connected as `connectAdmin` does, and disconnects it afterwards. */
export async function withAdmin<T>(brokers: readonly string[], clientId: string, log: LogFn, use: (admin: Admin) => Promise<T>, timeoutMs?: number, security: KafkaSecurity = NO_SECURITY): Promise<T> {
  const admin = await connectAdmin(createKafka(brokers, clientId, undefined, security), brokers, log, timeoutMs, security);
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
