import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayToKafka } from '../../producers/replay-producer.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { withAdmin, createKafka } from '../../src/kafka/kafka-client.ts';
import { resolveInputDir } from '../../src/sources/input-dir.ts';
import { runMain } from '../helpers/run-main.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { deleteTopics, obtainBroker, readSavedStates, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';

const EVENTS = 5_000;
// one slice of rejects far over the broker's 1 MB limit, and one record twice that size alone
const BAD_SMALL = 10_000;
const bad = (i: number): string => JSON.stringify({ event_id: `BAD-${i}`, note: 'x'.repeat(280) });
const HUGE = `not json ${'y'.repeat(2_000_000)}`;
const TOTAL = EVENTS + BAD_SMALL + 1;
const log = (line: string): void => void process.stderr.write(`[hardening] ${line}\n`);

let broker: TestBroker;
let dir: string;
const limitTopics = uniqueTopics('dlq-limit');
const lostTopics = uniqueTopics('dlq-lost');


const runArgs = (topics: { prefix: string }, name: string): string[] => [
  'run', '--source', 'kafka', '--brokers', broker.brokers, '--topic-prefix', topics.prefix, '--group', `g-${topics.prefix}`,
  '--once', '--port', '0', '--no-progress', '--data-dir', join(dir, name),
  '--dead-letters', join(dir, name, 'dead-letters.ndjson'),
];

async function endOffset(topic: string): Promise<number> {
  return withAdmin([broker.brokers], 'hardening-offsets', log, async (admin) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0), 20_000);
}

async function createTopic(topic: string, configEntries: { name: string; value: string }[], numPartitions = 1): Promise<void> {
  // under load a new topic's leaders may not be in the metadata yet: kafkajs says retriable
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin([broker.brokers], 'hardening-topics', log, (admin) => admin.createTopics({ topics: [{ topic, numPartitions, configEntries }], waitForLeaders: true }), 20_000);
      return;
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || attempt >= 10) throw error;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

/** The group's saved states, summed over its partitions: offsets and dead letters given up on. */
async function readSaved(topics: { prefix: string; events: string }): Promise<{ offsets: number; deadLettersUnwritten: number }> {
  const saved = await readSavedStates(broker.brokers, topics as typeof limitTopics, `g-${topics.prefix}`);
  let offsets = 0;
  let deadLettersUnwritten = 0;
  for (const s of saved.values()) {
    offsets += s.offset;
    deadLettersUnwritten += (s.state as { deadLettersUnwritten: number }).deadLettersUnwritten;
  }
  return { offsets, deadLettersUnwritten };
}

beforeAll(async () => {
  broker = await obtainBroker();
  dir = await makeTempDir('streampulse-hardening-');
  await generateDataset({ outDir: join(dir, 'data'), seed: 31, events: EVENTS, users: 1_000, artists: 200 });
  await appendFile(join(dir, 'data', 'events.ndjson'), Array.from({ length: BAD_SMALL }, (_, i) => bad(i)).join('\n') + `\n${HUGE}\n`);
  const layout = await resolveInputDir(join(dir, 'data'));
  for (const topics of [limitTopics, lostTopics]) {
    // the events topic takes the 2 MB record; the dead-letter topic keeps Kafka's 1 MB default
    await createTopic(topics.events, [{ name: 'max.message.bytes', value: String(16 << 20) }], 6);
  }
  // a compacted dead-letter topic refuses every keyless record (INVALID_RECORD): nothing can be written to it
  await createTopic(lostTopics.deadLetters, [{ name: 'cleanup.policy', value: 'compact' }]);
  for (const topics of [limitTopics, lostTopics]) await replayToKafka({ brokers: [broker.brokers], topics, layout, batchSize: 5_000, rate: 0, compression: 'none', log, maxRecordBytes: 16 << 20 });
}, 300_000);

afterAll(async () => {
  if (broker !== undefined) {
    for (const topics of [limitTopics, lostTopics]) await deleteTopics(broker.brokers, topics).catch(() => {});
    await broker.stop();
  }
  await removeTempDir(dir);
});

describe('dead letters never block progress (real broker)', () => {
  it('writes every dead letter within the topic limit, cuts the one too big (size and hash in headers), and saves every partition\'s state at the end', async () => {
    const first = await runMain(runArgs(limitTopics, 'limit'));
    expect(first.code, first.stderr.join('\n')).toBe(0);
    expect(await endOffset(limitTopics.deadLetters)).toBe(BAD_SMALL + 1);
    const saved = await readSaved(limitTopics);
    expect(saved.offsets).toBe(TOTAL);
    expect(saved.deadLettersUnwritten).toBe(0);

    const consumer = createKafka([broker.brokers], 'hardening-dlq').consumer({ groupId: `read-${limitTopics.prefix}` });
    const cut: { size: number; value: number; sha256: string }[] = [];
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: limitTopics.deadLetters, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen++;
        if (message.headers?.cut?.toString() === 'true') {
          cut.push({ size: Number(message.headers.size?.toString()), value: message.value?.length ?? 0, sha256: String(message.headers.sha256) });
        }
      },
    });
    const deadline = Date.now() + 30_000;
    while (seen < BAD_SMALL + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    expect(seen).toBe(BAD_SMALL + 1);
    expect(cut).toHaveLength(1);
    expect(cut[0].size).toBe(Buffer.byteLength(HUGE));
    expect(cut[0].sha256).toBe(createHash('sha256').update(HUGE).digest('hex'));
    expect(cut[0].value).toBeLessThan(1_048_588);

    // a restart (in a fresh folder: the folder holds nothing needed) resumes from the saved states: no record, and so no dead letter, goes out twice
    const again = await runMain(runArgs(limitTopics, 'limit-again'));
    expect(again.code, again.stderr.join('\n')).toBe(0);
    expect(await endOffset(limitTopics.deadLetters)).toBe(BAD_SMALL + 1);
  }, 180_000);

  it('a dead-letter topic that refuses every record: the run goes on, saves the states with the loss recorded, and --once exits 1 saying so', async () => {
    const r = await runMain(runArgs(lostTopics, 'lost'));
    expect(r.code).toBe(1);
    expect(r.stderr.at(-1)).toMatch(/the run finished, but 10,001 dead letters could not be written to .*\.dlq \[SP_INCOMPLETE_RUN\]$/);
    const saved = await readSaved(lostTopics);
    expect(saved.offsets).toBe(TOTAL);
    expect(saved.deadLettersUnwritten).toBe(BAD_SMALL + 1);
    // nothing is lost locally: the dead-letter file has every one
    const file = await readFile(join(dir, 'lost', 'dead-letters.ndjson'), 'utf8');
    expect(file.trimEnd().split('\n')).toHaveLength(BAD_SMALL + 1);
  }, 180_000);
});

describe('a Kafka run never ends in a false success (real broker)', () => {
  it('a saved state past the end of a recreated topic ends the run with exit 1 and a line saying why', async () => {
    await withAdmin([broker.brokers], 'hardening-recreate', log, (admin) => admin.deleteTopics({ topics: [limitTopics.events] }), 20_000);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await createTopic(limitTopics.events, [], 6);
        break;
      } catch (error) {
        // the deletion completes in the background; creating the name again waits for it
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const r = await runMain(runArgs(limitTopics, 'limit'));
    expect(r.code).toBe(1);
    expect(r.stderr.at(-1)).toMatch(/ends at offset 0, but its saved state is at \d+: the topic was recreated or truncated since; --discard-checkpoint starts over \[SP_SOURCE_FAILED\]$/);
  }, 120_000);
});
