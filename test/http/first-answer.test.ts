import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerOnce } from '../../src/http/first-answer.ts';

const servers: { close: (done: () => void) => void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function listening<S extends Server | ReturnType<typeof createHttpServer>>(server: S): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('answerOnce', () => {
  it('asks the path twice (a plain poll, then one that closes), with the server\'s own Host, reads both answers to the end and gives the first status line', async () => {
    const asked: string[] = [];
    const url = await listening(
      createHttpServer((req, res) => {
        asked.push(`${req.method} ${req.url} ${req.headers.host} ${req.headers.connection ?? '-'}`);
        res.end('x'.repeat(200_000));
      }),
    );
    expect(await answerOnce(url, '/reports')).toBe('HTTP/1.1 200 OK');
    expect(asked).toEqual([`GET /reports ${new URL(url).host} -`, `GET /reports ${new URL(url).host} close`]);
  });

  it('gives null, without throwing, when nothing listens or nothing answers in time', async () => {
    const closed = await listening(createServer());
    servers.pop()?.close(() => {});
    await new Promise((r) => setTimeout(r, 20));
    expect(await answerOnce(closed, '/reports')).toBeNull();
    const silent = await listening(createServer((socket) => socket.on('data', () => {})));
    const started = performance.now();
    expect(await answerOnce(silent, '/reports')).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });
});
