import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptSmallTable, applyDimensionBatch, createDimensions, smallTableImage, type Dimensions } from '../../../src/domain/dimensions/index.ts';
import { rawBatchFromLines } from '../../../src/domain/records/raw-batch.ts';
import { generateDataset } from '../../../src/generator/index.ts';
import { makeTempDir, removeTempDir } from '../../helpers/temp-dir.ts';

let root: string | undefined;
const rows: Record<'ad_rates' | 'payouts', string[]> = { ad_rates: [], payouts: [] };

beforeAll(async () => {
  root = await makeTempDir('streampulse-small-table-image-');
  await generateDataset({ outDir: root, seed: 3, events: 10, users: 50, artists: 700 });
  for (const table of ['ad_rates', 'payouts'] as const) rows[table] = (await readFile(join(root, `${table}.ndjson`), 'utf8')).split('\n').filter((l) => l !== '');
});
afterAll(async () => {
  await removeTempDir(root);
});

const applied = (dims: Dimensions, table: 'ad_rates' | 'payouts', lines: readonly string[]): void => void applyDimensionBatch(dims, table, rawBatchFromLines(lines, table));

/** Every lookup either table answers, by the values' text: what the cached and naive joins read. */
function lookups(dims: Dimensions): unknown {
  const { dicts } = dims;
  const genres = Array.from({ length: dicts.genre.size }, (_, g) => dicts.genre.value(g));
  const devices = Array.from({ length: dicts.device.size }, (_, d) => dicts.device.value(d));
  const artists = Array.from({ length: dicts.artist.size }, (_, a) => dicts.artist.value(a));
  return {
    cpm: genres.flatMap((genre, g) => devices.map((device, d) => [genre, device, dims.adRates.cpmUnits(g, d), dims.adRates.lookupUncached(genre, device)])),
    payouts: artists.map((artist, a) => [artist, dims.payouts.rateUnits(a), dicts.label.value(dims.payouts.label(a)), dims.payouts.lookupUncached(artist)]),
    sizes: [dims.adRates.size, dims.payouts.size],
  };
}

describe('small table images', () => {
  it('an adopted table answers every lookup as the table it was taken from, under the same ids', () => {
    const loaded = createDimensions({ cacheSize: 10 });
    applied(loaded, 'ad_rates', rows.ad_rates);
    applied(loaded, 'payouts', rows.payouts);
    const adopting = createDimensions({ cacheSize: 10 });
    adoptSmallTable(adopting, structuredClone(smallTableImage(loaded, 'ad_rates')));
    adoptSmallTable(adopting, structuredClone(smallTableImage(loaded, 'payouts')));
    expect(adopting.dicts.artist.size).toBe(700);
    expect(lookups(adopting)).toEqual(lookups(loaded));
    // ids as the loader's: an event's genre and artist find the same ids on either
    expect(adopting.dicts.genre.idOf(loaded.dicts.genre.value(3))).toBe(3);
    expect(adopting.dicts.artist.idOf(loaded.dicts.artist.value(699))).toBe(699);
  });

  it('takes a later image of the same table over an earlier one, and refuses one that does not begin with what it holds', () => {
    const loaded = createDimensions({ cacheSize: 10 });
    applied(loaded, 'payouts', rows.payouts.slice(0, 300));
    const adopting = createDimensions({ cacheSize: 10 });
    adoptSmallTable(adopting, structuredClone(smallTableImage(loaded, 'payouts')));
    applied(loaded, 'payouts', rows.payouts.slice(300));
    adoptSmallTable(adopting, structuredClone(smallTableImage(loaded, 'payouts')));
    expect(lookups(adopting)).toEqual(lookups(loaded));
    const other = createDimensions({ cacheSize: 10 });
    applied(other, 'payouts', rows.payouts.slice(500));
    expect(() => adoptSmallTable(other, smallTableImage(loaded, 'payouts'))).toThrow(/cannot adopt/);
  });
});
