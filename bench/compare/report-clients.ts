import { connect, type Socket } from 'node:net';

export interface ClientsOutcome {
  /** Milliseconds from request to the last byte of each 200 answer. */
  readonly latenciesMs: readonly number[];
  /** Answers with another status (e.g. 503 before the first snapshot). */
  readonly otherStatuses: number;
  /** Requests that failed (refused or cut, as when the server closes at the end). */
  readonly failures: number;
  /** Body bytes of the 200 answers, all clients together. */
  readonly bytes: number;
  /** CPU milliseconds this process spent while the clients ran (they, and whatever else it ran meanwhile). */
  readonly clientCpuMs: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const CONNECTION_CLOSE = /\r\nconnection:\s*close/i;

/** One answer read off a keep-alive connection: its status and body length, from its header alone. */
interface Answer {
  readonly status: number;
  readonly bytes: number;
}

/**
 * One keep-alive HTTP/1.1 connection that asks for one path at a time. It reads only what telling
 * the answer's end takes: the status line and Content-Length, then counts the body's bytes. The
 * clients are the measuring instrument: on two cores every millisecond they spend is taken from
 * the ingest they measure, and node:http's client (request and response objects, header maps, a
 * stream per answer) cost about 0.5 ms of CPU a 45 KB answer, 20% of a core at 400 answers a second.
 */
class Connection {
  private socket: Socket | null = null;
  private header: Buffer | null = null;
  private status = 0;
  private remaining = -1;
  private length = 0;
  private closing = false;
  private readonly buffer = Buffer.allocUnsafe(1 << 16);
  private pending: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly request: Buffer,
  ) {}

  get(): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.header = null;
      this.remaining = -1;
      (this.socket ??= this.open()).write(this.request);
    });
  }

  /** Ends the connection; a request waiting on it fails. */
  close(): void {
    this.fail(new Error('closed by the client'));
  }

  private open(): Socket {
    // read into one buffer, reused: a 45 KB answer is counted, never kept, and a buffer made per
    // read (what 'data' events hand out) was this client's largest cost after the syscalls
    const socket: Socket = connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      onread: {
        buffer: this.buffer,
        callback: (length: number, buffer: Uint8Array) => {
          if (this.socket === socket) this.read(buffer, length);
          return true;
        },
      },
    });
    // a connection given up (closed here after an answer, or failed) no longer speaks for the next request
    const cut = (error?: Error): void => {
      if (this.socket === socket) this.fail(error ?? new Error('the server closed the connection'));
    };
    socket.once('error', cut);
    socket.once('close', () => cut());
    return socket;
  }

  /** The `length` bytes just read into `buffer` (valid only until this returns). */
  private read(buffer: Uint8Array, length: number): void {
    const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, length);
    if (this.remaining < 0) {
      // read in place when the header is all in this read; a header cut across reads is kept, as a copy
      const header = this.header === null ? chunk : Buffer.concat([this.header, chunk]);
      const end = header.indexOf(HEADER_END);
      if (end < 0) {
        this.header = Buffer.from(header);
        return;
      }
      const head = header.toString('latin1', 0, end);
      const contentLength = CONTENT_LENGTH.exec(head);
      if (contentLength === null) return this.fail(new Error('an answer without Content-Length'));
      this.status = Number(head.slice(9, 12));
      this.closing = CONNECTION_CLOSE.test(head);
      this.length = Number(contentLength[1]);
      this.remaining = this.length - (header.length - end - HEADER_END.length);
      this.header = null;
    } else this.remaining -= length;
    if (this.remaining > 0) return;
    if (this.remaining < 0) return this.fail(new Error('more bytes than the answer holds'));
    const pending = this.pending;
    this.pending = null;
    this.remaining = -1;
    // the server ends this connection after the answer: the next request goes on a new one
    if (this.closing) this.close();
    pending?.resolve({ status: this.status, bytes: this.length });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = null;
    this.socket?.destroy();
    this.socket = null;
    pending?.reject(error);
  }
}

/**
 * `clients` loops against `url`, each over its own keep-alive connection: request, read the whole
 * body, then the next request `intervalMs` after the last one began (at once when that is past; 0:
 * at once always, a closed loop), the clients' starts spread over one interval. They run until
 * `stop()`, which ends them and tells what they saw.
 */
export function startReportClients(url: string, clients: number, intervalMs = 0): { stop: () => Promise<ClientsOutcome> } {
  const { hostname, port, pathname, search } = new URL(url);
  const request = Buffer.from(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: application/json\r\n\r\n`, 'latin1');
  const latenciesMs: number[] = [];
  let otherStatuses = 0;
  let failures = 0;
  let bytes = 0;
  let stopped = false;
  const cpu = process.cpuUsage();
  const connections = Array.from({ length: clients }, () => new Connection(hostname, Number(port), request));
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const loop = async (connection: Connection, client: number): Promise<void> => {
    if (intervalMs > 0) await pause((intervalMs * client) / clients);
    while (!stopped) {
      const started = performance.now();
      try {
        const answer = await connection.get();
        if (answer.status === 200) {
          latenciesMs.push(performance.now() - started);
          bytes += answer.bytes;
        } else otherStatuses++;
      } catch {
        if (stopped) return;
        failures++;
        // the server may be gone for good: do not spin on refused connections
        await pause(20);
        continue;
      }
      const wait = started + intervalMs - performance.now();
      if (wait > 0 && !stopped) await pause(wait);
    }
  };
  const loops = connections.map((connection, client) => loop(connection, client));
  return {
    stop: async () => {
      stopped = true;
      const used = process.cpuUsage(cpu);
      for (const connection of connections) connection.close();
      await Promise.all(loops);
      return { latenciesMs, otherStatuses, failures, bytes, clientCpuMs: (used.user + used.system) / 1000 };
    },
  };
}
