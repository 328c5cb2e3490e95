import { createServer, type Server } from 'node:net';

function listening(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * `count` distinct TCP ports on 127.0.0.1 that were free a moment ago (the OS picks them), none of
 * them one of `besides` (ports already given to the caller, not bound yet). All are held until the
 * last is picked: ports asked for one after another may be the same one, freed and handed out
 * again (a broker given one port for two listeners refused to start).
 */
export async function freePorts(count: number, besides: readonly number[] = []): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count + besides.length; i++) servers.push(await listening());
    const ports = servers.map((server) => {
      const address = server.address();
      return typeof address === 'object' && address !== null ? address.port : 0;
    });
    return ports.filter((port) => !besides.includes(port)).slice(0, count);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}
