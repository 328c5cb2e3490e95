import { randomBytes, randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, InternalError } from '../../src/errors.ts';
import { generateDataset } from '../../src/generator/index.ts';
import { createKafka, withAdmin } from '../../src/kafka/kafka-client.ts';
import { Cluster, WireProducer } from '../../src/kafka/wire/index.ts';
import { encodeState, PartitionStateStore, produceChunks, stateTopic, type PartitionStateRecord, type StateReadStats } from '../../src/state/index.ts';
import { StateLog } from '../../src/state/state-log.ts';
import { readCompactedTopic } from '../../src/state/state-topic-reader.ts';
import { Pipeline } from '../../src/pipeline.ts';
import { readInputLayout, resolveInputDir } from '../../src/sources/input-dir.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.ts';
import { obtainBroker, uniqueTopics, type TestBroker } from './helpers/kafka-broker.ts';

let broker: TestBroker;
const topics = uniqueTopics('state');
const stateTopics = new Set<string>();
const stores: PartitionStateStore[] = [];
const log = (line: string): void => void process.stderr.write(`[state] ${line}\n`);

beforeAll(async () => {
  broker = await obtainBroker();
}, 300_000);

afterAll(async () => {
  for (const store of stores) await store.close();
  if (broker !== undefined) {
    await withAdmin([broker.brokers], 'state-test-cleanup', log, async (admin) => {
      const existing = new Set(await admin.listTopics());
      const names = [...stateTopics].filter((t) => existing.has(t));
      if (names.length > 0) await admin.deleteTopics({ topics: names });
    }, 20_000).catch(() => {});
    await broker.stop();
  }
});

/** Each test its own group, so its own state topic; `instance` stores share it as instances of one group would. */
function group(): { name: string; open: (onRead?: (s: StateReadStats) => void) => Promise<PartitionStateStore> } {
  const name = `g-${randomUUID().slice(0, 8)}`;
  stateTopics.add(stateTopic(topics, name));
  return {
    name,
    open: async (onRead) => {
      const store = await PartitionStateStore.open({ brokers: [broker.brokers], topics, group: name, log, timeoutMs: 30_000, onRead });
      stores.push(store);
      return store;
    },
  };
}

/** A partition's state as the run would pass it, made of random ids so gzip cannot shrink it away. */
function reportState(partition: number, users: number): Record<string, unknown> {
  return {
    optimized: { version: 1, partition, users: Array.from({ length: users }, () => randomBytes(24).toString('hex')), revenue: [[`artist-${partition}`, 12.5 * partition]] },
  };
}

/** The live chunk keys of the state topic, folded as compaction would leave them. */
async function liveChunkKeys(topic: string): Promise<string[]> {
  const cluster = new Cluster({ brokers: [broker.brokers], clientId: 'state-test-reader' });
  try {
    const folded = new StateLog();
    await readCompactedTopic(cluster, topic, (r) => folded.apply(r));
    return folded.knownPartitions().flatMap((p) => folded.chunkKeys(p)).sort();
  } finally {
    cluster.close();
  }
}

describe('partition state store (real broker)', () => {
  it('creates a compacted one-partition topic, and reads back six partitions (one chunked, > 3 MB) equal, from another instance too', async () => {
    const g = group();
    const reads: StateReadStats[] = [];
    const first = await g.open();
    expect(await first.readAll()).toEqual(new Map());
    const written = new Map<number, PartitionStateRecord>();
    for (let p = 0; p < 6; p++) written.set(p, { step: 1, offset: 1_000 * (p + 1), folded: 990 * (p + 1), state: reportState(p, p === 4 ? 70_000 : 50) });
    expect(JSON.stringify(written.get(4)?.state).length).toBeGreaterThan(3 << 20);
    await Promise.all([...written].map(([p, record]) => first.write(p, record)));

    const second = await g.open((s) => reads.push(s));
    const restored = await second.readAll();
    expect([...restored.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [p, record] of written) {
      expect(restored.get(p)).toMatchObject({ step: 1, offset: record.offset, folded: record.folded });
      expect(restored.get(p)?.state).toEqual(record.state);
    }
    expect(restored.get(4)?.chunks).toBeGreaterThan(2);
    expect(restored.get(0)?.chunks).toBe(1);
    expect(reads).toHaveLength(1);
    expect(reads[0].bytes).toBeGreaterThan(restored.get(4)?.bytes as number);
    expect(reads[0].partitions).toBe(6);
    expect([...(await second.read([1, 4, 9])).keys()].sort()).toEqual([1, 4]);

    await withAdmin([broker.brokers], 'state-test-admin', log, async (admin) => {
      const meta = await admin.fetchTopicMetadata({ topics: [first.topic] });
      expect(meta.topics[0].partitions).toHaveLength(1);
      const { resources } = await admin.describeConfigs({ resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: first.topic, configNames: ['cleanup.policy'] }], includeSynonyms: false });
      expect(resources[0].configEntries[0].configValue).toBe('compact');
    });
    expect(first.topic).toBe(`${topics.events}.${g.name}.state`);
  }, 120_000);

  it('reads the newer step after a second write, and tombstones the chunks of the older one', async () => {
    const store = await group().open();
    await store.write(2, { step: 1, offset: 10, folded: 10, state: reportState(2, 40_000) });
    const before = await liveChunkKeys(store.topic);
    expect(before.length).toBeGreaterThan(1);
    expect(before.every((k) => k.startsWith('2/1/'))).toBe(true);
    await store.write(2, { step: 2, offset: 20, folded: 19, state: { small: true } });
    expect(await store.readAll()).toEqual(new Map([[2, expect.objectContaining({ step: 2, offset: 20, folded: 19, state: { small: true } })]]));
    expect(await liveChunkKeys(store.topic)).toEqual(['2/2/0']);
  }, 120_000);

  it('keeps the previous step intact when a write stopped after its chunks, and the next write deletes the orphans', async () => {
    const g = group();
    const store = await g.open();
    const complete = { step: 3, offset: 300, folded: 280, state: reportState(1, 100) };
    await store.write(1, complete);
    // a crash mid-write: the store's own encoding and first step, then no manifest
    const cluster = new Cluster({ brokers: [broker.brokers], clientId: 'state-test-crash' });
    const producer = new WireProducer({ cluster });
    try {
      await producer.connect();
      await produceChunks(producer, store.topic, 1, await encodeState(1, { step: 4, offset: 999, folded: 999, state: reportState(1, 30_000) }, new Date()));
    } finally {
      producer.close();
      cluster.close();
    }
    expect((await liveChunkKeys(store.topic)).some((k) => k.startsWith('1/4/'))).toBe(true);

    const other = await g.open();
    const restored = (await other.readAll()).get(1);
    expect(restored).toMatchObject({ step: 3, offset: 300, folded: 280 });
    expect(restored?.state).toEqual(complete.state);

    await other.write(1, { step: 5, offset: 500, folded: 470, state: { after: 'crash' } });
    expect((await store.readAll()).get(1)).toMatchObject({ step: 5, offset: 500, state: { after: 'crash' } });
    expect(await liveChunkKeys(store.topic)).toEqual(['1/5/0']);
  }, 120_000);

  it('refuses a chunk rewritten with other bytes, naming the partition, and still reads the other partitions', async () => {
    const store = await group().open();
    await store.write(0, { step: 1, offset: 5, folded: 5, state: reportState(0, 20) });
    await store.write(3, { step: 1, offset: 7, folded: 7, state: reportState(3, 20) });
    const [chunk] = await (async () => {
      const cluster = new Cluster({ brokers: [broker.brokers], clientId: 'state-test-peek' });
      const values: Buffer[] = [];
      await readCompactedTopic(cluster, store.topic, (r) => void (r.key === '0/1/0' && r.value !== null && values.push(Buffer.from(r.value))));
      cluster.close();
      return values;
    })();
    const altered = Buffer.from(chunk);
    altered[Math.floor(altered.length / 2)] ^= 0x55;
    const producer = createKafka([broker.brokers], 'state-test-corrupt').producer();
    await producer.connect();
    try {
      await producer.send({ topic: store.topic, acks: -1, messages: [{ key: '0/1/0', value: altered, partition: 0 }] });
    } finally {
      await producer.disconnect();
    }
    await expect(store.readAll()).rejects.toThrow(CheckpointError);
    await expect(store.readAll()).rejects.toThrow(/partition 0 step 1 fails its sha256 check/);
    expect((await store.read([3])).get(3)).toMatchObject({ step: 1, offset: 7 });
  }, 120_000);

  it('refuses a step not above the last one written, in this instance and in another', async () => {
    const g = group();
    const store = await g.open();
    await store.write(5, { step: 10, offset: 100, folded: 100, state: {} });
    await expect(store.write(5, { step: 10, offset: 200, folded: 200, state: {} })).rejects.toThrow(InternalError);
    await expect(store.write(5, { step: 9, offset: 200, folded: 200, state: {} })).rejects.toThrow(/step 9 of partition 5 is not above step 10/);
    const other = await g.open();
    await expect(other.write(5, { step: 10, offset: 300, folded: 300, state: {} })).rejects.toThrow(/step 10 of partition 5 is not above step 10/);
    await other.write(5, { step: 11, offset: 300, folded: 290, state: { ok: 1 } });
    expect((await store.readAll()).get(5)).toMatchObject({ step: 11, offset: 300, folded: 290, state: { ok: 1 } });
  }, 120_000);

  it('reads a topic that does not exist as no state', async () => {
    const cluster = new Cluster({ brokers: [broker.brokers], clientId: 'state-test-missing' });
    try {
      const folded = new StateLog();
      expect(await readCompactedTopic(cluster, `missing-${randomUUID()}`, (r) => folded.apply(r))).toEqual({ records: 0, bytes: 0, end: 0 });
      expect(folded.partitions()).toEqual([]);
    } finally {
      cluster.close();
    }
  }, 60_000);

  it("restores a pipeline's own exported partition states to the same reports", async () => {
    const dir = await makeTempDir('streampulse-state-store-');
    try {
      await generateDataset({ outDir: dir, seed: 5, events: 5_000, users: 800, artists: 100 });
      const items: SourceItem[] = [];
      for await (const item of readInputLayout(await resolveInputDir(dir), 1_000)) items.push(item);
      const strategies = ['cached', 'naive'] as const;
      const original = new Pipeline({ strategies: [...strategies], cacheSize: 100 });
      await original.run(items);
      const exported = original.exportState();
      // the reports are not empty, so an import that dropped the partition states could not pass
      expect(JSON.stringify(original.snapshot('cached').reports).length).toBeGreaterThan(2_000);
      const g = group();
      const store = await g.open();
      for (const [p, state] of Object.entries(exported.partitions)) await store.write(Number(p), { step: 1, offset: 0, folded: 0, state });

      const restored = await (await g.open()).readAll();
      expect(restored.size).toBe(Object.keys(exported.partitions).length);
      const resumed = new Pipeline({ strategies: [...strategies], cacheSize: 100 });
      resumed.importState({ ...exported, partitions: Object.fromEntries([...restored].map(([p, r]) => [String(p), r.state])) });
      await resumed.run(items.filter((i) => i.kind === 'dimension'));
      for (const s of strategies) expect(resumed.snapshot(s).reports).toEqual(original.snapshot(s).reports);
    } finally {
      await removeTempDir(dir);
    }
  }, 120_000);
});
