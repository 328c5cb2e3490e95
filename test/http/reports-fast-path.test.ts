import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { plainReportsHost, ReportsFastPath, type FastReports } from '../../src/http/reports-fast-path.ts';

const PLAIN = 'GET /reports HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n';

describe('plainReportsHost', () => {
  it('takes the heads pollers send, with any fields the handler does not read', () => {
    expect(plainReportsHost('GET /reports HTTP/1.1\r\nHost: localhost:3000')).toBe('localhost:3000');
    expect(plainReportsHost('GET /reports HTTP/1.1\r\nHost: 127.0.0.1:9\r\nUser-Agent: curl/8.5.0\r\nAccept: */*')).toBe('127.0.0.1:9');
    const browser = ['GET /reports HTTP/1.1', 'Host: localhost', 'Connection: keep-alive', 'sec-ch-ua-mobile: ?0', 'Accept: application/json', 'Accept-Encoding: gzip, deflate, br', 'Accept-Language: en-GB,en;q=0.9', 'Sec-Fetch-Mode: cors'];
    expect(plainReportsHost(browser.join('\r\n'))).toBe('localhost');
    expect(plainReportsHost('GET /reports HTTP/1.1\r\nhOsT:   [::1]:80  \r\nConnection: Keep-Alive\r\nX-Empty:')).toBe('[::1]:80');
  });

  it('leaves every other head to node, valid or not', () => {
    const others = [
      'GET /reports HTTP/1.0\r\nHost: localhost',
      'HEAD /reports HTTP/1.1\r\nHost: localhost',
      'get /reports HTTP/1.1\r\nHost: localhost',
      'GET /reports/ HTTP/1.1\r\nHost: localhost',
      'GET /reports?strategy=naive HTTP/1.1\r\nHost: localhost',
      'GET  /reports HTTP/1.1\r\nHost: localhost',
      'GET http://localhost/reports HTTP/1.1\r\nHost: localhost',
      'GET /reports HTTP/1.1',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nHost: evil.example',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nConnection: close',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n folded',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nX-A: caf\u00e9',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\nX A: b',
      'GET /reports HTTP/1.1\r\nHost : localhost',
      'GET /reports HTTP/1.1\r\nHost: local\x00host',
      'GET /reports HTTP/1.1\nHost: localhost',
      'GET /reports HTTP/1.1\r\nHost: localhost\r\n',
    ];
    for (const head of others) expect(plainReportsHost(head), JSON.stringify(head)).toBeNull();
  });
});

interface Harness {
  readonly port: number;
  /** What each connection handed over had left: the bytes node would read, in order. */
  readonly handed: Buffer[][];
  readonly timed: number[];
}

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((done) => (server === null ? done() : server.close(() => done())));
  server = null;
});

function harness(reports: Partial<FastReports> = {}, keepAliveMs = 5_000): Promise<Harness> {
  const handed: Buffer[][] = [];
  const timed: number[] = [];
  const fast: FastReports = { allows: (host) => host.startsWith('127.0.0.1'), body: () => ['{"a":', new Uint8Array(Buffer.from('[1,2]')), '}'], timed: (s) => timed.push(s), ...reports };
  const toNode = (socket: Socket): void => {
    const bytes: Buffer[] = [];
    handed.push(bytes);
    socket.on('data', (chunk: Buffer) => bytes.push(chunk));
    socket.on('end', () => socket.end());
  };
  server = createServer({ allowHalfOpen: true }, (socket) => new ReportsFastPath(socket, fast, toNode, keepAliveMs));
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve({ port: (server!.address() as { port: number }).port, handed, timed })));
}

/** A connection that writes `chunks` (each a separate send, `gapMs` apart) and collects what comes back until `until` holds or the server closes. */
async function converse(port: number, chunks: readonly string[], until: (text: string) => boolean, gapMs = 30): Promise<{ text: string; closed: boolean }> {
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  let text = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const done = new Promise<void>((resolve) => {
    socket.on('close', () => {
      closed = true;
      resolve();
    });
    socket.on('data', () => until(text) && resolve());
    socket.on('error', () => resolve());
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const chunk of chunks) {
    socket.write(chunk, 'latin1');
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  // what never satisfies `until` (answers node would give) is all in after a second on loopback
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  socket.destroy();
  return { text, closed };
}

const answers = (text: string): string[] => text.split(/(?=HTTP\/1\.1 )/).filter((a) => a.length > 0);
const handedText = (h: Harness, connection = 0): string => Buffer.concat(h.handed[connection] ?? []).toString('latin1');

describe('ReportsFastPath', () => {
  it('answers a plain poll with the handler\'s headers and the body\'s parts, and times it', async () => {
    const h = await harness();
    const { text } = await converse(h.port, [PLAIN], (t) => t.endsWith('[1,2]}'));
    const [head, body] = text.split('\r\n\r\n');
    expect(body).toBe('{"a":[1,2]}');
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 200 OK');
    expect(lines).toContain('content-length: 11');
    expect(lines).toContain('content-type: application/json; charset=utf-8');
    expect(lines).toContain('x-content-type-options: nosniff');
    expect(lines).toContain('cache-control: no-store');
    expect(lines).toContain('Connection: keep-alive');
    expect(lines).toContain('Keep-Alive: timeout=5');
    expect(lines.find((l) => l.startsWith('Date: '))).toMatch(/^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(h.handed).toHaveLength(0);
    expect(h.timed).toHaveLength(1);
  });

  it('answers pipelined polls in order, then hands the first other request and all after it to node', async () => {
    const h = await harness();
    const rest = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' + PLAIN;
    const { text } = await converse(h.port, [PLAIN + PLAIN + rest], () => false, 200);
    expect(answers(text)).toHaveLength(2);
    expect(h.handed).toHaveLength(1);
    expect(handedText(h)).toBe(rest);
  });

  it('hands a head cut across reads to node whole, and what follows', async () => {
    const h = await harness();
    await converse(h.port, [PLAIN, 'GET /rep', 'orts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'], () => false);
    expect(h.handed).toHaveLength(1);
    expect(handedText(h)).toBe('GET /reports HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(h.timed).toHaveLength(1);
  });

  it('hands a Host it does not answer, and a body that throws, to node with the request', async () => {
    const refused = await harness();
    const foreign = 'GET /reports HTTP/1.1\r\nHost: evil.example\r\n\r\n';
    const { text } = await converse(refused.port, [foreign], () => false);
    expect(text).toBe('');
    expect(handedText(refused)).toBe(foreign);
    await new Promise<void>((done) => server!.close(() => done()));
    const throwing = await harness({
      body: () => {
        throw new Error('not rendered');
      },
    });
    await converse(throwing.port, [PLAIN], () => false);
    expect(handedText(throwing)).toBe(PLAIN);
    expect(throwing.timed).toHaveLength(0);
  });

  it('ends the connection when the client has sent its last request, after the answer', async () => {
    const h = await harness();
    const socket = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.end(PLAIN + PLAIN, 'latin1');
    await new Promise((resolve) => socket.on('end', resolve));
    socket.destroy();
    expect(answers(text)).toHaveLength(2);
  });

  it('closes a connection idle for the keep-alive time', async () => {
    const h = await harness({}, 150);
    const started = performance.now();
    const { text, closed } = await converse(h.port, [PLAIN], () => false, 0);
    expect(answers(text)).toHaveLength(1);
    expect(closed).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('keeps answering, in order, a client that sends hundreds of polls before it reads any', async () => {
    const big = new Uint8Array(64 * 1024).fill(0x31);
    const h = await harness({ body: () => ['[', big, ']'] });
    const socket = connect({ port: h.port, host: '127.0.0.1' });
    socket.pause();
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(PLAIN.repeat(300) + 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'latin1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // 300 answers of 64 KB do not fit the socket buffers: the fast path waited for this client to read
    expect(h.timed.length).toBeLessThan(300);
    let bytes = 0;
    const want = 300 * (big.length + 2);
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.resume();
    const deadline = performance.now() + 10_000;
    while ((h.handed.length === 0 || bytes < want) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    expect(h.timed).toHaveLength(300);
    expect(bytes).toBeGreaterThan(want);
    expect(handedText(h)).toBe('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
});
