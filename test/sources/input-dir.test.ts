import { spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/generator/index.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
let root: string;
const ndjsonDir = (): string => join(root, 'ndjson');

async function reportsOf(dir: string, format: 'auto' | 'ndjson' | 'csv' | 'parquet'): Promise<string> {
  const pipeline = new Pipeline({ strategies: ['cached'], cacheSize: 500 });
  await pipeline.run(readInputLayout(await resolveInputDir(dir, format), 999));
  const w = pipeline.snapshot().progress;
  expect(w.rejected_total).toBe(0);
  expect(w.events_read).toBe(12_000);
  return JSON.stringify(pipeline.snapshot().reports);
}

beforeAll(async () => {
  root = await makeTempDir('streampulse-input-');
  await generateDataset({ outDir: ndjsonDir(), seed: 5, events: 12_000, users: 2_000, artists: 300 });
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const src = (t: string): string => `read_json('${join(ndjsonDir(), t)}.ndjson', format='newline_delimited')`;
  // the notebook's layout: one folder per table, Spark-style part files, snappy, DATE event_date,
  // an extra month column, money as DOUBLE
  const spark = join(root, 'revenue_data');
  for (const t of ['events', 'subscriptions', 'ad_rates', 'payouts']) await mkdir(join(spark, t), { recursive: true });
  await db.run(`CREATE TABLE ev AS SELECT * REPLACE (CAST(event_date AS DATE) AS event_date), month(CAST(event_date AS DATE)) AS month, row_number() OVER () AS rn FROM ${src('events')}`);
  for (const [part, cond] of [['00000', 'rn <= 7000'], ['00001', 'rn > 7000']]) {
    await db.run(`COPY (SELECT * EXCLUDE (rn) FROM ev WHERE ${cond} ORDER BY rn) TO '${join(spark, 'events', `part-${part}-abc.snappy.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`);
  }
  await db.run(`COPY (SELECT user_id, plan, CAST(monthly_price AS DOUBLE) AS monthly_price, country FROM ${src('subscriptions')}) TO '${join(spark, 'subscriptions', 'part-00000-abc.snappy.parquet')}' (FORMAT parquet)`);
  await db.run(`COPY (SELECT ad_genre, ad_device, CAST(cpm AS DOUBLE) AS cpm FROM ${src('ad_rates')}) TO '${join(spark, 'ad_rates', 'part-00000-abc.snappy.parquet')}' (FORMAT parquet)`);
  await db.run(`COPY (SELECT artist_id, CAST(per_stream_rate AS DOUBLE) AS per_stream_rate, label_type FROM ${src('payouts')}) TO '${join(spark, 'payouts', 'part-00000-abc.snappy.parquet')}' (FORMAT parquet)`);
  for (const t of ['events', 'subscriptions', 'ad_rates', 'payouts']) await writeFile(join(spark, t, '_SUCCESS'), '');
  const csv = join(root, 'csv');
  await mkdir(csv);
  for (const t of ['events', 'subscriptions', 'ad_rates', 'payouts']) {
    await db.run(`COPY (SELECT * FROM ${src(t)}) TO '${join(csv, `${t}.csv`)}' (HEADER, DELIMITER ',')`);
  }
  db.closeSync();
});

afterAll(async () => {
  await removeTempDir(root);
});

describe('input directories', () => {
  it('gives the same reports from NDJSON, CSV and the notebook Parquet layout', async () => {
    const fromNdjson = await reportsOf(ndjsonDir(), 'auto');
    expect(await reportsOf(join(root, 'csv'), 'auto')).toBe(fromNdjson);
    expect(await reportsOf(join(root, 'revenue_data'), 'auto')).toBe(fromNdjson);
  });

  it('finds part files and ignores Spark markers', async () => {
    const layout = await resolveInputDir(join(root, 'revenue_data'));
    expect(layout.events.format).toBe('parquet');
    expect(layout.events.files.map((f) => f.split('/').pop())).toEqual(['part-00000-abc.snappy.parquet', 'part-00001-abc.snappy.parquet']);
  });

  it('names a missing, non-folder or unreadable input and why, before looking for tables', async () => {
    const missing = join(root, 'no-such-folder');
    await expect(resolveInputDir(missing)).rejects.toMatchObject({ code: 'SP_INPUT', message: `--input ${missing} cannot be read (ENOENT: no such folder)` });
    const file = join(ndjsonDir(), 'events.ndjson');
    await expect(resolveInputDir(file)).rejects.toMatchObject({ code: 'SP_INPUT', message: `--input ${file} cannot be read (ENOTDIR: it is a file, not a folder)` });
  });

  // root reads any folder whatever its mode: run as root (as CI does), the check runs in a child
  // process as the unprivileged user `nobody`, where the folder's mode applies
  it('names an unreadable input folder', async () => {
    const locked = join(root, 'locked');
    await mkdir(locked, { mode: 0o000 });
    await chmod(root, 0o755);
    try {
      const expected = `--input ${locked} cannot be read (EACCES: permission denied)`;
      if (process.getuid?.() !== 0) {
        await expect(resolveInputDir(locked)).rejects.toMatchObject({ code: 'SP_INPUT', message: expected });
        return;
      }
      const module = pathToFileURL(join(import.meta.dirname, '../../src/sources/input-dir.ts')).href;
      const script = `const { resolveInputDir } = await import(${JSON.stringify(module)}); try { await resolveInputDir(${JSON.stringify(locked)}); console.log('resolved'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
      const child = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { uid: 65534, gid: 65534, env: { ...process.env, HOME: '/tmp' }, encoding: 'utf8', timeout: 60_000 });
      expect(child.status, child.stderr).toBe(0);
      expect(JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '')).toEqual({ code: 'SP_INPUT', message: expected });
    } finally {
      await chmod(locked, 0o755);
    }
  });

  it('says which table is missing', async () => {
    await expect(resolveInputDir(join(root, 'csv'), 'parquet')).rejects.toThrow(/has no subscriptions table/);
  });
});
