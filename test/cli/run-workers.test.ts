import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/generator/index.ts';
import { runMain } from '../helpers/run-main.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';

let dir: string;
let data: string;

beforeAll(async () => {
  dir = await makeTempDir('streampulse-run-workers-');
  data = join(dir, 'data');
  await generateDataset({ outDir: data, seed: 21, events: 6_000, users: 700, artists: 90 });
});
afterAll(async () => {
  await removeTempDir(dir);
});

const run = (workers: string, out: string): Promise<{ code: number; stderr: string[] }> =>
  runMain(['run', '--input', data, '--once', '--port', '0', '--no-progress', '--no-dead-letters', '--print-rows', '0', '--batch-size', '500', '--strategy', 'both', '--workers', workers, '--report-json', join(dir, out)]);

describe('run --workers', () => {
  it('writes the same reports on the main thread and on 1 or 3 worker threads, for both strategies', async () => {
    const answers: { reports: unknown; strategies: unknown; progress: { events_read: number; shards?: unknown[] } }[] = [];
    for (const workers of ['0', '1', '3']) {
      const { code, stderr } = await run(workers, `w${workers}.json`);
      expect(code, stderr.join('\n')).toBe(0);
      answers.push(JSON.parse(await readFile(join(dir, `w${workers}.json`), 'utf8')));
    }
    const [inThread, one, three] = answers;
    for (const sharded of [one, three]) {
      expect(sharded.reports).toEqual(inThread.reports);
      expect(sharded.strategies).toEqual(inThread.strategies);
      expect(sharded.progress.events_read).toBe(6_000);
    }
    expect(inThread.progress.shards).toBeUndefined();
    expect(three.progress.shards).toHaveLength(3);
  }, 120_000);

  it('refuses a bad --workers with one line and exit 2', async () => {
    for (const bad of ['-1', 'two', '1.5', '100000']) {
      const { code, stderr } = await run(bad, 'never.json');
      expect(code).toBe(2);
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toMatch(/--workers/);
    }
  });
});
