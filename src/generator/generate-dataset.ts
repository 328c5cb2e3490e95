/**
 * Replays the notebook's dataset as NDJSON files: same columns, same value ranges, same
 * distributions, but drawn from our own seeded PRNG so a seed always yields the same bytes.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import { InternalError, IoError, StreamPulseError, UsageError } from '../errors.ts';
import type { TableName } from '../domain/records/schema.ts';
import { Prng } from './prng.ts';
import {
  COUNTRIES,
  CPM_CENTS,
  DEVICES,
  DURATION_SEC,
  EVENT_DAY_MAX,
  EVENT_YEAR,
  GENRES,
  LABELS,
  PLANS,
  PRICES_CENTS,
  RATE_TEN_THOUSANDTHS,
  REGIONS,
} from './notebook-values.ts';

export interface GenerateOptions {
  outDir: string;
  seed: number;
  events: number;
  users: number;
  artists: number;
  onProgress?: (written: number, total: number) => void;
}

export interface GenerateResult {
  /** Path of each written file, by table. */
  files: Record<TableName, string>;
  /** Total bytes written across all four files. */
  bytes: number;
}

export const FILE_NAMES: Readonly<Record<TableName, string>> = {
  subscriptions: 'subscriptions.ndjson',
  ad_rates: 'ad_rates.ndjson',
  payouts: 'payouts.ndjson',
  events: 'events.ndjson',
};

/** Each table draws from its own PRNG stream, so e.g. the event count never changes payouts. */
const STREAM = { subscriptions: 1, ad_rates: 2, payouts: 3, events: 4 } as const;

/**
 * Lines are joined into chunks of about this many characters before each write. 1 MiB, not
 * more: bigger chunks keep more short-lived line strings alive and GC time grows sharply.
 */
const CHUNK_CHARS = 1024 * 1024;
const PROGRESS_EVERY = 50_000;
/** Up to this many ids are padded once up front instead of on every event. */
const ID_TABLE_MAX = 1_000_000;

/** Minimum id widths from the notebook's format strings; larger scales simply widen ids. */
const EVENT_ID_WIDTH = 7;
const USER_ID_WIDTH = 6;
const ARTIST_ID_WIDTH = 5;

export async function generateDataset(o: GenerateOptions): Promise<GenerateResult> {
  checkCount('events', o.events, 0);
  checkCount('users', o.users, 1);
  checkCount('artists', o.artists, 1);
  if (!Number.isInteger(o.seed) || o.seed < -0x8000_0000 || o.seed > 0xffff_ffff) {
    throw new UsageError(`seed must be a 32-bit integer, got ${o.seed}`);
  }
  try {
    await mkdir(o.outDir, { recursive: true });
  } catch (err) {
    throw ioError(o.outDir, err);
  }
  const files: Record<TableName, string> = {
    subscriptions: join(o.outDir, FILE_NAMES.subscriptions),
    ad_rates: join(o.outDir, FILE_NAMES.ad_rates),
    payouts: join(o.outDir, FILE_NAMES.payouts),
    events: join(o.outDir, FILE_NAMES.events),
  };
  let bytes = 0;
  bytes += await writeLines(files.subscriptions, o.users, subscriptionLines(new Prng(o.seed, STREAM.subscriptions)));
  bytes += await writeLines(files.ad_rates, GENRES.length * DEVICES.length, adRateLines(new Prng(o.seed, STREAM.ad_rates)));
  bytes += await writeLines(files.payouts, o.artists, payoutLines(new Prng(o.seed, STREAM.payouts)));
  const onProgress = o.onProgress;
  bytes += await writeLines(
    files.events,
    o.events,
    eventLines(new Prng(o.seed, STREAM.events), o.users, o.artists),
    onProgress && ((written) => onProgress(written, o.events)),
  );
  return { files, bytes };
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Builds line i (0-based), newline included. Lines are produced strictly in order. */
type LineMaker = (i: number) => string;

function subscriptionLines(prng: Prng): LineMaker {
  const plans = PLANS.map((p) => `","plan":${JSON.stringify(p)},"monthly_price":`);
  const prices = PRICES_CENTS.map((c) => formatFixed(c, 2));
  const countries = COUNTRIES.map((c) => `,"country":${JSON.stringify(c)}}\n`);
  // Draw order follows the notebook's tuple: plan, price, country.
  return (i) => {
    const plan = prng.pick(plans);
    const price = prng.pick(prices);
    const country = prng.pick(countries);
    return `{"user_id":"USR-${pad(i + 1, USER_ID_WIDTH)}${plan}${price}${country}`;
  };
}

function adRateLines(prng: Prng): LineMaker {
  return (i) => {
    const genre = GENRES[Math.floor(i / DEVICES.length)];
    const device = DEVICES[i % DEVICES.length];
    const cpm = formatFixed(prng.intInclusive(CPM_CENTS.min, CPM_CENTS.max), 2);
    return `{"ad_genre":${JSON.stringify(genre)},"ad_device":${JSON.stringify(device)},"cpm":${cpm}}\n`;
  };
}

function payoutLines(prng: Prng): LineMaker {
  const labels = LABELS.map((l) => `,"label_type":${JSON.stringify(l)}}\n`);
  return (i) => {
    const rate = formatFixed(prng.intInclusive(RATE_TEN_THOUSANDTHS.min, RATE_TEN_THOUSANDTHS.max), 4);
    const label = prng.pick(labels);
    return `{"artist_id":"ART-${pad(i + 1, ARTIST_ID_WIDTH)}","per_stream_rate":${rate}${label}`;
  };
}

function eventLines(prng: Prng, users: number, artists: number): LineMaker {
  // Every fixed fragment is built once; the hot loop only draws indexes and concatenates.
  const genres = GENRES.map((g) => `","genre":${JSON.stringify(g)},"region":`);
  const regions = REGIONS.map((r) => `${JSON.stringify(r)},"duration_sec":`);
  const devices = DEVICES.map((d) => `,"device":${JSON.stringify(d)},"event_date":"${EVENT_YEAR}-`);
  const months = Array.from({ length: 12 }, (_, m) => `${pad(m + 1, 2)}-`);
  const days = Array.from({ length: EVENT_DAY_MAX }, (_, d) => `${pad(d + 1, 2)}"}\n`);
  const userIds = idTable(users, USER_ID_WIDTH);
  const artistIds = idTable(artists, ARTIST_ID_WIDTH);
  // Draw order follows the notebook's tuple: user, artist, genre, region, duration, completed,
  // device, month, day.
  return (i) => {
    const u = prng.intInclusive(1, users);
    const user = userIds ? userIds[u] : pad(u, USER_ID_WIDTH);
    const a = prng.intInclusive(1, artists);
    const artist = artistIds ? artistIds[a] : pad(a, ARTIST_ID_WIDTH);
    const genre = prng.pick(genres);
    const region = prng.pick(regions);
    const duration = prng.intInclusive(DURATION_SEC.min, DURATION_SEC.max);
    const completed = prng.bool() ? ',"completed":true' : ',"completed":false';
    const device = prng.pick(devices);
    const month = prng.pick(months);
    const day = prng.pick(days);
    return (
      `{"event_id":"EVT-${pad(i + 1, EVENT_ID_WIDTH)}","user_id":"USR-${user}","artist_id":"ART-${artist}` +
      `${genre}${region}${duration}${completed}${device}${month}${day}`
    );
  };
}

/** Padded ids indexed by number (index 0 unused), or undefined when too many to be worth caching. */
function idTable(count: number, width: number): string[] | undefined {
  if (count > ID_TABLE_MAX) return undefined;
  return Array.from({ length: count + 1 }, (_, n) => pad(n, width));
}

/** Zero-padded decimal; never truncates, so ids past the notebook's scale just get wider. */
function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Formats an integer count of 10^-decimals units with exactly `decimals` digits, e.g.
 * (50, 4) -> "0.0050". Integer division and remainder only, so no float rounding can creep in.
 */
export function formatFixed(units: number, decimals: number): string {
  if (!Number.isSafeInteger(units) || units < 0) throw new InternalError(`formatFixed needs a non-negative integer, got ${units}`);
  const scale = 10 ** decimals;
  return `${Math.floor(units / scale)}.${pad(units % scale, decimals)}`;
}

/**
 * Writes `count` lines to `path` in large chunks, waiting for 'drain' when the stream's buffer
 * is full. Also flushes at every PROGRESS_EVERY rows so `onRows` reports rows handed to the file.
 * Returns the bytes written.
 */
async function writeLines(path: string, count: number, line: LineMaker, onRows?: (written: number) => void): Promise<number> {
  const out = createWriteStream(path);
  // Keep the first stream error so a failure between awaits is reported, not thrown unhandled.
  let failure: Error | undefined;
  out.on('error', (err) => {
    failure ??= err;
  });
  let bytes = 0;
  try {
    let chunk = '';
    for (let i = 0; i < count; i++) {
      chunk += line(i);
      const rows = i + 1;
      const atProgress = rows % PROGRESS_EVERY === 0;
      if (chunk.length >= CHUNK_CHARS || atProgress) {
        bytes += await writeChunk(out, chunk, () => failure);
        chunk = '';
      }
      if (atProgress && rows < count) onRows?.(rows);
    }
    if (chunk.length > 0) bytes += await writeChunk(out, chunk, () => failure);
    out.end();
    // finished() also settles for a stream that already closed or failed, unlike once('close').
    await finished(out);
  } catch (err) {
    out.destroy();
    throw ioError(path, failure ?? err);
  }
  if (failure) throw ioError(path, failure);
  onRows?.(count);
  return bytes;
}

async function writeChunk(out: WriteStream, chunk: string, failure: () => Error | undefined): Promise<number> {
  const err = failure();
  if (err) throw err;
  // A destroyed stream never emits 'drain'; refuse to wait for it.
  if (out.destroyed) throw new IoError('stream was destroyed');
  const buffer = Buffer.from(chunk, 'utf8');
  if (!out.write(buffer)) await once(out, 'drain');
  return buffer.length;
}

function ioError(path: string, cause: unknown): StreamPulseError {
  if (cause instanceof StreamPulseError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new IoError(`cannot write ${path}: ${detail}`, { cause });
}
