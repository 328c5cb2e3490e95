import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isReportName, renderCsv } from '../domain/reports/index.ts';
import type { Strategy } from '../domain/run-progress.ts';
import { IoError } from '../errors.ts';
import type { LogFn } from '../log/logger.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import type { LivePipeline } from '../live-pipeline.ts';
import type { ReportSnapshot } from '../pipeline.ts';
import type { DeadLetterLog } from '../sources/dead-letter-log.ts';
import { isServing, type SourceHealth } from '../sources/source-health.ts';
import { rawAnswer, send, sendError, sendJson, sendParts, shortMessage } from './answer.ts';
import { HostAllowList } from './host-allow-list.ts';
import { PARTIALS_PATH, partialsResponse } from '../peers/index.ts';
import { groupSnapshot, type GroupQuery, type GroupSnapshot } from './group-reports.ts';
import { livePageAsset } from './live-page.ts';
import { ReportsFastPath } from './reports-fast-path.ts';
import { LIVE_PAGE_CSP } from './security-headers.ts';

export interface ReportServerOptions {
  readonly host: string;
  readonly port: number;
  readonly pipeline: LivePipeline;
  readonly metrics?: PrometheusMetrics;
  readonly deadLetters?: DeadLetterLog;
  /** Host names answered besides loopback and the bind host (`*` answers any); see host-allow-list.ts. */
  readonly allowHosts?: readonly string[];
  /** The source's state; /health answers 503 with its reason unless the source is serving (a file replay always is). */
  readonly health?: () => SourceHealth;
  /** Told of every error a handler threw (answered 500); by default logged with its stack. */
  readonly onError?: (error: unknown, req: IncomingMessage) => void;
  /** Where server errors are logged (stderr when absent). */
  readonly log?: LogFn;
  /** In a consumer group: /reports answers for every partition of the group, /partials for this instance's. */
  readonly group?: GroupQuery;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

const ROUTES = ['/', '/reports', '/reports/:name', '/health', '/metrics', '/dead-letters', PARTIALS_PATH];
/** Slowloris bounds: the whole header within 10 s, the whole request within 30 s. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

const cut = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max)}…` : text);

function parseTarget(target: string): URL | null {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return null;
  }
}

/** `/reports` parsed (read, never changed: see handleRequest). */
const REPORTS_TARGET = new URL('/reports', 'http://localhost');

function decodeSegment(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * The live report API. Every handler builds its answer synchronously from one pipeline snapshot,
 * and batches are folded synchronously between requests, so one response never mixes two points
 * of the stream. Only /metrics answers later (the registry collects asynchronously).
 */
export function handleRequest(options: ReportServerOptions, hosts: HostAllowList, req: IncomingMessage, res: ServerResponse): void | Promise<void> {
  const { pipeline, metrics } = options;
  if (!hosts.allows(req.headers.host)) {
    sendJson(res, 421, { error: `host ${JSON.stringify(cut(req.headers.host ?? ''))} is not served here (start with --allow-host NAME to serve it)` });
    return;
  }
  const target = req.url ?? '/';
  // the target a poller sends hundreds of times a second, parsed once: nothing in it to normalize
  const url = target === '/reports' ? REPORTS_TARGET : parseTarget(target);
  if (url === null) {
    sendJson(res, 400, { error: 'malformed request target' });
    return;
  }
  // an absolute-form target names the host itself, which then counts instead of the Host header
  if (!target.startsWith('/') && !hosts.allows(url.host)) {
    sendJson(res, 421, { error: `host ${JSON.stringify(cut(url.host))} is not served here` });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: `method ${cut(req.method ?? '')} not allowed` }, { allow: 'GET, HEAD' });
    return;
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const strategyParam = url.searchParams.get('strategy');
  let strategy: Strategy = pipeline.primary;
  if (strategyParam !== null) {
    if (!(pipeline.strategies as readonly string[]).includes(strategyParam)) {
      sendJson(res, 400, { error: `strategy ${cut(strategyParam)} is not running (running: ${pipeline.strategies.join(', ')})` });
      return;
    }
    strategy = strategyParam as Strategy;
  }
  const snapshot = (report = 'all'): ReportSnapshot => {
    const end = metrics?.snapshotSeconds.startTimer({ report });
    const s = pipeline.snapshot(strategy);
    end?.();
    return s;
  };

  // across a group the merge is the snapshot: timed the same way
  const timedGroup = async (report: string): Promise<GroupSnapshot> => {
    const end = metrics?.snapshotSeconds.startTimer({ report });
    try {
      return await groupSnapshot(pipeline, options.group as GroupQuery, strategy);
    } finally {
      end?.();
    }
  };

  const asset = livePageAsset(path);
  if (asset !== undefined) {
    send(res, 200, asset.type, asset.body, asset.type.startsWith('text/html') ? { 'content-security-policy': LIVE_PAGE_CSP } : {});
  } else if (path === '/health') {
    const w = pipeline.progress.view();
    const health = options.health?.() ?? { state: w.done ? 'done' : 'running' };
    const serving = isServing(health);
    sendJson(res, serving ? 200 : 503, { status: serving ? 'ok' : 'unavailable', source: health.state, ...(health.reason === undefined ? {} : { reason: health.reason }), ...(health.assignment === undefined ? {} : { assignment: health.assignment }), done: w.done, events_read: w.events_read, updated_at: w.updated_at });
  } else if (path === PARTIALS_PATH && options.group !== undefined) {
    return partialsResponse(options.group.partials, url.searchParams).then((answer) => sendJson(res, answer.status, answer.body));
  } else if (path === '/reports' && options.group !== undefined) {
    return timedGroup('all').then((group) => sendJson(res, 200, group));
  } else if (path === '/reports' && pipeline.snapshotJson !== undefined) {
    const end = metrics?.snapshotSeconds.startTimer({ report: 'all' });
    const parts = pipeline.snapshotJson(strategy);
    end?.();
    sendParts(res, 200, 'application/json; charset=utf-8', parts);
  } else if (path === '/reports') {
    sendJson(res, 200, snapshot());
  } else if (path.startsWith('/reports/')) {
    const name = decodeSegment(path.slice('/reports/'.length));
    if (name === null) {
      sendJson(res, 400, { error: 'malformed percent-encoding in the report name' });
      return;
    }
    if (!isReportName(name)) {
      sendJson(res, 404, { error: `no report named ${cut(name)}` });
      return;
    }
    const format = url.searchParams.get('format') ?? 'json';
    if (format !== 'csv' && format !== 'json') {
      sendJson(res, 400, { error: `format must be json or csv, got ${cut(format)}` });
      return;
    }
    const answer = (s: ReportSnapshot & { group?: GroupSnapshot['group'] }): void => {
      // CSV has no room for the group's completeness: headers carry it, so a partial file is never silent
      const whole = s.group === undefined ? {} : { 'x-streampulse-group-complete': String(s.group.complete), 'x-streampulse-missing-partitions': s.group.missing.join(',') };
      if (format === 'csv') send(res, 200, 'text/csv; charset=utf-8', renderCsv(name, s.reports[name]), whole);
      else sendJson(res, 200, { name, strategy: s.strategy, progress: s.progress, ...(s.group === undefined ? {} : { group: s.group }), rows: s.reports[name] });
    };
    if (options.group !== undefined) return timedGroup(name).then(answer);
    const s = snapshot(name);
    answer(s);
  } else if (path === '/dead-letters' && options.deadLetters !== undefined) {
    sendJson(res, 200, options.deadLetters.view());
  } else if (path === '/metrics' && metrics !== undefined) {
    return metrics.registry.metrics().then((text) => send(res, 200, metrics.registry.contentType, text));
  } else {
    sendJson(res, 404, { error: `no route ${cut(path)}`, routes: ROUTES });
  }
}

const stderrLog: LogFn = (line) => void process.stderr.write(`streampulse: ${line}\n`);

function logError(log: LogFn): (error: unknown, req: IncomingMessage) => void {
  return (error, req) => {
    const what = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`HTTP 500 for ${cut(req.method ?? '')} ${cut(req.url ?? '')}: ${what}`, { status: 500, level: 'error' });
  };
}

/** Runs a handler so that whatever it throws, now or later, becomes a 500 answer and the server goes on. */
function answering(options: ReportServerOptions, hosts: HostAllowList): (req: IncomingMessage, res: ServerResponse) => void {
  const onError = options.onError ?? logError(options.log ?? stderrLog);
  return (req, res) => {
    // a client reset mid-request or mid-answer leaves nobody to answer; the socket is already gone
    req.on('error', () => res.destroy());
    res.on('error', () => {});
    const fail = (error: unknown): void => {
      onError(error, req);
      sendError(res, 500, `internal error: ${shortMessage(error)}`);
    };
    try {
      handleRequest(options, hosts, req, res)?.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}

/** The socket's answer in flight, if any (Node keeps it there); once its headers are out, raw bytes would corrupt it. */
const answerInFlight = (socket: Duplex): ServerResponse | undefined => (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;

/** A request Node could not parse (or one too slow) gets a JSON answer, as Node's own default does in plain text. */
function answerClientError(): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  const answered = new WeakSet<Duplex>();
  return (error, socket) => {
    // the parser reports every later chunk of a broken stream again; one answer is enough
    if (answered.has(socket)) return;
    answered.add(socket);
    if (error.code === 'ECONNRESET' || !socket.writable || answerInFlight(socket)?.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'request headers too large'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request timed out'] : [400, 'malformed HTTP request'];
    socket.end(rawAnswer(status, message));
    // a client that keeps sending after the answer is dropped once it has had time to read it
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
}

/**
 * Where the pipeline writes /reports as bytes (and no group merges it per query), each connection
 * starts on the fast path for plain polls of /reports (reports-fast-path.ts) and moves to node:http
 * at its first other request; the sockets still on it, for close() to end. Null: node:http only.
 */
function fastPathFor(server: Server, options: ReportServerOptions, hosts: HostAllowList): Set<Socket> | null {
  const { pipeline, metrics } = options;
  const snapshotJson = pipeline.snapshotJson?.bind(pipeline);
  if (snapshotJson === undefined || options.group !== undefined) return null;
  const fast = new Set<Socket>();
  const toNode = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const reports = {
    allows: (host: string) => hosts.allows(host),
    body: () => snapshotJson(pipeline.primary),
    timed: (seconds: number) => metrics?.snapshotSeconds.observe({ report: 'all' }, seconds),
  };
  const handOver = (socket: Socket): void => {
    fast.delete(socket);
    for (const listener of toNode) listener.call(server, socket);
  };
  server.on('connection', (socket: Socket) => {
    fast.add(socket);
    socket.once('close', () => fast.delete(socket));
    new ReportsFastPath(socket, reports, handOver, server.keepAliveTimeout);
  });
  return fast;
}

/** Starts the server on host:port (port 0 picks a free one); rejects with a clear error when taken. */
export function startReportServer(options: ReportServerOptions): Promise<RunningServer> {
  const hosts = new HostAllowList(options.host, options.allowHosts);
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, answering(options, hosts));
  const fast = fastPathFor(server, options, hosts);
  server.on('clientError', answerClientError());
  // without a listener Node drops a CONNECT's connection unanswered; this server proxies nothing
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    socket.end(rawAnswer(405, 'method CONNECT not allowed'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? `port ${options.port} on ${options.host} is in use (pass --port)` : error.message;
      reject(new IoError(`cannot serve HTTP: ${why}`, { cause: error }));
    });
    server.listen(options.port, options.host, () => {
      // after listening, a failed accept (e.g. out of file descriptors) is the server's to survive
      server.on('error', (error) => (options.log ?? stderrLog)(`HTTP server: ${shortMessage(error)}`));
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({
        server,
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            for (const socket of fast ?? []) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
