import { readFileSync } from 'node:fs';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAuthError } from '../../../../src/errors.ts';
import { createBrokerTls } from '../../../../src/kafka/local-broker-tls.ts';
import { Secret } from '../../../../src/kafka/secret.ts';
import type { KafkaSecurity } from '../../../../src/kafka/security.ts';
import { Writer } from '../../../../src/kafka/wire/codec.ts';
import { Cluster } from '../../../../src/kafka/wire/cluster.ts';
import { KafkaConnectionError } from '../../../../src/kafka/wire/protocol-error.ts';
import { makeTempDir, removeTempDir } from '../../../helpers/temp-dir.ts';

const PASSWORD = 'pw-never-printed';

/**
 * A fake TLS broker that speaks just enough: SaslHandshake v1 (PLAIN only), SaslAuthenticate v1
 * (accepting alice / PASSWORD) and ApiVersions v0 (every API at versions 0..20). It records the
 * api keys in the order they arrive and the PLAIN tokens it was sent.
 */
class FakeTlsBroker {
  readonly apiKeys: number[] = [];
  readonly tokens: string[] = [];
  port = 0;
  private readonly server: Server;

  constructor(pfx: Buffer, passphrase: string) {
    this.server = createServer({ pfx, passphrase }, (socket) => this.serve(socket));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: TLSSocket): void {
    let pending = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length - 4 >= pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const apiKey = frame.readInt16BE(0);
        const correlation = frame.readInt32BE(4);
        const body = frame.subarray(10 + frame.readInt16BE(8));
        this.apiKeys.push(apiKey);
        socket.write(this.answer(apiKey, correlation, body));
      }
    });
  }

  private answer(apiKey: number, correlation: number, body: Buffer): Buffer {
    const w = new Writer().int32(0).int32(correlation);
    if (apiKey === 17) {
      const mechanism = body.toString('utf8', 2, 2 + body.readInt16BE(0));
      w.int16(mechanism === 'PLAIN' ? 0 : 33).array(['PLAIN'], (x, m) => x.string(m));
    } else if (apiKey === 36) {
      const token = body.toString('utf8', 4, 4 + body.readInt32BE(0));
      this.tokens.push(token);
      const ok = token === `\0alice\0${PASSWORD}`;
      w.int16(ok ? 0 : 58).string(ok ? null : 'Authentication failed: Invalid username or password').bytes(Buffer.alloc(0)).int64(0);
    } else if (apiKey === 18) {
      w.int16(0).array([...Array(40).keys()], (x, key) => x.int16(key).int16(0).int16(20));
    }
    const frame = w.result();
    frame.writeInt32BE(frame.length - 4, 0);
    return frame;
  }
}

let dir: string;
let broker: FakeTlsBroker;
let ca: string;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-tls-');
  const files = createBrokerTls(dir);
  ca = readFileSync(files.caPath, 'utf8');
  broker = new FakeTlsBroker(readFileSync(files.keystorePath), files.keystorePassword);
  await broker.start();
});
afterAll(async () => {
  await broker?.close();
  await removeTempDir(dir);
});

const security = (password: string, mechanism: 'plain' | 'scram-sha-256' = 'plain', tls: KafkaSecurity['tls'] = { ca }): KafkaSecurity => ({ sasl: { mechanism, username: 'alice', password: new Secret(password) }, tls });

async function connect(settings: KafkaSecurity): Promise<void> {
  const cluster = new Cluster({ brokers: [`127.0.0.1:${broker.port}`], clientId: 'auth-test', security: settings });
  try {
    await cluster.connect('127.0.0.1', broker.port);
  } finally {
    cluster.close();
  }
}

describe('SASL over TLS on a new connection', () => {
  it('trusts the broker through the given CA, authenticates first (SaslHandshake, SaslAuthenticate), then asks ApiVersions', async () => {
    broker.apiKeys.length = 0;
    await connect(security(PASSWORD));
    expect(broker.apiKeys).toEqual([17, 36, 18]);
    expect(broker.tokens.at(-1)).toBe(`\0alice\0${PASSWORD}`);
  });

  it('refuses a broker whose certificate the CA did not sign', async () => {
    await expect(connect(security(PASSWORD, 'plain', {}))).rejects.toThrow(KafkaConnectionError);
  });

  it('ends with KafkaAuthError naming mechanism and user, never the password, when the broker refuses', async () => {
    const wrong = 'wrong-password-value';
    const error = (await connect(security(wrong)).catch((e: unknown) => e)) as KafkaAuthError;
    expect(error).toBeInstanceOf(KafkaAuthError);
    expect(error).toMatchObject({ code: 'SP_KAFKA_AUTH', exitCode: 1, canRetry: false });
    expect(error.message).toMatch(/refused SASL PLAIN as "alice": Authentication failed/);
    expect(error.message).not.toContain(wrong);
  });

  it('names the mechanisms the broker has when it does not have the one asked for', async () => {
    await expect(connect(security(PASSWORD, 'scram-sha-256'))).rejects.toThrow(/refused SASL SCRAM-SHA-256 as "alice": UNSUPPORTED_SASL_MECHANISM \(mechanisms enabled there: PLAIN\)/);
  });
});
