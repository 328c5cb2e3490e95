import { ReportSet, type IdTranslation, type ReportSetViews } from '../domain/aggregates/index.ts';
import { createDictionaries, type Dictionaries } from '../domain/dictionary.ts';
import type { Strategy, StrategyCost } from '../domain/run-progress.ts';
import type { Reports } from '../domain/reports/report-rows.ts';
import { InternalError } from '../errors.ts';
import type { DictionaryName, Published, PublishedPartition } from './shard-protocol.ts';

/** One shard's dictionary ids mapped to the main thread's, extended by each publish's new values. */
class ShardIds {
  private readonly maps = new Map<DictionaryName, { ids: Int32Array; size: number; identity: boolean }>();

  constructor(private readonly dicts: Dictionaries) {}

  extend(gained: Published['dictionaries']): void {
    for (const [name, values] of Object.entries(gained) as [DictionaryName, readonly string[]][]) {
      let map = this.maps.get(name);
      if (map === undefined) {
        map = { ids: new Int32Array(Math.max(16, values.length)), size: 0, identity: true };
        this.maps.set(name, map);
      }
      if (map.size + values.length > map.ids.length) {
        const grown = new Int32Array(Math.max(map.ids.length * 2, map.size + values.length));
        grown.set(map.ids.subarray(0, map.size));
        map.ids = grown;
      }
      // a first publish brings a shard's whole table (100,000 users): room for it at once, not by doubling
      const dict = this.dicts[name];
      dict.reserve(map.size + values.length);
      for (const value of values) {
        const local = map.size;
        const id = dict.intern(value);
        if (id !== local) map.identity = false;
        map.ids[map.size++] = id;
      }
    }
  }

  readonly translate: IdTranslation = (column) => {
    const map = this.maps.get(column);
    return map === undefined || map.identity ? null : map.ids;
  };
}

/** Publishes held before they are merged anyway: a bound on what a run nobody queries keeps. */
const MAX_PENDING = 64;

/** One partition's own partials, kept where partitions move, to merge again without one that left. */
interface OwnPartials {
  readonly sets: Partial<Record<Strategy, ReportSet>>;
  readonly views: Partial<Record<Strategy, ReportSetViews>>;
}

const SAME_IDS: IdTranslation = () => null;

/**
 * The shards' latest publishes, merged as they are read: one ReportSet per strategy over every
 * shard's partitions, each as of its last publish (the merger thread holds it and renders from
 * it). A publish costs what changed since the shard's previous one; rendering the rows happens
 * once per publish at most, when a render asks.
 *
 * Where partitions move (`partitionsMove`: a Kafka run's are restored, dropped and given up as
 * the group rebalances), a partition can start over, and a distinct set cannot take a partition's
 * members back out of a union: each partition's partials are then also kept on their own, and the
 * merge is rebuilt from them when one starts over or leaves (rare: a rebalance), at the cost of
 * applying every publish twice.
 */
export class PublishedReports {
  readonly dicts: Dictionaries = createDictionaries();
  private readonly ids: ShardIds[];
  private readonly latest = new Map<string, PublishedPartition>();
  private readonly costs: (Published['cost'] | null)[];
  private readonly merged = new Map<Strategy, ReportSet>();
  /** Per partition and strategy: where that partial sits in the merged set. */
  private views = new Map<string, Partial<Record<Strategy, ReportSetViews>>>();
  /** Per partition, its own partials (where partitions move); null: they never do. */
  private readonly own: Map<string, OwnPartials> | null;
  /** Per shard, the partitions its last publish listed. */
  private readonly listed: Set<string>[];
  private generation = 0;
  private readonly rendered = new Map<Strategy, { generation: number; reports: Reports; json: Uint8Array | null }>();
  private pending: Published[] = [];
  private accepted = 0;

  constructor(
    shards: number,
    private readonly strategies: readonly Strategy[],
    partitionsMove = false,
  ) {
    this.ids = Array.from({ length: shards }, () => new ShardIds(this.dicts));
    this.costs = new Array<Published['cost'] | null>(shards).fill(null);
    this.listed = Array.from({ length: shards }, () => new Set<string>());
    this.own = partitionsMove ? new Map() : null;
    for (const s of strategies) this.merged.set(s, new ReportSet());
  }

  /**
   * Takes a shard's publish: every publish of every shard, in the order the shard sent them. It is
   * merged when something reads the reports (or once enough wait), so a run nobody queries spends
   * little time merging while the shards need the cores.
   */
  accept(published: Published): void {
    this.accepted++;
    this.pending.push(published);
    if (this.pending.length >= MAX_PENDING) this.drain();
  }

  private drain(): void {
    const pending = this.pending;
    this.pending = [];
    for (const published of pending) this.merge(published);
  }

  private merge(published: Published): void {
    const ids = this.ids[published.shard];
    ids.extend(published.dictionaries);
    const listed = new Set(published.partitions.map((p) => p.partition));
    let rebuild = false;
    for (const partition of this.listed[published.shard]) {
      if (listed.has(partition)) continue;
      this.forget(partition);
      rebuild = true;
    }
    this.listed[published.shard] = listed;
    for (const p of published.partitions) {
      if (p.whole === true && this.latest.has(p.partition)) {
        this.forget(p.partition);
        rebuild = true;
      }
      let own: OwnPartials | undefined;
      if (this.own !== null) {
        own = this.own.get(p.partition);
        if (own === undefined) {
          own = { sets: {}, views: {} };
          this.own.set(p.partition, own);
        }
      }
      let views = this.views.get(p.partition);
      if (views === undefined) {
        views = {};
        this.views.set(p.partition, views);
      }
      for (const [strategy, partial] of Object.entries(p.reports) as [Strategy, NonNullable<PublishedPartition['reports'][Strategy]>][]) {
        if (!this.merged.has(strategy)) continue;
        if (own !== undefined) (own.sets[strategy] ??= new ReportSet()).applyPublished(partial, (own.views[strategy] ??= {}), ids.translate);
        // a merge about to be rebuilt takes this partial from its own set
        if (!rebuild) this.merged.get(strategy)?.applyPublished(partial, (views[strategy] ??= {}), ids.translate);
      }
      this.latest.set(p.partition, p);
    }
    if (rebuild) this.rebuild();
    this.costs[published.shard] = published.cost;
    this.generation++;
  }

  /** A partition started over or left: its partials go (the merge is rebuilt without them). */
  private forget(partition: string): void {
    if (this.own === null) throw new InternalError(`partition ${partition} started over or left, but this run's partitions never move`);
    this.own.delete(partition);
    this.views.delete(partition);
    this.latest.delete(partition);
  }

  /** The merge again, from every partition's own partials, each taken whole. */
  private rebuild(): void {
    this.views = new Map();
    for (const strategy of this.strategies) {
      const merged = new ReportSet();
      for (const [partition, own] of this.own ?? []) {
        const set = own.sets[strategy];
        if (set === undefined) continue;
        let views = this.views.get(partition);
        if (views === undefined) {
          views = {};
          this.views.set(partition, views);
        }
        merged.applyPublished(set.publish(true), (views[strategy] = {}), SAME_IDS);
      }
      this.merged.set(strategy, merged);
    }
  }

  /** Publishes taken so far (merged or waiting): what a render of them all is a render of. */
  get publishes(): number {
    return this.accepted;
  }

  /** Every partition's latest published point. */
  partitions(): PublishedPartition[] {
    this.drain();
    return [...this.latest.values()].sort((a, b) => Number(a.partition) - Number(b.partition));
  }

  /** Costs summed over shards. */
  cost(): Partial<Record<Strategy, StrategyCost>> {
    this.drain();
    const total: Partial<Record<Strategy, StrategyCost>> = {};
    for (const s of this.strategies) total[s] = { events: 0, seconds: 0, lookups: 0 };
    for (const cost of this.costs) {
      for (const [s, c] of Object.entries(cost ?? {}) as [Strategy, StrategyCost][]) {
        const t = total[s];
        if (t === undefined) continue;
        t.events += c.events;
        t.seconds += c.seconds;
        t.lookups += c.lookups;
      }
    }
    return total;
  }

  /** One strategy's reports over every published partition. */
  reportSet(strategy: Strategy): ReportSet {
    this.drain();
    return this.merged.get(strategy) as ReportSet;
  }

  /** reportSet(strategy)'s rows, rendered once per publish. */
  reports(strategy: Strategy): Reports {
    this.drain();
    const cached = this.rendered.get(strategy);
    if (cached !== undefined && cached.generation === this.generation) return cached.reports;
    const reports = this.reportSet(strategy).snapshot(this.dicts);
    this.rendered.set(strategy, { generation: this.generation, reports, json: null });
    return reports;
  }

  /** reports(strategy) as UTF-8 JSON, written once per publish: most of every /reports answer. */
  reportsJson(strategy: Strategy): Uint8Array {
    this.reports(strategy);
    const entry = this.rendered.get(strategy) as { reports: Reports; json: Uint8Array | null };
    entry.json ??= Buffer.from(JSON.stringify(entry.reports));
    return entry.json;
  }
}
