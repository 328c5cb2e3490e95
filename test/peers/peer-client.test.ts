import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerError } from '../../src/errors.ts';
import { fetchPartials } from '../../src/peers/index.ts';

const servers: Server[] = [];
/** Every request the test servers saw, as path and query. */
const seen: string[] = [];

/** A real HTTP server on a free loopback port answering with `handle`; its base URL. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  seen.length = 0;
});

const json = (body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** The PeerError `promise` rejects with. */
async function peerError(promise: Promise<unknown>): Promise<PeerError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PeerError);
  return error as PeerError;
}

describe('fetchPartials (against a real HTTP server)', () => {
  it('asks GET <url>/partials?partitions=… and returns the parsed answer, naming every asked partition', async () => {
    const state = { genre_revenue: { version: 1, keys: [['pop', 12.5]] } };
    const url = await serve(json({ partitions: { 0: { state, offset: 120, end: 130, lag: 10 } }, missing: [5] }));
    const answer = await fetchPartials(`${url}/sp`, [0, 3, 5], { timeoutMs: 5_000 });
    expect(seen).toEqual(['/sp/partials?partitions=0,3,5']);
    expect(answer.partitions).toEqual({ 0: { state, offset: 120, end: 130, lag: 10 } });
    // 3 was neither given nor named: it is missing, never silently absent
    expect(answer.missing).toEqual([3, 5]);
  });

  it('gives up on a peer that does not answer within the timeout, and on one that stalls mid-body', async () => {
    const silent = await serve(() => {});
    const error = await peerError(fetchPartials(silent, [1], { timeoutMs: 300 }));
    expect(error.message).toBe(`peer ${silent}: no answer within 300 ms`);
    expect(error).toMatchObject({ code: 'SP_PEER', canRetry: true });
    const stalling = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partitions":');
    });
    expect((await peerError(fetchPartials(stalling, [1], { timeoutMs: 300 }))).message).toMatch(/no answer within 300 ms/);
  }, 10_000);

  it('stops when the caller cancels', async () => {
    const silent = await serve(() => {});
    const controller = new AbortController();
    const pending = fetchPartials(silent, [1], { timeoutMs: 30_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await peerError(pending)).message).toBe(`peer ${silent}: request cancelled`);
  }, 10_000);

  it('names the status of an answer other than 200', async () => {
    const url = await serve((_req, res) => void res.writeHead(500).end('boom'));
    expect((await peerError(fetchPartials(url, [0], { timeoutMs: 5_000 }))).message).toBe(`peer ${url}: answered HTTP 500`);
  });

  it('says a closed port refused the connection', async () => {
    const url = await serve(() => {});
    const closed = servers.pop() as Server;
    await new Promise((resolve) => closed.close(resolve));
    expect((await peerError(fetchPartials(url, [0], { timeoutMs: 5_000 }))).message).toBe(`peer ${url}: connection refused`);
  });

  it('refuses a body over the limit, declared or streamed, without reading it all', async () => {
    const declared = await serve((_req, res) => void res.writeHead(200, { 'content-length': String(1 << 20) }).end(Buffer.alloc(1 << 20, 0x20)));
    expect((await peerError(fetchPartials(declared, [0], { timeoutMs: 5_000, maxBytes: 1_000 }))).message).toBe(`peer ${declared}: answered more than 1000 bytes`);
    let written = 0;
    const endless = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const more = (): void => {
        while (!res.destroyed && written < 1 << 30 && res.write(Buffer.alloc(16_384, 0x20))) written += 16_384;
        if (!res.destroyed && written < 1 << 30) res.once('drain', more);
      };
      more();
    });
    expect((await peerError(fetchPartials(endless, [0], { timeoutMs: 10_000, maxBytes: 100_000 }))).message).toMatch(/answered more than 100000 bytes/);
    expect(written).toBeLessThan(1 << 30);
  }, 20_000);

  it('refuses a body that is not JSON, or not an answer to what was asked', async () => {
    const notJson = await serve((_req, res) => void res.writeHead(200).end('<html>'));
    expect((await peerError(fetchPartials(notJson, [0], { timeoutMs: 5_000 }))).message).toBe(`peer ${notJson}: answered a body that is not JSON`);
    const cases: [unknown, RegExp][] = [
      [[1, 2], /not an object/],
      [{ partitions: {} }, /not an object/],
      [{ partitions: { 0: { offset: 1, end: 1, lag: 0 } }, missing: [] }, /partition 0 has no state/],
      [{ partitions: { 0: { state: {}, offset: '1', end: 1, lag: 0 } }, missing: [] }, /partition 0 has no whole offset/],
      [{ partitions: { 0: { state: {}, offset: 1, end: 1, lag: -1 } }, missing: [] }, /partition 0 has no whole lag/],
      [{ partitions: { 7: { state: {}, offset: 1, end: 1, lag: 0 } }, missing: [] }, /partition "7" was not asked for/],
      [{ partitions: {}, missing: [7] }, /missing names 7/],
      [{ partitions: { 0: { state: {}, offset: 1, end: 1, lag: 0 } }, missing: [0] }, /both given and missing/],
    ];
    for (const [body, reason] of cases) {
      const url = await serve(json(body));
      const error = await peerError(fetchPartials(url, [0, 1], { timeoutMs: 5_000 }));
      expect(error.message).toMatch(new RegExp(`^peer ${url}: answered a body that is not a partials answer: `));
      expect(error.message).toMatch(reason);
    }
  });

  it('keeps a user name and password in the peer URL out of its messages', async () => {
    const url = await serve((_req, res) => void res.writeHead(503).end());
    const withSecret = url.replace('http://', 'http://admin:hunter2@');
    const error = await peerError(fetchPartials(withSecret, [0], { timeoutMs: 5_000 }));
    expect(error.message).toBe(`peer ${url}: not an http(s) URL without user name or password`);
    expect(seen).toEqual([]);
    for (const bad of ['ftp://127.0.0.1:1', 'not a url']) expect((await peerError(fetchPartials(bad, [0], { timeoutMs: 5_000 }))).message).toMatch(/not an http\(s\) URL/);
  });
});
