import type { Strategy } from '../domain/run-progress.ts';
import { gatherGroup, mergeGathered, type GroupPartition, type PartialsProvider, type PartitionOwnerView } from '../peers/index.ts';
import type { Dictionaries } from '../domain/dictionary.ts';
import type { LivePipeline } from '../live-pipeline.ts';
import type { ReportSnapshot } from '../pipeline.ts';

/** An instance in a consumer group: what it answers its peers, and who owns which partition now. */
export interface GroupQuery {
  /** What this instance answers at /partials: the partitions it holds. */
  readonly partials: PartialsProvider;
  /** Every partition of the events topic with its owner, from the group's last assignment; null before the first. */
  owners(): readonly PartitionOwnerView[] | null;
  /** How long a query waits for a peer. */
  readonly timeoutMs: number;
  /** What the partials' keys are interned into for the merge: the pipeline's own where it is on this thread (most are there already). */
  readonly dicts: Dictionaries;
  /**
   * The partitions the pipeline's own snapshot shows now, each with where it stands in that
   * snapshot: when they are every partition of the group, the snapshot is the group's answer.
   */
  localPoints(): ReadonlyMap<number, { readonly offset: number; readonly end: number }>;
}

/** A snapshot of the whole group: every partition's owner, position, and whether it is in the answer. */
export interface GroupSnapshot extends ReportSnapshot {
  readonly group: {
    readonly partitions: readonly GroupPartition[];
    /** The partitions the reports leave out (named in `partitions` with the reason); empty for a whole answer. */
    readonly missing: readonly number[];
    readonly complete: boolean;
    /** Why the answer is not the group's (before the group has assigned this instance anything). */
    readonly reason?: string;
  };
}

/**
 * The reports of every partition of the group, merged: this instance's own from memory and each
 * peer's over HTTP. Never silently partial: a partition it could not get is named with the
 * reason. Ingestion goes on meanwhile; each partial is one consistent point of its partition,
 * and the answer lists which point (offset) per partition.
 */
export async function groupSnapshot(pipeline: LivePipeline, group: GroupQuery, strategy: Strategy): Promise<GroupSnapshot> {
  const owners = group.owners();
  if (owners === null) {
    // not a group answer yet, and it says so rather than passing this instance's nothing for one
    return { ...pipeline.snapshot(strategy), group: { partitions: [], missing: [], complete: false, reason: 'the group has not assigned this instance its partitions yet' } };
  }
  const whole = wholeHere(pipeline, group, owners, strategy);
  if (whole !== null) return whole;
  const answer = await gatherGroup({ owners, local: group.partials, strategies: pipeline.strategies, timeoutMs: group.timeoutMs });
  // only the strategy asked for is merged: the merge is most of a query's cost
  const reports = mergeGathered(answer.states, [strategy], group.dicts)[strategy];
  const local = pipeline.snapshot(strategy);
  return {
    strategy,
    progress: local.progress,
    reports: reports ?? local.reports,
    group: { partitions: answer.partitions, missing: answer.missing, complete: answer.missing.length === 0 },
  };
}

/**
 * The group's answer when this instance holds every partition and its own snapshot shows exactly
 * those: that snapshot, with each partition's point (answered from memory, with no partial
 * exported and merged again); null otherwise (a peer owns some, or a partition is restoring).
 */
function wholeHere(pipeline: LivePipeline, group: GroupQuery, owners: readonly PartitionOwnerView[], strategy: Strategy): GroupSnapshot | null {
  if (owners.length === 0 || !owners.every((o) => o.self)) return null;
  const snapshot = pipeline.snapshot(strategy);
  // the points as of that snapshot (the shards': its render's), read after it
  const points = group.localPoints();
  if (points.size !== owners.length || !owners.every((o) => points.has(o.partition))) return null;
  const partitions = owners
    .map(({ partition }) => {
      const { offset, end } = points.get(partition) as { offset: number; end: number };
      return { partition, owner: 'self', offset, end, lag: Math.max(0, end - offset) };
    })
    .sort((a, b) => a.partition - b.partition);
  return { ...snapshot, group: { partitions, missing: [], complete: true } };
}
