import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isReportName, renderCsv } from '../domain/reports/index.ts';
import type { Strategy } from '../domain/watermark.ts';
import { IoError } from '../errors.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import type { Pipeline, ReportSnapshot } from '../pipeline.ts';
import type { DeadLetterLog } from '../sources/dead-letter-log.ts';
import { livePageHtml } from './live-page.ts';

export interface ReportServerOptions {
  readonly host: string;
  readonly port: number;
  readonly pipeline: Pipeline;
  readonly metrics?: PrometheusMetrics;
  readonly deadLetters?: DeadLetterLog;
}

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/**
 * The live report API. Every handler builds its answer synchronously from one pipeline snapshot,
 * and batches are folded synchronously between requests, so one response never mixes two points
 * of the stream.
 */
export function handleRequest(options: ReportServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const { pipeline, metrics } = options;
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendJson(res, 405, { error: `method ${req.method} not allowed` });
    return;
  }
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const strategyParam = url.searchParams.get('strategy');
  let strategy: Strategy = pipeline.primary;
  if (strategyParam !== null) {
    if (!(pipeline.strategies as readonly string[]).includes(strategyParam)) {
      sendJson(res, 400, { error: `strategy ${strategyParam} is not running (running: ${pipeline.strategies.join(', ')})` });
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

  if (path === '/' || path === '/index.html') {
    send(res, 200, 'text/html; charset=utf-8', livePageHtml());
  } else if (path === '/health') {
    const w = pipeline.watermark.view();
    sendJson(res, 200, { status: 'ok', done: w.done, events_read: w.events_read, updated_at: w.updated_at });
  } else if (path === '/reports') {
    sendJson(res, 200, snapshot());
  } else if (path.startsWith('/reports/')) {
    const name = decodeURIComponent(path.slice('/reports/'.length));
    if (!isReportName(name)) {
      sendJson(res, 404, { error: `no report named ${name}` });
      return;
    }
    const s = snapshot(name);
    const format = url.searchParams.get('format') ?? 'json';
    if (format === 'csv') send(res, 200, 'text/csv; charset=utf-8', renderCsv(name, s.reports[name]));
    else if (format === 'json') sendJson(res, 200, { name, strategy: s.strategy, watermark: s.watermark, rows: s.reports[name] });
    else sendJson(res, 400, { error: `format must be json or csv, got ${format}` });
  } else if (path === '/dead-letters' && options.deadLetters !== undefined) {
    sendJson(res, 200, options.deadLetters.view());
  } else if (path === '/metrics' && metrics !== undefined) {
    metrics.registry.metrics().then(
      (text) => send(res, 200, metrics.registry.contentType, text),
      (error: Error) => sendJson(res, 500, { error: error.message }),
    );
  } else {
    sendJson(res, 404, { error: `no route ${path}`, routes: ['/', '/reports', '/reports/:name', '/health', '/metrics', '/dead-letters'] });
  }
}

/** Starts the server on host:port (port 0 picks a free one); rejects with a clear error when taken. */
export function startReportServer(options: ReportServerOptions): Promise<RunningServer> {
  const server = createServer((req, res) => handleRequest(options, req, res));
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? `port ${options.port} on ${options.host} is in use (pass --port)` : error.message;
      reject(new IoError(`cannot serve HTTP: ${why}`, { cause: error }));
    });
    server.listen(options.port, options.host, () => {
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({
        server,
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
