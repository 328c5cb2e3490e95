import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fetchPartials, PARTIALS_PATH, parsePartitions, partialsAnswer, partialsResponse, type PartialsProvider, type PeerAnswer } from '../../src/peers/index.ts';

/** Owns partitions 0 and 2 (2 still restoring, so it names it missing), and records what it was asked. */
function provider(asked: (readonly number[])[] = []): PartialsProvider {
  return {
    partials(partitions) {
      asked.push(partitions);
      const held: PeerAnswer['partitions'] = { 0: { state: { daily_summary: [['2024-01-01', 3]] }, offset: 40, end: 50, lag: 10 } };
      return {
        partitions: Object.fromEntries(Object.entries(held).filter(([p]) => partitions.includes(Number(p)))),
        missing: partitions.includes(2) ? [2] : [],
      };
    },
  };
}

describe('parsePartitions', () => {
  it('reads a comma-separated list of partition numbers, sorted and without repeats', () => {
    expect(parsePartitions('3,0,3,12')).toEqual([0, 3, 12]);
    expect(parsePartitions('0')).toEqual([0]);
  });

  it('refuses anything else', () => {
    for (const bad of [null, '', ',', '1,', '-1', '1.5', 'a', '1 ,2', '0x1', '1234567890']) expect(parsePartitions(bad), String(bad)).toBeNull();
  });
});

describe('partialsAnswer / partialsResponse', () => {
  it('names every asked partition once: given, or missing when not owned here or restoring', async () => {
    const asked: (readonly number[])[] = [];
    const answer = await partialsAnswer(provider(asked), [0, 1, 2]);
    expect(asked).toEqual([[0, 1, 2]]);
    expect(Object.keys(answer.partitions)).toEqual(['0']);
    expect(answer.missing).toEqual([1, 2]);
  });

  it('drops what a provider gives beyond what was asked', async () => {
    const generous: PartialsProvider = { partials: () => ({ partitions: { 0: { state: 1, offset: 0, end: 0, lag: 0 }, 9: { state: 2, offset: 0, end: 0, lag: 0 } }, missing: [8] }) };
    expect(await partialsAnswer(generous, [0])).toEqual({ partitions: { 0: { state: 1, offset: 0, end: 0, lag: 0 } }, missing: [] });
  });

  it('answers 400 with a reason for a bad partitions value, without asking the provider', async () => {
    const asked: (readonly number[])[] = [];
    const response = await partialsResponse(provider(asked), new URLSearchParams('partitions=0,x'));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: expect.stringMatching(/comma-separated/) });
    expect((await partialsResponse(provider(asked), new URLSearchParams(''))).status).toBe(400);
    expect(asked).toEqual([]);
  });

  it('is read back by the peer client over real HTTP exactly as it was answered', async () => {
    const source = provider();
    const server: Server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://peer');
      const { status, body } = url.pathname === PARTIALS_PATH ? await partialsResponse(source, url.searchParams) : { status: 404, body: {} };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const fetched = await fetchPartials(url, [0, 1, 2], { timeoutMs: 5_000 });
      expect(fetched).toEqual(await partialsAnswer(provider(), [0, 1, 2]));
      expect(fetched.missing).toEqual([1, 2]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
