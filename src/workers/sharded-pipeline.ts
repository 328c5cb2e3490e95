import type { SourcePosition } from '../domain/records/raw-batch.ts';
import { combineProgress, type RunProgressView, type Strategy } from '../domain/run-progress.ts';
import { InternalError, type StreamPulseError } from '../errors.ts';
import type { EventFileItem, LivePipeline, RunItem } from '../live-pipeline.ts';
import type { ReportSnapshot } from '../pipeline.ts';
import type { PartitionOf } from '../domain/partitioned-reports.ts';
import type { BatchProgress } from '../../topology/graph.ts';
import { noMetrics, systemClock, type Clock, type DeadLetterSink, type MetricsSink } from '../../topology/ports.ts';
import { Merger } from './merger.ts';
import { RenderedReports } from './rendered-reports.ts';
import { replayMetrics } from './recording-metrics.ts';
import { BufferPool } from './buffer-pool.ts';
import { DimensionPosting } from './dimension-posting.ts';
import { PUBLISH_MS, startShards, type Shard } from './shard.ts';
import type { ItemDone, ReadBatch } from './shard-protocol.ts';
import type { DeadLetter } from '../domain/records/rejection.ts';
import { DIMENSION_NAMES, type DimensionName } from '../domain/records/schema.ts';
import { EventDealer } from './event-dealer.ts';
import { ShardPartitions } from './shard-partitions.ts';
import { SplitRead } from './split-read.ts';
import { firstDisagreeing } from './user-numbering.ts';

export interface ShardedPipelineOptions {
  readonly strategies: readonly Strategy[];
  readonly cacheSize: number;
  /** Worker threads: each is a shard with its own partition of the state. */
  readonly workers: number;
  readonly clock?: Clock;
  readonly metrics?: MetricsSink;
  readonly deadLetters?: DeadLetterSink;
  /** Least time between two publishes of a shard. */
  readonly publishMs?: number;
  /**
   * Least time between two renders of the merged publishes while queries come: by default the
   * shards' publish time, so an answer is at most one publish behind. A render at 100,000 users
   * is ~2 ms of the merger's CPU; the merger's CPU in a polled replay was the same (83-93 ms) at
   * 100 ms as at 250, since most of it takes the publishes in as they come.
   */
  readonly renderMs?: number;
  /** Source-specific position for the progress (a file replay: how far the file is read). */
  readonly describeSource?: () => unknown;
  /** Shards started ahead (startShards, as many as `workers`, with these strategies); started here when absent. */
  readonly shards?: readonly Shard[];
  /**
   * The partition of each event batch, where partitions are the source's (a Kafka run's): each
   * lives on one shard, and moves in and out through `partitions`. Absent: every shard is one
   * partition, dealt batches or file ranges as it has room.
   */
  readonly partitionOf?: PartitionOf;
}

/**
 * Shard 0's dimension counters as of the later of two of its answers. They only grow, and its
 * answers are taken in the order of the items, not the order it applied them (a subscriptions file
 * it adopts after the tables that follow it), so the later answer is the larger count.
 */
function laterCounts(a: RunProgressView['dimensions'], b: RunProgressView['dimensions']): RunProgressView['dimensions'] {
  const later = (table: DimensionName) => (b[table].rows_applied + b[table].rejected >= a[table].rows_applied + a[table].rejected ? b[table] : a[table]);
  return Object.fromEntries(DIMENSION_NAMES.map((table) => [table, later(table)])) as RunProgressView['dimensions'];
}

/** `promise` kept in `set` until it settles. */
function pendingIn(set: Set<Promise<unknown>>, promise: Promise<unknown>): void {
  set.add(promise);
  void promise.finally(() => set.delete(promise)).catch(() => {});
}

/** Event batches in flight per shard: enough that a shard never waits for the main thread (2 left them idle: 11% slower at 600,000 events; 8 gained nothing). */
const MAX_IN_FLIGHT = 4;
/** Dimension batches handed out and not yet applied by every shard. */
const MAX_DIMENSIONS_IN_FLIGHT = 4;

/**
 * The pipeline on worker threads. Each shard is a partition of the state (its own reports, folded
 * from what it read or was dealt). NDJSON files the shards read themselves: every shard a whole
 * dimension table, and ranges of an events file, each taking the next as it ends one; other
 * sources the main thread reads, dealing event batches and sending every dimension batch to all
 * shards before any later event batch. The shards publish to the merger thread, which renders
 * while queries come; queries are answered from its latest render, never waiting for a batch or a
 * merge. Merging is exact (sums add, distinct sets unite), so the reports do not depend on which
 * shard folded which events.
 */
export class ShardedPipeline implements LivePipeline {
  readonly strategies: readonly Strategy[];
  readonly progress = { view: (): RunProgressView => this.view() };
  /** NDJSON event files are read by the shards, in ranges: no thread reads, splits and copies them for all. */
  readonly readsEventFiles = true;
  /** Set once the shards read a file themselves: their positions then count what each has read of it. */
  private splitting = false;
  /** The events file the shards are reading, while they are. */
  private reading: SplitRead | null = null;
  private readonly shards: Shard[];
  private started = false;
  private threadsEnding = false;
  /** Resolves when every shard's thread has ended (after run()). */
  private ended: Promise<void> = Promise.resolve();
  /** Dimension items handed to the shards and not yet applied by all. */
  private readonly dimensionsPending = new Set<Promise<void>>();
  /** Dimension items not yet applied by shard 0, whose counters stand for every shard's (see afterDimension). */
  private readonly dimensionsUncounted = new Set<Promise<void>>();
  /** Dimension items not yet posted to every shard (some wait for a subscriptions file loading). */
  private readonly posting = new Set<Promise<unknown>>();
  /** The dead letters of the dimension items are written in the items' order: the last item's turn. */
  private dimensionLetters: Promise<void> = Promise.resolve();
  private readonly merger: Merger;
  private readonly rendered: RenderedReports;
  private readonly clock: Clock;
  private readonly metrics: MetricsSink;
  private readonly deadLetters: DeadLetterSink;
  private readonly startedAt: number;
  private dimensions: RunProgressView['dimensions'] = { subscriptions: { rows_applied: 0, rejected: 0 }, ad_rates: { rows_applied: 0, rejected: 0 }, payouts: { rows_applied: 0, rejected: 0 } };
  private position: SourcePosition | null = null;
  private updatedAt: number | null = null;
  /** Dimension batches and files applied: a part of the progress the renders do not carry. */
  private dimensionsApplied = 0;
  private progressJson: { key: string; json: string } | null = null;
  private done = false;
  private failure: StreamPulseError | null = null;
  private eventsRead = 0;
  private eventsSince: number | null = null;
  private eventsDealt = false;
  private readonly pool = new BufferPool(MAX_IN_FLIGHT * 16);
  /** The source's partitions on the shards (a Kafka run's); null when each shard is a partition. */
  readonly partitions: ShardPartitions | null;
  private readonly dealer: EventDealer;
  /** The dimension rows on their way to the shards, each shard taking them in their order. */
  private readonly dimensionPosts: DimensionPosting;

  constructor(private readonly options: ShardedPipelineOptions) {
    if (options.strategies.length === 0) throw new InternalError('a pipeline needs at least one strategy');
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new InternalError(`a sharded pipeline needs at least one worker, not ${options.workers}`);
    this.strategies = options.strategies;
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noMetrics;
    this.deadLetters = options.deadLetters ?? { write: () => {} };
    this.startedAt = this.clock.now();
    this.merger = new Merger({ shards: options.workers, strategies: options.strategies, renderMs: options.renderMs ?? options.publishMs ?? PUBLISH_MS, partitionsMove: options.partitionOf !== undefined });
    this.rendered = new RenderedReports(options.strategies, this.merger);
    // started now at the latest, so their start-up overlaps the rest of the run's
    this.shards = [...(options.shards ?? startShards(options.workers, { strategies: this.strategies, cacheSize: options.cacheSize, publishMs: options.publishMs ?? PUBLISH_MS }))];
    if (this.shards.length !== options.workers) throw new InternalError(`${this.shards.length} shards started for ${options.workers} workers`);
    this.partitions = options.partitionOf === undefined ? null : new ShardPartitions(this.shards, options.partitionOf);
    this.dealer = new EventDealer(this.shards, this.partitions, MAX_IN_FLIGHT, this.pool);
    this.dimensionPosts = new DimensionPosting(this.shards, this.partitions !== null);
    this.shards.forEach((shard, index) => {
      shard.listen((error) => this.failed(error));
      this.merger.connect(shard, index);
    });
    this.merger.listen((error) => this.failed(error));
    // a Kafka run's shards publish the partitions they restore before any event
    if (this.partitions !== null) this.merger.start();
  }

  get primary(): Strategy {
    return this.strategies.includes('cached') ? 'cached' : this.strategies[0];
  }

  /**
   * Feeds the source to the shards. Dimension rows (a batch or a file) go to every shard, ahead
   * of any later events in each shard's message order, so an event read after them is joined
   * against them whichever shard folds it; settle() waits until all have applied them. Event
   * batches are dealt by the EventDealer (to their partition's shard, or the least busy one),
   * event files are read by the shards in ranges.
   */
  async run(source: AsyncIterable<RunItem> | Iterable<RunItem>, onBatch?: (progress: BatchProgress) => void): Promise<void> {
    const inFlight = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>): void => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => {});
    };
    if (this.started) throw new InternalError('a sharded pipeline runs once');
    this.started = true;
    for (const shard of this.shards) shard.ref();
    try {
      for await (const item of source) {
        this.throwIfFailed();
        if (item.kind === 'dimension' || item.kind === 'dimension-file') {
          // not awaited: a shard takes its messages in order, so it applies these rows before any
          // later event batch; settle() waits for them where a check needs them applied
          while (this.dimensionsPending.size >= MAX_DIMENSIONS_IN_FLIGHT) await Promise.race(this.dimensionsPending);
          const { counted, applied } = this.applyDimension(item);
          pendingIn(this.dimensionsUncounted, counted);
          pendingIn(this.dimensionsPending, applied);
          track(applied);
          continue;
        }
        // the events' time starts once the shards have applied the dimension rows before them
        if (!this.eventsDealt) {
          this.eventsDealt = true;
          this.dimensionPosts.eventsBegin();
          void this.settle().then(() => void (this.eventsSince ??= performance.now()), () => {});
          for (const shard of this.shards) shard.dropPreload();
        }
        // every dimension item before is posted first (a subscriptions file loading, or rows
        // waiting for it, reach the shards when it is loaded), so each shard applies them before
        // these events; they need not be applied by every shard yet (the loading shard applies
        // its own after the load: shard 0 would idle meanwhile)
        while (this.posting.size > 0) await Promise.allSettled([...this.posting]);
        await this.dimensionPosts.subscriptionsLoaded;
        this.merger.start();
        if (item.kind === 'event-file') {
          await this.readFile(item, onBatch, this.dimensionLetters);
          continue;
        }
        const position = item.batch.position;
        const placement = await this.dealer.place(item.batch, () => this.throwIfFailed());
        track(this.dealer.deal(item.batch, placement).then((done) => this.afterEvents(done, position, onBatch)));
      }
      await Promise.all(inFlight);
      await this.merger.final(await Promise.all(this.shards.map((shard) => shard.publish())));
      this.throwIfFailed();
      this.done = true;
      this.updatedAt = this.clock.now();
    } catch (error) {
      await Promise.allSettled(inFlight);
      throw this.failure ?? error;
    } finally {
      // everything is published: the threads end in the background, not on the run's time; a
      // Kafka run's partitions are still saved when its source closes, so its shards end at dispose()
      if (this.partitions === null || this.failure !== null) this.endThreads();
    }
  }

  /** Ends the threads (once): closed after a run that went well, terminated after a failure or instead of a run. */
  private endThreads(terminate = this.failure !== null): void {
    if (this.threadsEnding) return;
    this.threadsEnding = true;
    const ended = Promise.all([...this.shards, this.merger].map((thread) => (terminate ? thread.terminate() : thread.close())));
    this.ended = ended.then(() => {});
  }

  /**
   * Dimension rows to every shard: a batch sent to each, or a file each reads whole (each needs
   * every row). Counted once shard 0 has applied them: every shard applies the same rows, so its
   * counters, dead letters and metrics stand for all, and a check of the counts (an empty table)
   * need not wait for the slowest shard. Applied once every shard has, and found to number users
   * alike.
   */
  private applyDimension(item: Extract<RunItem, { kind: 'dimension' | 'dimension-file' }>): { counted: Promise<void>; applied: Promise<void> } {
    const turn = this.dimensionLetters;
    let written = (): void => {};
    this.dimensionLetters = new Promise((resolve) => (written = resolve));
    const posted = this.dimensionPosts.post(item).then((post) => {
      // each answer is awaited below, but a failure may end the wait before the others are
      for (const done of post.dones) done.catch(() => {});
      return post;
    });
    pendingIn(this.posting, posted);
    const counted = posted.then(async ({ dones, position, letters }) => {
      const first = await dones[0];
      await turn;
      this.afterDimension(first, typeof position === 'function' ? position(first) : position, letters ?? first.deadLetters);
    });
    // the next item's letters follow this one's, written or not (a failure fails the run anyway)
    void counted.finally(written).catch(() => {});
    const applied = counted.then(async () => this.checkNumbering(await Promise.all((await posted).dones)));
    return { counted, applied };
  }

  /** The shards read the file themselves, each taking the next range of it as it ends one. */
  private async readFile(item: EventFileItem, onBatch: ((progress: BatchProgress) => void) | undefined, dimensions: Promise<unknown>): Promise<void> {
    // a thread that failed while the dimensions were applied fails the run before any of the file is read
    this.throwIfFailed();
    this.splitting = true;
    const read = new SplitRead(item, this.shards, this.deadLetters, (batch, position) => this.afterRead(batch, position, onBatch), dimensions);
    this.reading = read;
    try {
      await read.run();
    } finally {
      this.reading = null;
    }
    this.throwIfFailed();
  }

  /** Ends the threads, after the run or instead of it, once nothing more is asked of them. */
  async dispose(): Promise<void> {
    this.endThreads(!this.started || this.failure !== null);
    await this.ended;
  }

  /** The dimension rows handed on so far are counted (applied by shard 0: see applyDimension); every shard applies them before any later event. */
  async settle(): Promise<void> {
    await Promise.all(this.dimensionsUncounted);
  }

  forgetQueries(): void {
    this.merger.unwanted();
  }

  snapshot(strategy: Strategy = this.primary): ReportSnapshot {
    this.checkStrategy(strategy);
    this.merger.wanted();
    return { strategy, progress: this.progressWithSource(), reports: this.rendered.reports(strategy) };
  }

  /**
   * The snapshot as JSON: the reports' text is written once per publish and shared by every answer
   * until the next, so a query costs the progress (small) and a copy, however often clients poll.
   */
  snapshotJson(strategy: Strategy): readonly (string | Uint8Array)[] {
    this.checkStrategy(strategy);
    this.merger.wanted();
    const reports = this.rendered.json(strategy);
    // the progress is written once per render (and dimension batch): only the source's position is new per answer
    const key = `${this.rendered.generation}|${this.dimensionsApplied}|${this.done}|${this.splitting}`;
    if (this.progressJson?.key !== key) this.progressJson = { key, json: JSON.stringify(this.view()) };
    const source = this.options.describeSource?.();
    const progress = source === undefined ? this.progressJson.json : `${this.progressJson.json.slice(0, -1)},"source":${JSON.stringify(source)}}`;
    return [`{"strategy":${JSON.stringify(strategy)},"progress":${progress},"reports":`, reports, '}'];
  }

  /** The progress of an answer: the shards' points, and where the source is read to. */
  private progressWithSource(): RunProgressView {
    const source = this.options.describeSource?.();
    const progress = this.view();
    return source === undefined ? progress : { ...progress, source };
  }

  planAdRevenue(strategy: Strategy = this.primary): Map<string, number> {
    this.checkStrategy(strategy);
    this.merger.wanted();
    return new Map(this.rendered.planAdRevenue(strategy));
  }

  /** The progress as of the shards' last publishes: it counts exactly the events the reports hold. */
  private view(): RunProgressView {
    const partitions = this.rendered.partitions();
    let position: SourcePosition | null = null;
    if (this.splitting) {
      // each shard read ranges scattered over the file: the lines and bytes they have read between them
      for (const p of partitions) {
        if (p.position === null) continue;
        position = position === null ? p.position : { origin: p.position.origin, seq: position.seq + p.position.seq, bytes: (position.bytes ?? 0) + (p.position.bytes ?? 0) };
      }
    } else {
      // the furthest event batch folded, else the last dimension batch
      for (const p of partitions) if (p.position !== null && (position === null || (p.position.bytes ?? p.position.seq) > (position.bytes ?? position.seq))) position = p.position;
    }
    position ??= this.position;
    const view = combineProgress(
      this.strategies,
      partitions.map((p) => p.progress),
      // the events' counters and reports are as of the render; before it, the dimensions' last batch
      { cost: this.rendered.cost(), dimensions: this.dimensions, position, startedAt: this.startedAt, updatedAt: this.done || partitions.length === 0 ? this.updatedAt : (this.rendered.at ?? this.updatedAt), done: this.done },
    );
    return { ...view, shards: partitions.map((p) => ({ partition: p.partition, events_read: p.progress.eventsRead, position: p.position })) };
  }

  /** Shard 0 applied a dimension item: every shard applies the same rows, so its counters, dead letters and metrics stand for all. */
  private afterDimension(first: ItemDone, position: SourcePosition, letters: readonly DeadLetter[]): void {
    if (first.dimensions !== undefined) this.dimensions = laterCounts(this.dimensions, first.dimensions);
    this.dimensionsApplied++;
    if (letters.length > 0) this.deadLetters.write(letters);
    replayMetrics(first.metrics, this.metrics);
    this.position = position;
    this.updatedAt = this.clock.now();
  }

  /** Every shard applied a dimension item: they must number its users alike, or their partials would not merge. */
  private checkNumbering(dones: readonly ItemDone[]): void {
    const disagreeing = firstDisagreeing(dones.map((d) => d.users));
    if (disagreeing === -1) return;
    // a file being read stops at once: its partials would not merge
    this.failed(new InternalError(`shards 0 and ${disagreeing} number users differently after the same dimension rows (${dones[0].users?.count} and ${dones[disagreeing].users?.count} users)`));
    throw this.failure;
  }

  private afterEvents(done: ItemDone, position: SourcePosition, onBatch: ((progress: BatchProgress) => void) | undefined): void {
    if (done.buffer !== undefined) this.pool.give(done.buffer);
    if (done.deadLetters.length > 0) this.deadLetters.write(done.deadLetters);
    replayMetrics(done.metrics, this.metrics);
    this.eventsRead += done.events + done.deadLetters.length;
    this.updatedAt = this.clock.now();
    this.eventsSince ??= performance.now();
    onBatch?.({ eventsRead: this.eventsRead, batchEvents: done.events, position, results: done.results, ...(this.eventsSince === null ? {} : { eventsSince: this.eventsSince }) });
  }

  /** A batch of a split read folded: its dead letters are the SplitRead's to write (their lines need the file's numbering). */
  private afterRead(batch: ReadBatch, position: SourcePosition, onBatch: ((progress: BatchProgress) => void) | undefined): void {
    replayMetrics(batch.metrics, this.metrics);
    this.eventsRead += batch.events + batch.deadLetters.length;
    this.updatedAt = this.clock.now();
    this.eventsSince ??= performance.now();
    onBatch?.({ eventsRead: this.eventsRead, batchEvents: batch.events, position, results: batch.results, ...(this.eventsSince === null ? {} : { eventsSince: this.eventsSince }) });
  }

  /**
   * A thread failed: the run ends with its error. A file the shards are reading is one item, so
   * its read is stopped now rather than read to its end (minutes, for a large file) with queries
   * answered meanwhile from the last render before the failure.
   */
  private failed(error: StreamPulseError): void {
    this.failure ??= error;
    this.reading?.abort(this.failure);
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  private checkStrategy(strategy: Strategy): void {
    if (!this.strategies.includes(strategy)) throw new InternalError(`strategy ${strategy} is not running`);
  }
}
