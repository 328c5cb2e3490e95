import { PartitionedReports, type PartitionedReportsState } from '../domain/partitioned-reports.ts';
import type { Dictionaries } from '../domain/dictionary.ts';
import type { Reports } from '../domain/reports/report-rows.ts';
import type { Strategy } from '../domain/run-progress.ts';
import { validatePartitionState } from '../checkpoint/state-schema.ts';
import { PeerError } from '../errors.ts';
import type { PartialsProvider, PartitionPartial, PeerAnswer } from './peer-answer.ts';
import { fetchPartials, type FetchPartialsOptions } from './peer-client.ts';

/** Who holds a partition, as the group's last assignment says. */
export interface PartitionOwnerView {
  readonly partition: number;
  /** The owner's advertised URL; null when it advertised none (a non-StreamPulse member). */
  readonly url: string | null;
  /** True when the owner is this instance. */
  readonly self: boolean;
}

/** One partition in a group answer: where it came from and how far it is, or why it is missing. */
export interface GroupPartition {
  readonly partition: number;
  /** The owner's URL, or "self". */
  readonly owner: string;
  readonly offset?: number;
  readonly end?: number;
  readonly lag?: number;
  /** Why the answer lacks this partition (owner unreachable, restoring, no owner); absent when present. */
  readonly missing?: string;
}

export interface GroupAnswer {
  readonly partitions: readonly GroupPartition[];
  /** The partitions the answer's reports do not include: never silently partial. */
  readonly missing: readonly number[];
  /** Partial state per partition present, as its owner gave it. */
  readonly states: ReadonlyMap<number, unknown>;
}

export interface GatherOptions {
  readonly owners: readonly PartitionOwnerView[];
  /** This instance's own partitions. */
  readonly local: PartialsProvider;
  /** The strategies every partial must hold. */
  readonly strategies: readonly Strategy[];
  readonly timeoutMs: number;
  /** Replaced in tests; the real client by default. */
  readonly fetch?: (url: string, partitions: readonly number[], options: FetchPartialsOptions) => Promise<PeerAnswer>;
}

/**
 * Collects every partition's partial from its owner: this instance's from memory, each peer's with
 * one request per peer, all at once, each bounded by `timeoutMs`. A peer that does not answer in
 * time, answers badly or lacks a partition leaves those partitions named as missing with the
 * reason; ingestion is never waited on (a peer answers from what it has folded).
 */
export async function gatherGroup(options: GatherOptions): Promise<GroupAnswer> {
  const fetch = options.fetch ?? fetchPartials;
  const byPeer = new Map<string, number[]>();
  const rows = new Map<number, GroupPartition>();
  const states = new Map<number, unknown>();
  const own: number[] = [];
  for (const o of options.owners) {
    if (o.self) own.push(o.partition);
    else if (o.url === null) rows.set(o.partition, { partition: o.partition, owner: 'unknown', missing: 'its owner is unknown here or advertises no URL' });
    else byPeer.set(o.url, [...(byPeer.get(o.url) ?? []), o.partition]);
  }
  const take = (owner: string, answer: PeerAnswer, why: string): void => {
    for (const [key, partial] of Object.entries(answer.partitions) as [string, PartitionPartial][]) {
      const partition = Number(key);
      try {
        // it came over the network: checked before anything of it is merged
        states.set(partition, validatePartitionState(partial.state, options.strategies, `partition ${partition}`));
        rows.set(partition, { partition, owner, offset: partial.offset, end: partial.end, lag: partial.lag });
      } catch (error) {
        rows.set(partition, { partition, owner, missing: `its partial is invalid: ${(error as Error).message}` });
      }
    }
    for (const partition of answer.missing) rows.set(partition, { partition, owner, missing: why });
  };
  take('self', await options.local.partials(own), 'this instance is restoring it');
  await Promise.all(
    [...byPeer].map(async ([url, partitions]) => {
      try {
        take(url, await fetch(url, partitions, { timeoutMs: options.timeoutMs }), 'its owner does not hold it (restoring or moved)');
      } catch (error) {
        const why = error instanceof PeerError ? error.message : `peer ${url}: ${(error as Error).message}`;
        for (const partition of partitions) rows.set(partition, { partition, owner: url, missing: why });
      }
    }),
  );
  const partitions = [...rows.values()].sort((a, b) => a.partition - b.partition);
  return { partitions, missing: partitions.filter((p) => p.missing !== undefined).map((p) => p.partition), states };
}

/**
 * The reports of the partitions gathered (validated by gatherGroup), merged exactly, as within
 * one instance: sums add, distinct sets unite, the top 100 from merged totals. Their values are
 * interned into `dicts`, the instance's own.
 */
export function mergeGathered(states: ReadonlyMap<number, unknown>, strategies: readonly Strategy[], dicts: Dictionaries): Partial<Record<Strategy, Reports>> {
  const scratch = new PartitionedReports(strategies);
  for (const [partition, state] of states) scratch.importPartition(String(partition), state as PartitionedReportsState[string], dicts);
  const out: Partial<Record<Strategy, Reports>> = {};
  for (const strategy of strategies) out[strategy] = scratch.merged(strategy).snapshot(dicts);
  return out;
}
