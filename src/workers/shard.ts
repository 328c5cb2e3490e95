import { Worker, type MessagePort } from 'node:worker_threads';
import { errorFromData, InternalError, type StreamPulseError } from '../errors.ts';
import type { PackedBatch } from './packed-batch.ts';
import type { DimensionName } from '../domain/records/schema.ts';
import type { ByteRange } from '../sources/ndjson-reader.ts';
import { closeWorker } from './worker-exit.ts';
import { shardUrl, takeStarted } from './shard-pool.ts';
import { PRELOAD_ID, type FromShard, type ItemDone, type PublishSent, type ReadBatch, type Saved, type ShardInit, type ShardStart, type SubscriptionsRead, type ToShard } from './shard-protocol.ts';
import type { LoadedSubscriptions, SubscriptionFileRequest } from './subscription-load.ts';
import type { SavedPartition } from '../pipeline.ts';
import type { SourcePosition } from '../domain/records/raw-batch.ts';

/**
 * The main thread's handle on one shard (a worker thread): posts items in order, keeps count of
 * those not yet done, and turns the shard's failure or death into one error every waiter sees.
 */
export class Shard {
  private readonly worker: Worker;
  /** Items and publish requests not answered yet, by id: an item by its done, a request by its publish. */
  private readonly pending = new Map<number, { resolve: (answer: ItemDone & PublishSent & Saved & SubscriptionsRead) => void; reject: (error: Error) => void }>();
  /** Reads in progress, by id: told of each batch. */
  private readonly reading = new Map<number, (batch: ReadBatch) => void>();
  private nextId = 1;
  private failure: StreamPulseError | null = null;
  private closing = false;
  private onFailure: (error: StreamPulseError) => void = () => {};
  /** Told at the shard's next answer or failure. */
  private answered: (() => void)[] = [];
  /** The subscriptions the shard loads ahead (init.preload), until a request takes or passes them up. */
  private preloaded: Promise<LoadedSubscriptions> | null = null;
  private preloadWaiter: { resolve: (loaded: LoadedSubscriptions) => void; reject: (error: Error) => void } | null = null;
  /** Settles once the last subscriptions request is decided and posted (or answered from the load ahead). */
  private subscriptionsPosted: Promise<void> = Promise.resolve();

  /** `started`: a thread started ahead (shard-pool.ts), sent `init` as its first message; else one is started with it. */
  constructor(
    readonly init: ShardInit,
    started?: Worker,
  ) {
    if (init.preload !== undefined) {
      this.preloaded = new Promise((resolve, reject) => (this.preloadWaiter = { resolve, reject }));
      // its failure is the request's that takes it: a preload passed up fails nothing
      this.preloaded.catch(() => {});
    }
    this.worker = started ?? new Worker(shardUrl(), { workerData: init, stdout: false, stderr: false });
    if (started !== undefined) this.worker.postMessage({ type: 'init', init } satisfies ShardStart);
    // a shard started ahead of its run must not keep the process alive if the run never comes
    this.worker.unref();
    this.worker.on('message', (message: FromShard) => this.receive(message));
    this.worker.on('error', (error) => this.fail(new InternalError(`shard ${init.shard} failed: ${error.stack ?? error.message}`, { cause: error })));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new InternalError(`shard ${init.shard} exited (code ${code}) before the run ended`));
      // closed or terminated: nothing still asked of it will be answered
      else this.rejectPending(new InternalError(`shard ${init.shard} was closed before it answered`));
    });
  }

  /** The shard's thread. */
  get threadId(): number {
    return this.worker.threadId;
  }

  /** Who is told of the shard's failure (one that came before is told at once). */
  listen(onFailure: (error: StreamPulseError) => void): void {
    this.onFailure = onFailure;
    if (this.failure !== null) onFailure(this.failure);
  }

  /** The run has begun: the shard keeps the process alive until it is closed. */
  ref(): void {
    this.worker.ref();
  }

  /** Items posted and not yet done. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Posts a batch (its buffer is shared with the shard); resolves when the shard has folded it. */
  send(item: { type: 'dimension'; table: Extract<ToShard, { type: 'dimension' }>['table']; batch: PackedBatch } | { type: 'events'; partition: string; batch: PackedBatch }): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ ...item, id }));
  }

  /**
   * Has the shard read a range of an NDJSON events file and fold it; `onBatch` hears of each
   * batch folded. Resolves when the range is read (or the reading stopped).
   */
  read(request: { path: string; range: ByteRange; batchSize: number; maxRecordBytes: number }, onBatch: (batch: ReadBatch) => void): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => {
      this.reading.set(id, onBatch);
      return { type: 'read', id, ...request };
    });
  }

  /** Has the shard read a whole NDJSON dimension table file and apply it; resolves when it is applied. */
  readDimension(request: { table: DimensionName; path: string; batchSize: number; maxRecordBytes: number; image?: true }): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ type: 'read-dimension', id, ...request }));
  }

  /**
   * Has the shard load a subscriptions file into a table apart from its own, for every shard to
   * adopt (see SubscriptionLoad). The first request takes the table the shard loaded ahead when it
   * names that file, with the same settings, and the file has the size it was listed with
   * (`bytes`): the load was only begun earlier. Otherwise (another file, one changed since, a load
   * ahead that failed) the shard drops that table and loads this file afresh, a failure then the
   * shard's as for any load. Requests are decided in the order made: a later file's request is
   * posted only once the first one's fate is known, so the shard applies the files in order.
   */
  async readSubscriptions(request: SubscriptionFileRequest & { readonly bytes: number }): Promise<LoadedSubscriptions> {
    const previous = this.subscriptionsPosted;
    let posted = (): void => {};
    this.subscriptionsPosted = new Promise((resolve) => (posted = resolve));
    try {
      await previous;
      const { bytes, ...file } = request;
      const preloaded = this.preloaded;
      this.preloaded = null;
      let fresh = false;
      if (preloaded !== null) {
        const ahead = this.init.preload;
        if (ahead?.path === file.path && ahead.batchSize === file.batchSize && ahead.maxRecordBytes === file.maxRecordBytes) {
          const loaded = await preloaded.catch(() => null);
          if (loaded?.bytes === bytes) return loaded;
        }
        fresh = true;
      }
      const answer = this.ask<SubscriptionsRead>((id) => ({ type: 'read-subscriptions', id, ...file, ...(fresh ? { fresh } : {}) }));
      posted();
      const { image, applied, rejected, lines, bytes: read } = await answer;
      return { image, applied, rejected, lines, bytes: read };
    } finally {
      posted();
    }
  }

  /** The run's events have begun: no subscriptions file is taken from the load ahead any more, and its table goes. */
  dropPreload(): void {
    this.preloaded = null;
  }

  /** Hands the shard a small table shard 0 applied from its file (readDimension with `image`). */
  adoptTable(request: Omit<Extract<ToShard, { type: 'adopt-table' }>, 'type' | 'id'>): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ type: 'adopt-table', id, ...request }));
  }

  /** Hands the shard the subscription table one shard loaded (see SubscriptionLoad). */
  adoptSubscriptions(request: Omit<Extract<ToShard, { type: 'adopt-subscriptions' }>, 'type' | 'id'>): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ type: 'adopt-subscriptions', id, ...request }));
  }

  /** Ends the shard's read in progress after its current batch; the reads queued end at once. */
  stopReading(): void {
    this.worker.postMessage({ type: 'stop-reading' } satisfies ToShard);
  }

  /** Gives the shard the port its publishes go to (before any item). */
  connect(merger: MessagePort): void {
    this.worker.postMessage({ type: 'merger', port: merger } satisfies ToShard, [merger]);
  }

  /**
   * Asks for a publish now (it reflects every item posted before); resolves with its seq once it
   * is on its way to the merger.
   */
  async publish(): Promise<number> {
    return (await this.ask<PublishSent>((id) => ({ type: 'publish', id }))).seq;
  }

  /** Gives users ids ahead of a saved state that numbers them (sent to every shard alike). */
  numberUsers(users: readonly string[]): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ type: 'users', id, users }));
  }

  /**
   * Replaces a partition's state with a saved one, or starts it over (`saved` null), after every
   * item posted before; rejects, changing nothing, when the saved state does not validate.
   */
  restorePartition(partition: string, saved: unknown, position: SourcePosition): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ type: 'restore', id, partition, saved, position }));
  }

  /** Forgets a partition's copy (it went elsewhere). */
  dropPartition(partition: string): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ type: 'drop', id, partition }));
  }

  /** Shows only these partitions in publishes from now on. */
  hold(partitions: readonly string[]): Promise<ItemDone> {
    return this.ask<ItemDone>((id) => ({ type: 'hold', id, partitions }));
  }

  /** The partitions' states as of every item posted before this call, and none after. */
  async savePartitions(partitions: readonly string[]): Promise<readonly SavedPartition[]> {
    return (await this.ask<Saved>((id) => ({ type: 'save', id, partitions }))).states;
  }

  /** Resolves at the shard's next answer (or its failure): room for another item may have come. */
  nextAnswer(): Promise<void> {
    return new Promise((resolve) => this.answered.push(resolve));
  }

  /** Posts the message made for the next id; resolves with the shard's answer to that id. */
  private ask<A extends ItemDone | PublishSent | Saved | SubscriptionsRead>(message: (id: number) => ToShard): Promise<A> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new InternalError(`shard ${this.init.shard} is closed`));
    const id = this.nextId++;
    const answer = new Promise<A>((resolve, reject) => this.pending.set(id, { resolve: resolve as (a: ItemDone & PublishSent & Saved & SubscriptionsRead) => void, reject }));
    this.worker.postMessage(message(id));
    return answer;
  }

  async close(): Promise<void> {
    this.closing = true;
    await closeWorker(this.worker, { type: 'close' } satisfies ToShard);
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private receive(message: FromShard): void {
    if (message.type !== 'read-batch') for (const resolve of this.answered.splice(0)) resolve();
    switch (message.type) {
      case 'done':
        this.answer(message.id, message);
        break;
      case 'read-batch':
        this.reading.get(message.id)?.(message);
        break;
      case 'publish-sent':
        this.answer(message.request, message);
        break;
      case 'saved':
        this.answer(message.id, message);
        break;
      case 'subscriptions-read':
        if (message.id === PRELOAD_ID) this.settlePreload()?.resolve(message);
        else this.answer(message.id, message);
        break;
      case 'refused': {
        // the request's own error (it names the partition or the file), not the shard's failure
        const error = errorFromData(message.error);
        if (message.id === PRELOAD_ID) this.settlePreload()?.reject(error);
        else this.take(message.id)?.reject(error);
        break;
      }
      case 'failed':
        this.fail(errorFromData(message.error, `shard ${this.init.shard}: `));
        break;
    }
  }

  private answer(id: number, message: ItemDone | PublishSent | Saved | SubscriptionsRead): void {
    // each id was asked for one kind of answer, and gets that kind
    this.take(id)?.resolve(message as ItemDone & PublishSent & Saved & SubscriptionsRead);
  }

  /** The waiter of `id`, no longer pending. */
  private take(id: number): { resolve: (answer: ItemDone & PublishSent & Saved & SubscriptionsRead) => void; reject: (error: Error) => void } | undefined {
    const waiter = this.pending.get(id);
    this.pending.delete(id);
    this.reading.delete(id);
    return waiter;
  }

  private settlePreload(): { resolve: (loaded: LoadedSubscriptions) => void; reject: (error: Error) => void } | null {
    const waiter = this.preloadWaiter;
    this.preloadWaiter = null;
    return waiter;
  }

  /** Every waiter gets `error`: no answer is coming. */
  private rejectPending(error: Error): void {
    this.settlePreload()?.reject(error);
    for (const resolve of this.answered.splice(0)) resolve();
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    this.reading.clear();
  }

  private fail(error: StreamPulseError): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.rejectPending(error);
    this.onFailure(error);
  }
}

/** Least time between two publishes of a shard: queries see every shard at most this far behind its batches. */
export const PUBLISH_MS = 100;

/**
 * Starts `count` shards, unreferenced: a run starts them first thing, so their start-up overlaps
 * the main thread's (loading the server and metrics, opening the input), and hands them to its
 * ShardedPipeline.
 */
export function startShards(count: number, init: Omit<ShardInit, 'shard' | 'preload'>, preload?: SubscriptionFileRequest): Shard[] {
  // the last shard loads the subscriptions for all (shard 0 takes the events' first range), in
  // the thread started ahead if there is one: its preload is what every event waits for
  const loading = takeStarted();
  return Array.from({ length: count }, (_, shard) => {
    const last = shard === count - 1;
    return new Shard({ ...init, shard, ...(last && preload !== undefined ? { preload } : {}) }, last ? loading : undefined);
  });
}
