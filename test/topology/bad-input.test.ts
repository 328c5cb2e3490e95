/**
 * Garbage in an events file never stops the pipeline: valid lines are counted, each bad record
 * becomes a dead letter with its raw text, file, line number and reason, and the progress
 * counts rejects by reason.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REJECT_REASONS, type RejectReason } from '../../src/errors.ts';
import { runPipeline } from '../helpers/run-pipeline.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string | undefined;

const event = (n: number, patch: Record<string, unknown> = {}, drop?: string): string => {
  const fields: Record<string, unknown> = {
    event_id: `E${n}`,
    user_id: n % 2 === 0 ? 'U2' : 'U1',
    artist_id: 'A1',
    genre: 'Pop',
    region: 'Europe',
    duration_sec: 100 + n,
    completed: n % 3 === 0,
    device: 'mobile',
    event_date: `2024-02-${String(20 + (n % 3)).padStart(2, '0')}`,
    ...patch,
  };
  if (drop !== undefined) delete fields[drop];
  return JSON.stringify(fields);
};

/** File lines in order (joined with \n); `reason` null: valid, 'blank': no record at all. */
const LINES: [string, RejectReason | null | 'blank'][] = [
  [event(1), null],
  ['this is not json', 'not_json'],
  ['[1, 2, 3]', 'not_object'],
  ['', 'blank'],
  [event(2, {}, 'user_id'), 'missing_field'],
  [event(3, { duration_sec: '120' }), 'wrong_type'],
  [event(4, { event_date: '2024-02-30' }), 'bad_date'],
  [`${event(5)}\r`, null], // a CRLF line ending
  [`{"event_id": "E6", "user_id":\r`, 'not_json'], // truncated, with CRLF
  ['   ', 'blank'],
  ['null', 'not_object'],
  [event(7, { genre: '' }), 'bad_value'],
  [event(8, { completed: 'yes' }), 'wrong_type'],
  [event(9, { duration_sec: 1.5 }), 'bad_value'],
  [`{"event_id":"E10"}{"event_id":"E11"}`, 'not_json'],
  [event(12, { note: { nested: [1, 2] }, month: 2 }), null], // extra fields are ignored
  [event(13, { event_date: '2023-02-29' }), 'bad_date'],
  [event(14), null], // the last line, without a trailing newline
];

beforeAll(async () => {
  dir = await makeTempDir('streampulse-bad-input-');
  const subs = [
    JSON.stringify({ user_id: 'U1', plan: 'free', monthly_price: 0, country: 'US' }),
    '{"user_id":"U9","plan":"free","monthly_price":0.00001,"country":"US"}',
    JSON.stringify({ user_id: 'U2', plan: 'student', monthly_price: 4.99, country: 'IN' }),
  ];
  await writeFile(join(dir, 'subscriptions.ndjson'), subs.join('\n') + '\n');
  await writeFile(join(dir, 'ad_rates.ndjson'), JSON.stringify({ ad_genre: 'Pop', ad_device: 'mobile', cpm: 4.2 }) + '\n');
  await writeFile(join(dir, 'payouts.ndjson'), JSON.stringify({ artist_id: 'A1', per_stream_rate: 0.0042, label_type: 'indie' }) + '\n');
  await writeFile(join(dir, 'events.ndjson'), LINES.map(([line]) => line).join('\n'));
});

afterAll(async () => {
  await removeTempDir(dir);
});

function inputDir(): string {
  if (dir === undefined) throw new Error('no temp dir');
  return dir;
}

describe('bad input lines', () => {
  it.each([1, 3, 1000])('become dead letters and never stop the pipeline (batch size %i)', async (batchSize) => {
    const run = await runPipeline(inputDir(), { strategies: ['cached', 'naive'], batchSize });
    const eventsFile = join(inputDir(), 'events.ndjson');

    const expectedLetters = LINES.flatMap(([line, reason], i) =>
      reason === null || reason === 'blank' ? [] : [{ table: 'events', origin: eventsFile, seq: i + 1, raw: line, reason }],
    );
    const eventLetters = run.deadLetters.filter((l) => l.table === 'events');
    expect(eventLetters.map(({ table, origin, seq, raw, reason }) => ({ table, origin, seq, raw, reason }))).toEqual(expectedLetters);
    for (const letter of eventLetters) expect(letter.detail.length).toBeGreaterThan(0);

    // the subscription with 5 decimals is a dead letter of its own table
    const subLetters = run.deadLetters.filter((l) => l.table === 'subscriptions');
    expect(subLetters.map((l) => [l.seq, l.reason])).toEqual([[2, 'bad_value']]);

    const wm = run.snapshot('cached').progress;
    const records = LINES.filter(([, reason]) => reason !== 'blank').length;
    const valid = LINES.filter(([, reason]) => reason === null).length;
    expect(wm.events_read).toBe(records);
    expect(wm.events_valid).toBe(valid);
    expect(wm.rejected_total).toBe(records - valid);
    const byReason = Object.fromEntries(REJECT_REASONS.map((r) => [r, expectedLetters.filter((l) => l.reason === r).length]));
    expect(wm.rejected).toEqual(byReason);
    expect(wm.rejected).toEqual({ not_json: 3, not_object: 2, missing_field: 1, wrong_type: 2, bad_value: 2, bad_date: 2, bad_csv: 0, too_long: 0 });
    expect(wm.dimensions.subscriptions).toEqual({ rows_applied: 2, rejected: 1 });
    expect(wm.position?.seq).toBe(LINES.length);
    for (const strategy of ['cached', 'naive'] as const) {
      expect(wm.strategies[strategy]).toEqual({ counted: 4, unmatched: { no_subscription: 0, no_ad_rate: 0, no_payout: 0 } });
    }
  });

  it('counts exactly the valid lines in the reports', async () => {
    const run = await runPipeline(inputDir(), { strategies: ['cached', 'naive'], batchSize: 2 });
    // valid: E1 (U1, 02-21), E5 (U1, 02-22), E12 (U2, 02-20), E14 (U2, 02-22); cpm 4.2, rate 0.0042
    for (const strategy of ['cached', 'naive'] as const) {
      const reports = run.snapshot(strategy).reports;
      expect(reports.genre_revenue).toEqual([{ genre: 'Pop', total_ad_rev: 0.0168, unique_listeners: 2 }]);
      expect(reports.subscription_analysis).toEqual([
        { plan: 'free', users: 1, total_streams: 2, avg_duration: 103 },
        { plan: 'student', users: 1, total_streams: 2, avg_duration: 113 },
      ]);
      expect(reports.artist_payouts).toEqual([{ artist_id: 'A1', label_type: 'indie', total_payout: 0.0168, total_streams: 4 }]);
      expect(reports.daily_summary).toEqual([
        { event_date: '2024-02-20', streams: 1, ad_rev: 0.0042, unique_users: 1 },
        { event_date: '2024-02-21', streams: 1, ad_rev: 0.0042, unique_users: 1 },
        { event_date: '2024-02-22', streams: 2, ad_rev: 0.0084, unique_users: 2 },
      ]);
    }
  });
});
