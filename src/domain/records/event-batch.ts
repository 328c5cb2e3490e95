import type { EventColumns } from './event-columns.ts';
import type { RawBatch } from './raw-batch.ts';
import type { DeadLetter } from './rejection.ts';

/**
 * Valid events of one raw batch, column by column, as dictionary ids: the columns EVENT_FIELDS
 * declares (user and artist ids are -1 when no dimension row was ever seen for them). Columnar so
 * every later stage is a tight loop over typed arrays with no per-event objects.
 */
export interface EventBatch extends EventColumns {
  readonly raw: RawBatch;
  readonly count: number;
  /** Valid event i is raw record rawIndex[i]; the naive strategy re-reads it from there. */
  readonly rawIndex: Int32Array;
  readonly rejected: readonly DeadLetter[];
}

/** Counts of valid events the inner joins dropped, by the first join that failed. */
export interface UnmatchedCounts {
  no_subscription: number;
  no_ad_rate: number;
  no_payout: number;
}

/** Events that passed all three joins, with the dimension columns the reports read. */
export interface EnrichedBatch {
  readonly count: number;
  readonly user: Int32Array;
  readonly artist: Int32Array;
  readonly genre: Int32Array;
  readonly region: Int32Array;
  readonly device: Int32Array;
  readonly day: Int32Array;
  readonly duration: Int32Array;
  readonly plan: Int32Array;
  readonly country: Int32Array;
  readonly label: Int32Array;
  /** cpm in CPM_SCALE units; ad revenue is cpm / 1000. */
  readonly cpmUnits: Float64Array;
  /** per_stream_rate in PAYOUT_SCALE units. */
  readonly rateUnits: Float64Array;
  readonly unmatched: UnmatchedCounts;
}

/**
 * Column storage for an EnrichedBatch being filled by an enrichment strategy; restart() fills the
 * same columns again for the next batch, for a caller done with the last one.
 */
export class EnrichedBatchBuilder {
  count = 0;
  readonly user: Int32Array;
  readonly artist: Int32Array;
  readonly genre: Int32Array;
  readonly region: Int32Array;
  readonly device: Int32Array;
  readonly day: Int32Array;
  readonly duration: Int32Array;
  readonly plan: Int32Array;
  readonly country: Int32Array;
  readonly label: Int32Array;
  readonly cpmUnits: Float64Array;
  readonly rateUnits: Float64Array;
  /** A new object at each restart(): a batch's result may keep its counts. */
  unmatched: UnmatchedCounts = { no_subscription: 0, no_ad_rate: 0, no_payout: 0 };

  constructor(capacity: number) {
    this.user = new Int32Array(capacity);
    this.artist = new Int32Array(capacity);
    this.genre = new Int32Array(capacity);
    this.region = new Int32Array(capacity);
    this.device = new Int32Array(capacity);
    this.day = new Int32Array(capacity);
    this.duration = new Int32Array(capacity);
    this.plan = new Int32Array(capacity);
    this.country = new Int32Array(capacity);
    this.label = new Int32Array(capacity);
    this.cpmUnits = new Float64Array(capacity);
    this.rateUnits = new Float64Array(capacity);
  }

  /** The rows its columns hold. */
  get capacity(): number {
    return this.user.length;
  }

  /** Empty again, for the next batch in the same columns: the last one's rows are overwritten. */
  restart(): void {
    this.count = 0;
    this.unmatched = { no_subscription: 0, no_ad_rate: 0, no_payout: 0 };
  }

  build(): EnrichedBatch {
    return this;
  }
}
