import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/generator/index.ts';
import { startReportServer, type RunningServer } from '../../src/http/report-server.ts';
import { PrometheusMetrics } from '../../src/metrics/prometheus-metrics.ts';
import { MetricNames } from '../../src/metrics/metric-names.ts';
import { Pipeline, type ReportSnapshot } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const EVENTS = 30_000;
let dir: string;
let server: RunningServer;
let pipeline: Pipeline;
let run: Promise<void>;
const polled: ReportSnapshot[] = [];

/** Yields to the event loop between batches, like a network source, so requests interleave. */
async function* slowly(items: AsyncIterable<SourceItem>): AsyncGenerator<SourceItem> {
  for await (const item of items) {
    yield item;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const money = (x: number): number => Math.round(x * 1e7);

beforeAll(async () => {
  dir = await makeTempDir('streampulse-http-');
  await generateDataset({ outDir: dir, seed: 11, events: EVENTS, users: 3_000, artists: 400 });
  const metrics = new PrometheusMetrics();
  pipeline = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 1_000, metrics });
  server = await startReportServer({ host: '127.0.0.1', port: 0, pipeline, metrics });
  run = pipeline.run(slowly(readInputLayout(await resolveInputDir(dir), 1_000)));
});

afterAll(async () => {
  await server?.close();
  await removeTempDir(dir);
});

describe('report server', () => {
  it('binds to loopback', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves consistent snapshots while ingesting', async () => {
    let done = false;
    void run.then(() => (done = true));
    while (!done) {
      const response = await fetch(`${server.url}/reports?strategy=naive`);
      expect(response.status).toBe(200);
      polled.push((await response.json()) as ReportSnapshot);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await run;
    const during = polled.filter((s) => s.watermark.events_read > 0 && s.watermark.events_read < EVENTS);
    expect(during.length).toBeGreaterThan(3);
    for (const s of polled) {
      // every report in one response reflects the same events: their totals agree exactly
      const counted = s.watermark.strategies.naive?.counted ?? -1;
      const r = s.reports;
      expect(sum(r.regional_breakdown.map((x) => x.streams))).toBe(counted);
      expect(sum(r.subscription_analysis.map((x) => x.total_streams))).toBe(counted);
      expect(sum(r.ad_performance.map((x) => x.impressions))).toBe(counted);
      expect(sum(r.daily_summary.map((x) => x.streams))).toBe(counted);
      const adRev = money(sum(r.genre_revenue.map((x) => x.total_ad_rev)));
      expect(money(sum(r.regional_breakdown.map((x) => x.ad_rev)))).toBe(adRev);
      expect(money(sum(r.daily_summary.map((x) => x.ad_rev)))).toBe(adRev);
      expect(s.watermark.events_read).toBe(s.watermark.events_valid + s.watermark.rejected_total);
    }
    const reads = polled.map((s) => s.watermark.events_read);
    expect([...reads].sort((a, b) => a - b)).toEqual(reads);
  });

  it('gives the final snapshot of each strategy, identical', async () => {
    const cached = (await (await fetch(`${server.url}/reports`)).json()) as ReportSnapshot;
    const naive = (await (await fetch(`${server.url}/reports?strategy=naive`)).json()) as ReportSnapshot;
    expect(cached.strategy).toBe('cached');
    expect(cached.watermark.done).toBe(true);
    expect(cached.watermark.events_read).toBe(EVENTS);
    expect(cached.watermark.position?.origin).toMatch(/events\.ndjson$/);
    expect(cached.watermark.updated_at).not.toBeNull();
    expect(JSON.stringify(naive.reports)).toBe(JSON.stringify(cached.reports));
  });

  it('serves one report as JSON and as CSV', async () => {
    const json = (await (await fetch(`${server.url}/reports/genre_revenue`)).json()) as { name: string; rows: { genre: string }[] };
    expect(json.name).toBe('genre_revenue');
    expect(json.rows.map((r) => r.genre)).toEqual([...json.rows.map((r) => r.genre)].sort());
    const csv = await fetch(`${server.url}/reports/daily_summary?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('event_date,streams,ad_rev,unique_users');
    expect(lines).toHaveLength(1 + pipeline.snapshot().reports.daily_summary.length);
    expect(lines[1]).toMatch(/^2024-01-01,\d+,[\d.]+,\d+$/);
  });

  it('answers health, metrics and errors', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string; events_read: number };
    expect(health).toMatchObject({ status: 'ok', events_read: EVENTS });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`${MetricNames.eventsRead} ${EVENTS}`);
    expect(metrics).toContain(`${MetricNames.eventsEnriched}{strategy="naive"} ${EVENTS}`);
    expect(metrics).toMatch(new RegExp(`${MetricNames.cacheHits} [1-9]`));
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${server.url}/reports/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/reports?strategy=fast`)).status).toBe(400);
    expect((await fetch(`${server.url}/reports/genre_revenue?format=xml`)).status).toBe(400);
    expect((await fetch(`${server.url}/reports`, { method: 'POST' })).status).toBe(405);
  });
});
