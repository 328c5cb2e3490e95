import { createMissingTopics, tableOfTopic, type TopicConfig } from '../kafka/topics.ts';
import type { KafkaSecurity } from '../kafka/security.ts';
import { Cluster, endOffsets, Fetcher, GroupMember, partitionKey } from '../kafka/wire/index.ts';
import type { SourceItem } from '../../topology/ports.ts';
import { SourceFailedError, StreamPulseError } from '../errors.ts';
import type { LogFn } from '../log/logger.ts';
import type { PartitionOwner } from '../kafka/wire/consumer-protocol.ts';
import type { HeldPosition, PartitionOwnerView } from '../peers/index.ts';
import { FetchQueue } from './fetch-queue.ts';
import type { PartitionStart } from './partition-state-keeper.ts';
import type { SourceHealth } from './source-health.ts';

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly topics: TopicConfig;
  readonly groupId: string;
  /** Stop once caught up with the events' end offsets seen at start. */
  readonly once: boolean;
  readonly batchSize: number;
  readonly log: LogFn;
  readonly connectTimeoutMs?: number;
  /** Fetched bytes held ahead of the pipeline. */
  readonly queueBytes?: number;
  /** SASL and TLS for a secured cluster. */
  readonly security?: KafkaSecurity;
}

export interface PartitionPosition {
  readonly partition: number;
  /** Next offset to fold into the reports. */
  readonly offset: number;
  /** The partition's end offset when last asked. */
  readonly end: number;
  readonly lag: number;
}

/** What moves an events partition's state in and out of the pipeline as the group assigns and revokes it. */
export interface PartitionHandover {
  /** Restores the partitions (before any of their events is folded); resolves with where each resumes. */
  restore(partitions: readonly number[]): Promise<Map<number, PartitionStart>>;
  /** Every owned partition was stopped and nothing of theirs waits to be folded: save them before they go. */
  release(): Promise<void>;
  /** The membership was lost: another instance may own the partitions already, so they go unsaved. */
  lose(): void;
}

/**
 * A restarted instance rejoins its group only once the broker has given up on the instance that
 * died: a short session keeps that pause to seconds (the broker's minimum is 6 s).
 */
const SESSION_TIMEOUT_MS = 10_000;

/**
 * Reads the dimension topics to their end offsets first, then the events topic through a consumer
 * group, while still following the dimension topics. Offsets are tracked here, per partition, as
 * items are handed to the pipeline: a partition's state taken between batches pairs it with
 * exactly these offsets, and anything fetched again below them (after a rebalance or a broker
 * restart) is dropped, so nothing is counted twice. Every partition, dimension or event, is
 * fetched by one fetcher over StreamPulse's wire client; record values reach the scanner as views
 * of the fetch response.
 */
export class KafkaSource implements AsyncIterable<SourceItem> {
  private readonly cluster: Cluster;
  private readonly fetcher: Fetcher;
  private readonly queue: FetchQueue;
  private member: GroupMember | null = null;
  /** partitionKey → next offset handed over. */
  private readonly next = new Map<string, number>();
  /** partitionKey → events handed over since the topic's start (restored with the partition's state). */
  private readonly folded = new Map<string, number>();
  private readonly eventsPrefix: string;
  private readonly ends = new Map<number, number>();
  private stopEnds: Map<number, number> | null = null;
  private lagTimer: NodeJS.Timeout | null = null;
  private dimensionEnds: Map<string, number> | null = null;
  private dimensionsLoaded!: () => void;
  private readonly dimensionsReady = new Promise<void>((resolve) => (this.dimensionsLoaded = resolve));
  private stopped = false;
  private phase: 'connecting' | 'restoring' | 'running' | 'done' = 'connecting';
  private failure: StreamPulseError | null = null;
  private handover: PartitionHandover | null = null;
  /** The restore of the last assignment, while it runs: a revocation waits for it. */
  private assigning: Promise<void> | null = null;
  private restoring: readonly number[] = [];
  /** The URL this instance serves, advertised to the group (set before the source starts). */
  private advertised: string | null = null;
  /** The events partitions of this instance's latest assignment; null before the first. */
  private mine: ReadonlySet<number> | null = null;
  /** The events partitions' owners, as the group's last assignment says. */
  private owners: ReadonlyMap<number, PartitionOwner> | null = null;
  /** Events partitions restored at least once: a --once run is caught up only with each one's saved state known. */
  private readonly restored = new Set<number>();

  constructor(private readonly options: KafkaSourceOptions) {
    this.eventsPrefix = `${options.topics.events}/`;
    this.cluster = new Cluster({ brokers: options.brokers, clientId: 'streampulse', security: options.security });
    this.queue = new FetchQueue({
      batchSize: options.batchSize,
      maxBytes: options.queueBytes ?? 64 << 20,
      tableOf: (topic) => tableOfTopic(options.topics, topic),
      next: this.next,
      isDone: () => {
        const done = this.caughtUp();
        if (done) this.phase = 'done';
        return done;
      },
      onHandOut: (key, records) => {
        if (key.startsWith(this.eventsPrefix)) this.folded.set(key, (this.folded.get(key) ?? 0) + records);
        if (this.dimensionEnds !== null && this.dimensionsCaughtUp()) this.dimensionsLoaded();
      },
    });
    this.fetcher = new Fetcher({
      cluster: this.cluster,
      deliver: (chunk) => this.queue.push(chunk),
      onHighWatermark: (topic, partition, end) => {
        if (topic === options.topics.events) this.ends.set(partition, end);
      },
      onFatal: (error) => this.fail(error),
      log: options.log,
    });
  }

  /** Where each events partition's state comes from on assignment and goes on revocation; before the iteration starts. */
  handOverWith(handover: PartitionHandover): void {
    this.handover = handover;
  }

  /** An events partition's next offset and events folded, as handed to the pipeline. */
  position(partition: number): PartitionStart {
    const key = partitionKey(this.options.topics.events, partition);
    return { offset: this.next.get(key) ?? 0, folded: this.folded.get(key) ?? 0 };
  }

  /** True when no handed-out item waits to be folded, now: state and offsets agree. */
  get idle(): boolean {
    return !this.queue.busy;
  }

  /** Resolves once no handed-out item waits to be folded: state and offsets agree then. */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  [Symbol.asyncIterator](): AsyncIterator<SourceItem> {
    this.start().catch((error: Error) => this.fail(error));
    return this.queue[Symbol.asyncIterator]();
  }

  /** Next offset per events partition of everything handed to the pipeline so far. */
  positions(): Record<string, number> {
    const prefix = `${this.options.topics.events}/`;
    const out: Record<string, number> = {};
    for (const [key, offset] of this.next) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = offset;
    return out;
  }

  /**
   * Events handed to the pipeline per events partition, counted as they are handed over: not the
   * offsets' advance, which also counts compacted-away records, transaction markers and records
   * skipped below a partition's start.
   */
  foldedCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, count] of this.folded) out[key.slice(this.eventsPrefix.length)] = count;
    for (const partition of Object.keys(this.positions())) out[partition] ??= 0;
    return out;
  }

  /**
   * Where this instance's partitions stand: those of its latest assignment (kept after it stops,
   * so a final summary still shows them); every partition before it joins a group. Another
   * instance's partitions are its to report: listing them here would count their lag twice.
   */
  describe(): { topic: string; partitions: PartitionPosition[]; lag: number } {
    const positions = this.positions();
    const mine = this.mine === null ? [...this.ends.keys()] : [...this.mine].filter((p) => this.ends.has(p));
    const partitions = mine.sort((a, b) => a - b).map((partition) => {
      const offset = positions[partition] ?? 0;
      const end = this.ends.get(partition) ?? 0;
      return { partition, offset, end, lag: Math.max(0, end - offset) };
    });
    return { topic: this.options.topics.events, partitions, lag: partitions.reduce((n, p) => n + p.lag, 0) };
  }

  /** How long start-up calls retry a broker that stops answering: the connect timeout, at least 30 s. */
  private get startTimeoutMs(): number {
    return Math.max(30_000, this.options.connectTimeoutMs ?? Number.POSITIVE_INFINITY);
  }

  /** True when a `--once` run caught up with the end offsets it saw at start. */
  get finished(): boolean {
    return this.phase === 'done';
  }

  /** The error that ended the source, if one did. */
  get failed(): StreamPulseError | null {
    return this.failure;
  }

  /** True once the events topic is being read: before that nothing a saved state could hold has happened. */
  get started(): boolean {
    return this.phase === 'running' || this.phase === 'done';
  }

  health(): SourceHealth {
    const assignment = { held: [...this.held().keys()].sort((a, b) => a - b), restoring: [...this.restoring] };
    return { ...this.state(), assignment };
  }

  private state(): SourceHealth {
    const brokers = this.options.brokers.join(',');
    if (this.failure !== null) return { state: 'failed', reason: this.failure.message };
    if (this.stopped) return { state: 'stopped', reason: 'the source was stopped' };
    switch (this.phase) {
      case 'connecting':
        return { state: 'connecting', reason: `waiting for Kafka at ${brokers}` };
      case 'restoring':
        return { state: 'restoring', reason: 'reading the dimension topics to their end before any event' };
      case 'done':
        return { state: 'done' };
      case 'running': {
        if (this.restoring.length > 0) return { state: 'restoring', reason: `restoring partitions ${this.restoring.join(', ')} of ${this.options.topics.events} from the state topic` };
        const failing = this.fetcher.failure;
        return failing === null ? { state: 'running' } : { state: 'down', reason: failing };
      }
    }
  }

  /** The events partitions this instance is assigned in its group. */
  assignedPartitions(): number[] {
    return this.fetcher.assigned(this.options.topics.events).sort((a, b) => a - b);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.lagTimer !== null) clearInterval(this.lagTimer);
    this.fetcher.stop();
    this.queue.close();
    await this.member?.stop();
    this.cluster.close();
  }

  /** Ends the source for good: the pipeline's run rejects with the error, so the run exits 1. */
  private fail(error: Error): void {
    if (this.stopped || this.failure !== null) return;
    this.failure = error instanceof StreamPulseError ? error : new SourceFailedError(`Kafka source failed: ${error.message}`, { cause: error });
    this.options.log(`Kafka source failed: ${this.failure.message}`, { level: 'error' });
    this.fetcher.stop();
    this.queue.fail(this.failure);
  }

  /** The URL peers reach this instance at; call before the source starts (its group membership carries it). */
  advertise(url: string): void {
    this.advertised = url;
  }

  /** Every events partition with its owner, from the group's last assignment; null before the first. */
  ownersView(): PartitionOwnerView[] | null {
    if (this.owners === null) return null;
    const owners = this.owners;
    // every partition of the topic, not only those in the picture: a picture from a leader of
    // another build names only its receiver's, and a partition missing from it is named missing
    const partitions = [...new Set([...this.ends.keys(), ...owners.keys()])].sort((a, b) => a - b);
    return partitions.map((partition) => {
      const owner = owners.get(partition);
      return { partition, url: owner?.url ?? null, self: owner !== undefined && owner.url !== null && owner.url === this.advertised };
    });
  }

  /** The events partitions this instance holds now (assigned and restored), with where each stands. */
  held(): Map<number, HeldPosition> {
    const topic = this.options.topics.events;
    const out = new Map<number, HeldPosition>();
    for (const partition of this.fetcher.assigned(topic)) {
      if (!this.restored.has(partition) || this.restoring.includes(partition)) continue;
      // what is folded, not what is handed out: a query between hand-out and fold sees one point
      out.set(partition, { offset: this.queue.foldedNext(partitionKey(topic, partition)), end: this.ends.get(partition) ?? 0 });
    }
    return out;
  }

  /** Where a partition resumes: after everything already folded into the reports. */
  private nextOffset(topic: string, partition: number): number {
    return this.next.get(partitionKey(topic, partition)) ?? 0;
  }

  /**
   * Restores the partitions, then fetches each from where its state is. A partition is given to
   * the fetcher only once its restore is done, so none of its events is folded before.
   */
  private async assign(partitions: readonly number[]): Promise<void> {
    const topic = this.options.topics.events;
    if (partitions.length === 0 || this.stopped) return;
    this.restoring = partitions;
    try {
      const starts = this.handover === null ? new Map<number, PartitionStart>() : await this.handover.restore(partitions);
      // the restored states and their positions are adopted together, before anything else can
      // run: a state written meanwhile (a stop, a timer) must pair each state with its own offset
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        const start = starts.get(partition) ?? this.position(partition);
        this.next.set(key, start.offset);
        this.folded.set(key, start.folded);
      }
      // the ends now, not those seen at start: another instance may have folded past those
      const ends = await endOffsets(this.cluster, topic, this.startTimeoutMs);
      for (const partition of partitions) {
        const start = starts.get(partition) ?? this.position(partition);
        const end = ends.get(partition) ?? 0;
        // a state past its partition's end was saved in another life of the topic (deleted and
        // recreated, or truncated): folding from anywhere would count records twice or skip them
        if (start.offset > end) throw new SourceFailedError(`${topic}/${partition} ends at offset ${end}, but its saved state is at ${start.offset}: the topic was recreated or truncated since; --discard-checkpoint starts over`);
      }
      if (this.stopped) return;
      for (const partition of partitions) {
        this.fetcher.assign(topic, partition, this.nextOffset(topic, partition));
        this.restored.add(partition);
      }
    } finally {
      this.restoring = [];
    }
    // a --once run restored at its end has nothing left to fetch: it ends here
    if (this.caughtUp()) {
      this.phase = 'done';
      this.queue.close();
    }
  }

  private caughtUp(): boolean {
    if (this.stopEnds === null) return false;
    const positions = this.positions();
    for (const [partition, end] of this.stopEnds) if (!this.restored.has(partition) || (positions[partition] ?? 0) < end) return false;
    return true;
  }

  private dimensionsCaughtUp(): boolean {
    for (const [key, end] of this.dimensionEnds as Map<string, number>) if ((this.next.get(key) ?? 0) < end) return false;
    return true;
  }

  private async start(): Promise<void> {
    const { topics, log } = this.options;
    await createMissingTopics(this.options.brokers, topics, log, this.options.connectTimeoutMs, this.options.security);
    if (this.stopped) return;
    this.phase = 'restoring';

    const dimensionEnds = new Map<string, number>();
    for (const topic of [topics.subscriptions, topics.adRates, topics.payouts]) {
      for (const [partition, end] of await endOffsets(this.cluster, topic, this.startTimeoutMs)) {
        dimensionEnds.set(partitionKey(topic, partition), end);
        this.fetcher.assign(topic, partition, this.nextOffset(topic, partition));
      }
    }
    this.dimensionEnds = dimensionEnds;
    if (this.dimensionsCaughtUp()) this.dimensionsLoaded();
    this.fetcher.start();
    await this.dimensionsReady;

    for (const [partition, end] of await endOffsets(this.cluster, topics.events, this.startTimeoutMs)) this.ends.set(partition, end);
    if (this.options.once) this.stopEnds = new Map(this.ends);
    this.phase = this.caughtUp() ? 'done' : 'running';
    if (this.phase === 'done' || this.stopped) {
      this.queue.close();
      return;
    }
    this.lagTimer = setInterval(() => {
      endOffsets(this.cluster, topics.events).then(
        (ends) => ends.forEach((end, p) => this.ends.set(p, end)),
        () => {},
      );
    }, 2_000);
    this.lagTimer.unref();
    // offsets live with each partition's state in the state topic, not in the group: on every
    // assignment a partition is restored first and resumes exactly where its state is
    this.member = new GroupMember({
      cluster: this.cluster,
      groupId: this.options.groupId,
      topics: [topics.events],
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: 30_000,
      heartbeatIntervalMs: 1_000,
      advertise: this.advertised ?? undefined,
      onAssigned: (assignment, owners) => {
        // assigned, this member answers for the group from now on: with no picture of the topic (an
        // assignment with none of its partitions) every partition is named, each owner unknown
        this.owners = owners.get(topics.events) ?? new Map();
        const partitions = [...(assignment.get(topics.events) ?? [])].sort((a, b) => a - b);
        this.mine = new Set(partitions);
        log(`assigned ${partitions.length} partitions of ${topics.events}`, { partitions });
        const fresh = partitions.filter((p) => !this.fetcher.assigned(topics.events).includes(p));
        this.assigning = this.assign(fresh).catch((error: Error) => this.fail(error));
      },
      onRevoked: async ({ lost }) => {
        await this.assigning;
        for (const partition of this.fetcher.assigned(topics.events)) this.fetcher.unassign(topics.events, partition);
        this.queue.drop(topics.events);
        await this.queue.whenIdle();
        if (!lost) return this.handover?.release();
        // a write now could overwrite what the partitions' new owner saved since: what was folded
        // after the last save is folded again by that owner, from the saved offset
        log(`the group no longer knows this member (its session expired): giving up its partitions unsaved`, { level: 'warn' });
        this.handover?.lose();
      },
      onFatal: (error) => this.fail(error),
      log,
    });
    this.member.start();
  }
}
