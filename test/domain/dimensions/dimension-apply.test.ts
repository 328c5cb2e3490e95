/**
 * applyDimensionBatch (field scanner first, reference decoder for the rest) against an independent
 * model built with the reference decoders alone: the same rows applied, a later row for a key
 * winning, the same dead letters with the same reasons, details and text, and every table reading
 * back each key's last valid row, through the subscription cache (hits, misses, replacements) and
 * the naive path. Rows: generated files, restructured and mutated, each key repeated across passes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDimensionBatch, createDimensions, NO_SUBSCRIPTION, type Dimensions } from '../../../src/domain/dimensions/index.ts';
import { decodeAdRate, decodePayout, decodeSubscription, type AdRateRecord, type PayoutRecord, type SubscriptionRecord } from '../../../src/domain/records/dimension-records.ts';
import { rawBatchFromLines } from '../../../src/domain/records/raw-batch.ts';
import { Rejection } from '../../../src/domain/records/rejection.ts';
import type { DimensionName } from '../../../src/domain/records/schema.ts';
import { generateDataset, Prng } from '../../../src/generator/index.ts';
import { mutate, restructure } from '../../helpers/json-mutations.ts';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

let root: string | undefined;
const valid: Record<string, string[]> = {};

beforeAll(async () => {
  root = await makeTempDir('streampulse-dimension-apply-');
  await generateDataset({ outDir: root, seed: 11, events: 10, users: 400, artists: 300 });
  for (const table of ['subscriptions', 'ad_rates', 'payouts']) valid[table] = (await readFile(join(root, `${table}.ndjson`), 'utf8')).split('\n').filter((l) => l !== '');
});

afterAll(async () => {
  await removeTempDir(root);
});

/** `passes` rounds over the valid rows, each row kept, restructured or mutated, in shuffled order. */
function rowsOf(table: string, passes: number, seed: number): string[] {
  const prng = new Prng(seed, 3);
  const lines: string[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const round = valid[table].map((line) => {
      const pick = prng.intInclusive(0, 9);
      if (pick < 4) return line;
      if (pick < 8) return restructure(line, prng);
      return mutate(line, prng);
    });
    for (let i = round.length - 1; i > 0; i--) {
      const j = prng.intInclusive(0, i);
      [round[i], round[j]] = [round[j], round[i]];
    }
    lines.push(...round);
  }
  return lines;
}

interface Letter {
  seq: number;
  reason: string;
  detail: string;
  raw: string;
}

/** Applies `lines` in batches of `batchSize`, checking after each batch with `check`; returns the dead letters. */
function applyAll(dims: Dimensions, table: DimensionName, lines: readonly string[], batchSize: number, check: (appliedSoFar: number) => void): Letter[] {
  const letters: Letter[] = [];
  for (let from = 0; from < lines.length; from += batchSize) {
    const result = applyDimensionBatch(dims, table, rawBatchFromLines(lines.slice(from, from + batchSize), 'fuzz', from + 1));
    letters.push(...result.rejected.map((l) => ({ seq: l.seq, reason: l.reason, detail: l.detail, raw: l.raw })));
    check(from + batchSize);
  }
  return letters;
}

/** The model: reference-decoded rows by key (later wins) after the first `count` lines, and the dead letters. */
function model<R>(lines: readonly string[], count: number, decode: (text: string) => R | Rejection, key: (r: R) => string): { rows: Map<string, R>; letters: Letter[] } {
  const rows = new Map<string, R>();
  const letters: Letter[] = [];
  lines.slice(0, count).forEach((line, i) => {
    const r = decode(line);
    if (r instanceof Rejection) letters.push({ seq: i + 1, reason: r.reason, detail: r.detail, raw: line });
    else rows.set(key(r), r);
  });
  return { rows, letters };
}

describe('applyDimensionBatch agrees with the reference decoders', () => {
  it('subscriptions: last valid row per user, through cache hits, misses and replacements', () => {
    const lines = rowsOf('subscriptions', 12, 1);
    const dims = createDimensions({ cacheSize: 50 });
    const problems: string[] = [];
    const letters = applyAll(dims, 'subscriptions', lines, 173, (count) => {
      const { rows } = model(lines, count, decodeSubscription, (r: SubscriptionRecord) => r.user_id);
      if (dims.subscriptions.size !== rows.size) problems.push(`after ${count}: ${dims.subscriptions.size} rows, model ${rows.size}`);
      for (const [user_id, want] of rows) {
        // twice: a miss decodes the stored row, the second read is a cache hit
        for (let read = 0; read < 2; read++) {
          const got = dims.subscriptions.get(dims.dicts.user.idOf(user_id));
          const names = got === NO_SUBSCRIPTION ? undefined : [dims.dicts.plan.value(dims.subscriptions.planOf(got)), dims.dicts.country.value(dims.subscriptions.countryOf(got))];
          if (JSON.stringify(names) !== JSON.stringify([want.plan, want.country])) problems.push(`after ${count}: ${user_id} cached ${JSON.stringify(names)}, model ${want.plan}/${want.country}`);
        }
        const naive = dims.subscriptions.lookupUncached(user_id);
        if (JSON.stringify(naive) !== JSON.stringify(want)) problems.push(`after ${count}: ${user_id} naive ${JSON.stringify(naive)}, model ${JSON.stringify(want)}`);
      }
    });
    const want = model(lines, lines.length, decodeSubscription, (r: SubscriptionRecord) => r.user_id);
    expect(problems.slice(0, 10)).toEqual([]);
    expect(letters).toEqual(want.letters);
    // the mix must exercise rejects, replacements and both decode paths of the store
    expect(letters.length).toBeGreaterThan(200);
    expect(dims.subscriptions.counters.hits).toBeGreaterThan(100);
    expect(dims.subscriptions.counters.misses).toBeGreaterThan(1000);
    for (const name of ['user', 'plan', 'country'] as const) expect(dims.dicts[name].size).toBeGreaterThan(0);
  });

  it('ad rates and payouts: last valid row per key, dense arrays and naive path alike', () => {
    const rates = rowsOf('ad_rates', 20, 2);
    const dims = createDimensions({ cacheSize: 8 });
    const rateLetters = applyAll(dims, 'ad_rates', rates, 37, () => {});
    const rateModel = model(rates, rates.length, decodeAdRate, (r: AdRateRecord) => `${r.ad_genre}/${r.ad_device}`);
    expect(rateLetters).toEqual(rateModel.letters);
    expect(dims.adRates.size).toBe(rateModel.rows.size);
    for (const want of rateModel.rows.values()) {
      expect(dims.adRates.cpmUnits(dims.dicts.genre.idOf(want.ad_genre), dims.dicts.device.idOf(want.ad_device))).toBe(want.cpmUnits);
      expect(dims.adRates.lookupUncached(want.ad_genre, want.ad_device)).toEqual(want);
    }

    const payouts = rowsOf('payouts', 3, 3);
    const payoutLetters = applyAll(dims, 'payouts', payouts, 101, () => {});
    const payoutModel = model(payouts, payouts.length, decodePayout, (r: PayoutRecord) => r.artist_id);
    expect(payoutLetters).toEqual(payoutModel.letters);
    expect(dims.payouts.size).toBe(payoutModel.rows.size);
    for (const want of payoutModel.rows.values()) {
      const artist = dims.dicts.artist.idOf(want.artist_id);
      expect([dims.payouts.rateUnits(artist), dims.dicts.label.value(dims.payouts.label(artist))]).toEqual([want.rateUnits, want.label_type]);
      expect(dims.payouts.lookupUncached(want.artist_id)).toEqual(want);
    }
    expect(rateLetters.length + payoutLetters.length).toBeGreaterThan(50);
  });

  it('a row the scanner leaves to the reference (escapes, non-ASCII) is stored as it arrived and read back decoded', () => {
    const dims = createDimensions({ cacheSize: 4 });
    const lines = [
      '{"user_id":"U\\u0031","plan":"fam\\u00efly","monthly_price":1.5e1,"country":"DÉ"}',
      '{"user_id":"U2","plan":"free","monthly_price":0,"country":"US"}',
      '{"user_id":"U1","plan":"free","monthly_price":0,"country":"US","plan":"student"}',
    ];
    expect(applyDimensionBatch(dims, 'subscriptions', rawBatchFromLines(lines.slice(0, 2))).applied).toBe(2);
    const u1 = dims.dicts.user.idOf('U1');
    const row = dims.subscriptions.get(u1);
    expect([dims.dicts.plan.value(dims.subscriptions.planOf(row)), dims.dicts.country.value(dims.subscriptions.countryOf(row))]).toEqual(['famïly', 'DÉ']);
    expect(dims.subscriptions.lookupUncached('U1')).toEqual({ user_id: 'U1', plan: 'famïly', monthlyPriceUnits: 150000, country: 'DÉ' });
    // the plain spelling of the same user replaces the escaped one; the duplicate plan key's last value wins
    expect(applyDimensionBatch(dims, 'subscriptions', rawBatchFromLines(lines.slice(2))).applied).toBe(1);
    expect(dims.subscriptions.size).toBe(2);
    expect(dims.subscriptions.lookupUncached('U1')?.plan).toBe('student');
    const replaced = dims.subscriptions.get(u1);
    expect(dims.dicts.plan.value(dims.subscriptions.planOf(replaced))).toBe('student');
  });

  it('a first batch of a huge file reserves a bounded store, which grows as rows come', () => {
    const dims = createDimensions({ cacheSize: 16 });
    const batch = rawBatchFromLines(valid.subscriptions.slice(0, 50));
    // the batch says it is the first 4 KB of 200 GB: reserving that would throw (no such buffer)
    const huge = { ...batch, position: { ...batch.position, bytes: 4_096, totalBytes: 200e9 } };
    expect(applyDimensionBatch(dims, 'subscriptions', huge).applied).toBe(50);
    expect(applyDimensionBatch(dims, 'subscriptions', rawBatchFromLines(valid.subscriptions.slice(50))).applied).toBe(valid.subscriptions.length - 50);
    expect(dims.subscriptions.size).toBe(valid.subscriptions.length);
  });
});
