import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { errorFromData, InternalError, type StreamPulseError } from '../errors.ts';
import type { Shard } from './shard.ts';
import { closeWorker } from './worker-exit.ts';
import type { FromMerger, MergerInit, Rendered, ToMerger } from './shard-protocol.ts';

/** The merger's code: compiled beside this module in the build, a tsx shim when run from source. */
function mergerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./merger-worker-dev.mjs', import.meta.url) : new URL('./merger-worker.cjs', import.meta.url);
}

/** Least time between two 'wanted' messages: queries come far more often than the merger needs telling. */
const WANTED_EVERY_MS = 100;

/**
 * The main thread's handle on the merger thread: connects each shard's publishes to it, tells it
 * when queries come, and keeps its latest render, which every query is answered from.
 */
export class Merger {
  /** Null until start(): its messages wait in `queued` meanwhile. */
  private worker: Worker | null = null;
  private queued: { message: ToMerger; transfer: MessagePort[] }[] = [];
  private latest: Rendered | null = null;
  private failure: StreamPulseError | null = null;
  private closing = false;
  private lastWanted = -Infinity;
  private finalWaiter: { resolve: (rendered: Rendered) => void; reject: (error: Error) => void } | null = null;
  private onFailure: (error: StreamPulseError) => void = () => {};

  constructor(private readonly init: MergerInit) {}

  /**
   * Starts the thread, if not yet: when there is something to merge (the first events, a Kafka
   * run's partitions, the end of the run). Not with the shards: its start-up (60 ms of code loading) would take a core
   * from the subscriptions load that every shard's events wait for, for publishes that come only
   * after the first events.
   */
  start(): void {
    if (this.worker !== null || this.closing) return;
    const worker = new Worker(mergerUrl(), { workerData: this.init, stdout: false, stderr: false });
    this.worker = worker;
    // like the shards, it never keeps the process alive by itself
    worker.unref();
    worker.on('message', (message: FromMerger) => this.receive(message));
    worker.on('error', (error) => this.fail(new InternalError(`the merger failed: ${error.stack ?? error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new InternalError(`the merger exited (code ${code}) before the run ended`));
    });
    for (const { message, transfer } of this.queued.splice(0)) worker.postMessage(message, transfer);
  }

  private post(message: ToMerger, transfer: MessagePort[] = []): void {
    if (this.worker === null) this.queued.push({ message, transfer });
    else this.worker.postMessage(message, transfer);
  }

  /** Who is told of the merger's failure (one that came before is told at once). */
  listen(onFailure: (error: StreamPulseError) => void): void {
    this.onFailure = onFailure;
    if (this.failure !== null) onFailure(this.failure);
  }

  /** Sends `shard`'s publishes (it is shard number `index`) straight to the merger. */
  connect(shard: Shard, index: number): void {
    const { port1, port2 } = new MessageChannel();
    shard.connect(port1);
    this.post({ type: 'shard', shard: index, port: port2 }, [port2]);
  }

  /** The latest render, null before the first. */
  get rendered(): Rendered | null {
    return this.latest;
  }

  /**
   * A query came: the merger renders the publishes as they come, for a while. It does not start
   * the thread: before the first events there is nothing to merge, and a query in the run's first
   * milliseconds starting it put its start-up beside the shards' and the subscriptions load on the
   * cores, where the first answers waited for it (15-25 ms, the slowest of a run); told once the
   * thread is there (start() posts what waited).
   */
  wanted(): void {
    const now = performance.now();
    if (now - this.lastWanted < WANTED_EVERY_MS || this.closing) return;
    this.lastWanted = now;
    this.post({ type: 'wanted' });
  }

  /** The queries so far were no client's: the merger goes back to its idle pace, until the next. */
  unwanted(): void {
    if (this.closing) return;
    this.lastWanted = -Infinity;
    this.post({ type: 'unwanted' });
  }

  /** Resolves with the render of every shard's publish `seqs[shard]` (and all before it). */
  final(seqs: readonly number[]): Promise<Rendered> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const rendered = new Promise<Rendered>((resolve, reject) => (this.finalWaiter = { resolve, reject }));
    this.start();
    this.post({ type: 'final', seqs });
    return rendered;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.worker !== null) await closeWorker(this.worker, { type: 'close' } satisfies ToMerger);
  }

  async terminate(): Promise<void> {
    this.closing = true;
    await this.worker?.terminate();
  }

  private receive(message: FromMerger): void {
    if (message.type === 'failed') {
      this.fail(errorFromData(message.error, 'the merger: '));
      return;
    }
    // renders come in order: each is newer than the one before
    this.latest = message;
    if (message.final) {
      this.finalWaiter?.resolve(message);
      this.finalWaiter = null;
    }
  }

  private fail(error: StreamPulseError): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.finalWaiter?.reject(error);
    this.finalWaiter = null;
    this.onFailure(error);
  }
}
