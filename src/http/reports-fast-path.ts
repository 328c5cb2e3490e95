import type { Socket } from 'node:net';
import { answerHeaders, JSON_TYPE, partsLength, rawAnswer, rawHead } from './answer.ts';

/** What the fast path needs of the server: its Host check and /reports' answer. */
export interface FastReports {
  /** Whether a request with this Host header is answered (HostAllowList.allows). */
  allows(host: string): boolean;
  /** /reports' body in parts, as the handler writes it; what it throws is the handler's to answer. */
  body(): readonly (string | Uint8Array)[];
  /** Called once per answer, with what body() took, in seconds (the snapshot histogram). */
  timed?(seconds: number): void;
}

/** Node's default maxHeaderSize: a longer head is node's to refuse (431). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Answers written but not yet taken by a client beyond which its later requests wait (node pauses reading likewise). */
const MAX_UNSENT_BYTES = 1 << 20;
const HEAD_END = Buffer.from('\r\n\r\n');
/** An answer's status line and the handler's headers but its length, the same for every answer (the length is the last: answer.ts). */
const HEAD_START = ((): string => {
  const fixed = answerHeaders(JSON_TYPE, 0);
  delete fixed['content-length'];
  return rawHead(200, fixed).slice(0, -2);
})();
const REQUEST_LINE = 'GET /reports HTTP/1.1\r\n';
/** A header field as RFC 9110 spells it (a token, then visible ASCII): anything else is node's to judge. */
const FIELD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t ]*(?:[\x21-\x7e](?:[\t \x21-\x7e]*[\x21-\x7e])?)?[\t ]*$/;
/** The fields the check reads: Host (once) and Connection (keep-alive only); the others give a request a body, change the protocol or ask for an interim answer, and make it node's. */
const NODE_FIELDS = new Set(['content-length', 'transfer-encoding', 'expect', 'upgrade', 'connection', 'host']);

/**
 * The Host of a head (the bytes before the blank line) that is exactly a plain `GET /reports`
 * over HTTP/1.1: the request line byte for byte, well-formed fields, one Host, nothing giving it
 * a body, and at most `Connection: keep-alive`. Null for every other head, however valid.
 */
export function plainReportsHost(head: string): string | null {
  if (!head.startsWith(REQUEST_LINE)) return null;
  let host: string | null = null;
  for (const line of head.slice(REQUEST_LINE.length).split('\r\n')) {
    if (!FIELD.test(line)) return null;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (!NODE_FIELDS.has(name)) continue;
    const value = line.slice(colon + 1).trim();
    if (name === 'host' && host === null) host = value;
    else if (name !== 'connection' || value.toLowerCase() !== 'keep-alive') return null;
  }
  return host;
}

let dateSecond = -1;
let dateText = '';
/** The Date header's value, made once a second (as node does). */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/**
 * One connection's requests answered straight on its socket while each is a plain `GET /reports`
 * that arrives whole: the poll a live page or dashboard sends several times a second. node:http
 * makes a request and a response stream, their headers and events for each: during a replay with
 * 4 clients polling every 10 ms, 0.22 ms of main-thread CPU an answer (cold code, caches the shards
 * have just emptied), against 0.13 ms here, and on two cores that CPU is taken from the ingest the
 * pollers watch. The answer is the one the handler writes, byte for byte but the Date. At the
 * first request that is anything else (another path, a body, a field the check does not read, a
 * head cut across reads) the socket goes to node:http with every byte not yet answered, and stays
 * there: what node judges, it still judges. A connection idle for node's keep-alive time is closed,
 * from its start (node gives a new one its headers timeout instead): a client that has sent
 * nothing loses nothing by it, and one that has sent part of a head is node's already.
 */
export class ReportsFastPath {
  private pending: Buffer = Buffer.alloc(0);
  private waitingForDrain = false;
  private handedOver = false;
  /** The Keep-Alive field node writes (none when its keep-alive timeout is off). */
  private readonly keepAlive: string;

  constructor(
    private readonly socket: Socket,
    private readonly reports: FastReports,
    private readonly toNode: (socket: Socket) => void,
    keepAliveMs: number,
  ) {
    this.keepAlive = keepAliveMs > 0 ? `Keep-Alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n` : '';
    socket.setNoDelay(true);
    socket.setTimeout(keepAliveMs);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('timeout', this.onTimeout);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.answer();
  };

  /** Answers the whole plain requests pending, in order; hands the rest to node. */
  private answer(): void {
    while (this.pending.length > 0 && !this.handedOver) {
      if (this.socket.writableLength >= MAX_UNSENT_BYTES) {
        this.waitingForDrain = true;
        this.socket.pause();
        return;
      }
      const end = this.pending.indexOf(HEAD_END);
      const host = end < 0 || end > MAX_HEAD_BYTES ? null : plainReportsHost(this.pending.toString('latin1', 0, end));
      if (host === null || !this.reports.allows(host)) return this.handOver();
      let body: readonly (string | Uint8Array)[];
      const started = performance.now();
      try {
        body = this.reports.body();
      } catch {
        // the handler answers it again, and its error as every other
        return this.handOver();
      }
      this.reports.timed?.((performance.now() - started) / 1000);
      this.write(body);
      this.pending = this.pending.subarray(end + HEAD_END.length);
    }
  }

  private write(body: readonly (string | Uint8Array)[]): void {
    // the fields node adds after the handler's, as it writes them
    const head = `${HEAD_START}content-length: ${partsLength(body)}\r\nDate: ${httpDate()}\r\nConnection: keep-alive\r\n${this.keepAlive}\r\n`;
    // one send for the whole answer
    this.socket.cork();
    this.socket.write(head, 'latin1');
    for (const part of body) this.socket.write(part);
    this.socket.uncork();
  }

  private readonly onDrain = (): void => {
    if (!this.waitingForDrain) return;
    this.waitingForDrain = false;
    this.socket.resume();
    this.answer();
  };

  /**
   * The client is done sending. Every head is whole by now (one cut short went to node with its
   * read), so the connection ends; bytes left unanswered after an end are a request node could no
   * longer read either, answered as node's clientError handler answers one (report-server.ts).
   */
  private readonly onEnd = (): void => {
    this.handedOver = true;
    if (this.pending.length > 0) this.socket.end(rawAnswer(400, 'malformed HTTP request'));
    else this.socket.end();
  };

  /** Idle for the keep-alive time: closed, as node closes an idle keep-alive connection; polls still waiting for a client that stopped reading go to node. */
  private readonly onTimeout = (): void => {
    if (this.pending.length > 0) return this.handOver();
    this.socket.destroy();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  /** Gives the socket to node:http with the bytes not answered in front of what it reads next (paused meanwhile, so none is emitted before node listens). */
  private handOver(): void {
    if (this.handedOver) return;
    this.handedOver = true;
    const socket = this.socket;
    socket.pause();
    socket.setTimeout(0);
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('timeout', this.onTimeout);
    socket.removeListener('drain', this.onDrain);
    socket.removeListener('error', this.onError);
    if (this.pending.length > 0) socket.unshift(this.pending);
    this.pending = Buffer.alloc(0);
    this.toNode(socket);
    socket.resume();
  }
}
