import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, freePorts } from '../../src/kafka/free-port.ts';

describe('freePorts', () => {
  it('gives distinct ports, each free to listen on', async () => {
    for (let round = 0; round < 20; round++) {
      const ports = await freePorts(4);
      expect(new Set(ports).size).toBe(4);
      for (const port of ports) expect(port).toBeGreaterThan(0);
    }
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
