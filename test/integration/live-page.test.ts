import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/generator/index.ts';
import { startReportServer, type RunningServer } from '../../src/http/report-server.ts';
import { Pipeline, type ReportSnapshot } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const CHROMIUM = '/usr/bin/chromium';
// every run saves its screenshot under .streampulse/; the README's copy in docs/ is refreshed
// only on request (UPDATE_SCREENSHOT=1), so a test run leaves the work tree clean
const SCREENSHOT = resolve(import.meta.dirname, process.env.UPDATE_SCREENSHOT === '1' ? '../../docs/live-page.png' : '../../.streampulse/screenshots/live-page.png');
const EVENTS = 40_000;
const REPORT_NAMES = ['genre_revenue', 'regional_breakdown', 'subscription_analysis', 'ad_performance', 'artist_payouts', 'daily_summary'];

let dir: string | undefined;
let server: RunningServer | undefined;
let browser: Browser | undefined;
let page: Page;
let run: Promise<void> | undefined;
let released: () => void = () => {};
const pageErrors: string[] = [];

/** Waits for `go`, then yields to the event loop between batches so the page polls mid-stream. */
async function* slowly(go: Promise<void>, items: AsyncIterable<SourceItem>): AsyncGenerator<SourceItem> {
  await go;
  for await (const item of items) {
    yield item;
    await new Promise((done) => setTimeout(done, 40));
  }
}

const eventsRead = async (): Promise<number> => Number((await page.textContent('#events-read'))?.replace(/,/g, ''));

/** Every test fails (never skips) without the browser, saying how to install it. */
function needChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run \`bash scripts/install-chromium.sh\` (installs Debian's chromium; .ci/run does it before npm test)`);
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  dir = await makeTempDir('streampulse-live-page-');
  await generateDataset({ outDir: dir, seed: 23, events: EVENTS, users: 5_000, artists: 300 });
  const pipeline = new Pipeline({ strategies: ['cached', 'naive'], cacheSize: 1_000 });
  server = await startReportServer({ host: '127.0.0.1', port: 0, pipeline });
  // the replay starts once the page is open, so the page sees the numbers grow
  const go = new Promise<void>((resolveGo) => (released = resolveGo));
  run = pipeline.run(slowly(go, readInputLayout(await resolveInputDir(dir), 400)));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const response = await page.goto(`${server.url}/`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  // the page runs under its strict policy: no inline script or style, so it must work from its own files
  expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'none';.*script-src 'self'/);
  released();
});

afterAll(async () => {
  released();
  await run?.catch(() => {});
  await browser?.close();
  await server?.close();
  await removeTempDir(dir);
});

describe('live page', () => {
  it('shows events read growing while the replay runs', async () => {
    needChromium();
    await expect.poll(eventsRead, { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);
    const first = await eventsRead();
    expect(first).toBeLessThan(EVENTS);
    await expect.poll(eventsRead, { timeout: 20_000, interval: 100 }).toBeGreaterThan(first);
  });

  it('renders all six reports, both charts and the naive vs cached panel', async () => {
    needChromium();
    for (const name of REPORT_NAMES) {
      await page.waitForSelector(`table[data-report="${name}"] tbody tr`, { timeout: 10_000 });
      expect(await page.locator(`table[data-report="${name}"] tbody tr`).count(), name).toBeGreaterThan(0);
    }
    expect(await page.locator('#genre-chart svg rect').count()).toBeGreaterThan(0);
    const points = await page.getAttribute('#daily-chart svg polyline', 'points');
    expect(points?.trim().split(/\s+/).length).toBeGreaterThan(0);
    await page.waitForSelector('#comparison:not([hidden]) tr[data-strategy="naive"]', { timeout: 10_000 });
    const comparison = (await page.textContent('#comparison')) ?? '';
    expect(comparison).toContain('cached');
    expect(comparison).toContain('naive');
    expect(await page.textContent('#ratio')).toMatch(/^\d[\d,]*\.\d\d×$/);
  });

  it('ends on the server’s final figures', async () => {
    needChromium();
    await run;
    await expect.poll(eventsRead, { timeout: 10_000, interval: 100 }).toBe(EVENTS);
    await expect.poll(() => page.textContent('#status'), { timeout: 10_000, interval: 100 }).toBe('done');
    const final = (await (await fetch(`${server?.url}/reports`)).json()) as ReportSnapshot;
    expect(final.progress.done).toBe(true);
    const column = (col: string): Promise<string[]> => page.locator(`table[data-report="genre_revenue"] tbody tr td[data-col="${col}"]`).allTextContents();
    const numbers = async (col: string): Promise<number[]> => (await column(col)).map((text) => Number(text.replace(/,/g, '')));
    expect(await column('genre')).toEqual(final.reports.genre_revenue.map((r) => r.genre));
    expect(await numbers('unique_listeners')).toEqual(final.reports.genre_revenue.map((r) => r.unique_listeners));
    expect(await numbers('total_ad_rev')).toEqual(final.reports.genre_revenue.map((r) => r.total_ad_rev));
    expect(await page.locator('table[data-report="daily_summary"] tbody tr').count()).toBe(final.reports.daily_summary.length);
    expect(await page.textContent('#comparison')).toContain('identical ✓');
    expect(await page.textContent('#error')).toBe('');
    expect(pageErrors).toEqual([]);
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
