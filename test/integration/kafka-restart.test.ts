import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayToKafka } from '../../producers/replay-producer.ts';
import { generateDataset } from '../../src/generator/index.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { deleteTopics, obtainBroker, readSavedStates, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';

const EVENTS = 150_000;
const BIN = join(import.meta.dirname, '../../bin/streampulse.js');
const log = (line: string): void => void process.stderr.write(`${line}\n`);

let broker: TestBroker;
let dir: string;
let oracle: Reports;
let layout: Awaited<ReturnType<typeof resolveInputDir>>;
const topics = uniqueTopics('restart');

beforeAll(async () => {
  broker = await obtainBroker();
  dir = await makeTempDir('streampulse-restart-');
  await generateDataset({ outDir: join(dir, 'data'), seed: 23, events: EVENTS, users: 20_000, artists: 1_000 });
  layout = await resolveInputDir(join(dir, 'data'));
  const embedded = new Pipeline({ strategies: ['cached'], cacheSize: 20_000 });
  await embedded.run(readInputLayout(layout, 4_096));
  oracle = embedded.snapshot().reports;
  await replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 5_000, rate: 0, compression: 'none', log, only: 'dimensions' });
}, 300_000);

afterAll(async () => {
  if (broker !== undefined) {
    await deleteTopics(broker.brokers, topics).catch(() => {});
    await broker.stop();
  }
  await removeTempDir(dir);
});

function startRun(reportJson: string, once: boolean): { child: ChildProcess; url: Promise<string>; exit: Promise<number | null> } {
  const args = [BIN, 'run', '--source', 'kafka', '--brokers', broker.brokers, '--topic-prefix', topics.prefix, '--group', `g-${topics.prefix}`];
  args.push('--checkpoint-interval', '100', '--batch-size', '500');
  if (once) args.push('--once');
  args.push('--port', '0', '--no-progress', '--no-dead-letters', '--report-json', reportJson);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving live reports on (http:\/\/[\d.:]+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`run exited before serving:\n${stderr}`)));
  });
  url.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exit };
}

async function eventsRead(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/health`)).json()) as { events_read: number };
  return health.events_read;
}

describe('restart without loss or double counting (real broker)', () => {
  it('SIGKILL mid-replay, then a restart, ends with the oracle reports', async () => {
    // the events arrive live, paced, while the first run folds them: the kill lands mid-stream (at
    // 20,000 a second the replay lasts 7.5 s: a first run that joins its group late, then drains
    // what waited at 500,000 events a second, is still mid-stream 300 ms after its 30,000th event)
    const first = startRun(join(dir, 'first.json'), false);
    const url = await first.url;
    const producing = replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 5_000, rate: 20_000, compression: 'none', log, only: 'events' });
    // kill once the replay is well under way (states are written every 100 ms)
    let read = 0;
    while (read < 30_000) {
      read = await eventsRead(url);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await first.exit;
    expect(read).toBeLessThan(EVENTS);
    expect((await producing).events).toBe(EVENTS);
    const saved = await readSavedStates(broker.brokers, topics, `g-${topics.prefix}`);
    const resumedAt = [...saved.values()].reduce((n, s) => n + s.offset, 0);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(EVENTS);

    const second = startRun(join(dir, 'second.json'), true);
    expect(await second.exit).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'second.json'), 'utf8')) as { reports: Reports; progress: { events_read: number } };
    expect(result.progress.events_read).toBe(EVENTS);
    expect(result.reports).toEqual(oracle);
  });
});
