import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { TlsSettings } from '../security.ts';
import { Reader, Writer } from './codec.ts';
import { KafkaConnectionError } from './protocol-error.ts';

export interface ApiCall<T> {
  readonly apiKey: number;
  readonly version: number;
  encode(writer: Writer): void;
  decode(reader: Reader): T;
}

/** Larger than any fetch StreamPulse asks for (32 MB) by far; Kafka's own socket limit is 100 MB. */
const MAX_FRAME_BYTES = 256 << 20;

interface Pending {
  readonly resolve: (reader: Reader) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One TCP connection to one broker. Requests are pipelined (the broker answers them in order) and
 * matched to responses by correlation id; a response frame is read into one buffer, so everything
 * decoded from it (record values included) can be a view of it. A request that times out or a
 * socket that breaks fails every pending request and closes the connection: its state is unknown,
 * and the owner reconnects.
 */
export class Connection {
  private readonly pending = new Map<number, Pending>();
  private correlation = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frame: Buffer | null = null;
  private filled = 0;
  private failure: Error | null = null;
  private readonly closedListeners: ((error: Error) => void)[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    private readonly clientId: string,
    private readonly requestTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new KafkaConnectionError(`connection to ${address} failed: ${error.message}`, { cause: error })));
    socket.on('close', () => this.fail(new KafkaConnectionError(`connection to ${address} closed`)));
  }

  /** With `tls`, the socket is TLS: the broker's certificate checked against `tls.ca` and the host name. */
  static open(host: string, port: number, options: { clientId: string; connectTimeoutMs: number; requestTimeoutMs: number; tls?: TlsSettings | null }): Promise<Connection> {
    const address = `${host}:${port}`;
    const tls = options.tls ?? null;
    return new Promise((resolve, reject) => {
      const socket =
        tls === null
          ? connect({ host, port })
          : // SNI takes host names only; an IP address is still checked against the certificate's IP SANs
            connectTls({ host, port, ca: tls.ca, cert: tls.cert, key: tls.key?.reveal(), servername: isIP(host) === 0 ? host : undefined });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KafkaConnectionError(`connection to ${address} timed out after ${options.connectTimeoutMs} ms`));
      }, options.connectTimeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new KafkaConnectionError(`cannot connect to ${address}: ${error.message}`, { cause: error }));
      });
      socket.once(tls === null ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Connection(socket, address, options.clientId, options.requestTimeoutMs));
      });
    });
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  onClose(listener: (error: Error) => void): void {
    if (this.failure !== null) listener(this.failure);
    else this.closedListeners.push(listener);
  }

  send<T>(call: ApiCall<T>, timeoutMs = this.requestTimeoutMs): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const correlation = (this.correlation = (this.correlation + 1) & 0x7fffffff);
    const writer = new Writer(256);
    writer.int32(0).int16(call.apiKey).int16(call.version).int32(correlation).string(this.clientId);
    call.encode(writer);
    const pieces = writer.pieces();
    const size = pieces.reduce((n, piece) => n + piece.length, 0) - 4;
    pieces[0].writeInt32BE(size, 0);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new KafkaConnectionError(`request ${call.apiKey} v${call.version} to ${this.address} timed out after ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(correlation, {
        resolve: (reader) => {
          try {
            resolve(call.decode(reader));
          } catch (error) {
            reject(error as Error);
          }
        },
        reject,
        timer,
      });
      this.socket.cork();
      for (const piece of pieces) this.socket.write(piece);
      this.socket.uncork();
    });
  }

  close(): void {
    this.fail(new KafkaConnectionError(`connection to ${this.address} closed by the client`));
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.socket.destroy();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    for (const listener of this.closedListeners.splice(0)) listener(error);
  }

  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        // the 4-byte size may arrive split over chunks
        const needed = 4 - this.buffered;
        if (this.buffered === 0 && chunk.length - at >= 4) {
          const size = chunk.readInt32BE(at);
          at += 4;
          if (!this.sane(size)) return;
          if (chunk.length - at >= size) {
            this.deliver(chunk.subarray(at, at + size));
            at += size;
            continue;
          }
          this.frame = Buffer.allocUnsafe(size);
          this.filled = 0;
        } else {
          const take = Math.min(needed, chunk.length - at);
          this.chunks.push(chunk.subarray(at, at + take));
          this.buffered += take;
          at += take;
          if (this.buffered < 4) return;
          const size = Buffer.concat(this.chunks).readInt32BE(0);
          this.chunks = [];
          this.buffered = 0;
          if (!this.sane(size)) return;
          this.frame = Buffer.allocUnsafe(size);
          this.filled = 0;
        }
      }
      const frame = this.frame as Buffer;
      const take = Math.min(frame.length - this.filled, chunk.length - at);
      chunk.copy(frame, this.filled, at, at + take);
      this.filled += take;
      at += take;
      if (this.filled === frame.length) {
        this.frame = null;
        this.deliver(frame);
      }
    }
  }

  /** A size no broker would send (an HTTP server answering, a corrupted stream) fails the connection. */
  private sane(size: number): boolean {
    if (size >= 0 && size <= MAX_FRAME_BYTES) return true;
    this.fail(new KafkaConnectionError(`${this.address} announced a ${size}-byte response: not a Kafka broker?`));
    return false;
  }

  private deliver(frame: Buffer): void {
    if (frame.length < 4) return this.fail(new KafkaConnectionError(`${this.address} sent a ${frame.length}-byte response: not a Kafka broker?`));
    const reader = new Reader(frame);
    const correlation = reader.int32();
    const pending = this.pending.get(correlation);
    if (pending === undefined) return;
    this.pending.delete(correlation);
    clearTimeout(pending.timer);
    pending.resolve(reader);
  }
}
