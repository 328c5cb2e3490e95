import { apiVersions } from './apis/api-versions.ts';
import { metadata, type BrokerAddress, type ClusterMetadata } from './apis/metadata.ts';
import { Connection, type ApiCall } from './connection.ts';
import { KafkaConnectionError, KafkaProtocolError } from './protocol-error.ts';
import { authenticate } from './sasl/authenticate.ts';
import type { KafkaSecurity } from '../security.ts';

export interface ClusterOptions {
  /** Bootstrap servers, host:port. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** SASL credentials and TLS for a secured cluster; absent is plaintext without authentication. */
  readonly security?: KafkaSecurity;
}

/** The request versions this client speaks (Kafka 2.3 and later answer all of them). */
const REQUIRED: Record<number, [string, number]> = {
  0: ['Produce', 7],
  1: ['Fetch', 11],
  2: ['ListOffsets', 4],
  3: ['Metadata', 8],
  10: ['FindCoordinator', 2],
  11: ['JoinGroup', 5],
  12: ['Heartbeat', 3],
  13: ['LeaveGroup', 3],
  14: ['SyncGroup', 3],
  22: ['InitProducerId', 1],
};

function parseAddress(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}

/**
 * The brokers of one cluster: one connection per broker, made on first use and again after it
 * breaks, and the partition leaders from the latest metadata.
 */
export class Cluster {
  private readonly addresses = new Map<number, BrokerAddress>();
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly leaders = new Map<string, Map<number, number>>();
  private versionsChecked = false;
  private closed = false;

  constructor(readonly options: ClusterOptions) {}

  /** Partitions of `topic` with their leaders, asked of the cluster. */
  async refresh(topics: readonly string[]): Promise<ClusterMetadata> {
    const result = await this.sendToAny(metadata(topics));
    for (const broker of result.brokers) this.addresses.set(broker.nodeId, broker);
    for (const topic of result.topics) {
      if (topic.error !== 0) throw new KafkaProtocolError(topic.error, `metadata of topic ${topic.name}`);
      this.leaders.set(topic.name, new Map(topic.partitions.map((p) => [p.partition, p.leader])));
    }
    return result;
  }

  async partitions(topic: string): Promise<number[]> {
    if (!this.leaders.has(topic)) await this.refresh([topic]);
    return [...(this.leaders.get(topic) as Map<number, number>).keys()];
  }

  /** The leader's node id from the latest metadata (-1 when it has none). */
  leaderOf(topic: string, partition: number): number {
    return this.leaders.get(topic)?.get(partition) ?? -1;
  }

  async send<T>(nodeId: number, call: ApiCall<T>, timeoutMs?: number): Promise<T> {
    return (await this.connectionTo(nodeId)).send(call, timeoutMs);
  }

  async connectionTo(nodeId: number): Promise<Connection> {
    const address = this.addresses.get(nodeId);
    if (address === undefined) throw new KafkaConnectionError(`no address known for broker ${nodeId}`);
    return this.connect(address.host, address.port);
  }

  /** A request any broker can answer: tries the known brokers, then the bootstrap list. */
  async sendToAny<T>(call: ApiCall<T>): Promise<T> {
    const candidates = [...[...this.addresses.values()].map((b) => ({ host: b.host, port: b.port })), ...this.options.brokers.map(parseAddress)];
    let last: unknown = new KafkaConnectionError('no bootstrap brokers given');
    for (const { host, port } of candidates) {
      try {
        return await (await this.connect(host, port)).send(call);
      } catch (error) {
        if (!(error instanceof KafkaConnectionError)) throw error;
        last = error;
      }
    }
    throw last;
  }

  async connect(host: string, port: number): Promise<Connection> {
    if (this.closed) throw new KafkaConnectionError('the Kafka client is closed');
    const key = `${host}:${port}`;
    let connection = this.connections.get(key);
    if (connection === undefined) {
      connection = this.open(host, port);
      this.connections.set(key, connection);
      connection.then(
        (c) => c.onClose(() => this.connections.get(key) === connection && this.connections.delete(key)),
        () => this.connections.delete(key),
      );
    }
    return connection;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.then((c) => c.close(), () => {});
    this.connections.clear();
  }

  private async open(host: string, port: number): Promise<Connection> {
    const connection = await Connection.open(host, port, {
      clientId: this.options.clientId,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 3_000,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 30_000,
      tls: this.options.security?.tls,
    });
    // every connection authenticates before anything else is asked of it
    const sasl = this.options.security?.sasl ?? null;
    if (sasl !== null) {
      try {
        await authenticate(connection, sasl);
      } catch (error) {
        connection.close();
        throw error;
      }
    }
    if (!this.versionsChecked) {
      const ranges = await connection.send(apiVersions());
      for (const [key, [name, version]] of Object.entries(REQUIRED)) {
        const range = ranges.get(Number(key));
        if (range === undefined || range.min > version || range.max < version) {
          connection.close();
          throw new KafkaProtocolError(35, `the broker at ${host}:${port} does not speak ${name} v${version} (Kafka 2.3 or later is needed)`);
        }
      }
      this.versionsChecked = true;
    }
    return connection;
  }
}
