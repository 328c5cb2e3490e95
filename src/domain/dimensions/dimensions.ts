import { createDictionaries, type Dictionaries } from '../dictionary.ts';
import { decodeAdRate, decodePayout, decodeSubscription } from '../records/dimension-records.ts';
import { recordText, type RawBatch } from '../records/raw-batch.ts';
import { Rejection, type DeadLetter } from '../records/rejection.ts';
import type { DimensionName } from '../records/schema.ts';
import { AdRateTable } from './ad-rate-table.ts';
import { PayoutTable } from './payout-table.ts';
import { SubscriptionStore } from './subscription-store.ts';

/** The three dimension tables and the dictionaries they share with the event stream. */
export interface Dimensions {
  readonly dicts: Dictionaries;
  readonly subscriptions: SubscriptionStore;
  readonly adRates: AdRateTable;
  readonly payouts: PayoutTable;
}

export function createDimensions(options: { cacheSize: number }): Dimensions {
  const dicts = createDictionaries();
  return {
    dicts,
    subscriptions: new SubscriptionStore(dicts, { cacheSize: options.cacheSize }),
    adRates: new AdRateTable(dicts),
    payouts: new PayoutTable(dicts),
  };
}

/** The rows a table holds: what the dimension-rows gauge shows. */
export function tableRows(dims: Dimensions, table: DimensionName): number {
  if (table === 'subscriptions') return dims.subscriptions.size;
  if (table === 'ad_rates') return dims.adRates.size;
  return dims.payouts.size;
}

export interface DimensionApplyResult {
  readonly applied: number;
  readonly rejected: DeadLetter[];
}

/**
 * Applies a batch of serialized dimension rows in order: an upsert per valid row (a later row for
 * the same key wins), a dead letter per invalid one. Each row goes through the field scanner
 * first; what it cannot settle is decoded as text by the reference decoder, whose verdict is final.
 */
export function applyDimensionBatch(dims: Dimensions, table: DimensionName, batch: RawBatch): DimensionApplyResult {
  if (table === 'subscriptions') expectSubscriptions(dims, batch);
  else if (table === 'payouts') expectPayouts(dims, batch);
  const rejected: DeadLetter[] = [];
  let applied = 0;
  for (let i = 0; i < batch.count; i++) {
    if (applyScanned(dims, table, batch, i)) {
      applied++;
      continue;
    }
    const raw = recordText(batch, i);
    const problem = applyDecoded(dims, table, raw, batch, i);
    if (problem === undefined) {
      applied++;
    } else {
      const bytes = batch.buffers[i].subarray(batch.starts[i], batch.ends[i]);
      rejected.push({ table, origin: batch.origin, seq: batch.seqs[i], raw, reason: problem.reason, detail: problem.detail, bytes });
    }
  }
  for (const r of batch.rejects ?? []) rejected.push({ table, origin: batch.origin, seq: r.seq, raw: r.raw, reason: r.reason, detail: r.detail });
  return { applied, rejected };
}

/** The most a first batch reserves at once: beyond, the store grows by doubling as rows come. */
const MAX_EXPECTED_ROWS = 1 << 20;
const MAX_EXPECTED_BYTES = 128 << 20;

/**
 * A file's subscriptions: from the first batch, how many rows the whole file holds at this
 * batch's bytes per row (with a tenth to spare), reserved at once, up to a bound: a file of
 * gigabytes, or one whose first rows are short, must not take memory its rows may never fill.
 * Sources without a size (Kafka) grow as they go.
 */
function expectSubscriptions(dims: Dimensions, batch: RawBatch): void {
  const totalBytes = batch.position.totalBytes ?? 0;
  const rows = dims.subscriptions.size > 0 ? 0 : expectedRows(batch, MAX_EXPECTED_ROWS);
  if (rows > 0) dims.subscriptions.expect(rows, Math.min(MAX_EXPECTED_BYTES, Math.ceil(totalBytes * 1.1)));
}

/** The rows of a file from its first batch (see expectSubscriptions), at most `max`; 0 when that cannot be told. */
function expectedRows(batch: RawBatch, max: number): number {
  const { bytes, totalBytes } = batch.position;
  if (bytes === undefined || totalBytes === undefined || bytes <= 0 || batch.count === 0) return 0;
  return Math.min(max, Math.ceil(((batch.count * totalBytes) / bytes) * 1.1));
}

/** The most artists a payouts file reserves at once (4 MB of index on every shard); beyond, the index grows as they come. */
const MAX_EXPECTED_ARTISTS = 1 << 16;

/** A file's payouts: room for its artists (estimated as for subscriptions), so interning them never grows the index on the way. */
function expectPayouts(dims: Dimensions, batch: RawBatch): void {
  const artists = dims.payouts.size > 0 ? 0 : expectedRows(batch, MAX_EXPECTED_ARTISTS);
  if (artists > 0) dims.dicts.artist.reserve(artists);
}

/** The fast path: true when the field scanner read the row and it was applied. */
function applyScanned(dims: Dimensions, table: DimensionName, batch: RawBatch, i: number): boolean {
  const bytes = batch.buffers[i];
  const start = batch.starts[i];
  const end = batch.ends[i];
  switch (table) {
    case 'subscriptions':
      return dims.subscriptions.putScanned(bytes, start, end);
    case 'ad_rates':
      return dims.adRates.putScanned(bytes, start, end);
    case 'payouts':
      return dims.payouts.putScanned(bytes, start, end);
  }
}

/** The reference path for the row `raw` (record i of the batch): the Rejection when it is invalid. */
function applyDecoded(dims: Dimensions, table: DimensionName, raw: string, batch: RawBatch, i: number): Rejection | undefined {
  switch (table) {
    case 'subscriptions': {
      const record = decodeSubscription(raw);
      if (record instanceof Rejection) return record;
      // stored as it arrived, like every other row: a miss decodes these bytes again
      dims.subscriptions.put(dims.dicts.user.intern(record.user_id), batch.buffers[i], batch.starts[i], batch.ends[i]);
      return undefined;
    }
    case 'ad_rates': {
      const record = decodeAdRate(raw);
      if (record instanceof Rejection) return record;
      dims.adRates.put(record, raw);
      return undefined;
    }
    case 'payouts': {
      const record = decodePayout(raw);
      if (record instanceof Rejection) return record;
      dims.payouts.put(record, raw);
      return undefined;
    }
  }
}
