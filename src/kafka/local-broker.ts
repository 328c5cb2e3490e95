import type { LogFn } from '../log/logger.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { IoError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { freePorts } from './free-port.ts';
import { createBrokerTls, type BrokerTlsFiles } from './local-broker-tls.ts';
import { resolveKafkaJars } from './kafka-jars.ts';

const KAFKA_DIR = join(PACKAGE_ROOT, 'kafka');

export interface LocalBrokerOptions {
  /** Where the Kafka jars are cached (default .streampulse). */
  readonly cacheDir?: string;
  /** KRaft storage; default a fresh temporary folder, removed by stop(). */
  readonly dataDir?: string;
  /** Client port on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  readonly log?: LogFn;
  readonly startTimeoutMs?: number;
  /**
   * Adds a SASL_PLAINTEXT listener (SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN) with this one user,
   * created when the storage is formatted; with `tls`, a SASL_SSL listener too, its certificate
   * signed by a CA made for the broker. The PLAINTEXT listener stays as it is.
   */
  readonly sasl?: { readonly username: string; readonly password: string; readonly tls?: boolean };
}

/** The secured listeners of a broker started with `sasl`. */
interface SecuredListeners {
  readonly username: string;
  readonly password: string;
  readonly saslPort: number;
  readonly tls: (BrokerTlsFiles & { readonly port: number }) | null;
}

const SASL_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'];

/** The SCRAM credentials --add-scram stores at format time: kafka-storage's own syntax, so no quotes or commas inside. */
function scramArguments(secured: SecuredListeners): string[] {
  return ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${secured.username},password=${secured.password}]`]);
}

function securedProperties(secured: SecuredListeners): string[] {
  const names = ['sasl_plaintext', ...(secured.tls === null ? [] : ['sasl_ssl'])];
  const lines = [`sasl.enabled.mechanisms=${SASL_MECHANISMS.join(',')}`];
  for (const name of names) {
    lines.push(
      `listener.name.${name}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
      `listener.name.${name}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
      `listener.name.${name}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${secured.username}="${secured.password}";`,
    );
  }
  if (secured.tls !== null) {
    lines.push('ssl.keystore.type=PKCS12', `ssl.keystore.location=${secured.tls.keystorePath}`, `ssl.keystore.password=${secured.tls.keystorePassword}`, `ssl.key.password=${secured.tls.keystorePassword}`);
  }
  return lines;
}

/** Kafka's cluster id format: 16 random bytes, URL-safe base64 without padding. */
function clusterId(): string {
  // as Kafka's own Uuid.randomUuid: an id starting with '-' would be read as an option by
  // kafka-storage's argument parser, so such ids are drawn again
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dataDir: string, port: number, controllerPort: number, secured: SecuredListeners | null): string {
  const extra = secured === null ? [] : [`SASL_PLAINTEXT://127.0.0.1:${secured.saslPort}`, ...(secured.tls === null ? [] : [`SASL_SSL://127.0.0.1:${secured.tls.port}`])];
  const protocols = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', ...extra.map((l) => `${l.split(':')[0]}:${l.split(':')[0]}`)];
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${[`PLAINTEXT://127.0.0.1:${port}`, `CONTROLLER://127.0.0.1:${controllerPort}`, ...extra].join(',')}`,
    `advertised.listeners=${[`PLAINTEXT://127.0.0.1:${port}`, ...extra].join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=${protocols.join(',')}`,
    ...(secured === null ? [] : securedProperties(secured)),
    `log.dirs=${join(dataDir, 'logs')}`,
    // one node, two cores: single-partition internal topics load fast and replicate nowhere
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.network.threads=2',
    'num.io.threads=2',
    '',
  ].join('\n');
}

function runJava(args: readonly string[], logPath: string): Promise<number> {
  const fd = openSync(logPath, 'a');
  return new Promise((done, fail) => {
    const java = spawn('java', args, { stdio: ['ignore', fd, fd] });
    java.once('error', (error) => fail(new IoError(`cannot run java: ${error.message}`)));
    java.once('exit', (code) => {
      closeSync(fd);
      done(code ?? 1);
    });
  });
}

function tail(path: string, lines = 15): string {
  return existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '(no log)';
}

/**
 * A real single-node Apache Kafka broker (KRaft, broker + controller in one JVM) on loopback,
 * from the jars Maven resolved. Restartable on the same ports and storage, so tests can stop the
 * broker mid-stream and bring it back.
 */
export class LocalBroker {
  private jvm: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly onExit = (): void => this.killNow();

  private constructor(
    readonly port: number,
    readonly controllerPort: number,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly lib: string,
    private readonly log: LogFn,
    private readonly startTimeoutMs: number,
    private readonly secured: SecuredListeners | null,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The SASL_PLAINTEXT listener's host:port (null without the `sasl` option). */
  get saslBrokers(): string | null {
    return this.secured === null ? null : `127.0.0.1:${this.secured.saslPort}`;
  }

  /** The SASL_SSL listener's host:port and the CA file its certificate chains to (null without `sasl.tls`). */
  get saslSsl(): { brokers: string; caPath: string } | null {
    const tls = this.secured?.tls ?? null;
    return tls === null ? null : { brokers: `127.0.0.1:${tls.port}`, caPath: tls.caPath };
  }

  get logPath(): string {
    return join(this.dataDir, 'broker.log');
  }

  static async start(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
    const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
    const lib = await resolveKafkaJars(options.cacheDir ?? '.streampulse', log);
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'streampulse-kafka-'));
    mkdirSync(dataDir, { recursive: true });
    const given = options.port !== undefined && options.port > 0 ? options.port : null;
    const sasl = options.sasl;
    // every listener's port picked at once, so no two are the same (nor the one given)
    const [port, controllerPort, saslPort, tlsPort] = given === null ? await freePorts(4) : [given, ...(await freePorts(3, [given]))];
    const secured =
      sasl === undefined ? null : { username: sasl.username, password: sasl.password, saslPort, tls: sasl.tls === true ? { ...createBrokerTls(dataDir), port: tlsPort } : null };
    const broker = new LocalBroker(port, controllerPort, dataDir, ownsDataDir, lib, log, options.startTimeoutMs ?? 90_000, secured);
    await broker.launch();
    return broker;
  }

  private javaArgs(): string[] {
    return ['-cp', join(this.lib, '*'), `-Dlog4j.configuration=file:${join(KAFKA_DIR, 'log4j.properties')}`, '-Djava.awt.headless=true'];
  }

  private async launch(): Promise<void> {
    const props = join(this.dataDir, 'server.properties');
    writeFileSync(props, serverProperties(this.dataDir, this.port, this.controllerPort, this.secured));
    if (!existsSync(join(this.dataDir, 'logs', 'meta.properties'))) {
      const scram = this.secured === null ? [] : scramArguments(this.secured);
      const code = await runJava([...this.javaArgs(), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props, ...scram], this.logPath);
      if (code !== 0) throw new IoError(`formatting KRaft storage failed (exit ${code}):\n${tail(this.logPath)}`);
    }
    const fd = openSync(this.logPath, 'a');
    const jvm = spawn(
      'sh',
      [join(KAFKA_DIR, 'run-broker.sh'), String(process.pid), 'java', '-Xms256m', '-Xmx768m', ...this.javaArgs(), 'kafka.Kafka', props],
      { stdio: ['ignore', fd, fd], detached: true },
    );
    closeSync(fd);
    this.jvm = jvm;
    this.exited = new Promise((done) => jvm.once('exit', () => done()));
    process.once('exit', this.onExit);
    await this.waitUntilReady(jvm);
  }

  private async waitUntilReady(jvm: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    const kafka = new kafkajs.Kafka({ clientId: 'streampulse-broker-probe', brokers: [this.brokers], logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 0 } });
    while (Date.now() < deadline) {
      if (jvm.exitCode !== null) throw new IoError(`the Kafka broker exited (${jvm.exitCode}):\n${tail(this.logPath)}`);
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length > 0) return;
      } catch {
        // not answering yet
      } finally {
        await admin.disconnect().catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    this.killNow();
    throw new IoError(`the Kafka broker did not answer within ${this.startTimeoutMs} ms:\n${tail(this.logPath)}`);
  }

  /** Stops the JVM cleanly (SIGTERM, then SIGKILL after 30 s); keeps storage for restart(). */
  async halt(): Promise<void> {
    const jvm = this.jvm;
    if (jvm === null) return;
    this.jvm = null;
    process.off('exit', this.onExit);
    if (jvm.exitCode === null && jvm.signalCode === null) {
      jvm.kill('SIGTERM');
      const killer = setTimeout(() => this.killGroup(jvm), 30_000);
      await this.exited;
      clearTimeout(killer);
    }
  }

  /** Starts a halted broker again on the same ports and storage. */
  async resume(): Promise<void> {
    if (this.jvm === null) await this.launch();
  }

  /** Stops and starts the broker on the same ports and storage. */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private killGroup(jvm: ChildProcess): void {
    try {
      if (jvm.pid !== undefined) process.kill(-jvm.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private killNow(): void {
    if (this.jvm !== null) this.killGroup(this.jvm);
  }
}
