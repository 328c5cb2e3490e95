import type { Dictionaries } from '../dictionary.ts';
import type { EnrichedBatch } from '../records/event-batch.ts';
import type { ReportName, Reports } from '../reports/report-rows.ts';
import { Bitset } from './bitset.ts';
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

type Column = number[] | Bitset[];

/** The exact incremental state of one declared report. Pure: no clock, no I/O. */
export class KeyedAggregate<Name extends ReportName = ReportName> {
  private pairs = new PairIndex();
  private columns: Column[];
  private slots = new Int32Array(0);

  constructor(readonly declaration: AggregateDeclaration<Name>) {
    this.columns = declaration.measures.map(() => []);
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
    const a = b[first];
    const pairs = this.pairs;
    if (second === undefined) for (let i = 0; i < n; i++) slots[i] = pairs.slot(a[i], 0);
    else {
      const c = b[second];
      for (let i = 0; i < n; i++) slots[i] = pairs.slot(a[i], c[i]);
    }
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

  groups(dicts: Dictionaries): Group[] {
    const [first, second] = this.declaration.key;
    const out: Group[] = [];
    for (let s = 0; s < this.pairs.size; s++) {
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
    return this.declaration.rows(this.groups(dicts));
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
      if (measure.kind !== 'distinct') return [...(saved as readonly number[])];
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
}

/*
 * The per-measure loops, one function per kind and value type: every aggregate runs them, and a
 * loop that sees only one kind of array stays monomorphic, where one shared loop would not.
 */
function addCounts(counts: number[], slots: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) counts[slots[i]]++;
}

function addSums(sums: number[], slots: Int32Array, values: Int32Array | Float64Array, n: number): void {
  if (values instanceof Float64Array) addFloatSums(sums, slots, values, n);
  else addIntSums(sums, slots, values, n);
}

function addFloatSums(sums: number[], slots: Int32Array, values: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) sums[slots[i]] += values[i];
}

function addIntSums(sums: number[], slots: Int32Array, values: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) sums[slots[i]] += values[i];
}

function addDistinct(sets: Bitset[], slots: Int32Array, users: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) sets[slots[i]].add(users[i]);
}
