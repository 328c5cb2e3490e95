import { createServer, Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort, freePorts } from '../../src/kafka/free-port.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('freePorts', () => {
  it('holds every port it picks until the last is picked, so none is handed out twice', async () => {
    let open = 0;
    let most = 0;
    const listen = Server.prototype.listen;
    const close = Server.prototype.close;
    vi.spyOn(Server.prototype, 'listen').mockImplementation(function (this: Server, ...args: unknown[]) {
      this.once('listening', () => (most = Math.max(most, ++open)));
      return (listen as (...a: unknown[]) => Server).apply(this, args);
    });
    vi.spyOn(Server.prototype, 'close').mockImplementation(function (this: Server, ...args: unknown[]) {
      if (this.listening) open--;
      return (close as (...a: unknown[]) => Server).apply(this, args);
    });
    const ports = await freePorts(4);
    expect(most).toBe(4);
    expect(open).toBe(0);
    expect(new Set(ports).size).toBe(4);
  });

  it('gives distinct ports, none of those it is told are taken, each free to listen on', async () => {
    const taken = await freePort();
    for (let round = 0; round < 20; round++) {
      const ports = await freePorts(4, [taken]);
      expect(ports).toHaveLength(4);
      expect(new Set(ports).size).toBe(4);
      expect(ports).not.toContain(taken);
      for (const port of ports) expect(port).toBeGreaterThan(0);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(taken, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
