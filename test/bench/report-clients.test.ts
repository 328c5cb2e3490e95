import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startReportClients } from '../../bench/compare/report-clients.ts';

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
  server = null;
});

/** A server answering every request by `answer(n)` (n counts requests from 0), and what it sent. */
async function serve(answer: (n: number) => { status: number; bytes: number; chunked?: boolean; close?: boolean }) {
  const sent = { requests: 0, ok: 0, other: 0, okBytes: 0, hosts: new Set<string>() };
  server = createServer((request, response) => {
    const n = sent.requests++;
    sent.hosts.add(request.headers.host ?? '');
    const { status, bytes, chunked, close } = answer(n);
    const body = Buffer.alloc(bytes, 0x61 + (n % 26));
    if (status === 200) {
      sent.ok++;
      sent.okBytes += bytes;
    } else sent.other++;
    response.statusCode = status;
    if (close) response.setHeader('connection', 'close');
    if (chunked) {
      response.write(body.subarray(0, bytes >> 1));
      response.end(body.subarray(bytes >> 1));
    } else {
      response.setHeader('content-length', bytes);
      response.end(body);
    }
  });
  await new Promise<void>((resolve) => (server as Server).listen(0, '127.0.0.1', resolve));
  const { port } = (server as Server).address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/reports?strategy=cached`, sent };
}

describe('startReportClients', () => {
  it('reads every answer whole, small and large, with the status and bytes the server sent', async () => {
    // sizes around chunk boundaries and a few megabytes; every seventh a 503; every thirteenth closes
    const sizes = [0, 1, 45_042, 65_535, 65_536, 65_537, 300_000, 2_000_000];
    const { url, sent } = await serve((n) => ({ status: n % 7 === 3 ? 503 : 200, bytes: sizes[n % sizes.length], close: n % 13 === 5 }));
    const clients = startReportClients(url, 4);
    await new Promise((r) => setTimeout(r, 600));
    const outcome = await clients.stop();
    // a request in flight at stop() may have been answered by the server but not read
    expect(sent.requests - (outcome.latenciesMs.length + outcome.otherStatuses)).toBeLessThanOrEqual(4);
    expect(outcome.latenciesMs.length).toBeGreaterThan(50);
    expect(outcome.latenciesMs.length).toBeGreaterThanOrEqual(sent.ok - 4);
    expect(outcome.otherStatuses).toBeGreaterThanOrEqual(sent.other - 4);
    expect(outcome.otherStatuses).toBeGreaterThan(0);
    expect(outcome.bytes).toBeLessThanOrEqual(sent.okBytes);
    expect(outcome.bytes).toBeGreaterThanOrEqual(sent.okBytes - 4 * 2_000_000);
    // connections the server closed were opened again, not counted as failures
    expect(outcome.failures).toBe(0);
    expect(outcome.clientCpuMs).toBeGreaterThan(0);
    expect([...sent.hosts]).toEqual([new URL(url).host]);
  });

  it('reads an answer whose header arrives cut across reads, and one whose body follows in pieces', async () => {
    const body = Buffer.alloc(70_000, 0x62);
    const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1');
    const tcp: TcpServer = createTcpServer((socket) => {
      socket.setNoDelay(true);
      socket.on('data', () => {
        // the header in three writes, far enough apart to be three reads, then the body in two
        socket.write(head.subarray(0, 10));
        setTimeout(() => socket.write(head.subarray(10, 40)), 15);
        setTimeout(() => socket.write(Buffer.concat([head.subarray(40), body.subarray(0, 100)])), 30);
        setTimeout(() => socket.write(body.subarray(100)), 45);
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = tcp.address() as AddressInfo;
      const clients = startReportClients(`http://127.0.0.1:${port}/reports`, 1, 100);
      await new Promise((r) => setTimeout(r, 250));
      const outcome = await clients.stop();
      expect(outcome.latenciesMs.length).toBeGreaterThanOrEqual(2);
      expect(outcome.bytes).toBe(outcome.latenciesMs.length * body.length);
      expect(outcome.failures).toBe(0);
      expect(Math.min(...outcome.latenciesMs)).toBeGreaterThanOrEqual(40);
    } finally {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  });

  it('paces each client to one request per interval', async () => {
    const { url } = await serve(() => ({ status: 200, bytes: 1_000 }));
    const clients = startReportClients(url, 4, 50);
    await new Promise((r) => setTimeout(r, 1_000));
    const outcome = await clients.stop();
    // 4 clients at 20 a second for 1 s: never more than the schedule allows (one early start each),
    // and not far fewer, though a loaded machine fires timers late (a closed loop answers thousands)
    expect(outcome.latenciesMs.length).toBeGreaterThanOrEqual(56);
    expect(outcome.latenciesMs.length).toBeLessThanOrEqual(88);
  });

  it('counts an answer it cannot delimit (no Content-Length) as a failure, and a refused server too', async () => {
    const { url } = await serve(() => ({ status: 200, bytes: 10, chunked: true }));
    const clients = startReportClients(url, 1);
    await new Promise((r) => setTimeout(r, 200));
    const outcome = await clients.stop();
    expect(outcome.latenciesMs).toEqual([]);
    expect(outcome.failures).toBeGreaterThan(0);
    const refused = startReportClients('http://127.0.0.1:1/reports', 2);
    await new Promise((r) => setTimeout(r, 100));
    expect((await refused.stop()).failures).toBeGreaterThan(0);
  });
});
