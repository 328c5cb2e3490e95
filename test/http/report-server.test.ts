import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceHealth } from '../../src/sources/source-health.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { startReportServer, type RunningServer } from '../../src/http/report-server.ts';
import { PrometheusMetrics } from '../../src/metrics/prometheus-metrics.ts';
import { MetricNames } from '../../src/metrics/metric-names.ts';
import { Pipeline, type ReportSnapshot } from '../../src/pipeline.ts';
import { DeadLetterLog, type DeadLetterLogView } from '../../src/sources/dead-letter-log.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { rawHeader, rawJsonBody, rawRequest } from '../helpers/raw-http.ts';
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
    const during = polled.filter((s) => s.progress.events_read > 0 && s.progress.events_read < EVENTS);
    expect(during.length).toBeGreaterThan(3);
    for (const s of polled) {
      // every report in one response reflects the same events: their totals agree exactly
      const counted = s.progress.strategies.naive?.counted ?? -1;
      const r = s.reports;
      expect(sum(r.regional_breakdown.map((x) => x.streams))).toBe(counted);
      expect(sum(r.subscription_analysis.map((x) => x.total_streams))).toBe(counted);
      expect(sum(r.ad_performance.map((x) => x.impressions))).toBe(counted);
      expect(sum(r.daily_summary.map((x) => x.streams))).toBe(counted);
      const adRev = money(sum(r.genre_revenue.map((x) => x.total_ad_rev)));
      expect(money(sum(r.regional_breakdown.map((x) => x.ad_rev)))).toBe(adRev);
      expect(money(sum(r.daily_summary.map((x) => x.ad_rev)))).toBe(adRev);
      expect(s.progress.events_read).toBe(s.progress.events_valid + s.progress.rejected_total);
    }
    const reads = polled.map((s) => s.progress.events_read);
    expect([...reads].sort((a, b) => a - b)).toEqual(reads);
  });

  it('gives the final snapshot of each strategy, identical', async () => {
    const cached = (await (await fetch(`${server.url}/reports`)).json()) as ReportSnapshot;
    const naive = (await (await fetch(`${server.url}/reports?strategy=naive`)).json()) as ReportSnapshot;
    expect(cached.strategy).toBe('cached');
    expect(cached.progress.done).toBe(true);
    expect(cached.progress.events_read).toBe(EVENTS);
    expect(cached.progress.position?.origin).toMatch(/events\.ndjson$/);
    expect(cached.progress.updated_at).not.toBeNull();
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

  it('answers /health 503 with the reason while the source is not serving, 200 once it is', async () => {
    let health: SourceHealth = { state: 'down', reason: 'fetching from Kafka broker 1 failed: connection refused' };
    const watched = await startReportServer({ host: '127.0.0.1', port: 0, pipeline, health: () => health });
    try {
      const down = await fetch(`${watched.url}/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'unavailable', source: 'down', reason: health.reason });
      health = { state: 'restoring', reason: 'reading the dimension topics' };
      expect((await fetch(`${watched.url}/health`)).status).toBe(503);
      health = { state: 'running' };
      const up = await fetch(`${watched.url}/health`);
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({ status: 'ok', source: 'running' });
    } finally {
      await watched.close();
    }
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

describe('report server against hostile requests', () => {
  const BIG = 1_500_000; // characters of a rejected line: two bytes each in UTF-8, 3 MB
  const bigLines = [0, 1, 2].map((i) => `{"user_id":"u${i}","note":"${'ü'.repeat(BIG)}`);
  let hostileDir: string;
  let deadLetters: DeadLetterLog;
  let hostile: RunningServer;
  let port: number;
  const get = (path: string, host = `127.0.0.1:${port}`): ReturnType<typeof rawRequest> => rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);

  beforeAll(async () => {
    hostileDir = await makeTempDir('streampulse-http-hostile-');
    await generateDataset({ outDir: join(hostileDir, 'in'), seed: 5, events: 2_000, users: 300, artists: 50 });
    // three multi-megabyte lines that are not JSON (unterminated), amid the valid events
    await appendFile(join(hostileDir, 'in', 'events.ndjson'), bigLines.join('\n') + '\n');
    deadLetters = new DeadLetterLog(join(hostileDir, 'dead-letters.ndjson'));
    const hostilePipeline = new Pipeline({ strategies: ['cached'], cacheSize: 100, deadLetters });
    // a record limit above their size, so they reach the decoder (and the preview) whole
    await hostilePipeline.run(readInputLayout(await resolveInputDir(join(hostileDir, 'in')), 500, 16 << 20));
    hostile = await startReportServer({ host: '127.0.0.1', port: 0, pipeline: hostilePipeline, deadLetters, allowHosts: ['prometheus.internal', '*.corp.example'] });
    port = Number(new URL(hostile.url).port);
  });

  afterAll(async () => {
    await hostile?.close();
    await removeTempDir(hostileDir);
  });

  it('answers a malformed percent-encoding with 400 JSON and goes on answering', async () => {
    for (const path of ['/reports/%', '/reports/%zz', '/reports/%E0%A4%A']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(rawJsonBody(answer)).toEqual({ error: expect.stringMatching(/percent-encoding/) });
    }
    expect((await get('/health')).status).toBe(200);
  });

  it('answers an unparsable absolute-form target (GET http://[) with 400', async () => {
    const answer = await get('http://[');
    expect(answer.status).toBe(400);
    expect(rawJsonBody(answer)).toEqual({ error: 'malformed request target' });
    expect((await get('/health')).status).toBe(200);
  });

  it('answers a request Node cannot parse with 400 JSON, and headers too large with 431', async () => {
    const garbage = await rawRequest(port, 'GET /health HTTP/1.1\r\nHo st: x\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(rawJsonBody(garbage)).toEqual({ error: 'malformed HTTP request' });
    expect(rawHeader(garbage, 'x-content-type-options')).toBe('nosniff');
    expect((await get(`/${'a'.repeat(100_000)}`)).status).toBe(431);
  });

  it('puts nosniff and no-referrer on every answer, and a strict policy on the live page', async () => {
    for (const path of ['/', '/health', '/reports/nope', '/reports/%', '/dead-letters', '/live-page.js']) {
      const answer = await get(path);
      expect(rawHeader(answer, 'x-content-type-options'), path).toBe('nosniff');
      expect(rawHeader(answer, 'referrer-policy'), path).toBe('no-referrer');
    }
    const page = await get('/');
    const csp = rawHeader(page, 'content-security-policy') ?? '';
    expect(csp.split('; ')).toEqual(expect.arrayContaining(["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]));
    expect(csp).not.toContain('unsafe-inline');
    // nothing inline the policy would block: every script and style is a file of the server
    const html = page.text.slice(page.text.indexOf('\r\n\r\n'));
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=/i);
    for (const [path, type] of [['/live-page.js', 'text/javascript'], ['/live-page.css', 'text/css']]) {
      const asset = await get(path);
      expect(asset.status, path).toBe(200);
      expect(rawHeader(asset, 'content-type'), path).toMatch(new RegExp(`^${type}`));
      expect(html).toContain(`"${path}"`);
    }
  });

  it('refuses a foreign Host (DNS rebinding) and answers loopback and allowed names', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.evil.example', 'corp.example', '']) {
      const answer = await get('/reports', host);
      expect(answer.status, host).toBe(421);
      expect(rawJsonBody(answer), host).toEqual({ error: expect.stringMatching(/--allow-host/) });
    }
    for (const host of ['localhost', `localhost:${port}`, '127.0.0.1', '[::1]:80', 'LOCALHOST.', 'app.localhost:3000', 'prometheus.internal:9090', 'a.b.corp.example']) {
      expect((await get('/health', host)).status, host).toBe(200);
    }
    // an absolute-form target names its host itself
    expect((await get('http://evil.example/reports', 'localhost')).status).toBe(421);
    expect((await get(`http://localhost:${port}/health`, 'localhost')).status).toBe(200);
  });

  it('answers any Host with --allow-host *', async () => {
    const open = await startReportServer({ host: '127.0.0.1', port: 0, pipeline, allowHosts: ['*'] });
    try {
      const answer = await rawRequest(Number(new URL(open.url).port), 'GET /health HTTP/1.1\r\nHost: evil.example\r\n\r\n');
      expect(answer.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('turns a throw in a handler, sync or async, into a 500 JSON answer without a stack', async () => {
    const errors: unknown[] = [];
    const broken = {
      primary: 'cached',
      strategies: ['cached'],
      snapshot: () => {
        throw new Error('snapshot broke\n    at somewhere (file.ts:1:1)');
      },
      progress: { view: () => ({ done: false, events_read: 1, updated_at: null }) },
    } as unknown as Pipeline;
    const metrics = new PrometheusMetrics();
    metrics.registry.metrics = () => Promise.reject(new Error('collect broke'));
    const server = await startReportServer({ host: '127.0.0.1', port: 0, pipeline: broken, metrics, onError: (error) => errors.push(error) });
    const brokenPort = Number(new URL(server.url).port);
    try {
      const sync = await rawRequest(brokenPort, 'GET /reports HTTP/1.1\r\nHost: localhost\r\n\r\n');
      expect(sync.status).toBe(500);
      expect(rawJsonBody(sync)).toEqual({ error: 'internal error: snapshot broke' });
      const async = await rawRequest(brokenPort, 'GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n');
      expect(async.status).toBe(500);
      expect(rawJsonBody(async)).toEqual({ error: 'internal error: collect broke' });
      expect(errors.map((e) => (e as Error).message)).toEqual(['snapshot broke\n    at somewhere (file.ts:1:1)', 'collect broke']);
      expect((await rawRequest(brokenPort, 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('keeps /dead-letters small while the file holds every multi-megabyte record whole', async () => {
    const answer = await get('/dead-letters');
    expect(answer.status).toBe(200);
    expect(answer.text.length).toBeLessThan(200_000);
    const view = rawJsonBody(answer) as DeadLetterLogView;
    expect(view.total).toBe(3);
    const file = (await readFile(join(hostileDir, 'dead-letters.ndjson'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { raw: string });
    expect(file.map((l) => l.raw)).toEqual(bigLines);
    expect(view.recent).toHaveLength(3);
    view.recent.forEach((letter, i) => {
      expect(letter.raw_cut).toBe(true);
      expect(bigLines[i].startsWith(letter.raw)).toBe(true);
      expect(Buffer.byteLength(letter.raw)).toBeLessThanOrEqual(1024);
      expect(letter.raw_bytes).toBe(Buffer.byteLength(bigLines[i]));
      expect(letter.raw_sha256).toBe(createHash('sha256').update(bigLines[i]).digest('hex'));
      expect(letter.whole_record_at).toEqual({ file: join(hostileDir, 'dead-letters.ndjson') });
    });
  });
});
