import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reader, Writer } from '../../../src/kafka/wire/codec.ts';
import { Connection, type ApiCall } from '../../../src/kafka/wire/connection.ts';
import { KafkaConnectionError } from '../../../src/kafka/wire/protocol-error.ts';

const CLIENT_ID = 'streampulse-test';

interface Received {
  readonly size: number;
  readonly apiKey: number;
  readonly version: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly body: Buffer;
  readonly socket: Socket;
}

/** A size-prefixed response frame: int32 size, int32 correlation id (response header v0), body. */
function responseFrame(correlationId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, body]);
}

/** Parses request frames: int32 size, then request header v1 (api key, version, correlation id, client id) and body. */
function parseRequests(bytes: Buffer, socket: Socket): { requests: Received[]; rest: Buffer } {
  const requests: Received[] = [];
  let at = 0;
  while (bytes.length - at >= 4) {
    const size = bytes.readInt32BE(at);
    if (bytes.length - at - 4 < size) break;
    const frame = bytes.subarray(at + 4, at + 4 + size);
    const clientIdLength = frame.readInt16BE(8);
    const clientId = clientIdLength < 0 ? null : frame.toString('utf8', 10, 10 + clientIdLength);
    requests.push({
      size,
      apiKey: frame.readInt16BE(0),
      version: frame.readInt16BE(2),
      correlationId: frame.readInt32BE(4),
      clientId,
      body: Buffer.from(frame.subarray(10 + Math.max(clientIdLength, 0))),
      socket,
    });
    at += 4 + size;
  }
  return { requests, rest: bytes.subarray(at) };
}

/** A fake broker on 127.0.0.1: records every request and hands it to `onRequest`. */
class FakeBroker {
  readonly requests: Received[] = [];
  readonly sockets: Socket[] = [];
  onRequest: (request: Received) => void = () => {};
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      socket.setNoDelay(true);
      this.sockets.push(socket);
      socket.on('error', () => {});
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        const { requests, rest } = parseRequests(Buffer.concat([buffered, chunk]), socket);
        buffered = Buffer.from(rest);
        for (const request of requests) {
          this.requests.push(request);
          this.onRequest(request);
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.port = address.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Echoed {
  readonly value: number;
  readonly text: string;
}

const ECHO_KEY = 42;
const ECHO_VERSION = 3;

/** A test API: the request body is int32 + string; the fake broker answers with the same body. */
function echo(value: number, text = `v${value}`): ApiCall<Echoed> {
  return {
    apiKey: ECHO_KEY,
    version: ECHO_VERSION,
    encode: (w: Writer) => void w.int32(value).string(text),
    decode: (r: Reader) => ({ value: r.int32(), text: r.string() }),
  };
}

const echoBody = (value: number, text = `v${value}`): Buffer => {
  const utf8 = Buffer.from(text, 'utf8');
  const body = Buffer.alloc(6 + utf8.length);
  body.writeInt32BE(value, 0);
  body.writeInt16BE(utf8.length, 4);
  utf8.copy(body, 6);
  return body;
};

/** Feeds bytes straight into the connection's socket as 'data' events, to control exactly how they are split. */
function inject(connection: Connection, chunks: readonly Buffer[]): void {
  const socket = (connection as unknown as { socket: Socket }).socket;
  for (const chunk of chunks) socket.emit('data', chunk);
}

function split(bytes: Buffer, sizes: (i: number) => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes(i));
    chunks.push(Buffer.from(bytes.subarray(at, at + n)));
    at += n;
  }
  return chunks;
}

let broker: FakeBroker;
const connections: Connection[] = [];

async function open(requestTimeoutMs = 5_000): Promise<Connection> {
  const connection = await Connection.open('127.0.0.1', broker.port, { clientId: CLIENT_ID, connectTimeoutMs: 2_000, requestTimeoutMs });
  connections.push(connection);
  return connection;
}

beforeEach(async () => {
  broker = new FakeBroker();
  await broker.start();
});

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  await broker.stop();
});

describe('Connection', () => {
  it('sends size-prefixed requests with the v1 request header and increasing correlation ids', async () => {
    broker.onRequest = (request) => request.socket.write(responseFrame(request.correlationId, request.body));
    const connection = await open();
    expect(connection.address).toBe(`127.0.0.1:${broker.port}`);
    expect(await connection.send(echo(7, 'héllo'))).toEqual({ value: 7, text: 'héllo' });
    expect(await connection.send(echo(-1))).toEqual({ value: -1, text: 'v-1' });

    expect(broker.requests).toHaveLength(2);
    const [first, second] = broker.requests;
    expect(first.apiKey).toBe(ECHO_KEY);
    expect(first.version).toBe(ECHO_VERSION);
    expect(first.clientId).toBe(CLIENT_ID);
    expect(first.body).toEqual(echoBody(7, 'héllo'));
    expect(first.size).toBe(2 + 2 + 4 + 2 + CLIENT_ID.length + first.body.length);
    expect(second.correlationId).toBe(first.correlationId + 1);
    expect(connection.inFlight).toBe(0);
  });

  it('computes the size prefix over attached pieces (large bytes sent by reference)', async () => {
    broker.onRequest = (request) => request.socket.write(responseFrame(request.correlationId, request.body.subarray(0, 4)));
    const big = Buffer.alloc(100_000, 0x61);
    big.write('start', 0);
    big.write('end', big.length - 3);
    const call: ApiCall<number> = {
      apiKey: 0,
      version: 7,
      encode: (w) => void w.int32(99).bytes(big).int16(5),
      decode: (r) => r.int32(),
    };
    const connection = await open();
    expect(await connection.send(call)).toBe(99);
    const [request] = broker.requests;
    expect(request.size).toBe(10 + CLIENT_ID.length + 4 + 4 + big.length + 2);
    expect(request.body.readInt32BE(4)).toBe(big.length);
    expect(request.body.subarray(8, 8 + big.length).equals(big)).toBe(true);
    expect(request.body.readInt16BE(8 + big.length)).toBe(5);
  });

  it('matches pipelined responses to requests by correlation id, whatever the answer order', async () => {
    const held: Received[] = [];
    broker.onRequest = (request) => {
      held.push(request);
      if (held.length === 4) {
        // answer out of order, all four in one write
        const order = [2, 0, 3, 1];
        request.socket.write(Buffer.concat(order.map((i) => responseFrame(held[i].correlationId, held[i].body))));
      }
    };
    const connection = await open();
    const results = Promise.all([1, 2, 3, 4].map((v) => connection.send(echo(v * 11))));
    expect(connection.inFlight).toBe(4);
    expect(await results).toEqual([11, 22, 33, 44].map((value) => ({ value, text: `v${value}` })));
    expect(new Set(broker.requests.map((r) => r.correlationId)).size).toBe(4);
    expect(connection.inFlight).toBe(0);
  });

  it('parses responses the broker writes one byte at a time', async () => {
    broker.onRequest = async (request) => {
      const frame = responseFrame(request.correlationId, request.body);
      for (const byte of frame) {
        request.socket.write(Buffer.from([byte]));
        await sleep(1);
      }
    };
    const connection = await open();
    expect(await connection.send(echo(123456, 'x'.repeat(40)))).toEqual({ value: 123456, text: 'x'.repeat(40) });
    expect(await connection.send(echo(-5))).toEqual({ value: -5, text: 'v-5' });
  });

  it('parses responses whatever way the bytes are split into chunks', async () => {
    const texts = ['a', 'bb'.repeat(200), '', 'ü'.repeat(3)];
    const stream = Buffer.concat(texts.map((text, i) => responseFrame(i + 1, echoBody(i, text))));
    const patterns: [string, (i: number) => number][] = [
      ['1-byte chunks', () => 1],
      ['one coalesced chunk', () => stream.length],
      ['3-byte chunks', () => 3],
      ['7-byte chunks', () => 7],
      ['size prefix split, then the rest at once', (i) => (i < 2 ? 2 : stream.length)],
      ['a partial frame, then the rest of it and the others coalesced', (i) => (i === 0 ? 9 : stream.length)],
      ['irregular', (i) => [1, 5, 2, 13, 4, 300, 1, 1, 6][i % 9]],
    ];
    for (const [name, sizes] of patterns) {
      const connection = await open();
      const results = Promise.all(texts.map((text, i) => connection.send(echo(i, text))));
      inject(connection, split(stream, sizes));
      expect(await results, name).toEqual(texts.map((text, value) => ({ value, text })));
      expect(connection.inFlight, name).toBe(0);
    }
  });

  it('delivers each response frame as a buffer decoders can keep views of', async () => {
    let frameBuffer: Buffer | null = null;
    const call: ApiCall<Buffer> = {
      apiKey: 1,
      version: 11,
      encode: () => {},
      decode: (r) => {
        frameBuffer = r.buffer;
        return r.bytes() as Buffer;
      },
    };
    const connection = await open();
    const payload = Buffer.from('record values');
    const body = Buffer.alloc(4 + payload.length);
    body.writeInt32BE(payload.length, 0);
    payload.copy(body, 4);
    const result = connection.send(call);
    inject(connection, split(responseFrame(1, body), () => 4));
    const value = await result;
    expect(value.equals(payload)).toBe(true);
    expect(value.buffer).toBe(frameBuffer!.buffer);
  });

  it('ignores a response to a correlation id it is not waiting for', async () => {
    broker.onRequest = (request) => request.socket.write(Buffer.concat([responseFrame(request.correlationId + 1000, echoBody(0)), responseFrame(request.correlationId, request.body)]));
    const connection = await open();
    expect(await connection.send(echo(8))).toEqual({ value: 8, text: 'v8' });
    expect(connection.closed).toBe(false);
  });

  it('rejects only the request whose decode throws', async () => {
    broker.onRequest = (request) => request.socket.write(responseFrame(request.correlationId, request.body));
    const connection = await open();
    const failing: ApiCall<never> = {
      apiKey: ECHO_KEY,
      version: ECHO_VERSION,
      encode: (w) => void w.int32(1).string('x'),
      decode: () => {
        throw new Error('bad response');
      },
    };
    await expect(connection.send(failing)).rejects.toThrow('bad response');
    expect(connection.closed).toBe(false);
    expect(await connection.send(echo(2))).toEqual({ value: 2, text: 'v2' });
  });

  it('on a request timeout fails every pending request and closes the connection', async () => {
    const connection = await open(10_000);
    const closedWith: Error[] = [];
    connection.onClose((error) => closedWith.push(error));
    const slow = connection.send(echo(1));
    const timed = connection.send(echo(2), 50);
    const other = connection.send(echo(3));
    const started = Date.now();
    const outcomes = await Promise.allSettled([slow, timed, other]);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(KafkaConnectionError);
      expect(reason.message).toMatch(/timed out after 50 ms/);
    }
    expect(connection.closed).toBe(true);
    expect(connection.inFlight).toBe(0);
    expect(closedWith).toHaveLength(1);
    expect(closedWith[0]).toBeInstanceOf(KafkaConnectionError);
    await expect(connection.send(echo(4))).rejects.toBeInstanceOf(KafkaConnectionError);
    // the broker sees the socket closed
    const serverSide = broker.sockets[0];
    const deadline = Date.now() + 2_000;
    while (!serverSide.destroyed && serverSide.readable && Date.now() < deadline) await sleep(5);
    expect(serverSide.destroyed || !serverSide.readable).toBe(true);
    // a late listener is told at once
    const late: Error[] = [];
    connection.onClose((error) => late.push(error));
    expect(late).toEqual(closedWith);
  });

  it('rejects pending requests with KafkaConnectionError when the broker closes the socket', async () => {
    const connection = await open();
    broker.onRequest = (request) => {
      if (broker.requests.length === 2) request.socket.destroy();
    };
    const first = connection.send(echo(1));
    const second = connection.send(echo(2));
    await expect(first).rejects.toBeInstanceOf(KafkaConnectionError);
    await expect(second).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(connection.closed).toBe(true);
    expect(connection.inFlight).toBe(0);
    await expect(connection.send(echo(3))).rejects.toBeInstanceOf(KafkaConnectionError);
  });

  it.each([
    ['a frame too short to hold a correlation id', Buffer.from([0, 0, 0, 2, 0, 1])],
    ['a size no broker sends (an HTTP server answering)', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')],
    ['a negative size', Buffer.from([0xff, 0xff, 0xff, 0xf0])],
  ])('fails the connection, not the process, on %s', async (_what, bytes) => {
    const connection = await open();
    broker.onRequest = () => {};
    const pending = connection.send(echo(1));
    inject(connection, [bytes]);
    await expect(pending).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(connection.closed).toBe(true);
  });

  it('rejects pending requests when the broker closes mid-response', async () => {
    const connection = await open();
    broker.onRequest = (request) => {
      const frame = responseFrame(request.correlationId, request.body);
      request.socket.end(frame.subarray(0, frame.length - 2));
    };
    await expect(connection.send(echo(1, 'cut short'))).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(connection.closed).toBe(true);
  });

  it('close() rejects pending requests', async () => {
    const connection = await open();
    const pending = connection.send(echo(1));
    connection.close();
    await expect(pending).rejects.toBeInstanceOf(KafkaConnectionError);
    expect(connection.closed).toBe(true);
  });

  it('fails to open with KafkaConnectionError when nothing listens', async () => {
    const port = broker.port;
    await broker.stop();
    await expect(Connection.open('127.0.0.1', port, { clientId: CLIENT_ID, connectTimeoutMs: 2_000, requestTimeoutMs: 1_000 })).rejects.toBeInstanceOf(KafkaConnectionError);
    broker = new FakeBroker();
    await broker.start();
  });
});
