import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalError, StreamPulseError } from '../../src/errors.ts';
import {
  COUNTRIES,
  DEVICES,
  GENRES,
  LABELS,
  PLANS,
  REGIONS,
  formatFixed,
  generateDataset,
  type GenerateOptions,
  type GenerateResult,
} from '../../src/generator/index.ts';

type Table = keyof GenerateResult['files'];
const TABLES: readonly Table[] = ['subscriptions', 'ad_rates', 'payouts', 'events'];

const EVENTS = 20_000;
const USERS = 100_000;
const ARTISTS = 5_000;

let root: string;
let dirCount = 0;

async function generate(options: Partial<GenerateOptions>): Promise<GenerateResult> {
  const outDir = join(root, `run-${dirCount++}`);
  return generateDataset({ outDir, seed: 7, events: EVENTS, users: USERS, artists: ARTISTS, ...options });
}

async function hashes(result: GenerateResult): Promise<Record<Table, string>> {
  const out = {} as Record<Table, string>;
  for (const table of TABLES) {
    out[table] = createHash('sha256').update(await readFile(result.files[table])).digest('hex');
  }
  return out;
}

async function lines(result: GenerateResult, table: Table): Promise<string[]> {
  const text = await readFile(result.files[table], 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  expect(text.includes('\r')).toBe(false);
  return text.slice(0, -1).split('\n');
}

/** One alternation of exact strings, for building line regexes from the notebook's lists. */
function oneOf(values: readonly string[]): string {
  return `(?:${values.map((v) => JSON.stringify(v).replace(/[.*+?^${}()|[\]\\&-]/g, '\\$&')).join('|')})`;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'streampulse-generator-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('generateDataset', () => {
  let base: GenerateResult;
  let events: string[];
  let subscriptions: string[];
  let adRates: string[];
  let payouts: string[];

  beforeAll(async () => {
    base = await generate({});
    [events, subscriptions, adRates, payouts] = await Promise.all([
      lines(base, 'events'),
      lines(base, 'subscriptions'),
      lines(base, 'ad_rates'),
      lines(base, 'payouts'),
    ]);
  });

  it('writes the four files into outDir and reports their total size', async () => {
    let total = 0;
    for (const table of TABLES) {
      expect(base.files[table]).toBe(join(dirname(base.files.events), `${table}.ndjson`));
      total += (await stat(base.files[table])).size;
    }
    expect(base.bytes).toBe(total);
  });

  it('is byte-identical for the same options and differs for another seed', async () => {
    const again = await hashes(await generate({}));
    expect(again).toEqual(await hashes(base));
    const other = await hashes(await generate({ seed: 8 }));
    for (const table of TABLES) expect(other[table], table).not.toBe(again[table]);
  });

  it('keeps the dimension tables independent of the event count', async () => {
    const fewer = await hashes(await generate({ events: 100 }));
    const full = await hashes(base);
    expect(fewer.subscriptions).toBe(full.subscriptions);
    expect(fewer.ad_rates).toBe(full.ad_rates);
    expect(fewer.payouts).toBe(full.payouts);
    expect(fewer.events).not.toBe(full.events);
  });

  it('writes the requested row counts', () => {
    expect(events).toHaveLength(EVENTS);
    expect(subscriptions).toHaveLength(USERS);
    expect(adRates).toHaveLength(48);
    expect(payouts).toHaveLength(ARTISTS);
  });

  it('formats events with the notebook column order and value formats', () => {
    const line = new RegExp(
      '^\\{"event_id":"EVT-(\\d{7})","user_id":"USR-(\\d{6})","artist_id":"ART-(\\d{5})",' +
        `"genre":${oneOf(GENRES)},"region":${oneOf(REGIONS)},"duration_sec":(\\d+),` +
        `"completed":(?:true|false),"device":${oneOf(DEVICES)},"event_date":"(2024-\\d{2}-\\d{2})"\\}$`,
    );
    events.forEach((text, i) => {
      const m = line.exec(text);
      if (!m) throw new Error(`bad event line ${i + 1}: ${text}`);
      expect(Number(m[1])).toBe(i + 1);
      const user = Number(m[2]);
      const artist = Number(m[3]);
      const duration = Number(m[4]);
      if (user < 1 || user > USERS || artist < 1 || artist > ARTISTS || duration < 15 || duration > 350) {
        throw new Error(`value out of range on line ${i + 1}: ${text}`);
      }
      const date = m[5];
      const [, month, day] = date.split('-').map(Number);
      const parsed = new Date(`${date}T00:00:00Z`);
      if (month < 1 || month > 12 || day < 1 || day > 28 || parsed.toISOString().slice(0, 10) !== date) {
        throw new Error(`bad date on line ${i + 1}: ${date}`);
      }
    });
  });

  it('draws every genre for 10%..15% of events and uses both booleans and both ends of ranges', () => {
    const parsed = events.map((l) => JSON.parse(l) as { genre: string; completed: boolean; duration_sec: number });
    for (const genre of GENRES) {
      const share = parsed.filter((e) => e.genre === genre).length / parsed.length;
      expect(share, genre).toBeGreaterThanOrEqual(0.1);
      expect(share, genre).toBeLessThanOrEqual(0.15);
    }
    const completed = parsed.filter((e) => e.completed).length / parsed.length;
    expect(Math.abs(completed - 0.5)).toBeLessThan(0.02);
    const durations = parsed.map((e) => e.duration_sec);
    expect(Math.min(...durations)).toBe(15);
    expect(Math.max(...durations)).toBe(350);
  });

  it('writes subscriptions for every user in order with a notebook price', () => {
    const line = new RegExp(
      `^\\{"user_id":"USR-(\\d{6})","plan":${oneOf(PLANS)},` +
        `"monthly_price":(?:0\\.00|9\\.99|14\\.99|4\\.99),"country":${oneOf(COUNTRIES)}\\}$`,
    );
    subscriptions.forEach((text, i) => {
      const m = line.exec(text);
      if (!m || Number(m[1]) !== i + 1) throw new Error(`bad subscription line ${i + 1}: ${text}`);
    });
    expect(new Set(subscriptions.map((l) => l.slice(0, 24))).size).toBe(USERS);
    // Price is drawn independently of plan, as in the notebook: free plans are not all 0.00.
    expect(subscriptions.some((l) => l.includes('"plan":"free","monthly_price":14.99'))).toBe(true);
  });

  it('writes every genre x device ad rate exactly once, in order, with a 2-decimal cpm', () => {
    const line = new RegExp(`^\\{"ad_genre":(${oneOf(GENRES)}),"ad_device":(${oneOf(DEVICES)}),"cpm":(\\d\\.\\d{2})\\}$`);
    const pairs = adRates.map((text) => {
      const m = line.exec(text);
      if (!m) throw new Error(`bad ad rate line: ${text}`);
      const cents = Number(m[3].replace('.', ''));
      expect(cents).toBeGreaterThanOrEqual(150);
      expect(cents).toBeLessThanOrEqual(800);
      return `${JSON.parse(m[1])}|${JSON.parse(m[2])}`;
    });
    expect(pairs).toEqual(GENRES.flatMap((g) => DEVICES.map((d) => `${g}|${d}`)));
    expect(new Set(pairs).size).toBe(48);
  });

  it('writes payouts for every artist in order with a 4-decimal rate', () => {
    const line = new RegExp(`^\\{"artist_id":"ART-(\\d{5})","per_stream_rate":0\\.00([3-8]\\d),"label_type":${oneOf(LABELS)}\\}$`);
    payouts.forEach((text, i) => {
      const m = line.exec(text);
      if (!m || Number(m[1]) !== i + 1) throw new Error(`bad payout line ${i + 1}: ${text}`);
      const units = Number(m[2]);
      if (units < 30 || units > 80) throw new Error(`rate out of range on line ${i + 1}: ${text}`);
    });
    expect(new Set(payouts.map((l) => l.slice(0, 23))).size).toBe(ARTISTS);
    // Trailing zeros survive: fixed digits, not the shortest float.
    expect(payouts.some((l) => /"per_stream_rate":0\.00[3-8]0,/.test(l))).toBe(true);
  });
});

describe('generateDataset scaling and progress', () => {
  it('bounds ids by users and artists and reports progress about every 50,000 events', async () => {
    const progress: Array<[number, number]> = [];
    const result = await generate({
      outDir: join(root, 'nested', 'missing', 'dir'),
      events: 120_000,
      users: 50,
      artists: 7,
      onProgress: (written, total) => progress.push([written, total]),
    });
    expect(progress).toEqual([[50_000, 120_000], [100_000, 120_000], [120_000, 120_000]]);
    const events = await lines(result, 'events');
    expect(events).toHaveLength(120_000);
    const users = new Set(events.map((l) => /"user_id":"(USR-\d+)"/.exec(l)?.[1]));
    const artists = new Set(events.map((l) => /"artist_id":"(ART-\d+)"/.exec(l)?.[1]));
    expect(users.size).toBe(50);
    expect(artists).toEqual(new Set(Array.from({ length: 7 }, (_, i) => `ART-0000${i + 1}`)));
    expect(await lines(result, 'subscriptions')).toHaveLength(50);
    expect(await lines(result, 'payouts')).toHaveLength(7);
  });

  it('writes an empty events file for zero events', async () => {
    const progress: number[] = [];
    const result = await generate({ events: 0, users: 3, artists: 2, onProgress: (w) => progress.push(w) });
    expect(await readFile(result.files.events, 'utf8')).toBe('');
    expect(progress).toEqual([0]);
  });

  it('rejects invalid options with a BadFlag error', async () => {
    for (const bad of [{ events: -1 }, { users: 0 }, { artists: 1.5 }, { seed: 2 ** 32 }]) {
      await expect(generate(bad)).rejects.toMatchObject({ name: 'UsageError', code: 'SP_USAGE' });
    }
    await expect(generate({ users: 0 })).rejects.toBeInstanceOf(StreamPulseError);
  });
});

describe('generateDataset I/O failures', () => {
  it('rejects with an IO error when a file cannot be written', async () => {
    const outDir = join(root, 'blocked');
    await mkdir(join(outDir, 'payouts.ndjson'), { recursive: true });
    await expect(generate({ outDir, events: 10 })).rejects.toMatchObject({ code: 'SP_IO' });
  });

  it('rejects with an IO error when outDir cannot be created', async () => {
    const file = join(root, 'plain-file');
    await writeFile(file, 'x');
    await expect(generate({ outDir: join(file, 'sub'), events: 10 })).rejects.toMatchObject({ code: 'SP_IO' });
  });
});

describe('formatFixed', () => {
  it('prints integer minor units with exactly the given decimals', () => {
    expect(formatFixed(0, 2)).toBe('0.00');
    expect(formatFixed(999, 2)).toBe('9.99');
    expect(formatFixed(1499, 2)).toBe('14.99');
    expect(formatFixed(340, 2)).toBe('3.40');
    expect(formatFixed(50, 4)).toBe('0.0050');
    expect(formatFixed(80, 4)).toBe('0.0080');
    expect(() => formatFixed(1.5, 2)).toThrow(InternalError);
  });
});
