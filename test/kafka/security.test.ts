import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKafkaConfig, buildProduceConfig } from '../../src/config.ts';
import { UsageError } from '../../src/errors.ts';
import { buildKafkaSecurity } from '../../src/kafka/security.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const PASSWORD = 'hunter2-do-not-print';
let dir: string;
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  dir = await makeTempDir('streampulse-security-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

describe('Kafka security settings', () => {
  it('are off unless asked for', () => {
    expect(buildKafkaSecurity({}, {})).toEqual({ sasl: null, tls: null });
  });

  it('take the mechanism and user from flags or env, the password from a file (one line) or env', () => {
    const fromFile = buildKafkaSecurity({ saslMechanism: 'scram-sha-512', saslUsername: 'alice', saslPasswordFile: file('pw', `${PASSWORD}\n`) }, {});
    expect(fromFile.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'alice' });
    expect(fromFile.sasl?.password.reveal()).toBe(PASSWORD);
    const fromEnv = buildKafkaSecurity({}, { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'bob', KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SSL: 'true' });
    expect(fromEnv.sasl).toMatchObject({ mechanism: 'scram-sha-256', username: 'bob' });
    expect(fromEnv.sasl?.password.reveal()).toBe(PASSWORD);
    expect(fromEnv.tls).toEqual({});
    const userFile = buildKafkaSecurity({ saslMechanism: 'plain', saslUsernameFile: file('user', 'carol\n') }, { KAFKA_SASL_PASSWORD: PASSWORD });
    expect(userFile.sasl?.username).toBe('carol');
  });

  it('read the CA and client certificate files for --ssl, and refuse a key that is not the certificate\'s up front', () => {
    // a real self-signed certificate and its key, and a second key that does not match it
    const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=streampulse-test');
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'other.pem');
    const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
    const tls = buildKafkaSecurity({ ssl: true, sslCa: join(dir, 'c.pem'), sslCert: join(dir, 'c.pem'), sslKey: join(dir, 'k.pem') }, {}).tls;
    expect(tls?.ca).toBe(cert);
    expect(tls?.cert).toBe(cert);
    expect(tls?.key?.reveal()).toBe(readFileSync(join(dir, 'k.pem'), 'utf8'));
    const mismatched = (): unknown => buildKafkaSecurity({ ssl: true, sslCert: join(dir, 'c.pem'), sslKey: join(dir, 'other.pem') }, {});
    expect(mismatched).toThrow(UsageError);
    expect(mismatched).toThrow(/--ssl-ca\/--ssl-cert\/--ssl-key: .*key values mismatch/);
  });

  it.each([
    [{ saslMechanism: 'gssapi', saslUsername: 'a' }, {}, /--sasl-mechanism must be one of plain, scram-sha-256, scram-sha-512/],
    [{ saslMechanism: 'plain' }, { KAFKA_SASL_PASSWORD: 'x' }, /needs a user/],
    [{ saslMechanism: 'plain', saslUsername: 'a' }, {}, /needs a password: --sasl-password-file or KAFKA_SASL_PASSWORD/],
    [{ saslMechanism: 'plain', saslUsername: 'a', saslPasswordFile: '/nonexistent/pw' }, {}, /--sasl-password-file: cannot read \/nonexistent\/pw \(ENOENT\)/],
    [{ saslUsername: 'a' }, {}, /need --sasl-mechanism/],
    [{ sslCa: '/x.pem' }, {}, /need --ssl/],
    [{ ssl: true, sslCert: '/c.pem' }, {}, /go together/],
    [{}, { KAFKA_SSL: 'maybe' }, /KAFKA_SSL must be true or false/],
  ])('refuse %j %j with a usage error', (flags, env, message) => {
    expect(() => buildKafkaSecurity(flags, env)).toThrow(UsageError);
    expect(() => buildKafkaSecurity(flags, env)).toThrow(message);
  });

  it('refuse a CA file that is not PEM', () => {
    expect(() => buildKafkaSecurity({ ssl: true, sslCa: file('not.pem', 'hello') }, {})).toThrow(/not a PEM certificate/);
  });

  it('never show the password when the config is logged, stringified or inspected', () => {
    const env = { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: PASSWORD };
    const kafka = buildKafkaConfig({ brokers: 'b:9092' }, env);
    const produce = buildProduceConfig({ brokers: 'b:9092' }, env);
    expect(Object.isFrozen(kafka.security)).toBe(true);
    for (const text of [JSON.stringify(kafka), JSON.stringify(produce), inspect(kafka, { depth: 10, showHidden: true }), String(kafka.security.sasl?.password), `${kafka.security.sasl?.password}`]) {
      expect(text).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(kafka.security)).toContain('"password":"[redacted]"');
    expect(produce.kafka.security.sasl?.password.reveal()).toBe(PASSWORD);
  });
});
