import type { Dictionaries } from '../dictionary.ts';
import { InternalError } from '../../errors.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import type { ReportName, Reports } from '../reports/report-rows.ts';
import { Bitset, type SetChanges } from './bitset.ts';
import { addCounts, addDistinct, addSums, numberColumn } from './column-folds.ts';
import { PairIndex } from './pair-index.ts';

/** Enriched-batch columns holding dictionary ids, with the dictionary each id is from. */
export type IdColumn = 'artist' | 'genre' | 'region' | 'device' | 'day' | 'plan' | 'country' | 'label';
/** Enriched-batch columns holding exact integers (units of a fixed-point scale, or seconds). */
export type ValueColumn = 'duration' | 'cpmUnits' | 'rateUnits';

/**
 * What is kept per group, with its initial value and how two partials of the group combine:
 * `count` (0, adds), `sum` of an integer column (0, adds), `distinct` users (the empty set, union).
 */
export type Measure =
  | { readonly name: string; readonly kind: 'count' }
  | { readonly name: string; readonly kind: 'sum'; readonly of: ValueColumn }
  | { readonly name: string; readonly kind: 'distinct'; readonly of: 'user' };

/** One group as the report's rows see it: its key values and each measure (a distinct set as its size). */
export interface Group {
  readonly key: readonly string[];
  readonly values: Readonly<Record<string, number>>;
}

/**
 * One report, declared once (as Kafka Streams builds every aggregation from one KStreamAggregate):
 * the group key (one or two id columns), the measures per group, and the rows rendered from the
 * groups. Adding, merging partials and saving state follow from the declaration.
 */
export interface AggregateDeclaration<Name extends ReportName = ReportName> {
  readonly name: Name;
  /** Bumped whenever the saved state of this report changes meaning. */
  readonly version: number;
  readonly key: readonly [IdColumn] | readonly [IdColumn, IdColumn];
  readonly measures: readonly Measure[];
  /** The report from the groups: units converted once, sorted, cut to size. */
  readonly rows: (groups: readonly Group[]) => Reports[Name];
  /**
   * When the report is a top list: its length and the measure it ranks by (largest first). Only
   * groups that can be in it reach `rows` (every group tied with the last place too, so `rows`
   * still settles ties), which keeps a query's cost to the list, not to every group.
   */
  readonly top?: { readonly count: number; readonly by: string };
}

/** A report's saved state: named and versioned, keys as their values, so it means the same in any process. */
export interface AggregateState {
  readonly name: string;
  readonly version: number;
  /** Per group, its key values. */
  readonly keys: readonly (readonly string[])[];
  /** Per measure, one entry per group: an integer, or a distinct set as a base64 bitset over `users`. */
  readonly measures: Readonly<Record<string, readonly number[] | readonly string[]>>;
  /** The users the distinct sets index into (absent without a distinct measure). */
  readonly users?: readonly string[];
}

/**
 * A report's partial as a shard publishes it to the thread that answers queries: group keys as ids
 * of the shard's dictionaries, every measure as typed arrays (a distinct set as its words), so it
 * crosses threads by structured clone with no per-group objects.
 */
export interface AggregatePartial {
  readonly firsts: Int32Array;
  readonly seconds: Int32Array;
  /** Per measure in declaration order: per group a value, or per group a distinct set's changes. */
  readonly measures: readonly (Float64Array | SetChanges)[];
}

/**
 * Shard dictionary ids to this thread's: per key column, a table by shard id; null when ids are
 * the same. User ids are never translated: distinct sets are united word by word, so every shard
 * must number users alike (the sharded pipeline checks that they do).
 */
export type IdTranslation = (column: IdColumn) => Int32Array | null;

type Column = number[] | Bitset[];

/** The exact incremental state of one declared report. Pure: no clock, no I/O. */
export class KeyedAggregate<Name extends ReportName = ReportName> {
  private pairs = new PairIndex();
  private columns: Column[];
  private slots = new Int32Array(0);

  constructor(readonly declaration: AggregateDeclaration<Name>) {
    this.columns = declaration.measures.map((measure) => (measure.kind === 'distinct' ? [] : numberColumn([])));
  }

  get name(): Name {
    return this.declaration.name;
  }

  get groupCount(): number {
    return this.pairs.size;
  }

  /** Folds a batch, column by column: one pass for the group slots, then one tight loop per measure. */
  add(b: EnrichedBatch): void {
    const n = b.count;
    if (this.slots.length < n) this.slots = new Int32Array(n);
    const slots = this.slots;
    const [first, second] = this.declaration.key;
    groupSlots(this.pairs, b[first], second === undefined ? null : b[second], slots, n);
    this.grow();
    const measures = this.declaration.measures;
    for (let m = 0; m < measures.length; m++) {
      const measure = measures[m];
      const column = this.columns[m];
      if (measure.kind === 'count') addCounts(column as number[], slots, n);
      else if (measure.kind === 'sum') addSums(column as number[], slots, b[measure.of], n);
      else addDistinct(column as Bitset[], slots, b.user, n);
    }
  }

  /** Adds another partial of the same report (same process dictionaries): counts and sums add, sets unite. */
  merge(other: KeyedAggregate<Name>): void {
    for (let s = 0; s < other.pairs.size; s++) {
      const slot = this.pairs.slot(other.pairs.first(s), other.pairs.second(s));
      this.grow();
      this.declaration.measures.forEach((measure, m) => {
        if (measure.kind === 'distinct') (this.columns[m] as Bitset[])[slot].addAll((other.columns[m] as Bitset[])[s]);
        else (this.columns[m] as number[])[slot] += (other.columns[m] as number[])[s];
      });
    }
  }

  /** Every group, or with `top` only those ranked high enough by it to be in the top list. */
  groups(dicts: Dictionaries, top?: { readonly count: number; readonly by: string }): Group[] {
    const [first, second] = this.declaration.key;
    const out: Group[] = [];
    const floor = top === undefined ? -Infinity : this.rankFloor(top);
    const ranked = top === undefined ? null : (this.columns[this.declaration.measures.findIndex((m) => m.name === top.by)] as number[]);
    for (let s = 0; s < this.pairs.size; s++) {
      if (ranked !== null && ranked[s] < floor) continue;
      const key = second === undefined ? [dicts[first].value(this.pairs.first(s))] : [dicts[first].value(this.pairs.first(s)), dicts[second].value(this.pairs.second(s))];
      const values: Record<string, number> = {};
      this.declaration.measures.forEach((measure, m) => {
        values[measure.name] = measure.kind === 'distinct' ? (this.columns[m] as Bitset[])[s].size : (this.columns[m] as number[])[s];
      });
      out.push({ key, values });
    }
    return out;
  }

  rows(dicts: Dictionaries): Reports[Name] {
    return this.declaration.rows(this.groups(dicts, this.declaration.top));
  }

  /** The value the top list's last place has (a count or sum measure): no group below it can be in the list. */
  private rankFloor(top: { readonly count: number; readonly by: string }): number {
    const m = this.declaration.measures.findIndex((measure) => measure.name === top.by);
    const measure = this.declaration.measures[m];
    if (measure === undefined || measure.kind === 'distinct') throw new InternalError(`${this.name}: top list by ${top.by}, which is not a count or sum`);
    const values = this.columns[m] as number[];
    if (values.length <= top.count) return -Infinity;
    const sorted = Float64Array.from(values).sort();
    return sorted[sorted.length - top.count];
  }

  /** Approximate bytes of state, for the benchmark's memory figures. */
  stateBytes(): number {
    let bytes = this.pairs.size * 16;
    for (const column of this.columns) for (const value of column) bytes += typeof value === 'number' ? 8 : value.byteLength + 16;
    return bytes;
  }

  exportState(dicts: Dictionaries): AggregateState {
    const [first, second] = this.declaration.key;
    const keys: string[][] = [];
    for (let s = 0; s < this.pairs.size; s++) {
      keys.push(second === undefined ? [dicts[first].value(this.pairs.first(s))] : [dicts[first].value(this.pairs.first(s)), dicts[second].value(this.pairs.second(s))]);
    }
    // distinct sets index a list of just the users they hold, so the state needs no process dictionary
    const local = new Map<number, number>();
    const users: string[] = [];
    const measures: Record<string, number[] | string[]> = {};
    this.declaration.measures.forEach((measure, m) => {
      if (measure.kind !== 'distinct') {
        measures[measure.name] = [...(this.columns[m] as number[])];
        return;
      }
      measures[measure.name] = (this.columns[m] as Bitset[]).map((set) => {
        const remapped = new Bitset(32);
        set.forEach((user) => {
          let id = local.get(user);
          if (id === undefined) {
            id = users.length;
            local.set(user, id);
            users.push(dicts.user.value(user));
          }
          remapped.add(id);
        });
        return remapped.toState();
      });
    });
    const hasDistinct = this.declaration.measures.some((m) => m.kind === 'distinct');
    return { name: this.name, version: this.declaration.version, keys, measures, ...(hasDistinct ? { users } : {}) };
  }

  /** Replaces the state with a validated saved one (see aggregate-state-schema.ts), interning its values. */
  importState(state: AggregateState, dicts: Dictionaries): void {
    const [first, second] = this.declaration.key;
    this.pairs = new PairIndex();
    for (const key of state.keys) this.pairs.slot(dicts[first].intern(key[0]), second === undefined ? 0 : dicts[second].intern(key[1]));
    const users = (state.users ?? []).map((user) => dicts.user.intern(user));
    this.columns = this.declaration.measures.map((measure) => {
      const saved = state.measures[measure.name];
      if (measure.kind !== 'distinct') return numberColumn(saved as readonly number[]);
      return (saved as readonly string[]).map((bits) => {
        const set = new Bitset();
        Bitset.fromState(bits).forEach((local) => set.add(users[local]));
        return set;
      });
    });
  }

  /** Columns as long as the group index: a new group starts at each measure's initial value. */
  private grow(): void {
    const size = this.pairs.size;
    this.declaration.measures.forEach((measure, m) => {
      const column = this.columns[m];
      if (measure.kind === 'distinct') while (column.length < size) (column as Bitset[]).push(new Bitset());
      else while (column.length < size) (column as number[]).push(0);
    });
  }

  /**
   * This partial as a shard publishes it (see AggregatePartial), between batches. Distinct sets
   * are sent as their changes since the previous publish, so every publish must reach the reader;
   * `whole`: every member, for a reader that starts this partial over (it was restored or held again).
   */
  publish(whole = false): AggregatePartial {
    const size = this.pairs.size;
    const firsts = new Int32Array(size);
    const seconds = new Int32Array(size);
    for (let s = 0; s < size; s++) {
      firsts[s] = this.pairs.first(s);
      seconds[s] = this.pairs.second(s);
    }
    const measures = this.declaration.measures.map((measure, m) => {
      if (measure.kind !== 'distinct') return Float64Array.from(this.columns[m] as number[]);
      const sets = this.columns[m] as Bitset[];
      if (whole) for (const set of sets) set.markAll();
      let total = 0;
      for (const set of sets) total += set.changedWords;
      const changes: SetChanges = { offsets: new Int32Array(size + 1), index: new Int32Array(total), words: new Int32Array(total) };
      let at = 0;
      for (let s = 0; s < size; s++) {
        changes.offsets[s] = at;
        at = sets[s].takeChanges(changes.index, changes.words, at);
      }
      changes.offsets[size] = at;
      return changes;
    });
    return { firsts, seconds, measures };
  }

  /**
   * Folds a shard's publish into this merged aggregate (in this thread's dictionaries, user ids
   * as the shard numbers them): counts
   * and sums move by the difference from that shard's previous publish, sets take its changes.
   * `view` remembers, per shard partial, where its groups are here and its previous values.
   * Exact as long as the shard's partial only grows: one that starts over (its partition restored,
   * dropped or held again) is taken into a fresh view, rebuilding the merge (see PublishedReports).
   */
  applyPublished(partial: AggregatePartial, view: PublishedView, translate: IdTranslation): void {
    const [first, second] = this.declaration.key;
    const n = partial.firsts.length;
    if (view.slots.length < n) {
      const slots = new Int32Array(Math.max(n, view.slots.length * 2));
      slots.set(view.slots.subarray(0, view.size));
      view.slots = slots;
    }
    const mapFirst = translate(first);
    const mapSecond = second === undefined ? null : translate(second);
    for (let s = view.size; s < n; s++) {
      const a = partial.firsts[s];
      const b = partial.seconds[s];
      view.slots[s] = this.pairs.slot(mapFirst === null ? a : mapFirst[a], mapSecond === null ? b : mapSecond[b]);
    }
    view.size = n;
    this.grow();
    const slots = view.slots;
    this.declaration.measures.forEach((measure, m) => {
      if (measure.kind === 'distinct') {
        const sets = this.columns[m] as Bitset[];
        const changes = partial.measures[m] as SetChanges;
        for (let s = 0; s < n; s++) sets[slots[s]].addChanges(changes, changes.offsets[s], changes.offsets[s + 1]);
        return;
      }
      const values = this.columns[m] as number[];
      const now = partial.measures[m] as Float64Array;
      const before = view.previous[m];
      for (let s = 0; s < n; s++) values[slots[s]] += now[s] - (before !== undefined && s < before.length ? before[s] : 0);
      view.previous[m] = now;
    });
  }
}

/** Where one shard partial's groups sit in a merged aggregate, and the values it last published. */
export class PublishedView {
  slots = new Int32Array(16);
  size = 0;
  readonly previous: Float64Array[] = [];
}

/**
 * Each row's group slot, by its key (one column, or a pair). On its own rather than in add(): V8
 * compiled add's first loop on stack replacement in its first call, before the code after the
 * loop had run, and undid that code when it got there (no feedback for the group growth), once
 * per shard.
 */
function groupSlots(pairs: PairIndex, a: ArrayLike<number>, c: ArrayLike<number> | null, slots: Int32Array, n: number): void {
  if (c === null) for (let i = 0; i < n; i++) slots[i] = pairs.slot(a[i], 0);
  else for (let i = 0; i < n; i++) slots[i] = pairs.slot(a[i], c[i]);
}
