import { readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let data: string;
const EVENTS = 3_000;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-run-failures-');
  data = join(dir, 'data');
  await generateDataset({ outDir: data, seed: 11, events: EVENTS, users: 400, artists: 60 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

let stderr: string[];
let stdout: string[];
beforeAll(() => {
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
});
afterEach(() => {
  stderr = [];
  stdout = [];
});
afterAll(() => {
  vi.restoreAllMocks();
});
stderr = [];
stdout = [];

/** A copy of the dataset with some tables replaced. */
async function variant(name: string, files: Record<string, string>, drop: string[] = []): Promise<string> {
  const out = join(dir, name);
  await cp(data, out, { recursive: true });
  for (const file of drop) await rm(join(out, file));
  for (const [file, text] of Object.entries(files)) await writeFile(join(out, file), text);
  return out;
}

const run = (args: string[]): Promise<number> => main(['run', '--once', '--port', '0', '--no-progress', '--no-dead-letters', ...args]);
const failure = (): string => stderr.join('').split('\n').filter((l) => l.startsWith('streampulse: ')).join('\n');

function toCsv(ndjson: string): string {
  const rows = ndjson.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const keys = Object.keys(rows[0]);
  return [keys.join(','), ...rows.map((r) => keys.map((k) => String(r[k])).join(','))].join('\n') + '\n';
}

describe('streampulse run never passes bad input as success', () => {
  it('loses only the row of a stray quote in a CSV', async () => {
    const csv = toCsv(await readFile(join(data, 'events.ndjson'), 'utf8')).split('\n');
    csv[101] = csv[101].replace(',', ',"');
    const input = await variant('stray', { 'events.csv': csv.join('\n') }, ['events.ndjson']);
    const report = join(dir, 'stray.json');
    expect(await run(['--input', input, '--report-json', report])).toBe(0);
    const { progress } = JSON.parse(readFileSync(report, 'utf8')) as { progress: { events_read: number; events_valid: number; rejected: Record<string, number> } };
    expect(progress.events_read).toBe(EVENTS);
    expect(progress.events_valid).toBe(EVENTS - 1);
    expect(progress.rejected.bad_csv).toBe(1);
    expect(progress.rejected.missing_field).toBe(0);
  });

  it('refuses a CSV whose header lacks a column, in one line', async () => {
    const subs = toCsv(await readFile(join(data, 'subscriptions.ndjson'), 'utf8')).replace('monthly_price', 'monthly_prize');
    const input = await variant('header', { 'subscriptions.csv': subs }, ['subscriptions.ndjson']);
    expect(await run(['--input', input])).toBe(1);
    expect(failure()).toBe(`streampulse: CSV file ${join(input, 'subscriptions.csv')} has no column monthly_price (header: user_id, plan, monthly_prize, country) [SP_INPUT]`);
  });

  it('fails at the first event batch when a dimension table has no valid row, unless --allow-empty', async () => {
    const input = await variant('garbage-payouts', { 'payouts.ndjson': 'garbage\n{"nope":1}\n' });
    expect(await run(['--input', input])).toBe(1);
    expect(failure()).toBe('streampulse: the payouts table has no valid row (2 rejected): no event can join it (--allow-empty accepts this) [SP_DIMENSION]');
    // failed before the replay, so no summary was printed
    expect(stdout.join('')).not.toContain('replayed');
    stdout = [];
    expect(await run(['--input', input, '--allow-empty'])).toBe(0);
    expect(stdout.join('')).toContain(`replayed ${EVENTS.toLocaleString('en-US')} events`);
  });

  it('fails when events were read but none counted', async () => {
    const events = (await readFile(join(data, 'events.ndjson'), 'utf8')).replace(/"user_id":"USR-/g, '"user_id":"NOBODY-');
    const input = await variant('unmatched', { 'events.ndjson': events });
    expect(await run(['--input', input])).toBe(1);
    expect(failure()).toMatch(/^streampulse: 3000 events read but none counted \(0 rejected, the rest unmatched\).* \[SP_NOTHING_COUNTED\]$/);
  });

  it('dead-letters an over-long line by reference and replays the rest', async () => {
    const lines = (await readFile(join(data, 'events.ndjson'), 'utf8')).split('\n');
    lines.splice(10, 0, JSON.stringify({ pad: 'x'.repeat(5_000) }));
    const input = await variant('long', { 'events.ndjson': lines.join('\n') });
    const report = join(dir, 'long.json');
    const letters = join(dir, 'long-dead.ndjson');
    expect(await main(['run', '--once', '--port', '0', '--no-progress', '--input', input, '--report-json', report, '--dead-letters', letters, '--max-record-bytes', '1024'])).toBe(0);
    const { progress } = JSON.parse(readFileSync(report, 'utf8')) as { progress: { events_read: number; events_valid: number; rejected: Record<string, number> } };
    expect(progress).toMatchObject({ events_read: EVENTS + 1, events_valid: EVENTS });
    expect(progress.rejected.too_long).toBe(1);
    const letter = JSON.parse(readFileSync(letters, 'utf8').trim()) as Record<string, unknown>;
    expect(letter).toMatchObject({ table: 'events', seq: 11, raw: '', reason: 'too_long' });
    expect(letter.detail).toMatch(/^record of 5010 bytes at byte offset \d+ of .*events\.ndjson is over the 1024-byte limit/);
  });

  it('names a missing or non-folder --input and why', async () => {
    const missing = join(dir, 'nowhere');
    expect(await run(['--input', missing])).toBe(1);
    expect(failure()).toBe(`streampulse: --input ${missing} cannot be read (ENOENT: no such folder) [SP_INPUT]`);
    stderr = [];
    expect(await run(['--input', join(data, 'events.ndjson')])).toBe(1);
    expect(failure()).toMatch(/cannot be read \(ENOTDIR: it is a file, not a folder\) \[SP_INPUT\]$/);
  });

  it('checks output paths and numbers before any work', async () => {
    const folder = join(dir, 'a-folder');
    await mkdir(folder, { recursive: true });
    expect(await run(['--input', data, '--report-json', folder])).toBe(2);
    expect(failure()).toBe(`streampulse: --report-json ${folder} is a folder; give a file path [SP_USAGE]`);
    expect(stdout.join('')).toBe('');
    stderr = [];
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const letters = join(blocker, 'dead.ndjson');
    expect(await main(['run', '--once', '--port', '0', '--no-progress', '--input', data, '--dead-letters', letters])).toBe(1);
    expect(failure()).toMatch(new RegExp(`^streampulse: --dead-letters ${letters}: cannot write into ${blocker} \\((ENOTDIR|EEXIST)`));
    expect(stdout.join('')).toBe('');
    stderr = [];
    expect(await run(['--input', data, '--cache-size', '4294967296'])).toBe(2);
    expect(stderr.join('')).toMatch(/--cache-size must be a whole number from 1 to 16777216, got "4294967296"/);
  });
});
