import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayToKafka } from '../../producers/replay-producer.ts';
import type { Reports } from '../../src/domain/reports/report-rows.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { createKafka } from '../../src/kafka/kafka-client.ts';
import { resolveInputDir } from '../../src/sources/input-dir.ts';
import { computeReportsWithDuckDB } from '../helpers/duckdb-oracle.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { deleteTopics, obtainBroker, readSavedStates, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';

const EVENTS = 120_000;
const BIN = join(import.meta.dirname, '../../bin/streampulse.js');
const log = (line: string): void => void process.stderr.write(`[scale-out] ${line}\n`);

let broker: TestBroker;
let dir: string;
let oracle: Reports;
let layout: Awaited<ReturnType<typeof resolveInputDir>>;
const topics = uniqueTopics('scale-out', 6);
const group = `g-${topics.prefix}`;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  broker = await obtainBroker();
  dir = await makeTempDir('streampulse-scale-out-');
  await generateDataset({ outDir: join(dir, 'data'), seed: 61, events: EVENTS, users: 20_000, artists: 1_000 });
  layout = await resolveInputDir(join(dir, 'data'));
  oracle = await computeReportsWithDuckDB(join(dir, 'data'));
  await replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 5_000, rate: 0, compression: 'none', log, only: 'dimensions' });
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (broker !== undefined) {
    await deleteTopics(broker.brokers, topics).catch(() => {});
    await broker.stop();
  }
  await removeTempDir(dir);
});

interface Instance {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: Promise<string>;
  readonly exit: Promise<number | null>;
  readonly stderr: () => string;
}

/** One `run --source kafka` of the group in `folder` (its own unless shared), as a child process. */
function start(name: string, extra: readonly string[] = [], folder = name): Instance {
  const args = [BIN, 'run', '--source', 'kafka', '--brokers', broker.brokers, '--topic-prefix', topics.prefix, '--group', group];
  args.push('--data-dir', join(dir, folder), '--checkpoint-interval', '200', '--batch-size', '1000', '--port', '0', '--no-progress', '--no-dead-letters', ...extra);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving live reports on (http:\/\/[\d.:]+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`${name} exited before serving:\n${stderr}`)));
  });
  url.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  return { name, child, url, exit, stderr: () => stderr };
}

async function eventsRead(instance: Instance): Promise<number> {
  const body = (await (await fetch(`${await instance.url}/reports`)).json()) as { progress: { events_read: number } };
  return body.progress.events_read;
}

interface GroupAnswer {
  readonly reports: Reports;
  readonly group: { complete: boolean; missing: number[]; partitions: { partition: number; owner: string; offset?: number; missing?: string }[] };
}

async function groupAnswer(instance: Instance): Promise<GroupAnswer> {
  return (await (await fetch(`${await instance.url}/reports`)).json()) as GroupAnswer;
}

/**
 * What any answer must be, even mid-rebalance: every partition named, each either present at an
 * offset or missing with a reason, and the reports exactly the events of the partitions present
 * (every generated event is counted, so the streams equal the present partitions' offsets).
 */
function checkAnswer(answer: GroupAnswer): void {
  expect(answer.group.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5]);
  const present = answer.group.partitions.filter((p) => p.missing === undefined);
  expect(answer.group.missing).toEqual(answer.group.partitions.filter((p) => p.missing !== undefined).map((p) => p.partition));
  expect(answer.group.complete).toBe(answer.group.missing.length === 0);
  for (const p of answer.group.partitions) if (p.missing !== undefined) expect(p.missing.length).toBeGreaterThan(0);
  const streams = answer.reports.daily_summary.reduce((n, r) => n + r.streams, 0);
  expect(streams).toBe(present.reduce((n, p) => n + (p.offset ?? 0), 0));
}

/** Every event record in the topic with its partition and offset, read back with kafkajs. */
async function eventsByOffset(): Promise<{ partition: number; offset: number; value: string }[]> {
  const out: { partition: number; offset: number; value: string }[] = [];
  const consumer = createKafka([broker.brokers], 'scale-out-reader').consumer({ groupId: `read-${topics.prefix}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.events, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void out.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' }) });
  const deadline = Date.now() + 120_000;
  while (out.length < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  await consumer.disconnect();
  expect(out.length).toBe(EVENTS);
  return out;
}

async function heldBy(instance: Instance): Promise<number[]> {
  return ((await (await fetch(`${await instance.url}/health`)).json()) as { assignment: { held: number[] } }).assignment.held;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('scale-out: several instances of one group, state in Kafka (real broker)', () => {
  it('three instances, one SIGKILLed mid-stream with its folder deleted, a fourth in a fresh folder: nothing lost, nothing counted twice', async () => {
    // a and c share one folder with the same flags (but the port): nothing instance-specific lives there
    const [a, b, c] = [start('a', [], 'shared'), start('b'), start('c', [], 'shared')];
    await Promise.all([a.url, b.url, c.url]);
    // the group is formed with all three before the queries start: a member not yet assigned says
    // so (no partitions, with a reason), which is not what a kill or a rebalance may answer
    await until('the three sharing the six partitions', async () => (await Promise.all([a, b, c].map(heldBy))).every((held) => held.length > 0), 120_000);
    // the events arrive live, paced, while the three fold them
    const producing = replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 2_000, rate: 20_000, compression: 'none', log, only: 'events' });
    await until('b folding its partitions', async () => (await eventsRead(b)) >= 5_000, 120_000);
    // queries keep coming through the kill and the rebalances: each must be whole or say what it lacks
    let querying = true;
    const sampled: GroupAnswer[] = [];
    let answers = 0;
    let partial = 0;
    const queries = (async () => {
      while (querying) {
        const answer = await groupAnswer(a);
        checkAnswer(answer);
        answers++;
        if (!answer.group.complete) partial++;
        // a few answers, whole and partial, are checked against DuckDB at the end
        if (sampled.filter((x) => x.group.complete === answer.group.complete).length < 2 && answers % 5 === 0) sampled.push(answer);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    b.child.kill('SIGKILL');
    await b.exit;
    await rm(join(dir, 'b'), { recursive: true, force: true });
    const d = start('d');
    await d.url;
    expect((await producing).events).toBe(EVENTS);

    const live = [a, c, d];
    // caught up: every partition is held by one live instance, at the end of its events, and saved so
    let seen = '';
    await until(
      'every event folded and saved',
      async () => {
        const read = await Promise.all(live.map(eventsRead));
        const saved = await readSavedStates(broker.brokers, topics, group);
        const offsets = [...saved.values()].reduce((n, s) => n + s.offset, 0);
        seen = `events read ${read.join(' + ')}, saved offsets ${offsets} over ${saved.size} partitions`;
        return read.reduce((x, y) => x + y, 0) === EVENTS && saved.size === 6 && offsets === EVENTS;
      },
      180_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message} (last: ${seen})\n${live.map((i) => `--- ${i.name}\n${i.stderr().slice(-4_000)}`).join('\n')}`);
    });
    querying = false;
    await queries;
    expect(answers).toBeGreaterThan(20);
    log(`${answers} queries during the kill and rebalances, ${partial} of them naming missing partitions`);
    // any live instance answers for the whole group: the oracle's reports, every partition present
    for (const instance of live) {
      await until(`${instance.name} answering for the whole group`, async () => (await groupAnswer(instance)).group.complete, 60_000);
      const answer = await groupAnswer(instance);
      checkAnswer(answer);
      expect(answer.reports).toEqual(oracle);
    }
    // each sampled answer is exactly the oracle's reports over the events its partitions held at
    // the offsets it names: DuckDB over the dimension files and just those events
    const events = await eventsByOffset();
    expect(sampled.length).toBeGreaterThan(0);
    for (const [i, answer] of sampled.entries()) {
      const upTo = new Map(answer.group.partitions.filter((p) => p.missing === undefined).map((p) => [p.partition, p.offset ?? 0]));
      const folder = join(dir, `sample-${i}`);
      await mkdir(folder, { recursive: true });
      for (const table of ['subscriptions', 'ad_rates', 'payouts']) await copyFile(join(dir, 'data', `${table}.ndjson`), join(folder, `${table}.ndjson`));
      await writeFile(join(folder, 'events.ndjson'), events.filter((e) => e.offset < (upTo.get(e.partition) ?? 0)).map((e) => e.value).join('\n') + '\n');
      expect(answer.reports, `answer ${i} (complete: ${answer.group.complete}, missing ${answer.group.missing.join(',')})`).toEqual(await computeReportsWithDuckDB(folder));
    }
    log(`${sampled.length} answers (${sampled.filter((x) => !x.group.complete).length} partial) equal DuckDB over the events of the partitions and offsets they name`);
    // /health says what each holds: together every partition, each once
    const held = await Promise.all(live.map(async (i) => ((await (await fetch(`${await i.url}/health`)).json()) as { assignment: { held: number[]; restoring: number[] } }).assignment));
    expect(held.flatMap((h) => h.held).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(held.flatMap((h) => h.restoring)).toEqual([]);
    // a clean stop writes each instance's states as it leaves the group
    for (const instance of live) instance.child.kill('SIGTERM');
    for (const instance of live) expect(await instance.exit, instance.stderr()).toBe(0);
    const saved = await readSavedStates(broker.brokers, topics, group);
    expect([...saved.values()].reduce((n, s) => n + s.folded, 0)).toBe(EVENTS);

    // a fresh instance in a new folder restores every partition from the state topic alone
    const out = join(dir, 'fresh', 'report.json');
    const fresh = start('fresh', ['--once', '--report-json', out]);
    expect(await fresh.exit, fresh.stderr()).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { reports: Reports; progress: { events_read: number } };
    expect(result.progress.events_read).toBe(EVENTS);
    expect(result.reports).toEqual(oracle);
  }, 600_000);
});
