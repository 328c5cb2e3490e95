import type { DimensionName } from '../records/schema.ts';
import { createDictionaries, type Dictionaries } from '../dictionary.ts';
import { decodeAdRate, decodePayout, decodeSubscription } from '../records/dimension-records.ts';
import { recordText, type RawBatch } from '../records/raw-batch.ts';
import { Rejection, type DeadLetter } from '../records/rejection.ts';
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

export interface DimensionApplyResult {
  readonly applied: number;
  readonly rejected: DeadLetter[];
}

/**
 * Applies a batch of serialized dimension rows in order: an upsert per valid row (a later row for
 * the same key wins), a dead letter per invalid one.
 */
export function applyDimensionBatch(dims: Dimensions, table: DimensionName, batch: RawBatch): DimensionApplyResult {
  const rejected: DeadLetter[] = [];
  let applied = 0;
  for (let i = 0; i < batch.count; i++) {
    const raw = recordText(batch, i);
    const problem = applyRow(dims, table, raw);
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

function applyRow(dims: Dimensions, table: DimensionName, raw: string): Rejection | undefined {
  switch (table) {
    case 'subscriptions': {
      const record = decodeSubscription(raw);
      if (record instanceof Rejection) return record;
      dims.subscriptions.put(record, raw);
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
