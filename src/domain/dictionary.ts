import { InternalError } from '../errors.ts';

/**
 * Dictionary encoding: each distinct string gets a dense integer id in order of first sight, so
 * aggregates index arrays and bitsets instead of hashing strings per event. Ids are stable for the
 * life of the process; dictionaries grow with distinct values (users, groups), never with events.
 */
export class Dictionary {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];

  get size(): number {
    return this.values.length;
  }

  /** The id of `value`, or -1 when it was never interned. */
  idOf(value: string): number {
    const id = this.ids.get(value);
    return id === undefined ? -1 : id;
  }

  intern(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  value(id: number): string {
    return this.values[id];
  }

  /** The values from id `start` on, in id order: what a shard publishes as its dictionary grows. */
  valuesFrom(start: number): string[] {
    return this.values.slice(start);
  }

  /** Every value in id order: the checkpoint form. */
  toState(): string[] {
    return [...this.values];
  }

  /** Restores ids exactly; only into an empty dictionary, before anything was interned. */
  importState(values: readonly string[]): void {
    if (this.values.length > 0) throw new InternalError('a dictionary can only be restored while empty');
    for (const value of values) this.intern(value);
  }
}

/** The dictionaries every stage shares: one per identifier or category column. */
export interface Dictionaries {
  readonly user: Dictionary;
  readonly artist: Dictionary;
  readonly genre: Dictionary;
  readonly region: Dictionary;
  readonly device: Dictionary;
  readonly day: Dictionary;
  readonly plan: Dictionary;
  readonly country: Dictionary;
  readonly label: Dictionary;
}

export function createDictionaries(): Dictionaries {
  return {
    user: new Dictionary(),
    artist: new Dictionary(),
    genre: new Dictionary(),
    region: new Dictionary(),
    device: new Dictionary(),
    day: new Dictionary(),
    plan: new Dictionary(),
    country: new Dictionary(),
    label: new Dictionary(),
  };
}
