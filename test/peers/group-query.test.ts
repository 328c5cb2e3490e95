import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawBatch } from '../../src/domain/records/raw-batch.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { gatherGroup, mergeGathered, partialsResponse, pipelinePartials, type HeldPosition, type PartialsProvider, type PartitionOwnerView } from '../../src/peers/index.ts';
import { startReportServer } from '../../src/http/report-server.ts';
import { groupSnapshot } from '../../src/http/group-reports.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const STRATEGIES = ['cached', 'naive'] as const;
let dir: string;
let oracle: Reports;
/** Two "instances": a folds partitions 0 and 1, b folds 2 and 3; both read every dimension row. */
let a: Pipeline;
let b: Pipeline;
let server: Server;
let url: string;
let slow: Server;
let slowUrl: string;

/** Batches dealt round-robin to four partitions: one user's events are in all four. */
const dealt = (batch: RawBatch): string => String(Math.floor(batch.seqs[0] / 500) % 4);

async function instance(partitions: readonly string[]): Promise<Pipeline> {
  const pipeline = new Pipeline({ strategies: STRATEGIES, cacheSize: 1_000, partitionOf: dealt });
  async function* share(): AsyncGenerator<SourceItem> {
    for await (const item of readInputLayout(await resolveInputDir(dir), 500)) if (item.kind === 'dimension' || partitions.includes(dealt(item.batch))) yield item;
  }
  await pipeline.run(share());
  return pipeline;
}

const held = (partitions: readonly number[]): (() => ReadonlyMap<number, HeldPosition>) => () => new Map(partitions.map((p) => [p, { offset: 100 + p, end: 110 + p }]));

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const s = createServer(handler);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve({ server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` })));
}

beforeAll(async () => {
  dir = await makeTempDir('streampulse-group-query-');
  await generateDataset({ outDir: dir, seed: 11, events: 20_000, users: 2_000, artists: 200 });
  oracle = await computeReportsWithDuckDB(dir);
  [a, b] = await Promise.all([instance(['0', '1']), instance(['2', '3'])]);
  const provider = pipelinePartials(b, held([2, 3]));
  ({ server, url } = await listen(async (req, res) => {
    const answer = await partialsResponse(provider, new URL(req.url ?? '/', 'http://x').searchParams);
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }));
  ({ server: slow, url: slowUrl } = await listen(() => {}));
}, 120_000);
afterAll(async () => {
  server?.closeAllConnections();
  slow?.closeAllConnections();
  await Promise.all([server, slow].map((s) => new Promise((r) => s?.close(r))));
  await removeTempDir(dir);
});

const owners = (peer: string): PartitionOwnerView[] => [0, 1, 2, 3].map((partition) => ({ partition, self: partition < 2, url: partition < 2 ? 'http://self' : peer }));

describe('a query across instances', () => {
  it('merges its own partitions and its peer\'s, over real HTTP, into the oracle\'s reports', async () => {
    const answer = await gatherGroup({ owners: owners(url), local: pipelinePartials(a, held([0, 1])), strategies: STRATEGIES, timeoutMs: 5_000 });
    expect(answer.missing).toEqual([]);
    expect(answer.partitions.map((p) => [p.partition, p.owner, p.offset, p.lag])).toEqual([
      [0, 'self', 100, 10],
      [1, 'self', 101, 10],
      [2, url, 102, 10],
      [3, url, 103, 10],
    ]);
    const merged = mergeGathered(answer.states, STRATEGIES, a.dims.dicts);
    expect(merged.cached).toEqual(oracle);
    expect(merged.naive).toEqual(oracle);
    // neither instance alone has it
    expect(a.snapshot().reports).not.toEqual(oracle);
  }, 60_000);

  it('names the partitions it could not get, with the reason, instead of answering a silently partial report', async () => {
    const timedOut = await gatherGroup({ owners: owners(slowUrl), local: pipelinePartials(a, held([0, 1])), strategies: STRATEGIES, timeoutMs: 300 });
    expect(timedOut.missing).toEqual([2, 3]);
    expect(timedOut.partitions[2].missing).toMatch(/no answer within 300 ms/);
    const merged = mergeGathered(timedOut.states, STRATEGIES, a.dims.dicts);
    expect(merged.cached).toEqual(a.snapshot().reports);
    // a partition this instance owns but has not restored yet is missing too
    const restoring = await gatherGroup({ owners: owners(url), local: pipelinePartials(a, held([0])), strategies: STRATEGIES, timeoutMs: 5_000 });
    expect(restoring.missing).toEqual([1]);
    expect(restoring.partitions[1]).toMatchObject({ owner: 'self', missing: 'this instance is restoring it' });
  }, 60_000);

  it('names a partition whose owner it does not know (a picture from a leader of another build) missing', async () => {
    const answer = await gatherGroup({ owners: [...owners(url), { partition: 4, url: null, self: false }], local: pipelinePartials(a, held([0, 1])), strategies: STRATEGIES, timeoutMs: 5_000 });
    expect(answer.missing).toEqual([4]);
    expect(answer.partitions[4]).toEqual({ partition: 4, owner: 'unknown', missing: 'its owner is unknown here or advertises no URL' });
  }, 60_000);

  it('refuses a peer\'s partial that is not valid state, naming it missing', async () => {
    // a peer of another build: well-formed answer, state without the naive strategy
    const other = await listen((_, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ partitions: { '2': { state: { cached: {} }, offset: 1, end: 1, lag: 0 } }, missing: [3] })));
    try {
      const answer = await gatherGroup({ owners: owners(other.url), local: pipelinePartials(a, held([0, 1])), strategies: STRATEGIES, timeoutMs: 1_000 });
      expect(answer.missing).toEqual([2, 3]);
      expect(answer.partitions[2].missing).toMatch(/its partial is invalid: partition 2\.naive is missing/);
      expect(answer.partitions[3].missing).toBe('its owner does not hold it (restoring or moved)');
    } finally {
      other.server.closeAllConnections();
      await new Promise((r) => other.server.close(r));
    }
  });

  it('is what /reports answers on an instance in a group, and /partials what it answers its peers', async () => {
    const peer = await startReportServer({ host: '127.0.0.1', port: 0, pipeline: b, group: { partials: pipelinePartials(b, held([2, 3])), owners: () => null, timeoutMs: 1_000, dicts: b.dims.dicts, localPoints: held([2, 3]) } });
    const front = await startReportServer({ host: '127.0.0.1', port: 0, pipeline: a, group: { partials: pipelinePartials(a, held([0, 1])), owners: () => owners(peer.url), timeoutMs: 5_000, dicts: a.dims.dicts, localPoints: held([0, 1]) } });
    try {
      const all = (await (await fetch(`${front.url}/reports`)).json()) as { reports: Reports; group: { complete: boolean; missing: number[]; partitions: { partition: number; owner: string }[] } };
      expect(all.reports).toEqual(oracle);
      expect(all.group).toMatchObject({ complete: true, missing: [] });
      expect(all.group.partitions.map((p) => p.owner)).toEqual(['self', 'self', peer.url, peer.url]);
      const one = (await (await fetch(`${front.url}/reports/artist_payouts?strategy=naive`)).json()) as { rows: unknown; group: { complete: boolean } };
      expect(one.rows).toEqual(oracle.artist_payouts);
      const csv = await fetch(`${front.url}/reports/daily_summary?format=csv`);
      expect((await csv.text()).trimEnd().split('\r\n')).toHaveLength(1 + oracle.daily_summary.length);
      expect(csv.headers.get('x-streampulse-group-complete')).toBe('true');
      expect(csv.headers.get('x-streampulse-missing-partitions')).toBe('');
      // the peer itself, not in the picture yet, says its answer is not the group's
      const early = (await (await fetch(`${peer.url}/reports`)).json()) as { group: { complete: boolean; reason: string } };
      expect(early.group).toMatchObject({ complete: false, reason: 'the group has not assigned this instance its partitions yet' });
      expect((await fetch(`${peer.url}/partials?partitions=x`)).status).toBe(400);
    } finally {
      await front.close();
      await peer.close();
    }
  }, 60_000);

  it('answers from its own snapshot when it holds every partition, and gathers when its snapshot shows other partitions', async () => {
    const whole = new Pipeline({ strategies: STRATEGIES, cacheSize: 1_000, partitionOf: dealt });
    await whole.run(readInputLayout(await resolveInputDir(dir), 500));
    const mine = [0, 1, 2, 3].map((partition) => ({ partition, self: true, url: 'http://self' }));
    const asked: number[][] = [];
    const counting: PartialsProvider = { partials: (p) => (asked.push([...p]), pipelinePartials(whole, held([0, 1, 2, 3])).partials(p)) };
    const group = { partials: counting, owners: () => mine, timeoutMs: 1_000, dicts: whole.dims.dicts, localPoints: held([0, 1, 2, 3]) };
    const fast = await groupSnapshot(whole, group, 'cached');
    expect(fast.reports).toEqual(oracle);
    expect(fast.group).toMatchObject({ complete: true, missing: [] });
    expect(fast.group.partitions.map((p) => [p.partition, p.owner, p.offset, p.lag])).toEqual([[0, 'self', 100, 10], [1, 'self', 101, 10], [2, 'self', 102, 10], [3, 'self', 103, 10]]);
    expect(asked).toEqual([]);
    // a snapshot still showing a partition given up (a render before the rebalance) is not the group's answer
    const stale = await groupSnapshot(whole, { ...group, owners: () => mine.slice(0, 3), localPoints: held([0, 1, 2, 3]) }, 'cached');
    expect(asked).toEqual([[0, 1, 2]]);
    expect(stale.reports).not.toEqual(oracle);
    expect(stale.group.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
  }, 60_000);
});
