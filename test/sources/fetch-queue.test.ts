import { describe, expect, it } from 'vitest';
import { recordText, type RawBatch } from '../../src/domain/records/raw-batch.ts';
import type { DimensionName } from '../../src/domain/records/schema.ts';
import type { FetchedChunk } from '../../src/kafka/wire/index.ts';
import { FetchQueue, type FetchQueueOptions } from '../../src/sources/fetch-queue.ts';
import type { SourceItem } from '../../topology/ports.ts';

/**
 * A fetched partition built by hand: every value in one shared buffer (as in a fetch response),
 * record i at `offsets[i]` with value `value(offset)`.
 */
function chunk(topic: string, partition: number, offsets: readonly number[], value: (offset: number) => string = (o) => `${topic}/${partition}@${o}`): FetchedChunk {
  const texts = offsets.map(value);
  const buffer = Buffer.from(`HEADER|${texts.join('|')}|TRAILER`);
  const starts = new Int32Array(offsets.length);
  const ends = new Int32Array(offsets.length);
  let at = 'HEADER|'.length;
  texts.forEach((text, i) => {
    starts[i] = at;
    ends[i] = at + Buffer.byteLength(text);
    at = ends[i] + 1;
  });
  return {
    topic,
    partition,
    records: {
      count: offsets.length,
      buffers: offsets.map(() => buffer),
      starts,
      ends,
      offsets: Float64Array.from(offsets),
      nextOffset: offsets.length === 0 ? 0 : offsets[offsets.length - 1] + 1,
    },
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const TABLES: Record<string, DimensionName> = { 'dim.subscriptions': 'subscriptions', 'dim.payouts': 'payouts' };

interface Harness {
  readonly queue: FetchQueue;
  readonly next: Map<string, number>;
  readonly handedOut: string[];
  readonly iterator: AsyncIterator<SourceItem>;
  done: boolean;
}

function harness(options: Partial<FetchQueueOptions> = {}): Harness {
  const next = options.next ?? new Map<string, number>();
  const handedOut: string[] = [];
  const state = { done: false };
  const queue = new FetchQueue({
    batchSize: 3,
    maxBytes: 1 << 20,
    tableOf: (topic) => TABLES[topic],
    isDone: () => state.done,
    onHandOut: (key) => handedOut.push(key),
    ...options,
    next,
  });
  return {
    queue,
    next,
    handedOut,
    iterator: queue[Symbol.asyncIterator](),
    get done() {
      return state.done;
    },
    set done(value: boolean) {
      state.done = value;
    },
  };
}

async function take(h: Harness): Promise<SourceItem> {
  const result = await h.iterator.next();
  if (result.done === true) throw new Error('iteration ended');
  return result.value;
}

const texts = (batch: RawBatch): string[] => Array.from({ length: batch.count }, (_, i) => recordText(batch, i));
const seqs = (batch: RawBatch): number[] => Array.from(batch.seqs);

/** Whether `promise` has settled once pending callbacks have run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('FetchQueue', () => {
  it('hands out items of at most batchSize records, as views of the fetched buffer', async () => {
    const h = harness({ batchSize: 3 });
    const fetched = chunk('events', 2, range(10, 17));
    await h.queue.push(fetched);
    const counts: number[] = [];
    const all: string[] = [];
    for (let i = 0; i < 3; i++) {
      const item = await take(h);
      expect(item.kind).toBe('events');
      counts.push(item.batch.count);
      all.push(...texts(item.batch));
      expect(item.batch.origin).toBe('events/2');
      for (const buffer of item.batch.buffers) expect(buffer).toBe(fetched.records.buffers[0]);
    }
    expect(counts).toEqual([3, 3, 1]);
    expect(all).toEqual(range(10, 17).map((o) => `events/2@${o}`));
  });

  it('advances next to the last offset + 1 when an item is handed out, not when it is pushed', async () => {
    const h = harness({ batchSize: 2 });
    await h.queue.push(chunk('events', 0, [100, 101, 105, 106, 107]));
    expect(h.next.get('events/0')).toBeUndefined();
    const first = await take(h);
    expect(seqs(first.batch)).toEqual([100, 101]);
    expect(first.batch.position).toEqual({ origin: 'events/0', seq: 101 });
    expect(h.next.get('events/0')).toBe(102);
    const second = await take(h);
    expect(seqs(second.batch)).toEqual([105, 106]);
    expect(h.next.get('events/0')).toBe(107);
    await take(h);
    expect(h.next.get('events/0')).toBe(108);
    expect(h.handedOut).toEqual(['events/0', 'events/0', 'events/0']);
  });

  it('drops records below next: a partition fetched again after a rebalance is not counted twice', async () => {
    const h = harness({ batchSize: 4, next: new Map([['events/1', 5]]) });
    await h.queue.push(chunk('events', 1, range(3, 10))); // slices [3..6] and [7..9]
    const first = await take(h);
    expect(seqs(first.batch)).toEqual([5, 6]);
    expect(texts(first.batch)).toEqual(['events/1@5', 'events/1@6']);
    expect(first.batch.count).toBe(2);
    const second = await take(h);
    expect(seqs(second.batch)).toEqual([7, 8, 9]);
    expect(h.next.get('events/1')).toBe(10);

    // the same partition redelivered from offset 8 (after a reconnect): only 10 and 11 are new
    await h.queue.push(chunk('events', 1, range(8, 12)));
    const third = await take(h);
    expect(seqs(third.batch)).toEqual([10, 11]);
    expect(h.next.get('events/1')).toBe(12);
    expect(h.handedOut).toHaveLength(3);
  });

  it('skips whole slices below next without handing anything out for them', async () => {
    const h = harness({ batchSize: 2, next: new Map([['events/0', 8]]) });
    await h.queue.push(chunk('events', 0, range(3, 10))); // [3,4] [5,6] [7,8] [9]
    expect(seqs((await take(h)).batch)).toEqual([8]);
    expect(seqs((await take(h)).batch)).toEqual([9]);
    expect(h.handedOut).toEqual(['events/0', 'events/0']);
  });

  it('keeps next per partition', async () => {
    const h = harness({ batchSize: 10 });
    await h.queue.push(chunk('events', 0, [0, 1]));
    await h.queue.push(chunk('events', 1, [50, 51, 52]));
    await take(h);
    await take(h);
    expect(Object.fromEntries(h.next)).toEqual({ 'events/0': 2, 'events/1': 53 });
  });

  it('hands dimension topics out as kind "dimension" with their table', async () => {
    const h = harness({ batchSize: 10 });
    await h.queue.push(chunk('dim.subscriptions', 0, [0, 1]));
    await h.queue.push(chunk('events', 0, [0]));
    await h.queue.push(chunk('dim.payouts', 3, [7]));
    const items = [await take(h), await take(h), await take(h)];
    expect(items.map((item) => (item.kind === 'dimension' ? `${item.kind}:${item.table}` : item.kind))).toEqual(['dimension:subscriptions', 'events', 'dimension:payouts']);
    expect(texts(items[0].batch)).toEqual(['dim.subscriptions/0@0', 'dim.subscriptions/0@1']);
    expect(items[2].batch.origin).toBe('dim.payouts/3');
    expect(h.next.get('dim.payouts/3')).toBe(8);
  });

  it('waits for a push when empty and hands its records out at once', async () => {
    const h = harness();
    const pending = h.iterator.next();
    expect(await isSettled(pending)).toBe(false);
    await h.queue.push(chunk('events', 0, [4]));
    const result = await pending;
    expect(result.done).toBe(false);
    expect(seqs((result.value as SourceItem).batch)).toEqual([4]);
  });

  it('drop(topic) removes the queued slices of that topic only', async () => {
    const h = harness({ batchSize: 2 });
    await h.queue.push(chunk('events', 0, range(0, 5)));
    await h.queue.push(chunk('events-archive', 0, [0]));
    await h.queue.push(chunk('dim.subscriptions', 0, [0, 1]));
    await h.queue.push(chunk('events', 1, range(0, 3)));
    expect(seqs((await take(h)).batch)).toEqual([0, 1]); // events/0, handed out before the revocation
    h.queue.drop('events');
    expect((await take(h)).batch.origin).toBe('events-archive/0');
    expect((await take(h)).batch.origin).toBe('dim.subscriptions/0');
    expect(await isSettled(h.iterator.next())).toBe(false);
    expect(h.next.get('events/0')).toBe(2);
    expect(h.next.has('events/1')).toBe(false);
  });

  it('resolves push only once the queued bytes fall below maxBytes', async () => {
    // 4 records of 5 bytes each, one per slice: 20 bytes queued against a limit of 10
    const h = harness({ batchSize: 1, maxBytes: 10 });
    const push = h.queue.push(chunk('events', 0, [0, 1, 2, 3], (o) => `rec-${o}`));
    expect(await isSettled(push)).toBe(false);
    await take(h); // 15 bytes left
    expect(await isSettled(push)).toBe(false);
    await take(h); // 10 bytes left: not below the limit
    expect(await isSettled(push)).toBe(false);
    await take(h); // 5 bytes left
    expect(await isSettled(push)).toBe(true);
  });

  it('resolves push at once while below maxBytes', async () => {
    const h = harness({ batchSize: 1, maxBytes: 11 });
    expect(await isSettled(h.queue.push(chunk('events', 0, [0, 1], (o) => `rec-${o}`)))).toBe(true); // 10 bytes
    expect(await isSettled(h.queue.push(chunk('events', 0, [2], (o) => `rec-${o}`)))).toBe(false); // 15 bytes
  });

  it('drop(topic) releases a push waiting for room', async () => {
    const h = harness({ batchSize: 1, maxBytes: 10 });
    await h.queue.push(chunk('dim.payouts', 0, [0], (o) => `rec-${o}`));
    const push = h.queue.push(chunk('events', 0, [0, 1, 2], (o) => `rec-${o}`));
    expect(await isSettled(push)).toBe(false);
    h.queue.drop('events');
    expect(await isSettled(push)).toBe(true);
  });

  it('ends the iteration when isDone() is true, even with records queued', async () => {
    const h = harness({ batchSize: 1 });
    await h.queue.push(chunk('events', 0, [0, 1, 2]));
    expect(seqs((await take(h)).batch)).toEqual([0]);
    h.done = true;
    expect(await h.iterator.next()).toEqual({ value: undefined, done: true });
    expect(h.next.get('events/0')).toBe(1);
    expect(await isSettled(h.queue.push(chunk('events', 0, [3])))).toBe(true);
  });

  it('ends a for-await loop when isDone() turns true', async () => {
    const h = harness({ batchSize: 2 });
    await h.queue.push(chunk('events', 0, range(0, 10)));
    const seen: number[] = [];
    for await (const item of h.queue) {
      seen.push(...seqs(item.batch));
      if (seen.length >= 4) h.done = true;
    }
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('close() ends a waiting iteration', async () => {
    const h = harness();
    await h.queue.push(chunk('events', 0, [0]));
    await take(h);
    const waiting = h.iterator.next();
    expect(await isSettled(waiting)).toBe(false);
    h.queue.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await h.iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('moves a partition past trailing control records (transaction markers), so a caught-up run ends', async () => {
    const next = new Map<string, number>();
    const h = harness({ next, isDone: () => (next.get('events/0') ?? 0) >= 4 });
    await h.queue.push(chunk('events', 0, [0, 1, 2]));
    const item = await take(h);
    expect(item.batch.count).toBe(3);
    expect(next.get('events/0')).toBe(3);
    // the commit marker at offset 3: no record, only the fetch position moved on to 4
    const marker = chunk('events', 0, []);
    const waiting = h.iterator.next();
    await h.queue.push({ ...marker, records: { ...marker.records, nextOffset: 4 } });
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(next.get('events/0')).toBe(4);
    expect(h.handedOut).toEqual(['events/0', 'events/0']);
  });

  it('whenIdle() waits while an item is handed out and not yet folded (the pipeline asks for the next one after folding)', async () => {
    const h = harness();
    expect(await isSettled(h.queue.whenIdle())).toBe(true);
    await h.queue.push(chunk('events', 0, [0, 1, 2, 3, 4, 5]));
    await take(h);
    const idle = h.queue.whenIdle();
    expect(await isSettled(idle)).toBe(false);
    const next = h.iterator.next();
    expect(await isSettled(idle)).toBe(true);
    await next;
    expect(await isSettled(h.queue.whenIdle())).toBe(false);
  });

  it('foldedNext() is where the reports are: the start of a handed-out item until it is folded', async () => {
    const h = harness();
    await h.queue.push(chunk('events', 0, [0, 1, 2, 3, 4, 5]));
    await take(h);
    // the first item (0..2) is folded once the pipeline asks for the next one
    const second = h.iterator.next();
    await second;
    expect(h.next.get('events/0')).toBe(6);
    expect(h.queue.foldedNext('events/0')).toBe(3);
    void h.iterator.next();
    expect(h.queue.foldedNext('events/0')).toBe(6);
    expect(h.queue.foldedNext('events/9')).toBe(0);
  });

  it('fail() rejects a waiting iteration and every later one with the error, never a quiet done', async () => {
    const h = harness();
    await h.queue.push(chunk('events', 0, [0, 1, 2]));
    await take(h);
    const waiting = h.iterator.next();
    expect(await isSettled(waiting)).toBe(false);
    const cause = new Error('fetch failed for good');
    h.queue.fail(cause);
    await expect(waiting).rejects.toBe(cause);
    await expect(h.iterator.next()).rejects.toBe(cause);
  });

  it('close() releases a push waiting for room and forgets what is queued', async () => {
    const h = harness({ batchSize: 1, maxBytes: 1 });
    const first = h.queue.push(chunk('events', 0, [0, 1]));
    const second = h.queue.push(chunk('events', 1, [0]));
    expect(await isSettled(first)).toBe(false);
    expect(await isSettled(second)).toBe(false);
    h.queue.close();
    expect(await isSettled(first)).toBe(true);
    expect(await isSettled(second)).toBe(true);
    expect(await h.iterator.next()).toEqual({ value: undefined, done: true });
    expect(h.next.size).toBe(0);
    // pushes after close resolve at once and queue nothing
    expect(await isSettled(h.queue.push(chunk('events', 0, [9])))).toBe(true);
    expect(await h.iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('breaking out of a for-await loop closes the queue', async () => {
    const h = harness({ batchSize: 1, maxBytes: 1 });
    const push = h.queue.push(chunk('events', 0, range(0, 5)));
    for await (const item of h.queue) {
      expect(seqs(item.batch)).toEqual([0]);
      break;
    }
    expect(await isSettled(push)).toBe(true);
    expect(await h.queue[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
  });

  it('ignores an empty chunk', async () => {
    const h = harness();
    await h.queue.push(chunk('events', 0, []));
    expect(await isSettled(h.iterator.next())).toBe(false);
  });

  it('keeps order and byte accounting over thousands of slices, the partitions in turns', async () => {
    const h = harness({ batchSize: 1, maxBytes: 1 << 30 });
    await h.queue.push(chunk('events', 0, range(0, 1500)));
    await h.queue.push(chunk('dim.subscriptions', 0, range(0, 1500)));
    await h.queue.push(chunk('events', 1, range(0, 1500)));
    const origins = new Map<string, number[]>();
    const order: string[] = [];
    for (let i = 0; i < 2600; i++) {
      const item = await take(h);
      const list = origins.get(item.batch.origin) ?? [];
      list.push(...seqs(item.batch));
      origins.set(item.batch.origin, list);
      if (i < 6) order.push(item.batch.origin);
    }
    // one slice of each partition after the other, not the first fetched partition's all first
    expect(order).toEqual(['events/0', 'dim.subscriptions/0', 'events/1', 'events/0', 'dim.subscriptions/0', 'events/1']);
    h.queue.drop('events');
    const subscriptions = origins.get('dim.subscriptions/0') as number[];
    while (subscriptions.length < 1500) subscriptions.push(...seqs((await take(h)).batch));
    expect(origins.get('events/0')).toEqual(range(0, 867));
    expect(origins.get('events/1')).toEqual(range(0, 866));
    expect(subscriptions).toEqual(range(0, 1500));
    expect(await isSettled(h.iterator.next())).toBe(false);
  });

  it('counts bytes back to zero once everything is handed out', async () => {
    const h = harness({ batchSize: 1, maxBytes: 16 });
    const full = h.queue.push(chunk('events', 0, [0, 1], (o) => `0123456${o}`)); // 16 bytes: waits
    expect(await isSettled(full)).toBe(false);
    await take(h);
    expect(await isSettled(full)).toBe(true);
    await take(h);
    // nothing queued: 15 bytes fit under the limit of 16
    expect(await isSettled(h.queue.push(chunk('events', 0, [2], () => '0123456789abcde')))).toBe(true);
  });
});
