/**
 * The reports are a function of the set of events, not of their order or of how a source cut them
 * into batches: shuffled lines and batch sizes 1, 7 and 5000 give byte-identical report JSON.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Strategy } from '../../src/domain/run-progress.ts';
import { generateDataset, Prng } from '../../src/generator/index.ts';
import { runPipeline } from '../helpers/run-pipeline.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const EVENTS = 8_000;
const STRATEGIES: readonly Strategy[] = ['cached', 'naive'];

let root: string | undefined;
let original: string;
let shuffled: string;
const baseline = new Map<Strategy, string>();

/** Fisher–Yates with the project's seeded PRNG, so a failure replays exactly. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const prng = new Prng(seed, 99);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.intInclusive(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function reportsJson(dir: string, batchSize: number): Promise<Map<Strategy, string>> {
  const run = await runPipeline(dir, { strategies: STRATEGIES, batchSize, cacheSize: 128 });
  const out = new Map<Strategy, string>();
  for (const strategy of STRATEGIES) {
    const snap = run.snapshot(strategy);
    expect(snap.progress.events_read).toBe(EVENTS);
    out.set(strategy, JSON.stringify(snap.reports));
  }
  return out;
}

beforeAll(async () => {
  root = await makeTempDir('streampulse-order-');
  original = join(root, 'original');
  shuffled = join(root, 'shuffled');
  // users > events/3 and few artists: many distinct users per group and payout ties
  await generateDataset({ outDir: original, seed: 3, events: EVENTS, users: 3_000, artists: 150 });
  await mkdir(shuffled);
  for (const table of ['subscriptions', 'ad_rates', 'payouts']) {
    await copyFile(join(original, `${table}.ndjson`), join(shuffled, `${table}.ndjson`));
  }
  const lines = (await readFile(join(original, 'events.ndjson'), 'utf8')).split('\n').filter((l) => l !== '');
  const mixed = shuffle(lines, 2024);
  expect(mixed).not.toEqual(lines);
  expect([...mixed].sort()).toEqual([...lines].sort());
  await writeFile(join(shuffled, 'events.ndjson'), mixed.map((l) => l + '\n').join(''));
  for (const [strategy, json] of await reportsJson(original, 1000)) baseline.set(strategy, json);
});

afterAll(async () => {
  await removeTempDir(root);
});

describe('report order invariance', () => {
  it('baseline reports are non-trivial and the same for both strategies', () => {
    const reports = JSON.parse(baseline.get('cached') ?? 'null') as { artist_payouts: { total_payout: number }[]; daily_summary: unknown[] };
    expect(reports.artist_payouts).toHaveLength(100);
    expect(reports.daily_summary).toHaveLength(12 * 28);
    // with 150 artists at 51 possible rates, the top 100 contains equal payouts, so the tie-break matters
    const payouts = reports.artist_payouts.map((r) => r.total_payout);
    expect(new Set(payouts).size).toBeLessThan(payouts.length);
    expect(baseline.get('naive')).toBe(baseline.get('cached'));
  });

  it.each([
    ['shuffled', 1000],
    ['original', 1],
    ['original', 7],
    ['original', 5000],
    ['shuffled', 1],
    ['shuffled', 7],
    ['shuffled', 5000],
  ] as const)('%s events in batches of %i give identical reports', async (which, batchSize) => {
    const got = await reportsJson(which === 'original' ? original : shuffled, batchSize);
    for (const strategy of STRATEGIES) expect(got.get(strategy), strategy).toBe(baseline.get(strategy));
  });
});
