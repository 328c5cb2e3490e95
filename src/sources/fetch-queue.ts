import { partitionKey, type FetchedChunk } from '../kafka/wire/index.ts';
import type { RawBatch } from '../domain/records/raw-batch.ts';
import type { DimensionName } from '../domain/records/schema.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { PartitionTurns } from './partition-turns.ts';

interface Slice {
  readonly key: string;
  readonly table: DimensionName | undefined;
  readonly chunk: FetchedChunk;
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
}

export interface FetchQueueOptions {
  /** Records per item handed to the pipeline. */
  readonly batchSize: number;
  /** Queued record bytes above which `push` waits: the fetcher stays at most this far ahead. */
  readonly maxBytes: number;
  readonly tableOf: (topic: string) => DimensionName | undefined;
  /** partitionKey → next offset handed to the pipeline; updated here at hand-out. */
  readonly next: Map<string, number>;
  /** Checked before each item: true ends the iteration (a `--once` run that caught up). */
  readonly isDone: () => boolean;
  /** After each item is built: its partition and how many records it holds. */
  readonly onHandOut: (key: string, records: number) => void;
}

/**
 * Between the fetcher (push) and the pipeline (pull): fetched records wait here as slices of at
 * most `batchSize` records, views of the fetch response, never copied, and are handed out each
 * partition in order, the partitions in turns (PartitionTurns). An item is built when the
 * pipeline asks for it, which is after the previous item has been folded into every report, so
 * `next` is exactly what the reports reflect; records below `next` (fetched again after a
 * rebalance or a reconnect) are dropped there, so nothing is counted twice.
 */
export class FetchQueue implements AsyncIterable<SourceItem> {
  private readonly slices = new PartitionTurns<Slice>();
  private bytes = 0;
  private readonly roomWaiters: (() => void)[] = [];
  private waiter: { resolve: (result: IteratorResult<SourceItem>) => void; reject: (error: Error) => void } | null = null;
  private closed = false;
  private failure: Error | null = null;
  /** An item handed out and not yet folded: the pipeline asks for the next one only after folding it. */
  private handedOut = false;
  /** The partition of the item handed out and not yet folded, and its `next` before that item. */
  private inFlight: { readonly key: string; readonly before: number } | null = null;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly options: FetchQueueOptions) {}

  /** Queues a partition's fetched records; resolves when there is room for more. */
  push(chunk: FetchedChunk): Promise<void> {
    if (this.closed) return Promise.resolve();
    const { records } = chunk;
    const key = partitionKey(chunk.topic, chunk.partition);
    const table = this.options.tableOf(chunk.topic);
    for (let from = 0; from < records.count; from += this.options.batchSize) {
      const to = Math.min(from + this.options.batchSize, records.count);
      let bytes = 0;
      for (let i = from; i < to; i++) bytes += records.ends[i] - records.starts[i];
      this.slices.push({ key, table, chunk, from, to, bytes });
      this.bytes += bytes;
    }
    // offsets past the last record (control batches: transaction markers) are passed once the
    // records before them are handed out, so `next` reaches the end offset and a --once run ends
    const afterLast = records.count > 0 ? records.offsets[records.count - 1] + 1 : 0;
    if (records.nextOffset > afterLast) this.slices.push({ key, table, chunk, from: records.count, to: records.count, bytes: 0 });
    this.deliver();
    if (this.bytes < this.options.maxBytes) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Forgets what is queued for `topic` (its partitions were revoked). */
  drop(topic: string): void {
    const prefix = `${topic}/`;
    const kept = this.slices.dropWhere((key) => key.startsWith(prefix));
    this.bytes = kept.reduce((n, s) => n + s.bytes, 0);
    this.makeRoom();
  }

  /** Ends the iteration with `error`: the pipeline's run rejects with it instead of ending as done. */
  fail(error: Error): void {
    this.failure ??= error;
    this.close();
  }

  close(): void {
    this.closed = true;
    this.slices.clear();
    this.bytes = 0;
    this.makeRoom(true);
    this.deliver();
  }

  /**
   * Resolves once no item is between hand-out and fold: then `next` and every report agree, and a
   * partition's state can be taken with its offset (a revocation waits for this).
   */
  /** True while an item is between hand-out and fold (its offsets are taken, its records not yet folded). */
  /**
   * The next offset of what is folded into the reports of `key`'s partition: `next`, except while
   * an item of that partition is handed out and not yet folded (then where it started).
   */
  foldedNext(key: string): number {
    if (this.inFlight !== null && this.inFlight.key === key && this.handedOut) return this.inFlight.before;
    return this.options.next.get(key) ?? 0;
  }

  get busy(): boolean {
    return this.handedOut;
  }

  whenIdle(): Promise<void> {
    if (!this.handedOut) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private folded(): void {
    this.handedOut = false;
    this.inFlight = null;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<SourceItem> {
    return {
      next: () => {
        this.folded();
        if (this.options.isDone()) this.close();
        return new Promise<IteratorResult<SourceItem>>((resolve, reject) => {
          this.waiter = { resolve, reject };
          this.deliver();
        });
      },
      return: async () => {
        this.folded();
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private deliver(): void {
    if (this.waiter === null) return;
    for (let slice = this.slices.shift(); slice !== undefined; slice = this.slices.shift()) {
      this.bytes -= slice.bytes;
      this.makeRoom();
      if (slice.from === slice.to) {
        this.passControlRecords(slice);
        continue;
      }
      const batch = this.build(slice);
      if (batch === null) continue;
      const waiter = this.waiter;
      this.waiter = null;
      this.handedOut = true;
      this.options.onHandOut(slice.key, batch.count);
      const item: SourceItem = slice.table === undefined ? { kind: 'events', batch } : { kind: 'dimension', table: slice.table, batch };
      // handed over on the next turn of the event loop, so HTTP requests, timers and heartbeats run
      // between batches even while a full queue is drained (a resolved promise alone would starve them)
      setImmediate(() => waiter.resolve({ value: item, done: false }));
      return;
    }
    // nothing left to hand out: a run that has now caught up (past trailing markers) ends here
    if (!this.closed && this.options.isDone()) this.closed = true;
    if (this.closed) {
      const waiter = this.waiter;
      this.waiter = null;
      if (this.failure !== null) waiter.reject(this.failure);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  /** A partition's position moves past records that are not data (no item is handed out). */
  private passControlRecords(slice: Slice): void {
    const { nextOffset } = slice.chunk.records;
    if ((this.options.next.get(slice.key) ?? 0) < nextOffset) this.options.next.set(slice.key, nextOffset);
    this.options.onHandOut(slice.key, 0);
  }

  /** The slice's records not yet handed over, as a RawBatch of views; advances `next`. */
  private build(slice: Slice): RawBatch | null {
    const { records } = slice.chunk;
    const next = this.options.next.get(slice.key) ?? 0;
    let from = slice.from;
    while (from < slice.to && records.offsets[from] < next) from++;
    if (from === slice.to) return null;
    const last = records.offsets[slice.to - 1];
    this.inFlight = { key: slice.key, before: next };
    this.options.next.set(slice.key, last + 1);
    return {
      count: slice.to - from,
      buffers: records.buffers.slice(from, slice.to),
      starts: records.starts.subarray(from, slice.to),
      ends: records.ends.subarray(from, slice.to),
      origin: slice.key,
      seqs: records.offsets.subarray(from, slice.to),
      position: { origin: slice.key, seq: last },
    };
  }

  private makeRoom(force = false): void {
    if (!force && this.bytes >= this.options.maxBytes) return;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
