import { integer, object } from '../checkpoint/json-check.ts';
import { CheckpointError } from '../errors.ts';
import type { LogFn } from '../log/logger.ts';
import { statePoint, type PartitionHost } from './partition-host.ts';
import type { PartitionStateRecord, PartitionStateStore, RestoredPartitionState } from '../state/index.ts';

/** Where a partition resumes: its next offset and the events already folded into its state. */
export interface PartitionStart {
  readonly offset: number;
  readonly folded: number;
}

/** What the keeper needs of the Kafka source: positions, and when no handed-out batch waits to be folded. */
export interface KeptSource {
  position(partition: number): PartitionStart;
  /** True when no handed-out batch waits to be folded, now. */
  readonly idle: boolean;
  whenIdle(): Promise<void>;
}

export interface PartitionStateKeeperOptions {
  readonly store: () => Promise<PartitionStateStore>;
  /** Where the partitions' states live: this thread's pipeline, or the shards. */
  readonly host: PartitionHost;
  readonly source: KeptSource;
  /** The events topic: dead letters are counted per origin `topic/partition`. */
  readonly topic: string;
  /** Dead letters given up on so far for an origin, and a flush of those still being sent. */
  readonly deadLetters: { unwrittenOf(origin: string): number; flush(): Promise<void> };
  readonly intervalMs: number;
  /** --discard-checkpoint: the states stored when this process started are ignored. */
  readonly discard: boolean;
  readonly log: LogFn;
  readonly now?: () => number;
}

/** The record a partition's state in memory last equalled (written or restored); `dirty`: must be written even unchanged. */
interface Held {
  readonly step: number;
  readonly offset: number;
  readonly folded: number;
  readonly dirty: boolean;
}

/**
 * Each events partition's state in Kafka for one instance: restored on assignment before any of
 * its events is folded, written on revocation before the partition is released, and written
 * periodically in between (captured synchronously, written in the background, one write at a
 * time, only partitions that changed). A partition's record is its step, next offset, folded
 * count and state (reports, progress counters, dead letters given up on), all as of one point, so
 * state and offset never disagree: on this thread the point is between two batches; on the shards
 * (PartitionHost) it is where the save request sits among the batches posted to the shard.
 */
export class PartitionStateKeeper {
  /** Partitions whose state is in memory, owned now or given up and kept in case they come back. */
  private readonly held = new Map<number, Held>();
  private readonly owned = new Set<number>();
  /** Highest step tried per partition: a failed write may still have reached the topic, so a step is never reused. */
  private readonly tried = new Map<number, number>();
  /** Dead letters given up on per partition: restored, and this process's count at the restore. */
  private readonly unwritten = new Map<number, { restored: number; at: number }>();
  /** --discard-checkpoint: each partition's step stored at the first read; those steps and below are the discarded life. */
  private discarded: Map<number, number> | null = null;
  private writing: Promise<boolean> | null = null;
  private lastWrite: number;
  private frozen = false;
  /** False once a release or the final write failed to save a partition. */
  private lastSaveOk = true;
  lastWrittenAt: number | null = null;

  constructor(private readonly options: PartitionStateKeeperOptions) {
    this.lastWrite = this.now();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The partitions owned now, ascending. */
  ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  /**
   * Restores newly assigned partitions and says where each resumes. Reads the store first, then
   * waits until no batch is between hand-out and fold, then changes the pipeline synchronously.
   * Rule for a copy already in memory (the partition was given up here and comes back): it is kept
   * only when the store's record is exactly the one it last equalled (same step, offset and folded
   * count) and nothing was folded into it since; any other copy is stale (another instance folded
   * on and wrote a higher step, or this instance's write never completed) and is replaced by the
   * store's record, or dropped when the store has none: the store is the only truth.
   */
  async restore(partitions: readonly number[]): Promise<Map<number, PartitionStart>> {
    const store = await this.options.store();
    if (this.options.discard && this.discarded === null) {
      const stored = await store.readAll();
      this.discarded = new Map([...stored].map(([p, r]) => [p, r.step]));
      if (stored.size > 0) this.options.log(`--discard-checkpoint: ignoring the saved state of partitions ${[...stored.keys()].join(', ')} in ${store.topic}; they start over from offset 0`, { level: 'warn' });
    }
    const records = await store.read(partitions);
    await this.options.source.whenIdle();
    // synchronous from here on: no batch is handed over while the changes are made (or posted, in
    // order, to the shards)
    const { host } = this.options;
    /** Each change, and the partition whose restore it is (a refused one is then not this instance's). */
    const changes: { partition?: number; done: void | Promise<void> }[] = [];
    const starts = new Map<number, PartitionStart>();
    const plans = partitions.map((p) => ({ p, record: this.usable(p, records.get(p)) }));
    const restored = plans.map(({ p, record }) => ({ p, record, saved: record === undefined || this.unchanged(p, record) ? null : this.checked(p, record) }));
    for (const { p, record, saved } of restored) {
      const at = this.options.deadLetters.unwrittenOf(`${this.options.topic}/${p}`);
      if (record === undefined) {
        const base = this.discarded?.get(p);
        changes.push({ partition: p, done: host.restore(p, null, { offset: 0, folded: 0 }) });
        this.held.set(p, { step: Math.max(base ?? 0, this.tried.get(p) ?? 0), offset: 0, folded: 0, dirty: base !== undefined });
        this.unwritten.set(p, { restored: 0, at });
        starts.set(p, { offset: 0, folded: 0 });
      } else {
        if (saved !== null) {
          changes.push({ partition: p, done: host.restore(p, { reports: saved.reports, progress: saved.progress }, { offset: record.offset, folded: record.folded }) });
          this.unwritten.set(p, { restored: saved.deadLettersUnwritten, at });
        }
        this.held.set(p, { step: record.step, offset: record.offset, folded: record.folded, dirty: false });
        starts.set(p, { offset: record.offset, folded: record.folded });
      }
      this.owned.add(p);
    }
    // copies of partitions that went elsewhere are no longer any use
    for (const p of [...this.held.keys()]) {
      if (this.owned.has(p)) continue;
      this.held.delete(p);
      changes.push({ done: host.drop(p) });
    }
    changes.push({ done: host.hold(this.ownedPartitions()) });
    // every change made (or refused: a saved state the host found invalid) before any batch of these partitions
    const settled = await Promise.allSettled(changes.map((c) => c.done));
    const refused = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ partition: changes[i].partition, reason: s.reason as unknown }] : []));
    if (refused.length === 0) return starts;
    // a partition whose restore was refused is not this instance's: nothing of it may be written
    // (on this thread the refusal is thrown before the partition is taken; on the shards, after)
    for (const { partition } of refused) {
      if (partition === undefined) continue;
      this.owned.delete(partition);
      this.held.delete(partition);
      this.unwritten.delete(partition);
    }
    throw refused[0].reason;
  }

  /** Where the partition's state stands now: as the host has it, or as handed over by the source. */
  private position(partition: number): PartitionStart {
    return statePoint(this.options.source.position(partition), this.options.host.position(partition));
  }

  /** The stored record, unless --discard-checkpoint set it aside (it was there when this process started). */
  private usable(partition: number, record: RestoredPartitionState | undefined): RestoredPartitionState | undefined {
    const discarded = this.discarded?.get(partition);
    return record !== undefined && discarded !== undefined && record.step <= discarded ? undefined : record;
  }

  private unchanged(partition: number, record: RestoredPartitionState): boolean {
    const held = this.held.get(partition);
    if (held === undefined || held.step !== record.step || held.offset !== record.offset || held.folded !== record.folded) return false;
    const now = this.position(partition);
    return now.offset === held.offset && now.folded === held.folded;
  }

  /** A stored record's state, its outer shape checked before anything is changed (the reports and counters by restorePartition). */
  private checked(partition: number, record: RestoredPartitionState): { reports: unknown; progress: unknown; deadLettersUnwritten: number } {
    const path = `partition ${partition}`;
    try {
      const state = object(record.state, path, { required: ['reports', 'progress', 'deadLettersUnwritten'] });
      const deadLettersUnwritten = integer(state.deadLettersUnwritten, `${path}.deadLettersUnwritten`);
      const read = (state.progress as { eventsRead?: unknown } | null)?.eventsRead;
      if (typeof read === 'number' && read !== record.folded) {
        throw new CheckpointError(`${path}.progress.eventsRead is ${read}, but its record says ${record.folded} events were folded: the state and the offset disagree`);
      }
      return { reports: state.reports, progress: state.progress, deadLettersUnwritten };
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      throw new CheckpointError(`saved state of partition ${partition} is invalid: ${error.message}`, { cause: error });
    }
  }

  /**
   * On a timer: the same as between batches when no batch waits to be folded, so the last batches
   * before a quiet spell are saved too (only batches would otherwise trigger a write).
   */
  tick(): void {
    if (this.options.source.idle) this.maybeWrite();
  }

  /** Between batches: starts a background write of the changed partitions when one is due and none is running. */
  maybeWrite(): void {
    if (this.frozen || this.writing !== null || this.now() - this.lastWrite < this.options.intervalMs) return;
    this.lastWrite = this.now();
    this.writing = this.writeNow(this.ownedPartitions(), 'warn').finally(() => (this.writing = null));
  }

  /**
   * The owned partitions were stopped and nothing of theirs waits to be folded: writes every one
   * that changed since its record (an unchanged one's record is already its state), then gives
   * them up. The copies stay in memory and in the snapshots until the next assignment.
   */
  async release(): Promise<void> {
    await this.writing;
    const partitions = this.ownedPartitions();
    if (!this.frozen) this.lastSaveOk = await this.writeNow(partitions, 'error');
    this.owned.clear();
  }

  /**
   * The membership was lost (another instance may own the partitions and have saved newer states):
   * gives them up without writing; their in-memory copies are replaced or dropped at the next
   * assignment by the step rule.
   */
  lose(): void {
    this.owned.clear();
  }

  /** No more writes: the run failed inside the pipeline, where a batch may be half folded. */
  freeze(): void {
    this.frozen = true;
  }

  /** At the end of the run: writes what is still owned and changed; false when a last save failed. */
  async close(): Promise<boolean> {
    await this.writing;
    if (!this.frozen && this.owned.size > 0) this.lastSaveOk = (await this.writeNow(this.ownedPartitions(), 'error')) && this.lastSaveOk;
    return this.lastSaveOk;
  }

  /**
   * Each changed partition's record, null when none changed. Offsets, counts and the request for
   * the states are taken synchronously (between batches): state, offset and count agree.
   */
  private capture(partitions: readonly number[]): Promise<{ partition: number; record: PartitionStateRecord }[]> | null {
    const heads: { partition: number; step: number; offset: number; folded: number }[] = [];
    for (const partition of partitions) {
      const held = this.held.get(partition);
      if (held === undefined) continue;
      const { offset, folded } = this.position(partition);
      if (!held.dirty && offset === held.offset && folded === held.folded) continue;
      const step = Math.max(held.step, this.tried.get(partition) ?? 0) + 1;
      this.tried.set(partition, step);
      heads.push({ partition, step, offset, folded });
    }
    if (heads.length === 0) return null;
    return this.options.host.save(heads.map((h) => h.partition)).then((states) =>
      heads.map(({ partition, step, offset, folded }, i) => ({ partition, record: { step, offset, folded, state: { ...states[i], deadLettersUnwritten: 0 } } })),
    );
  }

  /**
   * Takes the changed partitions' states now (synchronously, before the first await) and writes
   * them; false when taking or writing one failed, which is logged at `level`.
   */
  private async writeNow(partitions: readonly number[], level: 'warn' | 'error'): Promise<boolean> {
    let captured: { partition: number; record: PartitionStateRecord }[];
    try {
      captured = (await this.capture(partitions)) ?? [];
    } catch (error) {
      const retry = level === 'warn' ? '; the next write retries' : '';
      this.options.log(`taking the partitions' states failed: ${(error as Error).message}${retry}`, { level });
      return false;
    }
    return this.write(captured, level);
  }

  /** Writes the captured records one by one; true when all were acknowledged. */
  private async write(captured: readonly { partition: number; record: PartitionStateRecord }[], level: 'warn' | 'error'): Promise<boolean> {
    if (captured.length === 0) return true;
    const store = await this.options.store();
    // read after the flush: the dead letters it gave up on belong to batches these records cover
    await this.options.deadLetters.flush();
    let ok = true;
    for (const { partition, record } of captured) {
      const mine = this.unwritten.get(partition) ?? { restored: 0, at: 0 };
      const lost = mine.restored + this.options.deadLetters.unwrittenOf(`${this.options.topic}/${partition}`) - mine.at;
      const full: PartitionStateRecord = { ...record, state: { ...(record.state as object), deadLettersUnwritten: lost } };
      try {
        await store.write(partition, full);
        const held = this.held.get(partition);
        // a newer capture may have replaced the copy meanwhile (a restore): only the same copy is marked
        if (held !== undefined && held.step < record.step) this.held.set(partition, { step: record.step, offset: record.offset, folded: record.folded, dirty: false });
      } catch (error) {
        ok = false;
        const retry = level === 'warn' ? '; the next write retries' : '';
        this.options.log(`writing the state of partition ${partition} (step ${record.step}) failed: ${(error as Error).message}${retry}`, { level, partition });
      }
    }
    if (ok) this.lastWrittenAt = this.now();
    return ok;
  }
}
