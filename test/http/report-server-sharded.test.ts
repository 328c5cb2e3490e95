import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/generator/index.ts';
import { startReportServer, type RunningServer } from '../../src/http/report-server.ts';
import { PrometheusMetrics } from '../../src/metrics/prometheus-metrics.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { ShardedPipeline } from '../../src/workers/index.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { rawHeader, rawRequest, type RawAnswer } from '../helpers/raw-http.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let server: RunningServer;
let pipeline: ShardedPipeline;
const metrics = new PrometheusMetrics();

beforeAll(async () => {
  dir = await makeTempDir('streampulse-sharded-http-');
  await generateDataset({ outDir: dir, seed: 5, events: 20_000, users: 2_000, artists: 200 });
  pipeline = new ShardedPipeline({ strategies: ['cached', 'naive'], cacheSize: 1_000, workers: 2, metrics, publishMs: 5 });
  server = await startReportServer({ host: '127.0.0.1', port: 0, pipeline, metrics });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await removeTempDir(dir);
});

interface Answer {
  strategy: string;
  progress: { events_read: number; strategies: Record<string, { counted: number }>; shards?: unknown[] };
  reports: { daily_summary: { streams: number }[]; genre_revenue: unknown[] };
}

describe('/reports served from the shards\' publishes', () => {
  it('answers while the shards fold, each answer one consistent point, and the final answer is the snapshot', async () => {
    const answers: Answer[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const response = await fetch(`${server.url}/reports`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const text = await response.text();
        expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
        answers.push(JSON.parse(text) as Answer);
      }
    })();
    const items: SourceItem[] = [];
    for await (const item of readInputLayout(await resolveInputDir(dir), 500)) items.push(item);
    await pipeline.run(items);
    polling = false;
    await poll;
    expect(answers.length).toBeGreaterThan(0);
    // queries during the run saw it move: the merger rendered the publishes as they came
    const midRun = new Set(answers.map((a) => a.progress.events_read).filter((n) => n > 0 && n < 20_000));
    expect(midRun.size).toBeGreaterThan(1);
    for (const answer of answers) {
      const streams = answer.reports.daily_summary.reduce((sum, row) => sum + row.streams, 0);
      expect(streams).toBe(answer.progress.strategies.cached?.counted ?? 0);
    }
    const last = (await (await fetch(`${server.url}/reports`)).json()) as Answer;
    expect(last).toEqual(JSON.parse(JSON.stringify(pipeline.snapshot())));
    expect(last.progress.events_read).toBe(20_000);
    expect(last.progress.shards).toHaveLength(2);
    const naive = (await (await fetch(`${server.url}/reports?strategy=naive`)).json()) as Answer;
    expect(naive.strategy).toBe('naive');
    expect(naive.reports).toEqual(last.reports);
  }, 60_000);

  it('serves one report and the metrics from the same publishes', async () => {
    const one = (await (await fetch(`${server.url}/reports/genre_revenue`)).json()) as { rows: unknown[] };
    expect(one.rows).toEqual(pipeline.snapshot().reports.genre_revenue);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/streampulse_events_read_total(\{[^}]*\})? 20000/);
  });

  it('answers a plain poll on the fast path with node\'s answer, byte for byte but the Date', async () => {
    const { port } = new URL(server.url);
    const withoutDate = (a: RawAnswer): string => a.text.replace(/\r\nDate: [^\r]*/, '');
    const before = await metricCount();
    // `/reports?` is the same route to the handler, but not a plain poll: node:http answers it
    const fast = await rawRequest(Number(port), `GET /reports HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: */*\r\n\r\n`);
    const node = await rawRequest(Number(port), `GET /reports? HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: */*\r\n\r\n`);
    expect(fast.status).toBe(200);
    expect(withoutDate(fast)).toBe(withoutDate(node));
    expect(rawHeader(fast, 'date')).toMatch(/GMT$/);
    // each answer is timed in the snapshot histogram, whichever path wrote it
    expect(await metricCount()).toBe(before + 2);
  });

  it('leaves to node what is not a plain poll: a foreign Host, Connection: close, a second request of another kind', async () => {
    const { port } = new URL(server.url);
    expect((await rawRequest(Number(port), 'GET /reports HTTP/1.1\r\nHost: evil.example\r\n\r\n')).status).toBe(421);
    const closing = await rawRequest(Number(port), `GET /reports HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    expect(closing.status).toBe(200);
    expect(rawHeader(closing, 'connection')).toBe('close');
    const both = await rawRequest(Number(port), `GET /reports HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expect([...both.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])).toEqual(['200', '404']);
  });

  it('ends the connections still on the fast path when the server closes', async () => {
    const other = await startReportServer({ host: '127.0.0.1', port: 0, pipeline, metrics });
    const response = await fetch(`${other.url}/reports`);
    await response.text();
    const closed = other.close().then(() => 'closed');
    expect(await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve('still open'), 2_000))])).toBe('closed');
  });
});

/** How many /reports answers the snapshot histogram has timed. */
async function metricCount(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/streampulse_snapshot_seconds_count\{report="all"\} (\d+)/.exec(text)?.[1] ?? 0);
}

