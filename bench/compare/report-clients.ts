import { Agent, get } from 'node:http';

export interface ClientsOutcome {
  /** Milliseconds from request to the last byte of each 200 answer. */
  readonly latenciesMs: readonly number[];
  /** Answers with another status (e.g. 503 before the first snapshot). */
  readonly otherStatuses: number;
  /** Requests that failed (refused or cut, as when the server closes at the end). */
  readonly failures: number;
}

function fetchWhole(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent }, (response) => {
      response.on('data', () => {});
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    });
    request.once('error', reject);
  });
}

/**
 * `clients` loops against `url` over keep-alive connections, each: request, read the whole body,
 * then the next request `intervalMs` after the last one began (at once when that is past; 0: at
 * once always, a closed loop), the clients' starts spread over one interval. They run until
 * `stop()`, which ends them and tells what they saw.
 */
export function startReportClients(url: string, clients: number, intervalMs = 0): { stop: () => Promise<ClientsOutcome> } {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latenciesMs: number[] = [];
  let otherStatuses = 0;
  let failures = 0;
  let stopped = false;
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const loop = async (client: number): Promise<void> => {
    if (intervalMs > 0) await pause((intervalMs * client) / clients);
    while (!stopped) {
      const started = performance.now();
      try {
        const status = await fetchWhole(url, agent);
        if (status === 200) latenciesMs.push(performance.now() - started);
        else otherStatuses++;
      } catch {
        if (stopped) return;
        failures++;
        // the server may be gone for good: do not spin on refused connections
        await pause(20);
        continue;
      }
      const wait = started + intervalMs - performance.now();
      if (wait > 0 && !stopped) await pause(wait);
    }
  };
  const loops = Array.from({ length: clients }, (_, client) => loop(client));
  return {
    stop: async () => {
      stopped = true;
      agent.destroy();
      await Promise.all(loops);
      return { latenciesMs, otherStatuses, failures };
    },
  };
}
